/**
 * INVITE server transaction (RFC 3261 §17.2.1, with the Accepted state of RFC 6026 §7.1).
 *
 *   Proceeding ──300-699 from TU──▶ Completed ──ACK──▶ Confirmed ──Timer I──▶ Terminated
 *       │                            └──Timer H (no ACK)──▶ Terminated (timeout to the TU)
 *       └──2xx from TU──▶ Accepted ──Timer L──▶ Terminated
 */
import { createResponse } from "../message/create-response.ts";
import type { SipRequest, SipResponse } from "../message/message.ts";
import { ServerTransactionBase, type ServerTransactionOptions } from "./server-transaction.ts";
import { transactionTimeout } from "./timers.ts";
import type { Timer } from "./transaction.ts";

/** States of the INVITE server machine. */
export type InviteServerState = "proceeding" | "completed" | "confirmed" | "accepted" | "terminated";

const TRYING = 0;
const TIMER_G = 1;
const TIMER_H = 2;
const TIMER_I = 3;
const TIMER_L = 4;

/** The INVITE server transaction. */
export class InviteServerTransaction extends ServerTransactionBase<InviteServerState> {
  readonly kind = "invite-server";
  // Sends 100 Trying if the TU has not answered within 200 ms (§17.2.1).
  private trying: Timer | undefined;
  // Timer G: final response retransmission (unreliable only), T1 doubling up to T2.
  private G: Timer | undefined;
  private intervalG = 0;
  // Timer H: wait time for ACK receipt, 64*T1.
  private H: Timer | undefined;
  // Timer I: wait time for ACK retransmissions, T4 unreliable, 0 reliable.
  private I: Timer | undefined;
  // Timer L (RFC 6026): wait time for accepted INVITE request retransmissions, 64*T1.
  private L: Timer | undefined;

  constructor(request: SipRequest, key: string, options: ServerTransactionOptions) {
    super(request, key, "proceeding", options);
  }

  start(): void {
    // RFC 3261 §17.2.1: "the server transaction MUST generate a 100 (Trying) response unless it
    // knows that the TU will generate a provisional or final response within 200 ms".
    if (this.last === undefined) {
      this.trying = this.schedule(this.timers.trying, TRYING);
    }
  }

  respond(response: SipResponse): void {
    const status = response.status;
    if (this.state === "accepted" && status >= 200 && status < 300) {
      // RFC 6026 §7.1: 2xx retransmissions from the TU while Accepted go to the transport.
      this.last = response;
      this.transmit(response);
      this.compactKept();
      return;
    }
    if (this.state !== "proceeding") throw this.refuse(response);
    this.trying = this.cancel(this.trying);
    this.last = response;
    if (status < 200) {
      // RFC 3261 §17.2.1: provisional responses from the TU go to the transport; stay Proceeding.
      this.transmit(response);
    } else if (status < 300) {
      // RFC 6026 §7.1: a 2xx moves to Accepted (RFC 3261 went to Terminated) and starts Timer L.
      this.setState("accepted");
      this.L = this.schedule(transactionTimeout(this.timers), TIMER_L);
      this.transmit(response);
      this.compactKept();
    } else {
      // RFC 3261 §17.2.1: a 300-699 moves to Completed; Timer G (unreliable only) and Timer H.
      this.setState("completed");
      if (!this.reliable) {
        this.intervalG = this.timers.T1;
        this.G = this.schedule(this.intervalG, TIMER_G);
      }
      this.H = this.schedule(transactionTimeout(this.timers), TIMER_H);
      this.transmit(response);
      this.compactKept();
    }
  }

  receiveRequest(_request: SipRequest): void {
    switch (this.state) {
      case "proceeding":
        // RFC 3261 §17.2.1: "If a request retransmission is received while in the Proceeding
        // state, the most recent provisional response that was received from the TU MUST be
        // passed to the transport layer for retransmission."
        if (this.last !== undefined) this.transmit(this.last);
        return;
      case "completed":
        // RFC 3261 §17.2.1: "while in the Completed state, if a request retransmission is
        // received, the server SHOULD pass the response to the transport for retransmission."
        if (this.last !== undefined) this.transmit(this.last);
        this.compactKept();
        return;
      default:
        // Confirmed absorbs; RFC 6026 §7.1: Accepted absorbs INVITE retransmissions too.
        return;
    }
  }

  /**
   * An ACK matched to this transaction. Returns true when the TU must see it (RFC 6026 §7.1:
   * ACKs in Accepted are passed up), false when the machine absorbed it.
   */
  receiveAck(_ack: SipRequest): boolean {
    if (this.state === "accepted") return true;
    if (this.state !== "completed") return false;
    // RFC 3261 §17.2.1: "If an ACK is received while the server transaction is in the Completed
    // state, the server transaction MUST transition to the Confirmed state … timer I is set to
    // fire in T4 seconds for unreliable transports, and zero seconds for reliable transports."
    this.G = this.cancel(this.G);
    this.H = this.cancel(this.H);
    this.setState("confirmed");
    if (this.reliable) this.terminate();
    else this.I = this.schedule(this.timers.T4, TIMER_I);
    return false;
  }

  /**
   * The request stays (the TU may read it, and ACKs are matched against the transaction) for
   * the 32 s of Timer L or H: compacted with the response, as the proxy does with its copies.
   */
  protected override compactKept(): void {
    super.compactKept();
    this.request.compact();
  }

  protected clearTimers(): void {
    this.trying = this.cancel(this.trying);
    this.G = this.cancel(this.G);
    this.H = this.cancel(this.H);
    this.I = this.cancel(this.I);
    this.L = this.cancel(this.L);
  }

  protected onTimer(kind: number): void {
    if (kind === TRYING) {
      this.trying = undefined;
      if (this.state === "proceeding" && this.last === undefined) {
        this.respond(createResponse(this.request, 100, "Trying"));
      }
    } else if (kind === TIMER_G) this.onTimerG();
    else if (kind === TIMER_H) this.onTimerH();
    else if (kind === TIMER_I || kind === TIMER_L) this.terminate();
  }

  private onTimerG(): void {
    if (this.state !== "completed" || this.last === undefined) return;
    // RFC 3261 §17.2.1: "If timer G fires, the response is passed to the transport layer once
    // more for retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds."
    this.transmit(this.last);
    this.compactKept();
    this.intervalG = Math.min(this.intervalG * 2, this.timers.T2);
    this.G = this.schedule(this.intervalG, TIMER_G);
  }

  private onTimerH(): void {
    // RFC 3261 §17.2.1: "If timer H fires while in the Completed state, it implies that the ACK
    // was never received. In this case, the server transaction MUST transition to the Terminated
    // state, and MUST indicate to the TU that a transaction failure has occurred."
    if (this.state !== "completed") return;
    this.emit("timeout");
    this.terminate();
  }
}
