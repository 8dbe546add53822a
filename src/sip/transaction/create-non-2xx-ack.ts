/**
 * The ACK a client INVITE transaction sends for a non-2xx final response (RFC 3261 §17.1.1.3).
 */
import { requestFromInvite } from "../message/invite-derived.ts";
import type { SipRequest, SipResponse } from "../message/message.ts";

/**
 * Builds the ACK: Request-URI, Call-ID, From and CSeq number of the INVITE, CSeq method ACK,
 * To of the response (with its tag), a single Via equal to the INVITE's top Via, the INVITE's
 * Route headers, Max-Forwards, and no body.
 */
export function createNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  return requestFromInvite(invite, "ACK", response.headers.first("To")?.value);
}
