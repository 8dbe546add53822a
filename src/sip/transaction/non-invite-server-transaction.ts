/**
 * Non-INVITE server transaction (RFC 3261 §17.2.2).
 *
 *   Trying ──1xx from TU──▶ Proceeding ──200-699 from TU──▶ Completed ──Timer J──▶ Terminated
 *     └──────────200-699 from TU────────────────────────────▲
 *   no final response from the TU within 64*T1 + T4 ──▶ Terminated (timeout)
 */
import type { SipRequest, SipResponse } from "../message/message.ts";
import { ServerTransactionBase, type ServerTransactionOptions } from "./server-transaction.ts";
import { transactionTimeout } from "./timers.ts";
import type { Timer } from "./transaction.ts";

/** States of the non-INVITE server machine. */
export type NonInviteServerState = "trying" | "proceeding" | "completed" | "terminated";

const TIMER_J = 0;
const ANSWER_GUARD = 1;

/** The non-INVITE server transaction (also used for CANCEL). */
export class NonInviteServerTransaction extends ServerTransactionBase<NonInviteServerState> {
  readonly kind = "non-invite-server";
  // Timer J: wait time for request retransmissions, 64*T1 unreliable, 0 reliable.
  private J: Timer | undefined;
  // Not in RFC 3261: ends a transaction whose TU never sends a final response, which would
  // otherwise live (with its request) until the layer closes.
  private guard: Timer | undefined;

  constructor(request: SipRequest, key: string, options: ServerTransactionOptions) {
    super(request, key, "trying", options);
  }

  start(): void {
    // RFC 3261 §17.2.2 has no Trying timer: the TU answers. Should it never do so, the client
    // gave up at its Timer F (64*T1) anyway; T4 more leaves a proxied request, whose own
    // client transaction started a little later, the time to pass on its 408.
    this.guard = this.schedule(transactionTimeout(this.timers) + this.timers.T4, ANSWER_GUARD);
  }

  respond(response: SipResponse): void {
    if (this.state !== "trying" && this.state !== "proceeding") throw this.refuse(response);
    this.last = response;
    if (response.status < 200) {
      // RFC 3261 §17.2.2: a provisional response from the TU moves to Proceeding.
      this.setState("proceeding");
      this.transmit(response);
      return;
    }
    // RFC 3261 §17.2.2: a final response moves to Completed; "Timer J is set to fire in 64*T1
    // seconds for unreliable transports, and zero seconds for reliable transports."
    this.guard = this.cancel(this.guard);
    this.setState("completed");
    this.transmit(response);
    if (this.reliable) this.terminate();
    else {
      this.J = this.schedule(transactionTimeout(this.timers), TIMER_J);
      // RFC 3261 §17.2.2: Completed only answers retransmissions with the last response.
      this.releaseRequest();
      this.compactKept();
    }
  }

  receiveRequest(_request: SipRequest): void {
    // RFC 3261 §17.2.2: in Trying "any further request retransmissions are discarded"; in
    // Proceeding and Completed the last response is retransmitted.
    if (this.state === "proceeding" || this.state === "completed") {
      if (this.last !== undefined) this.transmit(this.last);
      if (this.state === "completed") this.compactKept();
    }
  }

  protected clearTimers(): void {
    this.J = this.cancel(this.J);
    this.guard = this.cancel(this.guard);
  }

  protected onTimer(kind: number): void {
    if (kind === TIMER_J) {
      this.terminate();
    } else if (kind === ANSWER_GUARD) {
      this.guard = undefined;
      if (this.state !== "trying" && this.state !== "proceeding") return;
      this.logger.warn("no final response to a request: transaction ended", {
        key: this.key,
        method: this.request.method,
      });
      this.emit("timeout");
      this.terminate();
    }
  }
}
