/**
 * Common part of the server machines (RFC 3261 §17.2): where the request came from, the last
 * response, and sending responses with transport-error reporting (§17.2.4).
 */
import { LinekeyError } from "../../util/errors.ts";
import { createResponse, type CreateResponseOptions } from "../message/create-response.ts";
import type { SipRequest, SipResponse } from "../message/message.ts";
import type { ReceivedInfo } from "../transport/types.ts";
import { Transaction, type TransactionOptions } from "./transaction.ts";

/** Options of a server transaction. */
export interface ServerTransactionOptions extends TransactionOptions {
  readonly received: ReceivedInfo;
}

/** Base of the INVITE and non-INVITE server machines. */
export abstract class ServerTransactionBase<S extends string> extends Transaction<S> {
  // How the request arrived: the inbound message itself at first (it is a ReceivedInfo and
  // holds the request), a plain copy once the request is let go.
  private arrival: ReceivedInfo;
  /** The most recent response sent (provisional or final). */
  protected last: SipResponse | undefined;

  protected constructor(request: SipRequest, key: string, initial: S, options: ServerTransactionOptions) {
    super(request, key, initial, options);
    this.arrival = options.received;
  }

  /** How the request that created the transaction arrived. */
  get received(): ReceivedInfo {
    return this.arrival;
  }

  /** The most recent response passed down by the TU (or the automatic 100 Trying). */
  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /** Starts the machine's timers. Called by the layer after filing the transaction. */
  abstract start(): void;

  /** A retransmission of the request that created the transaction (§17.2.3 match). */
  abstract receiveRequest(request: SipRequest): void;

  /**
   * Sends a response from the TU. Throws LinekeyError `SIP_ERR_TRANSACTION` when the state does
   * not allow it (a second final response, or anything after Terminated).
   */
  abstract respond(response: SipResponse): void;

  /** Builds a response with {@link createResponse} and sends it; returns it. */
  reply(status: number, reason?: string, options?: CreateResponseOptions): SipResponse {
    const response = createResponse(this.request, status, reason, options);
    this.respond(response);
    return response;
  }

  /** Passes a response to the transport; a failure ends the transaction (§17.2.4). */
  protected transmit(response: SipResponse): void {
    const transport = this.transport;
    if (transport.dispatchResponse !== undefined) {
      transport.dispatchResponse(response, this);
      return;
    }
    transport.sendResponse(response).catch((err: unknown) => {
      this.failTransport(err);
    });
  }

  /**
   * After the final response: the response the transaction keeps for its remaining seconds
   * (Timer J, H, I or L — 32 s of every request on UDP) is compacted (SipMessage#compact: parse
   * caches dropped, header lines folded into text until read again), and so again after each
   * retransmission. The transport serialises a response before `dispatchResponse` (or
   * `sendResponse`) returns.
   */
  protected compactKept(): void {
    this.last?.compact();
  }

  /** Lets the request go (see Transaction#releaseRequest), and the message it arrived in. */
  protected override releaseRequest(): void {
    super.releaseRequest();
    const { transport, remote, local } = this.arrival;
    this.arrival = { transport, remote, local };
  }

  protected refuse(response: SipResponse): LinekeyError {
    return new LinekeyError(
      "SIP_ERR_TRANSACTION",
      `cannot send ${response.status} in state ${this.state} of transaction ${this.key}`,
    );
  }
}
