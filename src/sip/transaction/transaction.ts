/**
 * What the four RFC 3261 §17 state machines share: the request, the transport, the timer
 * values, the state with its events, and timer bookkeeping. Every transaction owns timers, so
 * every transaction has `close()`.
 */
import { LinekeyError } from "../../util/errors.ts";
import type { Logger } from "../../util/logger.ts";
import { TypedEmitter } from "../../util/typed-emitter.ts";
import type { SipRequest } from "../message/message.ts";
import type { SendFailureListener, SipTransport } from "../transport/types.ts";
import type { TimerConfig } from "./timers.ts";

/** The four machines. */
export type TransactionKind = "invite-client" | "non-invite-client" | "invite-server" | "non-invite-server";

/** Events every transaction emits. */
export type TransactionEvents<S extends string> = {
  /** The state changed (after the change). */
  state: [state: S];
  /** Entered Terminated (emitted once). */
  terminated: [];
  /**
   * A timeout ended the transaction: Timer B/F (client), Timer H (INVITE server, no ACK), the
   * answer guard (non-INVITE server whose TU sent no final response within 64*T1 + T4).
   */
  timeout: [];
  /** The transport failed to send (RFC 3261 §17.1.4, §17.2.4). */
  transportError: [error: Error];
};

/** A timer handle. */
export type Timer = ReturnType<typeof setTimeout>;

/** @internal Who files a transaction (the layer): told once when it ends. */
export interface TransactionEndHook {
  transactionEnded(tx: Transaction<string>): void;
}

/** Construction options common to all transactions. */
export interface TransactionOptions {
  readonly transport: SipTransport;
  readonly timers: TimerConfig;
  /** True over TCP: no retransmissions and zero Timers D/I/J/K. */
  readonly reliable: boolean;
  readonly logger: Logger;
}

/** The callback of every transaction timer: the transaction and the timer ride as arguments. */
function fireTimer(tx: Transaction<string>, kind: number): void {
  tx.fireTimer(kind);
}

/** Base of the four machines. */
export abstract class Transaction<S extends string>
  extends TypedEmitter<TransactionEvents<S>>
  implements SendFailureListener
{
  abstract readonly kind: TransactionKind;
  // The request that created the transaction; released in a non-INVITE Completed state (see
  // releaseRequest).
  private req: SipRequest | undefined;
  /** The matching key the transaction layer files it under. */
  readonly key: string;
  readonly reliable: boolean;
  protected readonly transport: SipTransport;
  protected readonly timers: TimerConfig;
  protected readonly logger: Logger;
  private current: S;
  /** The layer's bookkeeping on termination (unfiling), run before `terminated` listeners. */
  private endHook: TransactionEndHook | undefined;

  protected constructor(request: SipRequest, key: string, initial: S, options: TransactionOptions) {
    super(options.logger);
    this.req = request;
    this.key = key;
    this.current = initial;
    this.reliable = options.reliable;
    this.transport = options.transport;
    this.timers = options.timers;
    this.logger = options.logger;
  }

  /**
   * The request that created the transaction. Throws LinekeyError `SIP_ERR_TRANSACTION` once a
   * non-INVITE transaction has let it go in Completed: nothing needs it there.
   */
  get request(): SipRequest {
    const req = this.req;
    if (req === undefined) {
      throw new LinekeyError("SIP_ERR_TRANSACTION", `transaction ${this.key} no longer holds its request`);
    }
    return req;
  }

  /**
   * Lets the request go. A non-INVITE transaction in Completed only absorbs retransmissions
   * (§17.1.2.2 Timer K, §17.2.2 Timer J: up to 32 s over UDP, with thousands of transactions a
   * second); keeping every request for those seconds was the largest part of the old generation.
   */
  protected releaseRequest(): void {
    this.req = undefined;
  }

  get state(): S {
    return this.current;
  }

  /**
   * @internal Set by the transaction layer: told once on termination, before the `terminated`
   * listeners. The layer itself rather than a listener or a closure: nothing allocated for the
   * many transactions nobody else listens to.
   */
  setEndHook(hook: TransactionEndHook): void {
    this.endHook = hook;
  }

  /** True once in Terminated. */
  get terminated(): boolean {
    return this.current === ("terminated" as S);
  }

  /**
   * Ends the transaction without notifying the transaction user of a failure (shutdown, or a
   * TU that gives up). Idempotent.
   */
  close(): void {
    this.terminate();
  }

  protected setState(next: S): void {
    if (this.current === next || this.terminated) return;
    if (this.logger.enabled("trace")) {
      this.logger.trace("transaction state", { key: this.key, from: this.current, to: next });
    }
    this.current = next;
    // Checked first: emit takes its arguments as a rest array, and most transactions have no
    // listener at all.
    if (this.listenerCount("state") !== 0) this.emit("state", next);
  }

  /** Moves to Terminated: clears every timer, then emits `terminated` once. */
  protected terminate(): void {
    if (this.terminated) return;
    this.clearTimers();
    this.current = "terminated" as S;
    if (this.listenerCount("state") !== 0) this.emit("state", this.current);
    const hook = this.endHook;
    this.endHook = undefined;
    hook?.transactionEnded(this);
    if (this.listenerCount("terminated") !== 0) this.emit("terminated");
    this.removeAllListeners();
  }

  /**
   * Arms timer `kind` (a number of the concrete machine) to call {@link onTimer} after `ms`
   * unless the transaction has terminated by then. The transaction and the kind ride along as
   * timer arguments: no closure per timer (every transaction keeps one armed for its last
   * seconds — Timer J, K, I, L, M or D).
   */
  protected schedule(ms: number, kind: number): Timer {
    return setTimeout(fireTimer, ms, this, kind);
  }

  /** @internal A timer armed with {@link schedule} fired. */
  fireTimer(kind: number): void {
    if (!this.terminated) this.onTimer(kind);
  }

  /** Timer `kind` (armed with {@link schedule}) fired while not terminated. */
  protected abstract onTimer(kind: number): void;

  /** Clears a timer and returns the empty handle, so callers write `this.A = this.cancel(this.A)`. */
  protected cancel(timer: Timer | undefined): Timer | undefined {
    if (timer !== undefined) clearTimeout(timer);
    const none: Timer | undefined = undefined;
    return none;
  }

  /** Clears every timer field of the concrete machine. */
  protected abstract clearTimers(): void;

  /**
   * @internal The transport could not send one of this transaction's messages
   * (SendFailureListener): the transaction itself hears of it, no closure per message.
   */
  sendFailed(error: Error): void {
    this.failTransport(error);
  }

  /** RFC 3261 §17.1.4 / §17.2.4: report a send failure and terminate. */
  protected failTransport(error: unknown): void {
    if (this.terminated) return;
    const err = error instanceof Error ? error : new Error(String(error));
    this.logger.debug("transaction transport error", { key: this.key, err });
    this.emit("transportError", err);
    this.terminate();
  }
}
