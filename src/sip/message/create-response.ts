/**
 * Building a response from a request, as a UAS or a proxy answering locally does
 * (RFC 3261 §8.2.6).
 */
import type { Buffer } from "node:buffer";
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
  const from = request.headers;
  for (let i = 0; i < from.size; i++) {
    const h = from.lineAt(i);
    const key = from.keyAt(i) ?? "";
    if (h === undefined || (!COPIED.has(key) && !(status === 100 && key === "timestamp"))) continue;
    if (key === "to" && options.toTag !== undefined && status !== 100 && !hasTag(request, h.value)) {
      headers.push({ name: h.name, value: `${h.value};tag=${options.toTag}` });
    } else {
      headers.push(h);
    }
  }
  if (options.headers) for (const h of options.headers) headers.push(h);
  const init = reason === undefined ? { status, headers } : { status, reason, headers };
  const response = new SipResponse(options.body === undefined ? init : { ...init, body: options.body });
  response.headerEncoding = request.headerEncoding;
  return response;
}

function hasTag(request: SipRequest, to: string): boolean {
  try {
    // The request's own To (the usual single line) is parsed once and cached by the message.
    const parsed = request.headers.get("To") === to ? request.peekTo() : parseNameAddr(to, "To");
    return parsed.tag !== undefined;
  } catch {
    return false;
  }
}
