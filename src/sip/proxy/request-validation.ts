/**
 * Request validation by a proxy (RFC 3261 §16.3) before it routes anything. Syntax (step 1) was
 * checked by the parser, which answered 400 to what it could not read.
 */
import type { SipHeader } from "../message/headers.ts";
import type { SipRequest } from "../message/message.ts";

/** A rejection: the final response to send. */
export interface Rejection {
  readonly status: number;
  readonly reason: string;
  readonly headers?: readonly SipHeader[];
}

// Option tags of Proxy-Require that this proxy supports (none: it needs no extension).
const SUPPORTED_PROXY_OPTIONS: ReadonlySet<string> = new Set();

/**
 * Checks a request as RFC 3261 §16.3 asks. `toUs` says whether the request is addressed to this
 * server itself (OPTIONS may then be answered even with Max-Forwards 0, step 3).
 */
export function validateProxyRequest(req: SipRequest, toUs: boolean): Rejection | undefined {
  // RFC 3261 §16.3 step 2: "If the Request-URI has a URI whose scheme is not understood by the
  // proxy, the proxy SHOULD reject the request with a 416 (Unsupported URI Scheme) response."
  let scheme: string;
  try {
    scheme = req.requestUri.scheme.toLowerCase();
  } catch {
    return { status: 400, reason: "Bad Request - malformed Request-URI" };
  }
  if (scheme !== "sip" && scheme !== "sips") return { status: 416, reason: "Unsupported URI Scheme" };
  // RFC 3261 §16.3 step 3: "If the request does not contain a Max-Forwards header field, this
  // check is passed. If … the field value is greater than zero, the check is passed. If …
  // zero (0), the element MUST NOT forward the request. If the request was for OPTIONS, the
  // element MAY act as the final recipient … Otherwise, the element MUST return a 483".
  let mf: number | undefined;
  try {
    mf = req.maxForwards;
  } catch {
    return { status: 400, reason: "Bad Request - malformed Max-Forwards" };
  }
  if (mf === 0 && !(req.method === "OPTIONS" && toUs) && req.method !== "ACK") {
    return { status: 483, reason: "Too Many Hops" };
  }
  // RFC 3261 §16.3 step 5: "If the request contains a Proxy-Require header field … with one or
  // more option-tags this element does not understand, the element MUST return a 420 (Bad
  // Extension) response. The response MUST include an Unsupported … header field".
  const unsupported = req.headers
    .getAll("Proxy-Require")
    .map((t) => t.trim())
    .filter((t) => t !== "" && !SUPPORTED_PROXY_OPTIONS.has(t.toLowerCase()));
  if (unsupported.length > 0 && req.method !== "ACK" && req.method !== "CANCEL") {
    return {
      status: 420,
      reason: "Bad Extension",
      headers: [{ name: "Unsupported", value: unsupported.join(", ") }],
    };
  }
  return undefined;
}
