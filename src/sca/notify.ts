/**
 * NOTIFYs (reference §4): building them exactly as Kamailio's `sca` module does (header set and
 * order, Call-Info value, Subscription-State variants, CSeq +1 per NOTIFY of a dialog, route set
 * from the SUBSCRIBE's Record-Route) and sending them in-dialog through the transaction layer,
 * which retransmits over UDP until a final response. A NOTIFY answered with an error or not
 * answered is only logged: the subscription stays (§4.1, Kamailio's removal code is unreachable).
 */
import { SipHeaders, type SipHeader } from "../sip/message/headers.ts";
import { SipRequest, type SipResponse } from "../sip/message/message.ts";
import { parseNameAddr } from "../sip/message/name-addr.ts";
import { parseSipUri, unbracket } from "../sip/message/uri.ts";
import type { FinalResponseHandler } from "../sip/final-response.ts";
import type { TransportTarget } from "../sip/transport/types.ts";
import type { Logger } from "../util/logger.ts";
import type { AppearanceTable } from "./appearance.ts";
import { buildCallInfoList, buildLineSeizeCallInfo } from "./call-info.ts";
import type { NotifySource, Subscription, SubscriptionTable } from "./subscriptions.ts";
import { subscriptionStateValue } from "./subscription-state.ts";

/** What the module needs from the SIP stack to send a request (the SIP server, or a test UAC). */
export interface ScaRequestSender {
  /**
   * Sends a request in a new client transaction and gives its final response to `handler` (a
   * timeout as a 408, a send failure or no route as a 503), possibly before returning. The
   * sender adds the top Via. No promise per NOTIFY.
   */
  sendRequestTo(req: SipRequest, target: TransportTarget | undefined, handler: FinalResponseHandler): void;
}

/** Gives the CSeq lease check of the store (see store.ts). */
export interface CseqLeases {
  /** Undefined when `cseq` may go out now; else a promise settled once the database allows it. */
  gate(sub: Subscription, cseq: number): Promise<unknown> | undefined;
}

/** Settings of the NOTIFY builder. */
export interface NotifierSettings {
  /** Kamailio's `server_address`: the Contact of replies and NOTIFYs instead of the R-URI/AoR. */
  readonly serverAddress?: string | undefined;
  /** `User-Agent` of NOTIFYs. */
  readonly userAgent: string;
}

/** Counters (RPC, benchmarks, tests). */
export interface NotifyStats {
  sent: number;
  succeeded: number;
  failed: number;
}

/**
 * Everything a NOTIFY needs beyond its dialog, as header lines: one set per broadcast, shared by
 * every recipient's NOTIFY (lines are never changed in place, see SipHeaders).
 */
interface SharedHeaders {
  readonly contact: SipHeader;
  readonly callInfo: SipHeader;
  readonly event: SipHeader;
  readonly subscriptionState: SipHeader;
}

/**
 * The lines and target of a subscription's NOTIFYs that change only with its dialog or route
 * set, kept on the subscription: every call event on a line NOTIFYs the same subscribers again.
 * Valid while the fields it was made from are unchanged (compared on use).
 */
export interface NotifyDialogLines {
  readonly aor: string;
  readonly subscriber: string;
  readonly callId: string;
  readonly fromTag: string;
  readonly toTag: string;
  readonly recordRoute: string;
  /** Request-URI: the subscriber, or a strict first hop. */
  readonly uri: string;
  /** The Route line; undefined without a route set. */
  readonly route: SipHeader | undefined;
  readonly to: SipHeader;
  readonly from: SipHeader;
  readonly callIdLine: SipHeader;
}

/** Header keys of a NOTIFY as {@link Notifier} builds it, after its Route (when it has one). */
const NOTIFY_KEYS: readonly string[] = [
  "to",
  "from",
  "cseq",
  "call-id",
  "max-forwards",
  "content-length",
  "user-agent",
  "contact",
  "call-info",
  "event",
  "subscription-state",
];

