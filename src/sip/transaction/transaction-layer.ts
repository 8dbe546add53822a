/**
 * The transaction layer (RFC 3261 §17): owns the client and server transactions, files them
 * under their matching keys, routes inbound messages to them (§17.1.3, §17.2.3), matches CANCEL
 * to its INVITE (§9.2), and hands everything else to the transaction user.
 */
import { LinekeyError } from "../../util/errors.ts";
import { silentLogger, type Logger } from "../../util/logger.ts";
import type { SipRequest, SipResponse } from "../message/message.ts";
import {
  isReliable,
  type InboundMessage,
  type ReceivedInfo,
  type SipTransport,
  type TransportTarget,
} from "../transport/types.ts";
import { InviteClientTransaction } from "./invite-client-transaction.ts";
import { InviteServerTransaction } from "./invite-server-transaction.ts";
import { NonInviteClientTransaction } from "./non-invite-client-transaction.ts";
import { NonInviteServerTransaction } from "./non-invite-server-transaction.ts";
import { resolveTimers, type TimerConfig } from "./timers.ts";
import { clientKey, clientKeyOfResponse, isRfc2543Key, serverKey } from "./transaction-key.ts";
import type { ClientTransaction, ServerTransaction } from "./transaction-types.ts";
import type { ClientTransactionUser, TransactionUser } from "./transaction-user.ts";
import type { Transaction, TransactionEndHook } from "./transaction.ts";

/** Options of {@link TransactionLayer}. */
export interface TransactionLayerOptions {
  readonly transport: SipTransport;
  readonly user: TransactionUser;
  readonly timers?: Partial<TimerConfig>;
  readonly logger?: Logger;
}

/** Owns every transaction of one SIP stack. */
export class TransactionLayer implements TransactionEndHook {
  /** The resolved timer values. */
  readonly timers: TimerConfig;
  private readonly transport: SipTransport;
  private readonly user: TransactionUser;
  private readonly logger: Logger;
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(options: TransactionLayerOptions) {
    this.transport = options.transport;
    this.user = options.user;
    this.timers = resolveTimers(options.timers);
    this.logger = (options.logger ?? silentLogger).child({ component: "sip-transaction" });
    this.unsubscribe = this.transport.onMessage((inbound) => {
      this.receive(inbound);
    });
  }

  /** Number of live client transactions. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Number of live server transactions. */
  get serverCount(): number {
    return this.servers.size;
  }

  /**
   * Sends a request in a new client transaction (INVITE or non-INVITE; ACK is not sent through
   * a transaction, use the transport). The request must carry its top Via with a unique RFC 3261
   * branch. `target.transport` decides reliability.
   */
  sendRequest(request: SipRequest, target: TransportTarget, user: ClientTransactionUser): ClientTransaction {
    if (this.closed) throw new LinekeyError("SIP_ERR_TRANSACTION", "transaction layer is closed");
    if (request.method === "ACK") {
      throw new LinekeyError("SIP_ERR_TRANSACTION", "ACK is not sent in a client transaction");
    }
    const branch = request.peekTopVia()?.branch;
    if (branch === undefined) throw new LinekeyError("SIP_ERR_TRANSACTION", "request has no Via branch");
    const key = clientKey(branch, request.method);
    if (this.clients.has(key))
      throw new LinekeyError("SIP_ERR_TRANSACTION", `duplicate client transaction ${key}`);
    const options = {
      transport: this.transport,
      timers: this.timers,
      reliable: isReliable(target.transport),
      logger: this.logger,
      target,
      user,
    };
    const tx =
      request.method === "INVITE"
        ? new InviteClientTransaction(request, key, options)
        : new NonInviteClientTransaction(request, key, options);
    this.clients.set(key, tx);
    tx.setEndHook(this);
    tx.start();
    return tx;
  }

  /** @internal A transaction ended: it is unfiled (TransactionEndHook). */
  transactionEnded(tx: Transaction<string>): void {
    const filed =
      tx.kind === "invite-client" || tx.kind === "non-invite-client" ? this.clients : this.servers;
    if (filed.get(tx.key) === tx) filed.delete(tx.key);
  }

