/**
 * Appearance state from the calls the proxy relays: Kamailio's `sca_call_info_update` with its
 * INVITE, CANCEL, BYE, PRACK and REFER handlers, the end-to-end ACK callback, the local error
 * reply callbacks and the pick-up of a held call (reference §6). Every branch follows the
 * module's code, quirks included; the section of the reference is cited above each.
 */
import type { SipMessage, SipRequest, SipResponse } from "../sip/message/message.ts";
import type { NameAddress } from "../sip/message/name-addr.ts";
import { aorFromContact, canonicalAor, extractAor } from "./aor.ts";
import { AppearanceTable } from "./appearance.ts";
import type { AppearanceState } from "./appearance-state.ts";
import { parseCallInfo } from "./call-info.ts";
import type { ScaContext } from "./context.ts";
import { replacesValue, type ScaDialog } from "./dialog.ts";
import { terminateSubscription } from "./lifecycle.ts";
import { messageIsOnHold } from "./sdp-hold.ts";
import { contactUri } from "./subscribe.ts";

/** Kamailio's return codes: 1 ok, -1 error (logged), 0 the script must stop (403 sent). */
export type UpdateResult = -1 | 0 | 1;

/** The transaction callbacks the INVITE handler registers (tm's TMCB_* in Kamailio). */
export interface CallbackRegistrar {
  /** TMCB_E2EACK_IN: run {@link ackCallback} on the ACK of this INVITE's 2xx. */
  e2eAck(): void;
  /** TMCB_RESPONSE_READY: run {@link localErrorReply} on a final ≥ 400 sent for this INVITE. */
  responseReady(): void;
}

/** For messages whose callbacks nobody collects. */
export const NO_CALLBACKS: CallbackRegistrar = { e2eAck: () => undefined, responseReady: () => undefined };

/** Methods `sca_call_info_update` handles (reference §6). */
export const SCA_METHODS: ReadonlySet<string> = new Set(["INVITE", "CANCEL", "BYE", "PRACK", "REFER"]);

/**
 * Kamailio's `sca_call_info` of a message. Without a Call-Info header it is zeroed: index 0 and
 * state idle, which is *not* "empty"; a header with index 0 and no state is empty.
 */
interface CallInfoView {
  readonly index: number;
  /** undefined = Kamailio's "unknown" (not given). */
  readonly state: AppearanceState | undefined;
  /** The message had a Call-Info header. */
  readonly present: boolean;
}

/** Everything the handlers get about the message. */
interface Ctx {
  readonly sca: ScaContext;
  readonly ci: CallInfoView;
  /** Caller / callee side is an SCA AoR and the Call-Info is not empty. */
  readonly sharedCaller: boolean;
  readonly sharedCallee: boolean;
  readonly from: NameAddress;
  readonly to: NameAddress;
  readonly fromTag: string;
  readonly toTag: string;
  readonly fromAor: string;
  readonly toAor: string;
  /** "" when the message has no Contact. */
  readonly contact: string;
  readonly callId: string;
  readonly callbacks: CallbackRegistrar;
}

function isEmptyCallInfo(ci: CallInfoView): boolean {
  return ci.index === 0 && ci.state === undefined;
}

/**
 * Updates appearance state from a request or reply and strips its Call-Info headers (reference
 * §6.1). Returns Kamailio's code; `callbacks` receives the transaction callbacks an INVITE
 * registers.
 */
