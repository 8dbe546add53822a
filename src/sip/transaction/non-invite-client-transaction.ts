/**
 * Non-INVITE client transaction (RFC 3261 §17.1.2).
 *
 *   Trying ──1xx──▶ Proceeding ──200-699──▶ Completed ──Timer K──▶ Terminated
 *     └───────200-699──────────────────────────▲
 *   Timer F in Trying or Proceeding ──▶ Terminated (timeout to the TU)
 */
import type { SipRequest, SipResponse } from "../message/message.ts";
import { ClientTransactionBase, type ClientTransactionOptions } from "./client-transaction.ts";
import { transactionTimeout } from "./timers.ts";
import type { Timer } from "./transaction.ts";

/** States of the non-INVITE client machine. */
export type NonInviteClientState = "trying" | "proceeding" | "completed" | "terminated";

const TIMER_E = 0;
const TIMER_F = 1;
const TIMER_K = 2;

/** The non-INVITE client transaction. */
export class NonInviteClientTransaction extends ClientTransactionBase<NonInviteClientState> {
  readonly kind = "non-invite-client";
  // Timer E: request retransmission (unreliable only), T1 doubling up to T2.
  private E: Timer | undefined;
  private intervalE = 0;
  // Timer F: transaction timeout, 64*T1.
  private F: Timer | undefined;
  // Timer K: wait time for response retransmissions, T4 unreliable, 0 reliable.
  private K: Timer | undefined;

  constructor(request: SipRequest, key: string, options: ClientTransactionOptions) {
    super(request, key, "trying", options);
  }

  start(): void {
    // RFC 3261 §17.1.2.2: "The 'Trying' state is entered when the TU initiates a new client
    // transaction with a request. When entering this state, the client transaction SHOULD set
    // timer F to fire in 64*T1 seconds … If an unreliable transport is in use, the client
    // transaction MUST set timer E to fire in T1 seconds."
    this.F = this.schedule(transactionTimeout(this.timers), TIMER_F);
    if (!this.reliable) {
      this.intervalE = this.timers.T1;
      this.E = this.schedule(this.intervalE, TIMER_E);
    }
    this.transmit(this.request);
  }

  receiveResponse(response: SipResponse): void {
    if (this.state !== "trying" && this.state !== "proceeding") {
      // RFC 3261 §17.1.2.2: in Completed, "the client transaction buffers any retransmissions of
      // the final response", i.e. absorbs them.
      return;
    }
    if (response.status < 200) {
      // RFC 3261 §17.1.2.2: a provisional response moves to Proceeding and goes to the TU.
      this.setState("proceeding");
      this.passUp(response);
      return;
    }
    // RFC 3261 §17.1.2.2: a final response moves to Completed and goes to the TU; Timer K is T4
    // for unreliable transports and zero for reliable ones.
    this.E = this.cancel(this.E);
    this.F = this.cancel(this.F);
    this.setState("completed");
    this.passUp(response);
    if (this.reliable) this.terminate();
    else {
      this.K = this.schedule(this.timers.T4, TIMER_K);
      // RFC 3261 §17.1.2.2: Completed only absorbs retransmitted responses; the request (and
      // the compaction it used to get for these seconds) is not needed any more.
      this.releaseRequest();
    }
  }

  protected clearTimers(): void {
    this.E = this.cancel(this.E);
    this.F = this.cancel(this.F);
    this.K = this.cancel(this.K);
  }

  protected onTimer(kind: number): void {
    if (kind === TIMER_E) this.onTimerE();
    else if (kind === TIMER_F) this.timeout();
    else if (kind === TIMER_K) this.terminate();
  }

  private onTimerE(): void {
    if (this.state === "trying") {
      // RFC 3261 §17.1.2.2: "If timer E fires while still in this state, the timer is reset, but
      // this time with a value of MIN(2*T1, T2)" — doubling each time, capped at T2.
      this.intervalE = Math.min(this.intervalE * 2, this.timers.T2);
    } else if (this.state === "proceeding") {
      // RFC 3261 §17.1.2.2: "If Timer E fires while in the Proceeding state, the request MUST be
      // passed to the transport layer for retransmission, and Timer E MUST be reset with a value
      // of T2 seconds."
      this.intervalE = this.timers.T2;
    } else {
      return;
    }
    this.transmit(this.request);
    this.E = this.schedule(this.intervalE, TIMER_E);
  }
}