  /** The server transaction a request belongs to, if it is still alive. */
  findServerTransaction(request: SipRequest): ServerTransaction | undefined {
    const key = serverKey(request);
    return key === undefined ? undefined : this.servers.get(key);
  }

  /** The client transaction a response belongs to, if it is still alive. */
  findClientTransaction(response: SipResponse): ClientTransaction | undefined {
    const key = clientKeyOfResponse(response);
    return key === undefined ? undefined : this.clients.get(key);
  }

  /** Ends every transaction (no failure reported to the TU) and stops listening. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const tx of [...this.clients.values(), ...this.servers.values()]) tx.close();
    this.clients.clear();
    this.servers.clear();
  }

  /** Routes one inbound message (what the transport subscription calls). */
  receive(inbound: InboundMessage): void {
    if (this.closed) return;
    const message = inbound.message;
    // The inbound message is its own arrival information (an InboundMessage is a ReceivedInfo):
    // no copy per message. A server transaction keeps it until it lets its request go
    // (ServerTransactionBase#releaseRequest), and then only a copy of these fields.
    const received: ReceivedInfo = inbound;
    if (message.kind === "response") this.receiveResponse(message, received);
    else if (message.method === "ACK") this.receiveAck(message, received);
    else this.receiveRequest(message, received);
  }

  private receiveResponse(response: SipResponse, received: ReceivedInfo): void {
    const tx = this.findClientTransaction(response);
    if (tx !== undefined) {
      tx.receiveResponse(response);
      return;
    }
    // RFC 3261 §17.1.3 / §18.1.2: a response matching no transaction goes to the core.
    this.logger.debug("stray response", { status: response.status });
    try {
      this.user.onStrayResponse?.(response, received);
    } catch (err) {
      this.failed("onStrayResponse", err);
    }
  }

  private receiveAck(ack: SipRequest, received: ReceivedInfo): void {
    const key = serverKey(ack);
    const tx = key === undefined ? undefined : this.servers.get(key);
    if (tx?.kind === "invite-server" && this.ackMatches(tx, ack)) {
      if (!tx.receiveAck(ack)) return;
    }
    // An ACK for a 2xx is its own transaction (RFC 3261 §17.1.1.3): the TU handles it.
    try {
      this.user.onAck(ack, received);
    } catch (err) {
      this.failed("onAck", err);
    }
  }

  // RFC 3261 §17.2.3: with an RFC 2543 key the ACK's To tag must equal the response's.
  private ackMatches(tx: InviteServerTransaction, ack: SipRequest): boolean {
    if (!isRfc2543Key(tx.key)) return true;
    try {
      return tx.lastResponse?.to.tag === ack.to.tag;
    } catch {
      return false;
    }
  }

  private receiveRequest(request: SipRequest, received: ReceivedInfo): void {
    const key = serverKey(request);
    if (key === undefined) {
      this.logger.warn("request without usable Via dropped", { method: request.method });
      return;
    }
    const existing = this.servers.get(key);
    if (existing !== undefined) {
      existing.receiveRequest(request);
      return;
    }
    const options = {
      transport: this.transport,
      timers: this.timers,
      reliable: isReliable(received.transport),
      logger: this.logger,
      received,
    };
    const tx =
      request.method === "INVITE"
        ? new InviteServerTransaction(request, key, options)
        : new NonInviteServerTransaction(request, key, options);
    this.servers.set(key, tx);
    tx.setEndHook(this);
    let cancels: InviteServerTransaction | undefined;
    if (request.method === "CANCEL") {
      // RFC 3261 §9.2: the CANCEL matches the INVITE with the same key, method INVITE.
      const inviteKey = serverKey(request, "INVITE");
      const invite = inviteKey === undefined ? undefined : this.servers.get(inviteKey);
      if (invite?.kind === "invite-server") cancels = invite;
    }
    tx.start();
    try {
      this.user.onRequest(tx, { cancels, received });
    } catch (err) {
      this.failed("onRequest", err);
    }
  }

  // The TU calls above are wrapped in place rather than passed as closures to a helper: one
  // closure per inbound message otherwise.
  private failed(what: string, err: unknown): void {
    this.logger.error(`transaction user failed in ${what}`, { err });
  }
}