export function callInfoUpdate(
  sca: ScaContext,
  msg: SipMessage,
  callbacks: CallbackRegistrar = NO_CALLBACKS,
): UpdateResult {
  const isRequest = msg.kind === "request";
  let method: string;
  try {
    method = isRequest ? msg.method : msg.cseq.method;
  } catch {
    return 1;
  }
  if (!SCA_METHODS.has(method)) return 1;

  // Only the first Call-Info line is read; a parse failure ends processing before the strip.
  const line = msg.headers.lines("Call-Info")[0];
  let ci: CallInfoView = { index: 0, state: "idle", present: false };
  if (line !== undefined) {
    const parsed = parseCallInfo(line.value);
    if (parsed === undefined) {
      sca.log.warn("bad Call-Info header", { value: line.value });
      return -1;
    }
    ci = { index: parsed.index, state: parsed.state, present: true };
  }
  let from: NameAddress;
  let to: NameAddress;
  let callId: string;
  try {
    // Read only (the shared parses, no copies).
    from = msg.peekFrom();
    to = msg.peekTo();
    callId = msg.callId;
  } catch {
    return -1;
  }
  if (from.tag === undefined || from.tag === "") return -1;
  let contact = "";
  if (msg.headers.lines("Contact").length > 0) {
    const c = contactUri(msg);
    if (c === undefined) return -1;
    contact = c;
  }
  const contactOrUndefined = contact === "" ? undefined : contact;
  // reference §6.1 step 2: the canonical AoR of the side that sent the message.
  const fromAor = isRequest ? canonicalAor(from.uri, contactOrUndefined) : extractAor(from.uri);
  const toAor = isRequest ? extractAor(to.uri) : canonicalAor(to.uri, contactOrUndefined);
  if (fromAor === undefined || toAor === undefined) return -1;

  // reference §6.1 step 3. Kamailio keeps two notions: the AoR is an SCA line (decides whether a
  // handler runs at all) and "shared" for the handlers, which also needs a non-empty Call-Info.
  let callerIsSca = sca.appearances.isShared(fromAor);
  let calleeIsSca = sca.appearances.isShared(toAor);
  // reference §6.1 step 4: without Call-Info, an AoR nobody subscribes to stops being SCA.
  if (line === undefined) {
    if (callerIsSca && isRequest) {
      if (!sca.subscriptions.hasSubscribers(fromAor)) {
        callerIsSca = false;
        sca.appearances.unregister(fromAor);
      }
    } else if (calleeIsSca && !isRequest) {
      if (!sca.subscriptions.hasSubscribers(toAor)) {
        calleeIsSca = false;
        sca.appearances.unregister(toAor);
      }
    }
  }
  // reference §6.1 step 5: the far end never sees Call-Info.
  msg.headers.delete("Call-Info");
  if (!callerIsSca && !calleeIsSca) return -1;

  const empty = isEmptyCallInfo(ci);
  const c: Ctx = {
    sca,
    ci,
    sharedCaller: callerIsSca && !empty,
    sharedCallee: calleeIsSca && !empty,
    from,
    to,
    fromTag: from.tag,
    toTag: to.tag ?? "",
    fromAor,
    toAor,
    contact,
    callId,
    callbacks,
  };
  switch (method) {
    case "INVITE":
      return inviteHandler(c, msg);
    case "BYE":
      return isRequest ? byeRequest(c) : byeReply(c);
    case "CANCEL":
      return isRequest ? cancelRequest(c) : 1;
    default:
      // PRACK and REFER handlers do nothing (reference §6).
      return 1;
  }
}

function broadcast(c: Ctx, aor: string): void {
  c.sca.notifier.notifyCallInfoSubscribers(aor);
}

function dialogOf(c: Ctx): ScaDialog {
  return { callId: c.callId, fromTag: c.fromTag, toTag: c.toTag };
}

function inviteHandler(c: Ctx, msg: SipMessage): UpdateResult {
  if (c.contact === "") return 1;
  if (msg.kind === "request") return inviteRequest(c, msg);
  switch (msg.status) {
    case 100:
      return 1;
    case 180:
    case 183:
      return inviteReply18x(c);
    case 200:
      return inviteReply200(c, msg);
    case 300:
    case 301:
    case 302:
      // reference §6.2: redirection leaves the seized line to the phone.
      return 1;
    default:
      return inviteReplyError(c, msg.status);
  }
}

/** reference §6.2 "INVITE request", §6.4 pick-up. */
function inviteRequest(c: Ctx, msg: SipRequest): UpdateResult {
  c.callbacks.e2eAck();
  if (!c.sharedCaller) return 1;
  c.callbacks.responseReady();
  let state: AppearanceState | undefined;
  if (messageIsOnHold(msg)) {
    // Call-Info's held-private only refines a hold seen in the SDP.
    state = c.ci.state === "held-private" ? "held-private" : "held";
  } else if (c.toTag !== "") {
    // A re-INVITE from the SCA line without hold SDP: resumed.
    state = "active";
  } else {
    const pickup = pickupKind(c);
    if (pickup === "private") return 0;
    if (pickup === "held") {
      const rc = seizeHeldCall(c, msg);
      if (rc <= 0) return rc;
    }
  }
  const outcome = c.sca.appearances.updateIndex(c.fromAor, c.ci.index, state, undefined, dialogOf(c));
  if (outcome !== "ok")
    c.sca.log.debug("INVITE for an appearance not in use", { aor: c.fromAor, index: c.ci.index });
  // Always, even when nothing changed (reference §6.2, observed).
  broadcast(c, c.fromAor);
  return 1;
}

