/**
 * The stateful proxy core (RFC 3261 §16): forwards a request to every target of its target set
 * in parallel (§16.5, §16.6), processes the responses of the branches (§16.7), runs Timer C
 * (§16.8), handles CANCEL (§16.10), and relays ACKs of 2xx and stray responses statelessly
 * (§16.11). Headers are left as received except the ones §16.6 changes (Request-URI,
 * Max-Forwards, Record-Route, Route, Via), so downstream phones see what Kamailio's `tm` would
 * send. Request validation (§16.3) and Route preprocessing (§16.4) are done by the caller.
 */
import { createHash } from "node:crypto";
import { silentLogger, type Logger } from "../../util/logger.ts";
import { createCancel } from "../message/create-cancel.ts";
import { createResponse } from "../message/create-response.ts";
import type { SipHeader } from "../message/headers.ts";
import { generateBranch, generateTag } from "../message/ids.ts";
import type { SipRequest, SipResponse } from "../message/message.ts";
import { parseNameAddr } from "../message/name-addr.ts";
import { BRANCH_MAGIC_COOKIE, branchVia, type Via } from "../message/via.ts";
import type { InviteServerTransaction } from "../transaction/invite-server-transaction.ts";
import { transactionTimeout } from "../transaction/timers.ts";
import type { TransactionLayer } from "../transaction/transaction-layer.ts";
import type { ClientTransaction, ServerTransaction } from "../transaction/transaction-types.ts";
import type { ReceivedInfo, SipTransport, TransportProtocol, TransportTarget } from "../transport/types.ts";
import { targetOfUriText } from "../dialog/uri-target.ts";
import { aggregateChallenges, bestFinal, type BranchFinal } from "./best-response.ts";
import type { ProxyContext, ProxyObserver } from "./proxy-observer.ts";

/** One target of the target set. */
export interface ProxyTarget {
  /** Request-URI of the branch; undefined keeps the request's. */
  readonly uri?: string;
  /** Where the branch is sent. */
  readonly target: TransportTarget;
  /** Route values pushed on top (a registered Path). */
  readonly route?: readonly string[];
}

/** What to do with a request for a local Request-URI that has no registered contact. */
export type NoBindingDecision =
  | { readonly kind: "handled" }
  | { readonly kind: "reject"; readonly status: number; readonly reason: string };

/** Options of {@link StatefulProxy}. */
export interface StatefulProxyOptions {
  readonly transactions: TransactionLayer;
  readonly transport: SipTransport;
  /** host:port this proxy writes in its Via and Record-Route for a transport. */
  readonly sentBy: (transport: TransportProtocol) => { host: string; port: number };
  /** True when a URI's host is one of our domains or addresses and its port absent or ours. */
  readonly isLocalUri: (uri: string) => boolean;
  /** The registered contacts of a local Request-URI (RFC 3261 §16.5 "location service"). */
  readonly lookup: (req: SipRequest) => readonly ProxyTarget[];
  /** Called when a local Request-URI has no contact: another module may take the request. */
  readonly noBinding: (req: SipRequest, tx: ServerTransaction) => NoBindingDecision;
  readonly observers: () => readonly ProxyObserver[];
  /** Timer C in ms (RFC 3261 §16.6 step 11: more than 3 minutes). */
  readonly timerC?: number;
  /** Server header value of responses the proxy generates. */
  readonly server?: string;
  readonly logger?: Logger;
}

type Timer = ReturnType<typeof setTimeout>;

interface Branch {
  readonly request: SipRequest;
  readonly target: TransportTarget;
  tx: ClientTransaction | undefined;
  provisional: boolean;
  final: BranchFinal | undefined;
  cancelWanted: boolean;
  cancelSent: boolean;
  timerC: Timer | undefined;
  guard: Timer | undefined;
}

// The response context of RFC 3261 §16.7: one per proxied server transaction.
interface ResponseContext {
  readonly tx: ServerTransaction;
  readonly req: SipRequest;
  readonly ctx: ProxyContext;
  readonly invite: boolean;
  readonly branches: Branch[];
  finalSent: boolean;
  /** No new branches: a 2xx or 6xx arrived, or the request was cancelled. */
  closing: boolean;
}

