/**
 * Common part of the client machines (RFC 3261 §17.1): the target the request goes to, the
 * transaction user's callbacks, and sending with transport-error reporting (§17.1.4).
 */
import type { SipRequest, SipResponse } from "../message/message.ts";
import type { TransportTarget } from "../transport/types.ts";
import { Transaction, type TransactionOptions } from "./transaction.ts";
import type { ClientTransactionUser } from "./transaction-user.ts";
import type { ClientTransaction } from "./transaction-types.ts";

/** Options of a client transaction. */
export interface ClientTransactionOptions extends TransactionOptions {
  readonly target: TransportTarget;
  readonly user: ClientTransactionUser;
}

/** Base of the INVITE and non-INVITE client machines. */
export abstract class ClientTransactionBase<S extends string> extends Transaction<S> {
  /** Where the request (and, for INVITE, the non-2xx ACK) is sent. */
  readonly target: TransportTarget;
  protected readonly user: ClientTransactionUser;

  protected constructor(request: SipRequest, key: string, initial: S, options: ClientTransactionOptions) {
    super(request, key, initial, options);
    this.target = options.target;
    this.user = options.user;
  }

  /** Sends the request (first transmission). Call once, after the layer has filed the transaction. */
  abstract start(): void;

  /** A response matched to this transaction by the layer (§17.1.3). */
  abstract receiveResponse(response: SipResponse): void;

  /** Sends a request to the target; a failure ends the transaction (§17.1.4). */
  protected transmit(message: SipRequest): void {
    const transport = this.transport;
    if (transport.dispatch !== undefined) {
      transport.dispatch(message, this.target, this);
      return;
    }
    transport.send(message, this.target).catch((err: unknown) => {
      this.failTransport(err);
    });
  }

  protected passUp(response: SipResponse): void {
    try {
      this.user.onResponse(response, this.self());
    } catch (err) {
      this.logger.error("transaction user failed on response", { key: this.key, err });
    }
  }

  protected timeout(): void {
    this.emit("timeout");
    try {
      this.user.onTimeout?.(this.self());
    } catch (err) {
      this.logger.error("transaction user failed on timeout", { key: this.key, err });
    }
    this.terminate();
  }

  protected override failTransport(error: unknown): void {
    if (this.terminated) return;
    const err = error instanceof Error ? error : new Error(String(error));
    try {
      this.user.onTransportError?.(err, this.self());
    } catch (e) {
      this.logger.error("transaction user failed on transport error", { key: this.key, err: e });
    }
    super.failTransport(err);
  }

  protected override terminate(): void {
    if (this.terminated) return;
    super.terminate();
    try {
      this.user.onTerminated?.(this.self());
    } catch (err) {
      this.logger.error("transaction user failed on terminated", { key: this.key, err });
    }
  }

  private self(): ClientTransaction {
    return this as unknown as ClientTransaction;
  }
}
