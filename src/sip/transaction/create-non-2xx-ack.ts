/**
 * The ACK a client INVITE transaction sends for a non-2xx final response (RFC 3261 §17.1.1.3).
 */
import type { SipHeader } from "../message/headers.ts";
import { SipRequest, type SipResponse } from "../message/message.ts";

/**
 * Builds the ACK: Request-URI, Call-ID, From and CSeq number of the INVITE, CSeq method ACK,
 * To of the response (with its tag), a single Via equal to the INVITE's top Via, the INVITE's
 * Route headers, Max-Forwards, and no body.
 */
export function createNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const headers: SipHeader[] = [];
  const topVia = invite.headers.get("Via");
  const responseTo = response.headers.first("To");
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
    } else if (key === "to") {
      headers.push({ name: h.name, value: responseTo?.value ?? h.value });
    } else if (key === "cseq") {
      headers.push({ name: h.name, value: `${invite.cseq.seq} ACK` });
    } else if (key === "from" || key === "call-id" || key === "route" || key === "max-forwards") {
      headers.push(h);
    }
  }
  const ack = new SipRequest({ method: "ACK", uri: invite.uri, version: invite.version, headers });
  ack.headerEncoding = invite.headerEncoding;
  return ack;
}
