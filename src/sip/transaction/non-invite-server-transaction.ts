/**
 * Non-INVITE server transaction (RFC 3261 §17.2.2).
 *
 *   Trying ──1xx from TU──▶ Proceeding ──200-699 from TU──▶ Completed ──Timer J──▶ Terminated
 *     └──────────200-699 from TU────────────────────────────▲
 */
import type { SipRequest, SipResponse } from "../message/message.ts";
import { ServerTransactionBase, type ServerTransactionOptions } from "./server-transaction.ts";
import { transactionTimeout } from "./timers.ts";
import type { Timer } from "./transaction.ts";

/** States of the non-INVITE server machine. */
export type NonInviteServerState = "trying" | "proceeding" | "completed" | "terminated";

/** The non-INVITE server transaction (also used for CANCEL). */
export class NonInviteServerTransaction extends ServerTransactionBase<NonInviteServerState> {
  readonly kind = "non-invite-server";
  // Timer J: wait time for request retransmissions, 64*T1 unreliable, 0 reliable.
  private J: Timer | undefined;

  constructor(request: SipRequest, key: string, options: ServerTransactionOptions) {
    super(request, key, "trying", options);
  }

  start(): void {
    // Nothing to time in Trying: the TU answers (RFC 3261 §17.2.2 has no Trying timer).
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
    this.setState("completed");
    this.transmit(response);
    if (this.reliable) this.terminate();
    else
      this.J = this.schedule(transactionTimeout(this.timers), () => {
        this.terminate();
      });
  }

  receiveRequest(_request: SipRequest): void {
    // RFC 3261 §17.2.2: in Trying "any further request retransmissions are discarded"; in
    // Proceeding and Completed the last response is retransmitted.
    if (this.state === "proceeding" || this.state === "completed") {
      if (this.last !== undefined) this.transmit(this.last);
    }
  }

  protected clearTimers(): void {
    this.J = this.cancel(this.J);
  }
}
