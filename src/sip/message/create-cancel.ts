/**
 * Building a CANCEL for a pending INVITE (RFC 3261 §9.1).
 */
import type { SipRequest } from "./message.ts";
import { requestFromInvite } from "./invite-derived.ts";

/**
 * Creates the CANCEL for `invite`: same Request-URI, Call-ID, To, From and CSeq number, CSeq
 * method CANCEL, a single Via equal to the INVITE's top Via (so it matches the INVITE's branch,
 * §9.1), the INVITE's Route headers, and Max-Forwards.
 */
export function createCancel(invite: SipRequest): SipRequest {
  const cancel = requestFromInvite(invite, "CANCEL");
  if (!invite.headers.has("Max-Forwards")) cancel.headers.append("Max-Forwards", "70");
  return cancel;
}
