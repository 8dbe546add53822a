/**
 * SUBSCRIBE handling for call-info and line-seize (Kamailio's `sca_handle_subscribe`, reference
 * §3): validation with the module's exact error replies, Expires capping, new subscriptions,
 * refreshes and unsubscriptions, line-seize index allocation, then the 2xx, the NOTIFY to the
 * subscriber and — for line-seize, or when a rebooted phone's appearances were released — the
 * call-info broadcast to the AoR.
 *
 * Going further than Kamailio, a change of a stored subscription is written to the database
 * before its 2xx leaves (see store.ts): the reply, the NOTIFY and the broadcast are built at
 * once but queued behind that write.
 */
import { createResponse } from "../sip/message/create-response.ts";
import type { SipHeader } from "../sip/message/headers.ts";
import { generateTag } from "../sip/message/ids.ts";
import type { SipRequest, SipResponse } from "../sip/message/message.ts";
import { parseNameAddr, type NameAddress } from "../sip/message/name-addr.ts";
import { splitTopLevel } from "../sip/message/lexer.ts";
import { extractAor } from "./aor.ts";
import { parseCallInfo } from "./call-info.ts";
import type { ScaContext } from "./context.ts";
import type { ScaDialog } from "./dialog.ts";
import { eventFromString, type ScaEventName } from "./event.ts";
import { StringMemo } from "./memo.ts";
import { Outbox } from "./outbox.ts";
import type { NotifySource, Subscription } from "./subscriptions.ts";
import type { SubscriptionState } from "./subscription-state.ts";

/** Where the reply to a SUBSCRIBE goes (its server transaction). */
export interface ReplyChannel {
  respond(res: SipResponse): void;
}

/** How a SUBSCRIBE was answered (for tests and logs). */
export interface SubscribeOutcome {
  readonly status: number;
  readonly reason: string;
}

/** The subscription a SUBSCRIBE describes (Kamailio's `req_sub`). */
interface RequestSubscription {
  readonly subscriber: string;
  readonly aor: string;
  readonly event: ScaEventName;
  /** Granted (capped) Expires, relative seconds. */
  readonly expires: number;
  readonly state: SubscriptionState;
  readonly dialog: ScaDialog;
  readonly recordRoute: string;
  /** The request had a To tag. */
  readonly inDialog: boolean;
}

const ALLOW_EVENTS = "call-info, line-seize";

/** Upper bound of an Expires value (32-bit, as Kamailio's parser). */
const MAX_EXPIRES = 0xffffffff;

/**
 * Reads the subscription out of a SUBSCRIBE; undefined when something required is missing or
 * malformed (Kamailio then answers `400 Bad Shared Call Appearance Request`).
 */
function requestSubscription(
  ctx: ScaContext,
  req: SipRequest,
  event: ScaEventName,
  toTag: string,
): RequestSubscription | undefined {
  try {
    let expires = 0;
    const exp = req.headers.get("Expires");
    // reference §3.1: a missing Expires is 0, i.e. an unsubscribe.
    if (exp !== undefined) {
      if (!/^\d{1,10}$/.test(exp) || Number(exp) > MAX_EXPIRES) return undefined;
      expires = Number(exp);
    }
    const max = event === "line-seize" ? ctx.settings.lineSeizeMaxExpires : ctx.settings.callInfoMaxExpires;
    if (expires > max) expires = max;
    const to = req.peekTo();
    if (req.callId === "") return undefined;
    if (!isDigitsNumber(req.cseq.seq)) return undefined;
    const subscriber = contactUri(req);
    if (subscriber === undefined) return undefined;
    const from = req.peekFrom();
    if (from.tag === undefined || from.tag === "") return undefined;
    // The Request-URI must parse.
    const _ruri = req.requestUri;
    const inDialog = to.tag !== undefined;
    // Out of dialog the target is the R-URI cut at ';' and the route set is recorded; in dialog
    // it is the To URI as it stands (reference §3.1).
    const aor = inDialog ? to.uri : extractAor(req.uri);
    const recordRoute =
      inDialog || !req.headers.has("Record-Route") ? "" : req.headers.getAll("Record-Route").join(",");
    return {
      subscriber,
      aor,
      event,
      expires,
      state: expires > 0 ? "active" : "terminated",
      dialog: { callId: req.callId, fromTag: from.tag, toTag: to.tag ?? toTag },
      recordRoute,
      inDialog,
    };
  } catch {
    return undefined;
  }
}

/**
 * The single Contact URI of a message (without `<>`): undefined when missing, `*`, malformed or
 * listing more than one contact. Kamailio reads only the first Contact header line.
 */
export function contactUri(msg: {
  headers: { lines(name: string): readonly SipHeader[] };
}): string | undefined {
  const line = msg.headers.lines("Contact")[0];
  return line === undefined ? undefined : contactUris.get(line.value);
}

