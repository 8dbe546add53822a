/**
 * What the four RFC 3261 §17 state machines share: the request, the transport, the timer
 * values, the state with its events, and timer bookkeeping. Every transaction owns timers, so
 * every transaction has `close()`.
 */
import type { Logger } from "../../util/logger.ts";
import { TypedEmitter } from "../../util/typed-emitter.ts";
import type { SipRequest } from "../message/message.ts";
import type { SipTransport } from "../transport/types.ts";
import type { TimerConfig } from "./timers.ts";

/** The four machines. */
export type TransactionKind = "invite-client" | "non-invite-client" | "invite-server" | "non-invite-server";

/** Events every transaction emits. */
export type TransactionEvents<S extends string> = {
  /** The state changed (after the change). */
  state: [state: S];
  /** Entered Terminated (emitted once). */
  terminated: [];
  /** A timeout ended the transaction: Timer B/F (client), Timer H (INVITE server, no ACK). */
  timeout: [];
  /** The transport failed to send (RFC 3261 §17.1.4, §17.2.4). */
  transportError: [error: Error];
};

/** A timer handle. */
export type Timer = ReturnType<typeof setTimeout>;

/** Construction options common to all transactions. */
export interface TransactionOptions {
  readonly transport: SipTransport;
  readonly timers: TimerConfig;
  /** True over TCP: no retransmissions and zero Timers D/I/J/K. */
  readonly reliable: boolean;
  readonly logger: Logger;
}

/** Base of the four machines. */
export abstract class Transaction<S extends string> extends TypedEmitter<TransactionEvents<S>> {
  abstract readonly kind: TransactionKind;
  /** The request that created the transaction. */
  readonly request: SipRequest;
  /** The matching key the transaction layer files it under. */
  readonly key: string;
  readonly reliable: boolean;
  protected readonly transport: SipTransport;
  protected readonly timers: TimerConfig;
  protected readonly logger: Logger;
  private current: S;

  protected constructor(request: SipRequest, key: string, initial: S, options: TransactionOptions) {
    super(options.logger);
    this.request = request;
    this.key = key;
    this.current = initial;
    this.reliable = options.reliable;
    this.transport = options.transport;
    this.timers = options.timers;
    this.logger = options.logger;
  }

  get state(): S {
    return this.current;
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
    this.logger.trace("transaction state", { key: this.key, from: this.current, to: next });
    this.current = next;
    this.emit("state", next);
  }

  /** Moves to Terminated: clears every timer, then emits `terminated` once. */
  protected terminate(): void {
    if (this.terminated) return;
    this.clearTimers();
    this.current = "terminated" as S;
    this.emit("state", this.current);
    this.emit("terminated");
    this.removeAllListeners();
  }

  /** Schedules `fn` unless the transaction has terminated by then. */
  protected schedule(ms: number, fn: () => void): Timer {
    return setTimeout(() => {
      if (!this.terminated) fn();
    }, ms);
  }

  /** Clears a timer and returns the empty handle, so callers write `this.A = this.cancel(this.A)`. */
  protected cancel(timer: Timer | undefined): Timer | undefined {
    if (timer !== undefined) clearTimeout(timer);
    const none: Timer | undefined = undefined;
    return none;
  }

  /** Clears every timer field of the concrete machine. */
  protected abstract clearTimers(): void;

  /** RFC 3261 §17.1.4 / §17.2.4: report a send failure and terminate. */
  protected failTransport(error: unknown): void {
    if (this.terminated) return;
    const err = error instanceof Error ? error : new Error(String(error));
    this.logger.debug("transaction transport error", { key: this.key, err });
    this.emit("transportError", err);
    this.terminate();
  }
}