// Methods that create a dialog: the proxy Record-Routes them (RFC 3261 §16.6 step 4).
const DIALOG_CREATING = new Set(["INVITE", "SUBSCRIBE", "REFER"]);

const TIMER_C_DEFAULT = 181_000;

/** The stateful proxy. */
export class StatefulProxy {
  private readonly opts: StatefulProxyOptions;
  private readonly log: Logger;
  private readonly contexts = new Map<ServerTransaction, ResponseContext>();
  private readonly live = new Set<Branch>();
  private closed = false;

  constructor(opts: StatefulProxyOptions) {
    this.opts = opts;
    this.log = (opts.logger ?? silentLogger).child({ component: "sip-proxy" });
  }

  /** Number of server transactions being proxied. */
  get pending(): number {
    return this.contexts.size;
  }

  /** The Record-Route value of this proxy for a transport: `<sip:HOST:PORT;lr>`. */
  recordRoute(transport: TransportProtocol): string {
    const { host, port } = this.opts.sentBy(transport);
    return `<sip:${host}:${port}${transport === "tcp" ? ";transport=tcp" : ""};lr>`;
  }

  /**
   * Proxies the request of a server transaction. `req` is the working copy (Route already
   * preprocessed, §16.4); the transaction's own request stays as received.
   */
  forward(tx: ServerTransaction, req: SipRequest, received: ReceivedInfo): void {
    const ctx = contextOf(received);
    // RFC 3261 §16.6 step 3: "If the copy contains a Max-Forwards header field, the proxy MUST
    // decrement its value by one (1). If the copy does not contain a Max-Forwards header field,
    // the proxy MUST add one with a field value, which SHOULD be 70."
    decrementMaxForwards(req);
    // RFC 3261 §16.6 step 4: a proxy that wants to stay on the path of a dialog-creating request
    // inserts a Record-Route value naming itself, with `lr` (loose routing, §16.12).
    const initial = DIALOG_CREATING.has(req.method) && !hasToTag(req);
    if (initial) req.headers.prepend("Record-Route", this.recordRoute(received.transport));
    this.notify("onRequest", (o) => o.onRequest?.(req, ctx));
    const targets = this.targetSet(req, tx);
    if (targets === undefined) return;
    if ("status" in targets) {
      this.respondLocally(tx, req, targets.status, targets.reason, [], ctx);
      return;
    }
    const rc: ResponseContext = {
      tx,
      req,
      ctx,
      invite: req.method === "INVITE",
      branches: [],
      finalSent: false,
      closing: false,
    };
    this.contexts.set(tx, rc);
    tx.on("terminated", () => {
      if (this.contexts.get(tx) === rc) this.contexts.delete(tx);
    });
    // RFC 3261 §16.2: a stateful proxy SHOULD send 100 Trying to an INVITE at once, so the
    // phone stops retransmitting while the branches ring.
    if (rc.invite) this.safeRespond(tx, createResponse(tx.request, 100, "Trying"));
    for (const t of targets) {
      if (rc.closing || this.closed) break;
      this.startBranch(rc, t, received.transport, initial);
    }
  }

  /**
   * A CANCEL matching a proxied INVITE (RFC 3261 §16.10): answered 200, reported to observers,
   * then every pending branch is cancelled. Returns false when the INVITE is not one of ours.
   */
  cancel(
    cancelTx: ServerTransaction,
    invite: InviteServerTransaction,
    cancelReq: SipRequest,
    received: ReceivedInfo,
  ): boolean {
    const rc = this.contexts.get(invite);
    if (rc === undefined) return false;
    const ok = createResponse(cancelTx.request, 200, "OK", { headers: this.serverHeader() });
    this.notify("onLocalFinal", (o) => o.onLocalFinal?.(ok, cancelReq, contextOf(received)));
    this.safeRespond(cancelTx, ok);
    // RFC 3261 §16.10: "it MUST then cancel all pending client transactions … as described in
    // Section 16.7, step 10" and not start new branches.
    rc.closing = true;
    for (const b of rc.branches) this.cancelBranch(b);
    return true;
  }