/** Lines every NOTIFY carries as they are. */
const MAX_FORWARDS_LINE: SipHeader = { name: "Max-Forwards", value: "70" };
const CONTENT_LENGTH_LINE: SipHeader = { name: "Content-Length", value: "0" };

/** Next hops remembered (see Notifier#hop). */
const MAX_HOPS = 65536;

/** What a log line says about a NOTIFY (read only when there is something to log). */
function describe(req: SipRequest): { to: string; callId: string | undefined; cseq: string | undefined } {
  return { to: req.uri, callId: req.header("Call-ID"), cseq: req.header("CSeq") };
}

/** Builds and sends SCA NOTIFYs. */
export class Notifier implements FinalResponseHandler {
  readonly stats: NotifyStats = { sent: 0, succeeded: 0, failed: 0 };
  private readonly hops = new Map<string, TransportTarget | undefined>();
  private userAgentLine: SipHeader | undefined;
  /** When set, NOTIFY CSeqs above the persisted ceiling wait for the database (store.ts). */
  leases: CseqLeases | undefined;

  constructor(
    private readonly deps: {
      readonly sender: ScaRequestSender;
      readonly appearances: AppearanceTable;
      readonly subscriptions: SubscriptionTable;
      readonly settings: NotifierSettings;
      /** Current time, unix seconds. */
      readonly now: () => number;
      readonly log: Logger;
    },
  ) {}

  /**
   * NOTIFYs one subscriber (Kamailio's `sca_notify_subscriber`): the whole Call-Info list when
   * `appIndex` is 0, else only that index. `source` gives the dialog, state and expiry; `stored`,
   * when the subscription is stored, orders the send behind its earlier ones.
   */
  notifySubscriber(
    source: NotifySource,
    appIndex: number,
    stored?: Subscription,
    gate?: Promise<unknown>,
  ): void {
    const shared = this.sharedHeaders(source, appIndex);
    if (shared === undefined) return;
    this.send(source, shared, stored, gate);
  }

  /**
   * The call-info broadcast (reference §4.4): every subscription in the AoR's call-info slot gets
   * a NOTIFY whose Contact, Call-Info, Event and Subscription-State come from the first
   * (newest) of them; each recipient gets its own dialog and CSeq (+1). With `gate`, the
   * NOTIFYs are built now but wait for it (the write-through of the SUBSCRIBE that caused them).
   */
  notifyCallInfoSubscribers(aor: string, gate?: Promise<unknown>): void {
    const recipients = this.deps.subscriptions.callInfoRecipients(aor);
    const first = recipients[0];
    if (first === undefined) return;
    const shared = this.sharedHeaders(first, 0);
    if (shared === undefined) return;
    for (const sub of recipients) {
      sub.notifyCseq += 1;
      this.send(sub, shared, sub, gate);
    }
  }

  /**
   * Builds the NOTIFY of `source` and queues it on `stored` (when given: the source itself, or
   * the subscription a SUBSCRIBE's view describes), which keeps the dialog lines for next time.
   */
  private send(
    source: NotifySource,
    shared: SharedHeaders,
    stored: Subscription | undefined,
    gate: Promise<unknown> | undefined,
  ): void {
    const lines = this.dialogLines(source, stored);
    const cseq = source.notifyCseq + 1;
    const req = this.build(lines, cseq, shared);
    if (req !== undefined) this.queueSend(stored, req, lines.route?.value ?? lines.uri, cseq, gate);
  }

  /** The dialog lines of `source`: those kept on `host` when still valid, else new ones. */
  private dialogLines(source: NotifySource, host: Subscription | undefined): NotifyDialogLines {
    const kept = host?.notifyLines;
    const d = source.dialog;
    if (
      kept !== undefined &&
      kept.callId === d.callId &&
      kept.fromTag === d.fromTag &&
      kept.toTag === d.toTag &&
      kept.aor === source.aor &&
      kept.subscriber === source.subscriber &&
      kept.recordRoute === source.recordRoute
    ) {
      return kept;
    }
    const made = makeDialogLines(source);
    if (host !== undefined) host.notifyLines = made;
    return made;
  }