/**
 * An INVITE from a member to its own AoR, without To tag, naming an appearance index with
 * Call-Info (reference §6.4): a pick-up when that appearance is held; refused (403) when it is
 * held privately.
 */
function pickupKind(c: Ctx): "held" | "private" | "none" {
  if (isEmptyCallInfo(c.ci) || c.toTag !== "" || c.fromAor !== c.toAor) return "none";
  const state = c.sca.appearances.stateForIndex(c.fromAor, c.ci.index);
  if (state === "held") return "held";
  if (state === "held-private") return "private";
  return "none";
}

/**
 * True when an INVITE is a pick-up of a privately held appearance, which Linekey must refuse
 * with `403 Forbidden - private call` before relaying it (reference §6.4).
 */
export function isPrivatePickup(sca: ScaContext, req: SipRequest): boolean {
  if (req.method !== "INVITE") return false;
  try {
    const line = req.headers.lines("Call-Info")[0];
    if (line === undefined) return false;
    const parsed = parseCallInfo(line.value);
    if (parsed === undefined || (parsed.index === 0 && parsed.state === undefined)) return false;
    if (req.toTag !== undefined) return false;
    const fromTag = req.fromTag;
    if (fromTag === undefined || fromTag === "") return false;
    const contact = contactUri(req);
    const fromAor = canonicalAor(req.peekFrom().uri, contact);
    if (fromAor === undefined || fromAor !== extractAor(req.peekTo().uri)) return false;
    return sca.appearances.stateForIndex(fromAor, parsed.index) === "held-private";
  } catch {
    return false;
  }
}

/** reference §6.4: re-target the INVITE to the held party with Replaces, move the appearance. */
function seizeHeldCall(c: Ctx, msg: SipRequest): UpdateResult {
  const apps = c.sca.appearances;
  const app = apps.forIndex(c.fromAor, c.ci.index);
  if (app === undefined || app.callee === "") {
    c.sca.log.warn("pick-up of an appearance without far end", { aor: c.fromAor, index: c.ci.index });
    return -1;
  }
  msg.uri = app.callee;
  const prev = app.dialog;
  const replaces = replacesValue(prev);
  if (replaces === undefined) return -1;
  let calleeAor: string | undefined;
  if (app.callee.includes("@")) {
    calleeAor = aorFromContact(app.callee, c.fromAor);
    if (calleeAor === undefined) return -1;
  }
  msg.headers.append("Replaces", replaces);
  apps.replaceOwner(app, c.contact);
  apps.replaceDialog(app, dialogOf(c));
  app.ownerPending = true;
  apps.setState(app, "active");
  // The far end is itself an SCA line: its appearance follows the new dialog.
  if (calleeAor !== undefined && apps.isShared(calleeAor)) {
    const far = apps.forDialog(calleeAor, prev.callId, prev.toTag);
    if (far === undefined) return -1;
    far.calleePending = true;
    apps.replaceCallee(far, c.contact);
    apps.replaceDialog(far, { callId: c.callId, fromTag: c.toTag, toTag: c.fromTag });
  }
  return 1;
}

/** reference §6.2 "180 / 183": progressing; the first one ends the owner's line-seize. */
function inviteReply18x(c: Ctx): UpdateResult {
  const apps = c.sca.appearances;
  if (!apps.isShared(c.fromAor)) return 1;
  const app = apps.forDialog(c.fromAor, c.callId, c.fromTag);
  if (app === undefined) return -1;
  const owner = app.owner;
  const changed = app.state !== "progressing";
  if (changed) apps.setState(app, "progressing");
  if (changed) {
    terminateSubscription(c.sca, c.fromAor, "line-seize", owner, "noresource", false);
    broadcast(c, c.fromAor);
  }
  return 1;
}

