/**
 * Building a response from a request, as a UAS or a proxy answering locally does
 * (RFC 3261 §8.2.6).
 */
import type { Buffer } from "node:buffer";
import { headerKey } from "./header-names.ts";
import type { SipHeader } from "./headers.ts";
import { SipResponse, type SipRequest } from "./message.ts";
import { parseNameAddr } from "./name-addr.ts";

/** Options of {@link createResponse}. */
export interface CreateResponseOptions {
  /** Tag added to To when the request's To has none (never added to a 100, §8.2.6.2). */
  readonly toTag?: string;
  /** Extra headers appended after the copied ones. */
  readonly headers?: Iterable<SipHeader>;
  readonly body?: Buffer | string;
}

const COPIED = new Set(["via", "from", "to", "call-id", "cseq"]);

/**
 * Creates a response to `request`. Via (all values, same order), From, To, Call-ID and CSeq are
 * copied line for line with their names as received (§8.2.6.2); a 100 also copies Timestamp
 * (§8.2.6.1). With `toTag`, `;tag=` is appended to the To text unless it already has a tag.
 */
export function createResponse(
  request: SipRequest,
  status: number,
  reason?: string,
  options: CreateResponseOptions = {},
): SipResponse {
  const headers: SipHeader[] = [];
  for (const h of request.headers) {
    const key = headerKey(h.name);
    if (!COPIED.has(key) && !(status === 100 && key === "timestamp")) continue;
    if (key === "to" && options.toTag !== undefined && status !== 100 && !hasTag(h.value)) {
      headers.push({ name: h.name, value: `${h.value};tag=${options.toTag}` });
    } else {
      headers.push(h);
    }
  }
  if (options.headers) headers.push(...options.headers);
  const init = reason === undefined ? { status, headers } : { status, reason, headers };
  const response = new SipResponse(options.body === undefined ? init : { ...init, body: options.body });
  response.headerEncoding = request.headerEncoding;
  return response;
}

function hasTag(to: string): boolean {
  try {
    return parseNameAddr(to, "To").tag !== undefined;
  } catch {
    return false;
  }
}