  /** Builds a NOTIFY from its lines; undefined if its Request-URI is bad. */
  private build(lines: NotifyDialogLines, cseq: number, shared: SharedHeaders): SipRequest | undefined {
    // The lines as a list with their keys, in one go: a NOTIFY per subscriber per call event
    // is the module's busiest path, and the names (hence the keys) are always these.
    // Pushed rather than a literal or a slice (the keys too): a list with room to spare takes
    // the Via the sender puts in front without being copied to a larger one.
    const list: SipHeader[] = [];
    if (lines.route !== undefined) list.push(lines.route);
    list.push(
      lines.to,
      lines.from,
      { name: "CSeq", value: `${cseq} NOTIFY` },
      lines.callIdLine,
      MAX_FORWARDS_LINE,
      CONTENT_LENGTH_LINE,
      this.userAgent(),
      shared.contact,
      shared.callInfo,
      shared.event,
      shared.subscriptionState,
    );
    const keys: string[] = [];
    if (lines.route !== undefined) keys.push("route");
    for (const key of NOTIFY_KEYS) keys.push(key);
    try {
      return new SipRequest({ method: "NOTIFY", uri: lines.uri, headers: SipHeaders.adopt(list, keys) });
    } catch (err) {
      this.deps.log.warn("cannot build SCA NOTIFY", { subscriber: lines.subscriber, err });
      return undefined;
    }
  }

  /** The User-Agent line, made again only when the setting changed. */
  private userAgent(): SipHeader {
    const value = this.deps.settings.userAgent;
    let line = this.userAgentLine;
    if (line === undefined || line.value !== value) {
      line = { name: "User-Agent", value };
      this.userAgentLine = line;
    }
    return line;
  }

  /** Contact, Call-Info, Event and Subscription-State as Kamailio computes them from one source. */
  private sharedHeaders(source: NotifySource, appIndex: number): SharedHeaders | undefined {
    let callInfo: string | undefined;
    if (appIndex === 0) {
      const list = this.deps.appearances.list(source.aor)?.appearances ?? [];
      callInfo = buildCallInfoList(source.aor, list, source.event !== "line-seize");
    } else {
      callInfo = buildLineSeizeCallInfo(source.aor, appIndex);
    }
    if (callInfo === undefined) {
      this.deps.log.warn("no domain in SCA AoR, NOTIFY not sent", { aor: source.aor });
      return undefined;
    }
    // The remaining time is printed only when positive: the NOTIFY answering a SUBSCRIBE passes
    // the relative Expires as `expires`, which makes it negative (reference §3.6, §4.5).
    const ttl = source.expires - this.deps.now();
    const state = subscriptionStateValue(source.state);
    return {
      contact: { name: "Contact", value: this.deps.settings.serverAddress ?? source.aor },
      callInfo: { name: "Call-Info", value: callInfo },
      event: { name: "Event", value: source.event },
      subscriptionState: { name: "Subscription-State", value: ttl > 0 ? `${state};expires=${ttl}` : state },
    };
  }

  private queueSend(
    sub: Subscription | undefined,
    req: SipRequest,
    hopKey: string,
    cseq: number,
    extraGate?: Promise<unknown>,
  ): void {
    const target = this.hop(req, hopKey);
    if (sub === undefined) {
      if (extraGate === undefined) this.transmit(req, target);
      else void extraGate.catch(() => undefined).then(() => this.transmit(req, target));
      return;
    }
    const lease = this.leases?.gate(sub, cseq);
    const gate =
      extraGate !== undefined && lease !== undefined
        ? Promise.allSettled([extraGate, lease])
        : (extraGate ?? lease);
    if (gate === undefined && sub.outbox.idle) {
      // What Outbox#push would do at once, without a closure per NOTIFY (the usual case).
      try {
        this.transmit(req, target);
      } catch (err) {
        this.deps.log.error("SCA send step failed", { err });
      }
      return;
    }
    sub.outbox.push(() => this.transmit(req, target), gate);
  }