/** {@link contactUri} of a Contact line value. */
function contactUriOf(text: string): string | undefined {
  const value = text.trim();
  if (value === "*") return undefined;
  const parts = splitTopLevel(value, ",") ?? [value];
  if (parts.filter((p) => p.trim() !== "").length !== 1) return undefined;
  let na: NameAddress;
  try {
    na = parseNameAddr(value, "Contact");
  } catch {
    return undefined;
  }
  return na.uri;
}

/** Contact URIs by line value: every SUBSCRIBE and call event of a phone repeats its Contact. */
const contactUris = new StringMemo(contactUriOf, 4096);

/**
 * Handles one SUBSCRIBE for call-info or line-seize (any other Event gets Kamailio's 400s).
 * Returns the status it answers with (the 2xx may leave later, after the database write).
 */
export function handleSubscribe(ctx: ScaContext, req: SipRequest, tx: ReplyChannel): SubscribeOutcome {
  // sl puts the same generated tag on every reply of a request without one.
  let requestToTag: string | undefined;
  try {
    requestToTag = req.toTag;
  } catch {
    requestToTag = undefined;
  }
  const toTag = requestToTag ?? generateTag();
  const reply = (status: number, reason: string, extra?: readonly SipHeader[]): SubscribeOutcome =>
    replyTo(ctx, req, tx, toTag, status, reason, extra);

  // reference §3.3, in Kamailio's order of checks.
  if (req.method !== "SUBSCRIBE") return reply(500, "Internal server error - config");
  const eventValue = req.headers.get("Event");
  if (eventValue === undefined) return reply(400, "Missing Event");
  const event = eventFromString(eventValue);
  if (event === undefined) return reply(400, "Bad Event");
  const rs = requestSubscription(ctx, req, event, toTag);
  if (rs === undefined) return reply(400, "Bad Shared Call Appearance Request");

  let appIndex = 0;
  let requestIndex = 0;
  if (event === "line-seize") {
    const line = req.headers.lines("Call-Info")[0];
    if (line === undefined) return reply(400, "Bad Request - missing Call-Info header");
    const ci = parseCallInfo(line.value);
    if (ci === undefined) return reply(400, "Bad Request - Invalid Call-Info header");
    appIndex = ci.index;
    requestIndex = ci.index;
  }

  const now = ctx.now();
  const slot = ctx.subscriptions.slotOf(rs.aor, event);
  const found = ctx.subscriptions.find(slot, rs.subscriber);
  let stored: Subscription | undefined;
  let view: NotifySource;
  let released = 0;
  if (found !== undefined) {
    // reference §3.3: the slot lookup ignores event and AoR, so a mismatch is an error here.
    if (found.event !== event || found.subscriber !== rs.subscriber || found.aor !== rs.aor) {
      return reply(500, "Internal Server Error - update subscription");
    }
    // reference §3.4 "found (refresh, in- or out-of-dialog)".
    const d = found.dialog;
    if (d.callId !== rs.dialog.callId || d.fromTag !== rs.dialog.fromTag || d.toTag !== rs.dialog.toTag) {
      found.dialog = rs.dialog;
    }
    found.state = rs.state;
    found.subscribeCseq = 0;
    found.notifyCseq += 1;
    found.expires = now + rs.expires;
    if (requestIndex !== 0) found.index = requestIndex;
    // The NOTIFY goes the way of the SUBSCRIBE: a new route set replaces the stored one
    // (Kamailio master; 5.6.3 kept the old one), no route set reuses it.
    let recordRoute = rs.recordRoute;
    if (recordRoute === "") recordRoute = found.recordRoute;
    else found.recordRoute = recordRoute;
    stored = found;
    if (event === "line-seize") {
      if (rs.expires === 0) {
        // reference §3.4: Expires 0 releases the index named in the request's Call-Info; the
        // subscription has already been marked terminated when this fails.
        if (ctx.appearances.releaseIndex(rs.aor, requestIndex) !== "ok") {
          void ctx.persistence?.remove(found);
          return reply(500, "Internal Server Error - release seized line");
        }
      } else if (!rs.inDialog) {
        const seized = ctx.appearances.seizeIndex(rs.aor, appIndex, rs.subscriber);
        if (!seized.ok) {
          // Refreshed in memory all the same (Kamailio updates before it seizes): sync it later.
          found.dirty = true;
          return seizeFailure(reply, seized.reason);
        }
        appIndex = seized.appearance.index;
      }
    } else if (!rs.inDialog) {
      // An out-of-dialog call-info SUBSCRIBE from a known subscriber: the phone rebooted, its
      // appearances are released (reference §3.4).
      released = ctx.appearances.ownerReleaseAll(rs.aor, rs.subscriber);
      if (released > 0)
        ctx.log.info("released appearances of rebooted subscriber", { released, subscriber: rs.subscriber });
    }
    view = sourceOf(rs, recordRoute, found.notifyCseq);
  } else {
    if (rs.inDialog) return reply(481, "Call Leg/Transaction Does Not Exist");
    if (rs.expires > 0) {
      if (event === "line-seize") {
        const seized = ctx.appearances.seizeIndex(rs.aor, appIndex, rs.subscriber);
        if (!seized.ok) return seizeFailure(reply, seized.reason);
        appIndex = seized.appearance.index;
      }
      stored = {
        subscriber: rs.subscriber,
        aor: rs.aor,
        event,
        expires: now + rs.expires,
        state: "active",
        index: event === "line-seize" ? appIndex : 0,
        dialog: rs.dialog,
        recordRoute: rs.recordRoute,
        notifyCseq: 0,
        subscribeCseq: 0,
        serverId: ctx.settings.serverId,
        slot,
        outbox: new Outbox(ctx.log),
        cseqCeiling: Number.POSITIVE_INFINITY,
        dirty: false,
      };
      ctx.appearances.register(rs.aor);
      ctx.subscriptions.insert(stored);
    }
    // Not found with Expires 0: nothing is stored; the NOTIFY says terminated (reference §3.4).
    view = sourceOf(rs, rs.recordRoute, 0);
  }

  // Write-through before the 2xx: a removal for an unsubscribe, else the new state.
  let gate: Promise<void> | undefined;
  if (stored !== undefined && ctx.persistence !== undefined) {
    gate = rs.expires === 0 ? ctx.persistence.remove(stored) : ctx.persistence.save(stored);
  }
  const status = event === "call-info" ? 202 : 200;
  const reason = event === "call-info" ? "Accepted" : "OK";
  const ok = (): void => {
    reply(status, reason, [
      event === "call-info" ? CALL_INFO_EVENT_LINE : LINE_SEIZE_EVENT_LINE,
      { name: "Contact", value: ctx.settings.serverAddress ?? req.uri },
      ALLOW_EVENTS_LINE,
      { name: "Expires", value: String(rs.expires) },
    ]);
  };
  if (stored === undefined) ok();
  else stored.outbox.push(ok, gate);
  // Built now, sent in order after the 2xx (reference §3.6).
  ctx.notifier.notifySubscriber(view, event === "line-seize" ? appIndex : 0, stored, gate);
  if (event === "line-seize" || released > 0) ctx.notifier.notifyCallInfoSubscribers(rs.aor, gate);
  return { status, reason };
}

