/**
 * The client transaction user behind `SipServer.sendRequest` and `SipServer.sendRequestTo`:
 * passes every response to an optional observer and settles with the final one — the first
 * final response, or the 408 / 503 RFC 3261 §8.1.3.1 makes of a timeout or a transport error,
 * or a 408 when the transaction is closed first (shutdown).
 *
 * One object rather than a closure per callback: the transaction keeps its user until Timer K
 * ends it (5 s after a NOTIFY's 200 over UDP), and at thousands of NOTIFYs a second those
 * closures, their contexts and the settled promise (with the response in it) were what every
 * NOTIFY left behind. Once settled, the promise (or handler) and the request are let go.
 */
import { createResponse } from "./message/create-response.ts";
import type { SipRequest, SipResponse } from "./message/message.ts";
import type { ClientTransactionUser } from "./transaction/transaction-user.ts";

/** Receives the final response of a request sent with `SipServer.sendRequestTo`. */
export interface FinalResponseHandler {
  /**
   * The final response to `request` (the same one `SipServer.sendRequest` resolves with), once;
   * possibly before `sendRequestTo` has returned.
   */
  finalResponse(response: SipResponse, request: SipRequest): void;
}

/** Settles with the final response of one client transaction. */
export class FinalResponseUser implements ClientTransactionUser {
  private request: SipRequest | undefined;
  // A promise's resolve function, or a handler; undefined once settled.
  private settle: ((res: SipResponse) => void) | FinalResponseHandler | undefined;
  private observe: ((res: SipResponse) => void) | undefined;

  constructor(
    request: SipRequest,
    settle: ((res: SipResponse) => void) | FinalResponseHandler,
    observe: ((res: SipResponse) => void) | undefined,
  ) {
    this.request = request;
    this.settle = settle;
    this.observe = observe;
  }

  /** Settles with `res` unless settled already. */
  finish(res: SipResponse): void {
    const settle = this.settle;
    const req = this.request;
    if (settle === undefined || req === undefined) return;
    this.settle = undefined;
    this.request = undefined;
    if (typeof settle === "function") settle(res);
    else settle.finalResponse(res, req);
  }

  /** Settles with a response of ours to the request (408, 503), unless settled already. */
  fail(status: number, reason: string): void {
    const req = this.request;
    if (req === undefined) return;
    this.finish(createResponse(req, status, reason));
  }

  onResponse(res: SipResponse): void {
    this.observe?.(res);
    if (res.status >= 200) this.finish(res);
  }

  onTimeout(): void {
    this.fail(408, "Request Timeout");
  }

  onTransportError(): void {
    this.fail(503, "Service Unavailable");
  }

  onTerminated(): void {
    // Closed before any final response (shutdown): the caller still gets an answer.
    this.fail(408, "Request Timeout");
    this.observe = undefined;
  }
}
