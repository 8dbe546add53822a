/**
 * The stateless error response to a request that failed to parse: 400 with the parser's reason
 * as reason phrase, or 505 for an unsupported SIP version (RFC 3261 §8.2.1, §16.3 step 1).
 */
import { headerKey } from "../message/header-names.ts";
import type { SipHeader } from "../message/headers.ts";
import { SipResponse } from "../message/message.ts";
import { generateTag } from "../message/ids.ts";
import { parseNameAddr } from "../message/name-addr.ts";
import type { SipParseError } from "../message/parse-error.ts";
import { reasonPhrase } from "../message/status-reasons.ts";
import { parseVia } from "../message/via.ts";

/**
 * Builds the answer to a malformed request, or undefined when there is nothing to answer: not a
 * request, or no readable top Via to route the response by. Via, From, To, Call-ID and CSeq lines
 * are copied as received; To gets a tag when it has none.
 */
export function createParseErrorResponse(error: SipParseError): SipResponse | undefined {
  if (error.isRequest !== true || error.headers === undefined) return undefined;
  const topVia = error.headers.get("Via");
  if (topVia === undefined) return undefined;
  try {
    parseVia(topVia);
  } catch {
    return undefined;
  }
  const headers: SipHeader[] = [];
  for (const h of error.headers) {
    const key = headerKey(h.name);
    if (key === "to") {
      headers.push({ name: h.name, value: toWithTag(h.value) });
    } else if (key === "via" || key === "from" || key === "call-id" || key === "cseq") {
      headers.push(h);
    }
  }
  const reason = error.status === 400 ? error.reason : reasonPhrase(error.status);
  return new SipResponse({ status: error.status, reason, headers });
}

function toWithTag(value: string): string {
  try {
    if (parseNameAddr(value, "To").tag !== undefined) return value;
  } catch {
    return value;
  }
  return `${value};tag=${generateTag()}`;
}
