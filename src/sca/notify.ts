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
import type { TransportTarget } from "../sip/transport/types.ts";
import type { Logger } from "../util/logger.ts";
import type { AppearanceTable } from "./appearance.ts";
import { buildCallInfoList, buildLineSeizeCallInfo } from "./call-info.ts";
import type { NotifySource, Subscription, SubscriptionTable } from "./subscriptions.ts";
import { subscriptionStateValue } from "./subscription-state.ts";

/** What the module needs from the SIP stack to send a request (the SIP server, or a test UAC). */
export interface ScaRequestSender {
  /**
   * Sends a request in a new client transaction and resolves with its final response (a
   * timeout resolves with, or rejects as, a 408). The sender adds the top Via.
   */
  sendRequest(req: SipRequest, target?: TransportTarget): Promise<SipResponse>;
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

/** Everything a NOTIFY needs beyond its dialog. */
interface SharedHeaders {
  readonly contact: string;
  readonly callInfo: string;
  readonly event: string;
  readonly subscriptionState: string;
}

/** Header keys of a NOTIFY as {@link Notifier} builds it (without its first, Route, when none). */
const NOTIFY_KEYS: readonly string[] = [
  "route",
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

/** Next hops remembered (see Notifier#hop). */
const MAX_HOPS = 65536;

/** What a log line says about a NOTIFY (read only when there is something to log). */
function describe(req: SipRequest): { to: string; callId: string | undefined; cseq: string | undefined } {
  return { to: req.uri, callId: req.header("Call-ID"), cseq: req.header("CSeq") };
}

/** Builds and sends SCA NOTIFYs. */
export class Notifier {
  readonly stats: NotifyStats = { sent: 0, succeeded: 0, failed: 0 };
  private readonly hops = new Map<string, TransportTarget | undefined>();
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
    const req = this.build(source, shared);
    if (req !== undefined) this.queueSend(stored, req, gate);
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
      const req = this.build(sub, shared);
      if (req !== undefined) this.queueSend(sub, req, gate);
    }
  }

  /** Builds the NOTIFY of `source` with the given header values; undefined if its URIs are bad. */
  private build(source: NotifySource, shared: SharedHeaders): SipRequest | undefined {
    const cseq = source.notifyCseq + 1;
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
    // The lines as a list with their keys, in one go: a NOTIFY per subscriber per call event
    // is the module's busiest path, and the names (hence the keys) are always these.
    const list: SipHeader[] = [];
    if (routes.length > 0) list.push({ name: "Route", value: routes.join(", ") });
    list.push(
      { name: "To", value: `<${source.aor}>;tag=${source.dialog.fromTag}` },
      { name: "From", value: `<${source.aor}>;tag=${source.dialog.toTag}` },
      { name: "CSeq", value: `${cseq} NOTIFY` },
      { name: "Call-ID", value: source.dialog.callId },
      { name: "Max-Forwards", value: "70" },
      { name: "Content-Length", value: "0" },
      { name: "User-Agent", value: this.deps.settings.userAgent },
      { name: "Contact", value: shared.contact },
      { name: "Call-Info", value: shared.callInfo },
      { name: "Event", value: shared.event },
      { name: "Subscription-State", value: shared.subscriptionState },
    );
    const keys = list.length === NOTIFY_KEYS.length ? NOTIFY_KEYS.slice() : NOTIFY_KEYS.slice(1);
    try {
      return new SipRequest({ method: "NOTIFY", uri, headers: SipHeaders.adopt(list, keys) });
    } catch (err) {
      this.deps.log.warn("cannot build SCA NOTIFY", { subscriber: source.subscriber, err });
      return undefined;
    }
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
      contact: this.deps.settings.serverAddress ?? source.aor,
      callInfo,
      event: source.event,
      subscriptionState: ttl > 0 ? `${state};expires=${ttl}` : state,
    };
  }

  private queueSend(sub: Subscription | undefined, req: SipRequest, extraGate?: Promise<unknown>): void {
    const target = this.hop(req);
    if (sub === undefined) {
      if (extraGate === undefined) this.transmit(req, target);
      else void extraGate.catch(() => undefined).then(() => this.transmit(req, target));
      return;
    }
    const cseq = Number.parseInt(req.header("CSeq") ?? "0", 10);
    const lease = this.leases?.gate(sub, cseq);
    const gate =
      extraGate !== undefined && lease !== undefined
        ? Promise.allSettled([extraGate, lease])
        : (extraGate ?? lease);
    sub.outbox.push(() => this.transmit(req, target), gate);
  }

  /**
   * The next hop of a NOTIFY ({@link nextHop}), remembered by the Route or Request-URI text it
   * comes from: every call event NOTIFYs the same few subscribers again.
   */
  private hop(req: SipRequest): TransportTarget | undefined {
    const key = req.headers.get("Route") ?? req.uri;
    if (this.hops.has(key)) return this.hops.get(key);
    const target = nextHop(req);
    // Bounded (the subscriber URIs come from phones): start over when full.
    if (this.hops.size >= MAX_HOPS) this.hops.clear();
    this.hops.set(key, target);
    return target;
  }

  private transmit(req: SipRequest, target: TransportTarget | undefined): void {
    this.stats.sent++;
    this.deps.sender.sendRequest(req, target).then(
      (res) => {
        if (res.status >= 200 && res.status < 300) {
          this.stats.succeeded++;
          return;
        }
        this.stats.failed++;
        this.deps.log.warn("SCA NOTIFY failed", { ...describe(req), status: res.status, reason: res.reason });
      },
      (err: unknown) => {
        this.stats.failed++;
        this.deps.log.warn("SCA NOTIFY not delivered", { ...describe(req), err });
      },
    );
  }
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