  /**
   * The next hop of a NOTIFY ({@link nextHop}), remembered by the Route or Request-URI text it
   * comes from (`key`): every call event NOTIFYs the same few subscribers again.
   */
  private hop(req: SipRequest, key: string): TransportTarget | undefined {
    const known = this.hops.get(key);
    if (known !== undefined || this.hops.has(key)) return known;
    const target = nextHop(req);
    // Bounded (the subscriber URIs come from phones): start over when full.
    if (this.hops.size >= MAX_HOPS) this.hops.clear();
    this.hops.set(key, target);
    return target;
  }

  private transmit(req: SipRequest, target: TransportTarget | undefined): void {
    this.stats.sent++;
    // The notifier hears the outcome itself: no promise and no closures per NOTIFY.
    this.deps.sender.sendRequestTo(req, target, this);
  }

  /** @internal The final response to a NOTIFY (FinalResponseHandler). */
  finalResponse(res: SipResponse, req: SipRequest): void {
    if (res.status >= 200 && res.status < 300) {
      this.stats.succeeded++;
      return;
    }
    this.stats.failed++;
    this.deps.log.warn("SCA NOTIFY failed", { ...describe(req), status: res.status, reason: res.reason });
  }
}

/** The dialog lines of a NOTIFY to `source` (its route set from the SUBSCRIBE's Record-Route). */
function makeDialogLines(source: NotifySource): NotifyDialogLines {
  let routes: string[] = [];
  if (source.recordRoute !== "") {
    routes = new SipHeaders([{ name: "Route", value: source.recordRoute }]).getAll("Route");
  }
  let uri = source.subscriber;
  // A strict first hop (no lr) goes into the Request-URI, the remote target to the end.
  const firstRoute = routes[0];
  if (firstRoute !== undefined && !isLooseRoute(firstRoute)) {
    uri = routeUri(firstRoute) ?? uri;
    routes = [...routes.slice(1), `<${source.subscriber}>`];
  }
  const d = source.dialog;
  return {
    aor: source.aor,
    subscriber: source.subscriber,
    callId: d.callId,
    fromTag: d.fromTag,
    toTag: d.toTag,
    recordRoute: source.recordRoute,
    uri,
    route: routes.length > 0 ? { name: "Route", value: routes.join(", ") } : undefined,
    to: { name: "To", value: `<${source.aor}>;tag=${d.fromTag}` },
    from: { name: "From", value: `<${source.aor}>;tag=${d.toTag}` },
    callIdLine: { name: "Call-ID", value: d.callId },
  };
}

function isLooseRoute(route: string): boolean {
  const uri = routeUri(route);
  if (uri === undefined) return true;
  try {
    return parseSipUri(uri).params.has("lr");
  } catch {
    return true;
  }
}

function routeUri(route: string): string | undefined {
  try {
    return parseNameAddr(route, "Route").uri;
  } catch {
    return undefined;
  }
}

/**
 * Where the NOTIFY goes: the first Route (loose routing) or the Request-URI. Undefined when that
 * URI does not parse as sip: (the sender resolves it).
 */
export function nextHop(req: SipRequest): TransportTarget | undefined {
  const route = req.headers.getAll("Route")[0];
  const uri = route === undefined ? req.uri : routeUri(route);
  if (uri === undefined) return undefined;
  try {
    const u = parseSipUri(uri);
    const transport = (u.params.get("transport") ?? "udp").toLowerCase() === "tcp" ? "tcp" : "udp";
    return { transport, address: unbracket(u.host), port: u.port ?? 5060 };
  } catch {
    return undefined;
  }
}