  /**
   * Relays an ACK for a 2xx (its own transaction, RFC 3261 §16.11 / §13.2.2.4) statelessly: the
   * Route was preprocessed by the caller; the next hop is the first Route or the Request-URI
   * (a local one looked up in the registrar). The Via branch is derived from the upstream one,
   * so a retransmitted ACK gets the same branch.
   */
  forwardAck(ack: SipRequest, received: ReceivedInfo): void {
    let mf: number | undefined;
    try {
      mf = ack.maxForwards;
    } catch {
      return;
    }
    if (mf === 0) return;
    decrementMaxForwards(ack);
    const ctx = contextOf(received);
    this.notify("onRequest", (o) => o.onRequest?.(ack, ctx));
    let next: ProxyTarget | undefined;
    const route = ack.headers.get("Route");
    if (route !== undefined) next = routeTarget(route, received.transport);
    else if (this.opts.isLocalUri(ack.uri)) next = this.opts.lookup(ack)[0];
    else {
      const t = targetOfUriText(ack.uri);
      next = t === undefined ? undefined : { target: t };
    }
    if (next === undefined) {
      this.log.debug("ACK without next hop dropped", { uri: ack.uri });
      return;
    }
    if (next.uri !== undefined) ack.uri = next.uri;
    for (const r of [...(next.route ?? [])].reverse()) ack.headers.prepend("Route", r);
    const { host, port } = this.opts.sentBy(next.target.transport);
    ack.prependVia(branchVia(next.target.transport.toUpperCase(), host, port, statelessBranch(ack)));
    this.opts.transport.send(ack, next.target).catch((err: unknown) => {
      this.log.debug("ACK relay failed", { err });
    });
  }

  /**
   * A response matching no client transaction (RFC 3261 §16.7 / RFC 6026 §7.2: typically a
   * late 2xx retransmission): forwarded statelessly when its top Via is ours.
   */
  forwardStrayResponse(res: SipResponse, isOwnVia: (via: Via) => boolean): void {
    let top: Via | undefined;
    try {
      top = res.peekTopVia();
    } catch {
      return;
    }
    if (top === undefined || !isOwnVia(top)) return;
    const out = res.clone();
    out.headers.shift("Via");
    // RFC 3261 §16.7 step 3: no Via left means the response was for this element.
    if (!out.headers.has("Via")) return;
    this.opts.transport.sendResponse(out).catch((err: unknown) => {
      this.log.debug("stray response relay failed", { err });
    });
  }

  /**
   * Sends a final response the proxy generates itself (To tag, Server header) and reports a
   * failure (300 and above) to the observers' `onLocalFinal` first.
   */
  respondLocally(
    tx: ServerTransaction,
    req: SipRequest,
    status: number,
    reason: string,
    headers: readonly SipHeader[],
    ctx: ProxyContext,
  ): SipResponse {
    const res = createResponse(tx.request, status, reason, {
      toTag: generateTag(),
      headers: [...headers, ...this.serverHeader()],
    });
    if (status >= 300) this.notify("onLocalFinal", (o) => o.onLocalFinal?.(res, req, ctx));
    this.safeRespond(tx, res);
    return res;
  }

  /** Stops every timer; the transactions are closed by the transaction layer. */
  close(): void {
    this.closed = true;
    for (const b of this.live) this.clearTimers(b);
    this.live.clear();
    this.contexts.clear();
  }

  private serverHeader(): SipHeader[] {
    return this.opts.server === undefined ? [] : [{ name: "Server", value: this.opts.server }];
  }

  // RFC 3261 §16.5: the target set. A Route left after preprocessing decides the next hop
  // (§16.6 step 7) and the Request-URI stays; a local Request-URI is looked up; anything else
  // is forwarded to its host (RFC 3263 without DNS).
  private targetSet(
    req: SipRequest,
    tx: ServerTransaction,
  ): readonly ProxyTarget[] | { status: number; reason: string } | undefined {
    const route = req.headers.get("Route");
    if (route !== undefined) {
      const t = routeTarget(route, "udp");
      return t === undefined ? { status: 400, reason: "Bad Request - unusable Route" } : [t];
    }
    if (this.opts.isLocalUri(req.uri)) {
      const found = this.opts.lookup(req);
      if (found.length > 0) return found;
      const d = this.opts.noBinding(req, tx);
      return d.kind === "handled" ? undefined : { status: d.status, reason: d.reason };
    }
    const t = targetOfUriText(req.uri);
    return t === undefined ? { status: 416, reason: "Unsupported URI Scheme" } : [{ target: t }];
  }

