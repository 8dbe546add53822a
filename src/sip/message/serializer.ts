/**
 * Wire form of a SIP message (RFC 3261 §7): start line, headers in stored order with their
 * names as stored, CRLF, body. Content-Length is always written and always equals the body.
 */
import { Buffer } from "node:buffer";
import { SipParseError } from "./parse-error.ts";
import { headerKey } from "./header-names.ts";
import type { SipMessage } from "./message.ts";

const CRLF_RE = /[\r\n]/;

/** The start line without CRLF: `INVITE sip:a@b SIP/2.0` or `SIP/2.0 200 OK`. */
export function startLine(message: SipMessage): string {
  return message.kind === "request"
    ? `${message.method} ${message.uri} ${message.version}`
    : `${message.version} ${message.status} ${message.reason}`;
}

/**
 * Serialises a message. The first Content-Length line (long or compact name) gets the body
 * length, later ones are dropped; one is appended when there is none. Throws SipParseError if a
 * start-line element or header contains CR or LF (which would inject header lines).
 */
export function serialize(message: SipMessage): Buffer {
  const first = startLine(message);
  if (CRLF_RE.test(first)) throw new SipParseError("CR or LF in start line");
  const lines = [first];
  let wroteLength = false;
  for (const h of message.headers) {
    if (CRLF_RE.test(h.name) || CRLF_RE.test(h.value))
      throw new SipParseError(`CR or LF in ${h.name} header`);
    if (headerKey(h.name) === "content-length") {
      if (wroteLength) continue;
      wroteLength = true;
      lines.push(`${h.name}: ${message.body.length}`);
    } else {
      lines.push(`${h.name}: ${h.value}`);
    }
  }
  if (!wroteLength) lines.push(`Content-Length: ${message.body.length}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, message.headerEncoding);
  return message.body.length === 0 ? head : Buffer.concat([head, message.body]);
}
