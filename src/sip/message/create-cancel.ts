/**
 * Building a CANCEL for a pending INVITE (RFC 3261 §9.1).
 */
import type { SipHeader } from "./headers.ts";
import { SipRequest } from "./message.ts";

const CANCEL_COPIED: ReadonlySet<string> = new Set(["from", "to", "call-id", "route", "max-forwards"]);

/**
 * Creates the CANCEL for `invite`: same Request-URI, Call-ID, To, From and CSeq number, CSeq
 * method CANCEL, a single Via equal to the INVITE's top Via (so it matches the INVITE's branch,
 * §9.1), the INVITE's Route headers, and Max-Forwards.
 */
export function createCancel(invite: SipRequest): SipRequest {
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
      headers.push({ name: h.name, value: `${invite.cseq.seq} CANCEL` });
    } else if (CANCEL_COPIED.has(key)) {
      headers.push(h);
    }
  }
  if (!invite.headers.has("Max-Forwards")) headers.push({ name: "Max-Forwards", value: "70" });
  const cancel = new SipRequest({ method: "CANCEL", uri: invite.uri, version: invite.version, headers });
  cancel.headerEncoding = invite.headerEncoding;
  return cancel;
}