/** The reply to a failed seize. */
function seizeFailure(
  reply: (status: number, reason: string, extra?: readonly SipHeader[]) => SubscribeOutcome,
  reason: "unavailable" | "not-shared",
): SubscribeOutcome {
  return reason === "unavailable"
    ? reply(480, "Temporarily Unavailable", [{ name: "Retry-After", value: "1" }])
    : reply(500, "Internal Server Error - seize appearance index");
}

/** The NOTIFY source of a SUBSCRIBE (Kamailio passes the request's subscription). */
function sourceOf(rs: RequestSubscription, recordRoute: string, notifyCseq: number): NotifySource {
  return {
    subscriber: rs.subscriber,
    aor: rs.aor,
    event: rs.event,
    expires: rs.expires,
    state: rs.state,
    dialog: rs.dialog,
    recordRoute,
    notifyCseq,
  };
}

/** Event and Allow-Events lines of the 2xx (lines are never changed in place: shared). */
const CALL_INFO_EVENT_LINE: SipHeader = { name: "Event", value: "call-info" };
const LINE_SEIZE_EVENT_LINE: SipHeader = { name: "Event", value: "line-seize" };
const ALLOW_EVENTS_LINE: SipHeader = { name: "Allow-Events", value: ALLOW_EVENTS };

/** The Server line of the last reply, reused while the setting stays the same. */
let serverLine: SipHeader | undefined;

/** Answers the SUBSCRIBE: sl's reply, `extra` lines then Server. */
function replyTo(
  ctx: ScaContext,
  req: SipRequest,
  tx: ReplyChannel,
  toTag: string,
  status: number,
  reason: string,
  extra: readonly SipHeader[] | undefined,
): SubscribeOutcome {
  const value = ctx.settings.serverHeader;
  if (serverLine === undefined || serverLine.value !== value) serverLine = { name: "Server", value };
  const headers = extra === undefined ? [serverLine] : [...extra, serverLine];
  tx.respond(createResponse(req, status, reason, { toTag, headers }));
  return { status, reason };
}

/** True when `n` prints as digits only (what Kamailio's CSeq number parser accepts). */
function isDigitsNumber(n: number): boolean {
  // String(n) is all digits exactly for the integers 0 … 1e21 (above, exponent notation).
  return Number.isInteger(n) && n >= 0 && n < 1e21;
}
