/**
 * INVITE client transaction (RFC 3261 §17.1.1, with the Accepted state of RFC 6026 §7.2).
 *
 *   Calling ──1xx──▶ Proceeding ──300-699──▶ Completed ──Timer D──▶ Terminated
 *      │ └──────300-699 (send ACK)─────────────▲
 *      └──2xx (from Calling or Proceeding)──▶ Accepted ──Timer M──▶ Terminated
 */
import type { SipRequest, SipResponse } from "../message/message.ts";
import { ClientTransactionBase, type ClientTransactionOptions } from "./client-transaction.ts";
import { createNon2xxAck } from "./create-non-2xx-ack.ts";
import { transactionTimeout } from "./timers.ts";
import type { Timer } from "./transaction.ts";

/** States of the INVITE client machine. */
export type InviteClientState = "calling" | "proceeding" | "completed" | "accepted" | "terminated";

const TIMER_A = 0;
const TIMER_B = 1;
const TIMER_D = 2;
const TIMER_M = 3;

/** The INVITE client transaction. */
export class InviteClientTransaction extends ClientTransactionBase<InviteClientState> {
  readonly kind = "invite-client";
  // Timer A: INVITE retransmission (unreliable only), T1 doubling without cap.
  private A: Timer | undefined;
  // Current Timer A interval.
  private intervalA = 0;
  // Timer B: INVITE transaction timeout, 64*T1.
  private B: Timer | undefined;
  // Timer D: wait time for response retransmissions, ≥32 s unreliable, 0 reliable.
  private D: Timer | undefined;
  // Timer M (RFC 6026): wait time for 2xx retransmissions, 64*T1.
  private M: Timer | undefined;
  private ack: SipRequest | undefined;

  constructor(request: SipRequest, key: string, options: ClientTransactionOptions) {
    super(request, key, "calling", options);
  }

  /** The ACK sent for a non-2xx final response, once there is one. */
  get ackRequest(): SipRequest | undefined {
    return this.ack;
  }

  start(): void {
    // RFC 3261 §17.1.1.2: "If an unreliable transport is being used, the client transaction MUST
    // start timer A with a value of T1 … For any transport, the client transaction MUST start
    // timer B with a value of 64*T1 seconds."
    if (!this.reliable) {
      this.intervalA = this.timers.T1;
      this.A = this.schedule(this.intervalA, TIMER_A);
    }
    this.B = this.schedule(transactionTimeout(this.timers), TIMER_B);
    this.transmit(this.request);
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case "calling":
      case "proceeding":
        if (status < 200) {
          // RFC 3261 §17.1.1.2: a provisional response moves Calling to Proceeding, stops
          // retransmissions, and is passed to the TU.
          this.A = this.cancel(this.A);
          this.B = this.cancel(this.B);
          this.setState("proceeding");
          this.passUp(response);
        } else if (status < 300) {
          // RFC 6026 §7.2: a 2xx moves to Accepted; the TU sends the ACK (§13.2.2.4).
          this.A = this.cancel(this.A);
          this.B = this.cancel(this.B);
          this.setState("accepted");
          this.M = this.schedule(transactionTimeout(this.timers), TIMER_M);
          this.passUp(response);
          // Kept for Timer M only (the TU builds the ACK of a 2xx from its dialog).
          this.request.compact();
        } else {
          // RFC 3261 §17.1.1.2: a 300-699 response moves to Completed; the client transaction
          // MUST generate an ACK (§17.1.1.3) and pass the response up. Timer D is 0 on reliable
          // transports.
          this.A = this.cancel(this.A);
          this.B = this.cancel(this.B);
          this.setState("completed");
          this.ack = createNon2xxAck(this.request, response);
          this.transmit(this.ack);
          this.passUp(response);
          // Kept for Timer D: the ACK is sent again for each retransmitted final response.
          this.request.compact();
          this.ack.compact();
          if (this.reliable) this.terminate();
          else this.D = this.schedule(this.timers.D, TIMER_D);
        }
        return;
      case "completed":
        // RFC 3261 §17.1.1.2: "Any retransmissions of the final response that are received while
        // in the Completed state MUST cause the ACK to be re-passed to the transport layer for
        // retransmission, but the newly received response MUST NOT be passed up to the TU."
        if (status >= 300 && this.ack !== undefined) {
          this.transmit(this.ack);
          this.ack.compact();
        }
        return;
      case "accepted":
        // RFC 6026 §7.2: every 2xx received in Accepted is passed up to the TU.
        if (status >= 200 && status < 300) this.passUp(response);
        return;
      case "terminated":
        return;
    }
  }

  protected clearTimers(): void {
    this.A = this.cancel(this.A);
    this.B = this.cancel(this.B);
    this.D = this.cancel(this.D);
    this.M = this.cancel(this.M);
  }

  protected onTimer(kind: number): void {
    if (kind === TIMER_A) this.onTimerA();
    else if (kind === TIMER_B) this.onTimerB();
    else if (kind === TIMER_D || kind === TIMER_M) this.terminate();
  }

  private onTimerA(): void {
    if (this.state !== "calling") return;
    // RFC 3261 §17.1.1.2: "When timer A fires, the client transaction MUST retransmit the request
    // … and MUST reset the timer with a value of 2*T1" (doubling each time, no T2 cap).
    this.transmit(this.request);
    this.intervalA *= 2;
    this.A = this.schedule(this.intervalA, TIMER_A);
  }

  private onTimerB(): void {
    // RFC 3261 §17.1.1.2: "If the client transaction is still in the Calling state when timer B
    // fires, the client transaction SHOULD inform the TU that a timeout has occurred."
    if (this.state === "calling") this.timeout();
  }
}
