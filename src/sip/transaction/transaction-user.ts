/**
 * The interfaces between the transaction layer and its users (RFC 3261 §17: the "TU"): a UAC or
 * UAS core, a B2BUA leg, the SCA NOTIFY sender, or a stateful proxy core.
 */
import type { SipRequest, SipResponse } from "../message/message.ts";
import type { ReceivedInfo } from "../transport/types.ts";
import type { ClientTransaction, ServerTransaction } from "./transaction-types.ts";
import type { InviteServerTransaction } from "./invite-server-transaction.ts";

/** Callbacks of one client transaction, given when the request is sent. */
export interface ClientTransactionUser {
  /**
   * A response for the TU: provisional and final ones (§17.1.1.2, §17.1.2.2), and for INVITE
   * every 2xx while Accepted (RFC 6026 §7.2: retransmissions and other forks' answers).
   * Retransmitted non-2xx finals are absorbed and never reach here.
   */
  onResponse(response: SipResponse, transaction: ClientTransaction): void;
  /** Timer B or F fired: treat as a 408 Request Timeout (RFC 3261 §8.1.3.1, §16.7 step 2). */
  onTimeout?(transaction: ClientTransaction): void;
  /** The request could not be sent: treat as a 503 Service Unavailable (RFC 3261 §8.1.3.1). */
  onTransportError?(error: Error, transaction: ClientTransaction): void;
  /** The transaction reached Terminated, for whatever reason. */
  onTerminated?(transaction: ClientTransaction): void;
}

/** Extra information about a new server transaction. */
export interface NewServerTransactionContext {
  /**
   * For a CANCEL: the INVITE server transaction it matches (§9.2), if any. A UAS answers the
   * CANCEL 200 and the INVITE 487; a proxy answers 200 and cancels its branches (§16.10). When
   * undefined, a UAS answers 481 and a proxy forwards the CANCEL statelessly.
   */
  readonly cancels?: InviteServerTransaction | undefined;
  readonly received: ReceivedInfo;
}

/** The core that receives what does not belong to a client transaction. */
export interface TransactionUser {
  /**
   * A request that created a server transaction (never ACK). The TU answers with
   * `transaction.respond()`; an INVITE gets 100 Trying after 200 ms if it has not (§17.2.1).
   */
  onRequest(transaction: ServerTransaction, context: NewServerTransactionContext): void;
  /**
   * An ACK that belongs to no transaction (the ACK of a 2xx, §13.2.2.4, §17.2.3) or that
   * reached an INVITE server transaction in RFC 6026 Accepted state.
   */
  onAck(ack: SipRequest, received: ReceivedInfo): void;
  /**
   * A response matching no client transaction: a stateful proxy forwards 2xx statelessly
   * (§16.7 … RFC 6026 §7.2), others drop it.
   */
  onStrayResponse?(response: SipResponse, received: ReceivedInfo): void;
}
