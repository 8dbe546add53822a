/**
 * Transaction matching keys: RFC 3261 §17.1.3 for client transactions, §17.2.3 for server
 * transactions (branch with the magic cookie, with the RFC 2543 fallback), and §9.2 for CANCEL.
 */
import type { SipRequest, SipResponse } from "../message/message.ts";

/** Key of the client transaction a response belongs to: top Via branch + CSeq method (§17.1.3). */
export function clientKeyOfResponse(response: SipResponse): string | undefined {
  try {
    const branch = response.peekTopVia()?.branch;
    return branch === undefined ? undefined : clientKey(branch, response.cseq.method);
  } catch {
    return undefined;
  }
}

/**
 * Key of a client transaction from its branch and method. Keys are joined rather than
 * concatenated: `join` makes one flat string, where `+` makes a rope of cons strings that the
 * Map flattens on first hashing (a second copy) and a filed transaction keeps for its last
 * seconds (Timer K, J).
 */
export function clientKey(branch: string, method: string): string {
  return [branch, method].join("|");
}

/**
 * Key of the server transaction a request belongs to (§17.2.3). ACK maps to its INVITE; pass
 * `asMethod: "INVITE"` to find the INVITE a CANCEL cancels (§9.2). RFC 3261 branches give
 * branch + sent-by + method. Without the magic cookie (RFC 2543 peers) the key is Request-URI,
 * From tag, Call-ID, CSeq number, top Via, and for non-INVITE the To tag; for INVITE/ACK the
 * To tag is compared separately against the response the transaction sent. Undefined when the
 * headers needed are missing or malformed.
 */
export function serverKey(request: SipRequest, asMethod?: string): string | undefined {
  try {
    const via = request.peekTopVia();
    if (via === undefined) return undefined;
    const method = asMethod ?? (request.method === "ACK" ? "INVITE" : request.method);
    // Joined, not concatenated: see clientKey.
    if (via.isRfc3261Branch) return ["3261", via.branch ?? "", via.sentBy, method].join("|");
    const toTag = method === "INVITE" ? "" : (request.toTag ?? "");
    const fromTag = request.fromTag ?? "";
    return `2543|${method}|${request.uri}|${toTag}|${fromTag}|${request.callId}|${request.cseq.seq}|${via.toString()}`;
  } catch {
    return undefined;
  }
}

/** True for keys built by the RFC 2543 fallback. */
export function isRfc2543Key(key: string): boolean {
  return key.startsWith("2543|");
}
