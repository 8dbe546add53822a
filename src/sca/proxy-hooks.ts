/**
 * The SCA module's seat on the stateful proxy: where Kamailio's sample configuration calls
 * `sca_call_info_update` (request route, reply route, failure route) and where tm and sl run the
 * callbacks the module registered (reference §6, `doc/sca.cfg`):
 *
 * - a relayed INVITE, BYE, PRACK or REFER: the update; the INVITE's callbacks are remembered;
 * - the ACK of a 2xx: the end-to-end ACK callback, if its INVITE registered one;
 * - a CANCEL the proxy answers: the update on the CANCEL (the INVITE is then "cancelled");
 * - a relayed reply below 400 of those methods: the update (4xx–6xx skip it: failure route);
 * - a final ≥ 300 to an INVITE, relayed or local: the failure route runs the update on the
 *   INVITE again unless it was cancelled, then a ≥ 400 runs the response-ready callback;
 * - a local error reply to an INVITE the module never saw: the stateless-reply callback.
 */
import type { SipRequest, SipResponse } from "../sip/message/message.ts";
import type { ProxyContext, ProxyObserver } from "../sip/proxy/proxy-observer.ts";
import {
  ackCallback,
  callInfoUpdate,
  type CallbackRegistrar,
  localErrorReply,
  SCA_METHODS,
  statelessErrorReply,
} from "./call-update.ts";
import type { ScaContext } from "./context.ts";

/** Methods whose replies pass the reply route (`t_on_reply` in the sample configuration). */
const REPLY_ROUTE_METHODS: ReadonlySet<string> = new Set([
  "INVITE",
  "BYE",
  "SUBSCRIBE",
  "PRACK",
  "REFER",
  "UPDATE",
]);

/** How long an INVITE's callbacks outlive its final response (ACKs of a 2xx may be retransmitted). */
const AFTER_FINAL_S = 64;
/** How long an INVITE without final response is remembered. */
const UNANSWERED_S = 600;
/** Bound on remembered INVITE transactions. */
const MAX_INVITES = 200_000;

/** What the module remembers of an INVITE transaction (tm's per-transaction callbacks). */
interface InviteRecord {
  /**
   * The INVITE as received, Call-Info included (the failure route reads it again); dropped
   * once the transaction has its final response.
   */
  original: SipRequest | undefined;
  readonly created: number;
  ack: boolean;
  responseReady: boolean;
  canceled: boolean;
  finalAt: number | undefined;
}

function transactionKey(msg: {
  callId: string;
  cseq: { seq: number };
  fromTag: string | undefined;
}): string | undefined {
  try {
    return `${msg.callId}\n${msg.cseq.seq}\n${msg.fromTag ?? ""}`;
  } catch {
    return undefined;
  }
}

/** The ProxyObserver of the SCA module. */
export class ScaProxyHooks implements ProxyObserver {
  private readonly invites = new Map<string, InviteRecord>();

  constructor(private readonly sca: ScaContext) {}

  /** Number of INVITE transactions remembered (tests). */
  get tracked(): number {
    return this.invites.size;
  }

  onRequest(req: SipRequest, _ctx?: ProxyContext): void {
    if (req.method === "ACK") {
      const key = transactionKey(req);
      if (key !== undefined && this.invites.get(key)?.ack === true) ackCallback(this.sca, req);
      return;
    }
    // A CANCEL arrives through onLocalFinal, where the proxy answers it.
    if (req.method === "CANCEL" || !SCA_METHODS.has(req.method)) return;
    if (req.method !== "INVITE") {
      callInfoUpdate(this.sca, req);
      return;
    }
    const key = transactionKey(req);
    if (key === undefined) {
      callInfoUpdate(this.sca, req);
      return;
    }
    const rec: InviteRecord = {
      original: req.clone(),
      created: this.sca.now(),
      ack: false,
      responseReady: false,
      canceled: false,
      finalAt: undefined,
    };
    this.remember(key, rec);
    callInfoUpdate(this.sca, req, registrar(rec));
  }

  onResponse(res: SipResponse, req: SipRequest, _ctx?: ProxyContext): void {
    if (res.status === 100) return;
    let method: string;
    try {
      method = res.cseq.method;
    } catch {
      return;
    }
    if (!REPLY_ROUTE_METHODS.has(method)) return;
    if (res.status < 400) callInfoUpdate(this.sca, res);
    if (method !== "INVITE" || res.status < 200) return;
    const key = transactionKey(req);
    const rec = key === undefined ? undefined : this.invites.get(key);
    if (rec === undefined) return;
    if (res.status < 300) {
      rec.finalAt ??= this.sca.now();
      rec.original = undefined;
    } else this.failure(rec, res.status);
  }

  onLocalFinal(res: SipResponse, req: SipRequest, _ctx?: ProxyContext): void {
    const key = transactionKey(req);
    const rec = key === undefined ? undefined : this.invites.get(key);
    if (req.method === "CANCEL") {
      // The request route runs the update on a CANCEL matching a transaction (sample config).
      callInfoUpdate(this.sca, req);
      if (rec !== undefined) rec.canceled = true;
      return;
    }
    if (req.method !== "INVITE") return;
    if (res.status === 401 || res.status === 407) {
      // A challenge is not a failure: the phone retries with credentials (a new transaction).
      if (key !== undefined) this.invites.delete(key);
      return;
    }
    if (rec !== undefined) this.failure(rec, res.status);
    else statelessErrorReply(this.sca, req, res.status);
  }

  /** Forgets INVITE transactions whose ACK window is over (run by the purge timer). */
  sweep(): void {
    const now = this.sca.now();
    for (const [key, rec] of this.invites) if (isStale(rec, now)) this.invites.delete(key);
  }

  /** Forgets everything (module close). */
  clear(): void {
    this.invites.clear();
  }

  private failure(rec: InviteRecord, status: number): void {
    const original = rec.original;
    if (rec.finalAt !== undefined || original === undefined) return;
    rec.finalAt = this.sca.now();
    rec.original = undefined;
    // failure_route: `if (t_is_canceled()) exit; route(SCA);` on the INVITE as received.
    if (!rec.canceled) callInfoUpdate(this.sca, original.clone(), registrar(rec));
    if (status >= 400 && rec.responseReady) localErrorReply(this.sca, original);
  }

  private remember(key: string, rec: InviteRecord): void {
    this.invites.delete(key);
    this.invites.set(key, rec);
    // Records are kept in creation order: the oldest ones are checked as new ones come.
    const now = this.sca.now();
    for (const [k, r] of this.invites) {
      if (this.invites.size <= MAX_INVITES && !isStale(r, now)) break;
      this.invites.delete(k);
    }
  }
}

function isStale(rec: InviteRecord, now: number): boolean {
  return rec.finalAt === undefined ? now - rec.created > UNANSWERED_S : now - rec.finalAt > AFTER_FINAL_S;
}

function registrar(rec: InviteRecord): CallbackRegistrar {
  return {
    e2eAck: () => (rec.ack = true),
    responseReady: () => (rec.responseReady = true),
  };
}
