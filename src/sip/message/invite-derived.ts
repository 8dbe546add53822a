/**
 * Requests built from a pending INVITE that must match its transaction: the CANCEL (RFC 3261
 * §9.1) and the ACK of a non-2xx final response (§17.1.1.3). Both carry the INVITE's
 * Request-URI, a single Via equal to its top Via, its From, To, Call-ID, Route and
 * Max-Forwards, and its CSeq number with their own method.
 */
import type { SipHeader } from "./headers.ts";
import { SipRequest } from "./message.ts";

const COPIED: ReadonlySet<string> = new Set(["from", "to", "call-id", "route", "max-forwards"]);

/**
 * The request of `method` derived from `invite`, header lines in the INVITE's order. `to`, when
 * given, replaces the To value (the ACK takes the response's, with its tag).
 */
export function requestFromInvite(invite: SipRequest, method: string, to?: string): SipRequest {
  const headers: SipHeader[] = [];
  const topVia = invite.headers.get("Via");
  let viaCopied = false;
  const from = invite.headers;
  for (let i = 0; i < from.size; i++) {
    const h = from.lineAt(i);
    const key = from.keyAt(i) ?? "";
    if (h === undefined) continue;
    if (key === "via") {
      if (topVia !== undefined && !viaCopied) {
        headers.push({ name: h.name, value: topVia });
        viaCopied = true;
      }
    } else if (key === "cseq") {
      headers.push({ name: h.name, value: `${invite.cseq.seq} ${method}` });
    } else if (key === "to" && to !== undefined) {
      headers.push({ name: h.name, value: to });
    } else if (COPIED.has(key)) {
      headers.push(h);
    }
  }
  const req = new SipRequest({ method, uri: invite.uri, version: invite.version, headers });
  req.headerEncoding = invite.headerEncoding;
  return req;
}