  private startBranch(
    rc: ResponseContext,
    t: ProxyTarget,
    inbound: TransportProtocol,
    initial: boolean,
  ): void {
    // RFC 3261 §16.6 step 1: each target gets its own copy of the request.
    const request = rc.req.clone();
    // RFC 3261 §16.6 step 2: the Request-URI becomes the target's URI.
    if (t.uri !== undefined) request.uri = t.uri;
    // RFC 3261 §16.6 step 6 (postprocessing routing information): a registered Path is pushed as
    // Route values.
    for (const r of [...(t.route ?? [])].reverse()) request.headers.prepend("Route", r);
    // A dialog that crosses transports gets a second Record-Route for the outgoing side
    // (Kamailio's enable_double_rr), so each side reaches us over its own transport.
    if (initial && t.target.transport !== inbound) {
      request.headers.prepend("Record-Route", this.recordRoute(t.target.transport));
    }
    // RFC 3261 §16.6 step 8: "The proxy MUST insert a Via header field value into the copy
    // before the existing Via header field values" with a branch unique to this branch.
    const { host, port } = this.opts.sentBy(t.target.transport);
    request.prependVia(branchVia(t.target.transport.toUpperCase(), host, port, generateBranch()));
    const b: Branch = {
      request,
      target: t.target,
      tx: undefined,
      provisional: false,
      final: undefined,
      cancelWanted: false,
      cancelSent: false,
      timerC: undefined,
      guard: undefined,
    };
    rc.branches.push(b);
    this.live.add(b);
    // RFC 3261 §16.6 step 11: "If the request is an INVITE, … the proxy MUST set Timer C".
    if (rc.invite) this.armTimerC(rc, b);
    try {
      // RFC 3261 §16.6 step 10: forwarded statefully in a new client transaction.
      b.tx = this.opts.transactions.sendRequest(request, t.target, {
        onResponse: (res) => {
          this.onBranchResponse(rc, b, res);
        },
        onTimeout: () => {
          // RFC 3261 §16.7 step 2: a timeout is treated as a 408 in the response context.
          this.branchFailed(rc, b, 408, "Request Timeout");
        },
        onTransportError: () => {
          // RFC 3261 §16.9: a transport error is treated as a 503 in the response context.
          this.branchFailed(rc, b, 503, "Service Unavailable");
        },
      });
    } catch (err) {
      this.log.warn("cannot start branch", { err, target: `${t.target.address}:${t.target.port}` });
      this.branchFailed(rc, b, 503, "Service Unavailable");
    }
  }

  private onBranchResponse(rc: ResponseContext, b: Branch, res: SipResponse): void {
    const status = res.status;
    if (status < 200) {
      b.provisional = true;
      if (b.final !== undefined) return;
      // RFC 3261 §9.1: a CANCEL waits for a provisional response of the request it cancels.
      if (b.cancelWanted && !b.cancelSent) this.sendCancel(b);
      if (status === 100) return; // RFC 3261 §16.7 step 5: 100 is not forwarded.
      // RFC 3261 §16.7 step 2: "For provisional responses other than 100, the proxy MUST reset
      // the timer [C] with a value of at least 3 minutes."
      if (rc.invite && !b.cancelSent) this.armTimerC(rc, b);
      // RFC 3261 §16.7 step 5: provisional responses (other than 100) are forwarded at once.
      if (!rc.finalSent) this.forwardResponse(rc, b, res);
      return;
    }
    if (status < 300) {
      // RFC 3261 §16.7 step 5: "Any 2xx response to an INVITE request" (and the first final of
      // a non-INVITE) is forwarded immediately; RFC 6026 §7.2: later 2xx of other forks and
      // retransmissions too.
      const first = b.final === undefined;
      if (first) this.settle(b, { kind: "received", response: res });
      if (!rc.finalSent || rc.invite) this.forwardResponse(rc, b, res);
      rc.finalSent = true;
      if (first && rc.invite) {
        // RFC 3261 §16.7 step 10: after forwarding a final response to an INVITE, the proxy
        // cancels all other pending client transactions.
        rc.closing = true;
        for (const other of rc.branches) if (other !== b) this.cancelBranch(other);
      }
      return;
    }
    if (b.final !== undefined) return;
    this.settle(b, { kind: "received", response: res });
    if (status >= 600 && rc.invite) {
      // RFC 3261 §16.7 step 5: "If a 6xx response is received, it is not immediately
      // forwarded, but the stateful proxy SHOULD cancel all client pending transactions".
      rc.closing = true;
      for (const other of rc.branches) if (other !== b) this.cancelBranch(other);
    }
    this.checkComplete(rc);
  }

