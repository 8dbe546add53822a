/**
 * Building a CANCEL for a pending INVITE (RFC 3261 §9.1).
 */
import { headerKey } from "./header-names.ts";
import type { SipHeader } from "./headers.ts";
import { SipRequest } from "./message.ts";

/**
 * Creates the CANCEL for `invite`: same Request-URI, Call-ID, To, From and CSeq number, CSeq
 * method CANCEL, a single Via equal to the INVITE's top Via (so it matches the INVITE's branch,
 * §9.1), the INVITE's Route headers, and Max-Forwards.
 */
export function createCancel(invite: SipRequest): SipRequest {
  const headers: SipHeader[] = [];
  const topVia = invite.headers.get("Via");
  for (const h of invite.headers) {
    const key = headerKey(h.name);
    if (key === "via") {
      if (topVia !== undefined && !headers.some((x) => headerKey(x.name) === "via")) {
        headers.push({ name: h.name, value: topVia });
      }
    } else if (key === "cseq") {
      headers.push({ name: h.name, value: `${invite.cseq.seq} CANCEL` });
    } else if (["from", "to", "call-id", "route", "max-forwards"].includes(key)) {
      headers.push(h);
    }
  }
  if (!invite.headers.has("Max-Forwards")) headers.push({ name: "Max-Forwards", value: "70" });
  const cancel = new SipRequest({ method: "CANCEL", uri: invite.uri, version: invite.version, headers });
  cancel.headerEncoding = invite.headerEncoding;
  return cancel;
}