/** reference §6.2 "200 to INVITE", both sides. */
function inviteReply200(c: Ctx, res: SipResponse): UpdateResult {
  let rc: UpdateResult = -1;
  if (c.sharedCallee && c.fromAor !== c.toAor) rc = calleeUriUpdate(c);
  if (!c.sharedCaller) {
    if (rc === 1) broadcast(c, c.fromAor);
    return rc;
  }
  // P-Asserted-Identity: "<To display> <canonical To AoR>", after the other headers.
  const pai = canonicalAor(c.to.uri, c.contact);
  if (pai === undefined) c.sca.log.warn("cannot build P-Asserted-Identity", { to: c.to.uri });
  else res.headers.append("P-Asserted-Identity", `${c.to.rawDisplayName ?? ""} <${pai}>`);
  const apps = c.sca.appearances;
  const app = apps.forDialog(c.fromAor, c.callId, c.fromTag);
  if (app === undefined) {
    // Not an SCA call after all; the broadcast still goes out (reference §6.2).
    broadcast(c, c.fromAor);
    return 1;
  }
  const state: AppearanceState | undefined = AppearanceTable.isHeld(app) ? undefined : "active";
  let display: string | undefined;
  let uri: string | undefined;
  // A 200 to a re-INVITE (From AoR = To AoR) keeps the appearance-uri.
  if (c.fromAor !== c.toAor) {
    display = c.to.rawDisplayName;
    uri = canonicalAor(c.to.uri, c.contact);
    if (uri === undefined) return -1;
  }
  apps.update(app, { state, display, uri, dialog: dialogOf(c), callee: c.contact });
  broadcast(c, c.fromAor);
  return 1;
}

/**
 * The callee side of a 200 (Kamailio's `sca_call_info_uri_update`): the appearance by Call-Info
 * index, else by dialog, is updated; else one is seized (Call-Info index or the next free one) in
 * active-pending, with the caller as appearance-uri and far end.
 *
 * The dialog is kept as the SCA phone sees it (its own tag as from-tag), which is what every
 * later lookup of a callee appearance assumes — the ACK "by Call-ID and To tag as from-tag" that
 * promotes it to active, the BYE and CANCEL of either side, the pick-up of a shared far end
 * (reference §6.2, §6.4). Kamailio stores the caller's tag there instead, so its promotion never
 * matches and the stale purge drops the appearance after 35 s; Linekey follows the reference.
 * For the same reason a 200 without Call-Info leaves the state of a found appearance alone
 * (Kamailio's zeroed struct would write "idle" into the list).
 */
function calleeUriUpdate(c: Ctx): UpdateResult {
  const apps = c.sca.appearances;
  if (!apps.isShared(c.toAor)) return 1;
  const dialog: ScaDialog = { callId: c.callId, fromTag: c.toTag, toTag: c.fromTag };
  const app = apps.forIndex(c.toAor, c.ci.index) ?? apps.forDialog(c.toAor, c.callId, c.toTag);
  if (app !== undefined) {
    apps.update(app, { state: c.ci.present ? c.ci.state : undefined, dialog, owner: c.contact });
    return 1;
  }
  const seized = apps.seizeIndex(c.toAor, c.ci.index, c.contact);
  if (!seized.ok) {
    c.sca.log.warn("cannot seize callee appearance", { aor: c.toAor, index: c.ci.index });
    return -1;
  }
  apps.update(seized.appearance, {
    state: "active-pending",
    display: c.from.rawDisplayName,
    uri: c.from.uri,
    dialog,
    owner: c.contact,
    callee: c.from.uri,
  });
  return 1;
}

/** reference §6.2 ">= 400 reply processed by the function" (reachable for 181/182/2xx≠200/3xx≠30x). */
function inviteReplyError(c: Ctx, status: number): UpdateResult {
  if (status === 487) return 1;
  if (c.sca.appearances.isShared(c.fromAor)) {
    const app = c.sca.appearances.unlinkByTags(c.fromAor, c.callId, c.fromTag);
    if (app === undefined) return -1;
    broadcast(c, c.fromAor);
  }
  return 1;
}

/** reference §6.2 "BYE request". */
function byeRequest(c: Ctx): UpdateResult {
  const apps = c.sca.appearances;
  if (c.sharedCaller) {
    if (!apps.isShared(c.fromAor)) return -1;
    let app = c.ci.index !== 0 ? apps.forIndex(c.fromAor, c.ci.index) : undefined;
    app ??= apps.forDialog(c.fromAor, c.callId, c.fromTag);
    if (app === undefined) return -1;
    if (app.dialog.callId === c.callId) {
      apps.unlink(c.fromAor, app);
      broadcast(c, c.fromAor);
    }
  }
  if (c.sharedCallee) {
    if (!apps.isShared(c.toAor)) return 1;
    const app = apps.forDialog(c.toAor, c.callId, c.toTag);
    if (app === undefined) return 1;
    if (app.dialog.callId === c.callId) {
      apps.unlink(c.toAor, app);
      broadcast(c, c.toAor);
    }
  }
  return 1;
}