  private branchFailed(rc: ResponseContext, b: Branch, status: number, reason: string): void {
    if (b.final !== undefined) return;
    this.settle(b, { kind: "local", status, reason });
    this.checkComplete(rc);
  }

  private settle(b: Branch, final: BranchFinal): void {
    b.final = final;
    this.clearTimers(b);
    this.live.delete(b);
  }

  // RFC 3261 §16.7 step 6: when no final response has been sent and every branch is done,
  // the best response is forwarded.
  private checkComplete(rc: ResponseContext): void {
    if (rc.finalSent || rc.branches.some((b) => b.final === undefined)) return;
    const finals = rc.branches.map((b) => b.final).filter((f): f is BranchFinal => f !== undefined);
    const best = bestFinal(finals);
    if (best === undefined) return;
    rc.finalSent = true;
    if (best.kind === "local") {
      // RFC 3261 §16.7 step 6: "the proxy SHOULD generate a 500 … if the only response is a
      // 503"; a 503 of ours means the same (the next hop was unreachable).
      const [status, reason] =
        best.status === 503 ? [500, "Server Internal Error"] : [best.status, best.reason];
      this.respondLocally(rc.tx, rc.req, status, reason, [], rc.ctx);
      return;
    }
    const out = best.response.clone();
    out.headers.shift("Via");
    if (!out.headers.has("Via")) return;
    if (out.status === 503) {
      // RFC 3261 §16.7 step 6: a 503 is not passed on as such (it would say *we* are overloaded).
      out.status = 500;
      out.reason = "Server Internal Error";
    }
    aggregateChallenges(out, finals);
    const b = rc.branches.find((x) => x.final === best) ?? rc.branches[0];
    this.notify("onResponse", (o) => o.onResponse?.(out, b?.request ?? rc.req, rc.ctx));
    this.safeRespond(rc.tx, out);
    // Kept with the response context until the transaction ends: compacted (SipMessage#compact).
    for (const f of finals) if (f.kind === "received") f.response.compact();
    for (const branch of rc.branches) branch.request.compact();
    rc.req.compact();
  }

  private forwardResponse(rc: ResponseContext, b: Branch, res: SipResponse): void {
    // RFC 3261 §16.7 step 3: "The proxy removes the topmost Via header field value from the
    // response. If no Via header field values remain in the response, the response was meant
    // for this element and MUST NOT be forwarded."
    const out = res.clone();
    out.headers.shift("Via");
    if (!out.headers.has("Via")) return;
    this.notify("onResponse", (o) => o.onResponse?.(out, b.request, rc.ctx));
    this.safeRespond(rc.tx, out);
    if (res.status >= 200) {
      // Kept with the response context until the transaction ends (32 s over UDP): compacted
      // (SipMessage#compact), the branch's copy of the request too.
      res.compact();
      rc.req.compact();
      b.request.compact();
    }
  }

  private cancelBranch(b: Branch): void {
    if (b.final !== undefined || b.cancelSent || b.request.method !== "INVITE") return;
    b.cancelWanted = true;
    if (b.provisional) this.sendCancel(b);
  }