/** reference §6.2 "BYE reply" (a backup of the request's handling, callee side). */
function byeReply(c: Ctx): UpdateResult {
  if (!c.sharedCallee) return 1;
  const apps = c.sca.appearances;
  const app = apps.forIndex(c.toAor, c.ci.index) ?? apps.forDialog(c.toAor, c.callId, c.toTag);
  if (app === undefined) return 1;
  if (app.dialog.callId === c.callId) {
    apps.unlink(c.toAor, app);
    broadcast(c, c.toAor);
  }
  return 1;
}

/** reference §6.2 "CANCEL request". */
function cancelRequest(c: Ctx): UpdateResult {
  const apps = c.sca.appearances;
  if (c.sharedCaller && apps.unlinkByTags(c.fromAor, c.callId, c.fromTag) !== undefined)
    broadcast(c, c.fromAor);
  if (
    c.toTag !== "" &&
    apps.isShared(c.toAor) &&
    apps.unlinkByTags(c.toAor, c.callId, c.toTag) !== undefined
  ) {
    broadcast(c, c.toAor);
  }
  return 1;
}

/**
 * The end-to-end ACK of an INVITE's 2xx (reference §6.2 "ACK"): a hold SDP in the ACK holds the
 * caller's appearance; the callee's appearance is promoted from active-pending, and the To AoR,
 * when shared, always gets a broadcast.
 */
export function ackCallback(sca: ScaContext, ack: SipRequest): void {
  let from: NameAddress;
  let to: NameAddress;
  try {
    from = ack.from;
    to = ack.to;
  } catch {
    return;
  }
  if (from.tag === undefined || from.tag === "") return;
  const fromAor = canonicalAor(from.uri, contactUri(ack));
  if (fromAor === undefined) return;
  const toAor = extractAor(to.uri);
  const apps = sca.appearances;
  if (apps.isShared(fromAor)) {
    const app = apps.forDialog(fromAor, ack.callId, from.tag);
    if (app !== undefined && messageIsOnHold(ack)) {
      apps.setState(app, "held");
      sca.notifier.notifyCallInfoSubscribers(fromAor);
    }
  }
  if (!apps.isShared(toAor)) return;
  const app = apps.forDialog(toAor, ack.callId, to.tag ?? "");
  if (app?.state === "active-pending") apps.setState(app, "active");
  sca.notifier.notifyCallInfoSubscribers(toAor);
}

interface ErrorReplySide {
  readonly aor: string;
  readonly contact: string;
  readonly callId: string;
  readonly fromTag: string;
}

function errorReplySide(sca: ScaContext, req: SipRequest): ErrorReplySide | undefined {
  try {
    const from = req.from;
    if (from.tag === undefined || from.tag === "") return undefined;
    // The To header must parse, as for Kamailio's callback.
    const _to = req.to;
    const aor = extractAor(from.uri);
    if (!sca.appearances.isShared(aor)) return undefined;
    let contact = "";
    if (req.headers.lines("Contact").length > 0) {
      const c = contactUri(req);
      if (c === undefined) return undefined;
      contact = c;
    }
    return { aor, contact, callId: req.callId, fromTag: from.tag };
  } catch {
    return undefined;
  }
}

/**
 * A final ≥ 400 sent for an INVITE whose caller was shared (Kamailio's TMCB_RESPONSE_READY,
 * reference §6.2): the line-seize of the request's Contact ends with
 * `terminated;reason=noresource` and its index is released; without one, the appearance of the
 * dialog is released. Either way the AoR hears of it.
 */
export function localErrorReply(sca: ScaContext, req: SipRequest): void {
  const side = errorReplySide(sca, req);
  if (side === undefined) return;
  const outcome = terminateSubscription(sca, side.aor, "line-seize", side.contact, "noresource", true);
  if (
    outcome === "not-found" &&
    sca.appearances.unlinkByTags(side.aor, side.callId, side.fromTag) !== undefined
  ) {
    sca.notifier.notifyCallInfoSubscribers(side.aor);
  }
}

/**
 * A stateless error reply to an INVITE (Kamailio's `sl` callback, reference §6.2): for ≥ 400
 * except 401/407 from a shared AoR, the line-seize of the request's Contact ends and its index
 * is released.
 */
export function statelessErrorReply(sca: ScaContext, req: SipRequest, status: number): void {
  if (req.method !== "INVITE" || status < 400 || status === 401 || status === 407) return;
  const side = errorReplySide(sca, req);
  if (side === undefined) return;
  terminateSubscription(sca, side.aor, "line-seize", side.contact, "noresource", true);
}