  private sendCancel(b: Branch): void {
    if (b.cancelSent || this.closed) return;
    b.cancelSent = true;
    if (b.timerC !== undefined) clearTimeout(b.timerC);
    b.timerC = undefined;
    // RFC 3261 §9.1: the CANCEL copies the branch's Request-URI, Call-ID, From, To, CSeq number
    // and top Via (so it carries the branch's branch parameter) and its Route headers.
    const cancel = createCancel(b.request);
    try {
      this.opts.transactions.sendRequest(cancel, b.target, { onResponse: () => undefined });
    } catch (err) {
      this.log.debug("cannot send CANCEL", { err });
    }
    // A UAS that answers neither the CANCEL nor the INVITE would hold the branch (and the
    // caller) forever: after 64*T1 it counts as a 408.
    b.guard = setTimeout(() => {
      b.guard = undefined;
      b.tx?.close();
      const rc = [...this.contexts.values()].find((c) => c.branches.includes(b));
      if (rc !== undefined) this.branchFailed(rc, b, 408, "Request Timeout");
      else this.settle(b, { kind: "local", status: 408, reason: "Request Timeout" });
    }, transactionTimeout(this.opts.transactions.timers));
    b.guard.unref();
  }

  private armTimerC(rc: ResponseContext, b: Branch): void {
    if (b.timerC !== undefined) clearTimeout(b.timerC);
    b.timerC = setTimeout(() => {
      b.timerC = undefined;
      // RFC 3261 §16.8: "If the client transaction has received a provisional response, the
      // proxy MUST generate a CANCEL request matching that transaction. If the client
      // transaction has not received a provisional response, the proxy MUST behave as if the
      // transaction received a 408 (Request Timeout) response."
      if (b.final !== undefined) return;
      if (b.provisional) {
        b.cancelWanted = true;
        this.sendCancel(b);
      } else {
        b.tx?.close();
        this.branchFailed(rc, b, 408, "Request Timeout");
      }
    }, this.opts.timerC ?? TIMER_C_DEFAULT);
    b.timerC.unref();
  }

  private clearTimers(b: Branch): void {
    if (b.timerC !== undefined) clearTimeout(b.timerC);
    if (b.guard !== undefined) clearTimeout(b.guard);
    b.timerC = undefined;
    b.guard = undefined;
  }

  private safeRespond(tx: ServerTransaction, res: SipResponse): void {
    try {
      tx.respond(res);
    } catch (err) {
      this.log.debug("response not sent", { status: res.status, state: tx.state, err });
    }
  }

  private notify(what: string, call: (o: ProxyObserver) => void): void {
    for (const o of this.opts.observers()) {
      try {
        call(o);
      } catch (err) {
        this.log.error(`proxy observer failed in ${what}`, { err });
      }
    }
  }
}

function contextOf(received: ReceivedInfo): ProxyContext {
  return {
    source: { address: received.remote.address, port: received.remote.port, transport: received.transport },
  };
}

function hasToTag(req: SipRequest): boolean {
  try {
    return req.toTag !== undefined;
  } catch {
    return false;
  }
}

function decrementMaxForwards(req: SipRequest): void {
  const mf = req.maxForwards;
  if (mf === undefined) req.headers.append("Max-Forwards", "70");
  else req.headers.set("Max-Forwards", String(Math.max(0, mf - 1)));
}

function routeTarget(route: string, fallback: TransportProtocol): ProxyTarget | undefined {
  try {
    const t = targetOfUriText(parseNameAddr(route, "Route").uri, fallback);
    return t === undefined ? undefined : { target: t };
  } catch {
    return undefined;
  }
}

// RFC 3261 §16.11: a stateless relay computes its branch from the request, so retransmissions
// (which a stateless element cannot recognise) get the same one.
function statelessBranch(req: SipRequest): string {
  let seed: string;
  try {
    seed = req.topVia?.branch ?? `${req.callId}|${req.cseq.seq}|${req.from.tag ?? ""}`;
  } catch {
    seed = req.uri;
  }
  const h = createHash("sha256").update(`${seed}|${req.uri}|${req.method}`).digest("base64url");
  return `${BRANCH_MAGIC_COOKIE}${h.slice(0, 22)}`;
}
