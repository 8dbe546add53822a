/**
 * Wire form of a SIP message (RFC 3261 §7): start line, headers in stored order with their
 * names as stored, CRLF, body. Content-Length is always written and always equals the body.
 */
import { Buffer } from "node:buffer";
import { SipParseError } from "./parse-error.ts";
import type { SipMessage } from "./message.ts";

/** True when the text holds a CR or LF (which would inject header lines). */
function hasCrOrLf(s: string): boolean {
  return s.includes("\r") || s.includes("\n");
}

/** The start line without CRLF: `INVITE sip:a@b SIP/2.0` or `SIP/2.0 200 OK`. */
export function startLine(message: SipMessage): string {
  return message.kind === "request"
    ? `${message.method} ${message.uri} ${message.version}`
    : `${message.version} ${message.status} ${message.reason}`;
}

/**
 * Serialises a message into one Buffer. The first Content-Length line (long or compact name)
 * gets the body length, later ones are dropped; one is appended when there is none. Throws
 * SipParseError if a start-line element or header contains CR or LF (which would inject header
 * lines).
 */
export function serialize(message: SipMessage): Buffer {
  const first = startLine(message);
  if (hasCrOrLf(first)) throw new SipParseError("CR or LF in start line");
  const headers = message.headers;
  const bodyLength = message.body.length;
  let head = `${first}\r\n`;
  let wroteLength = false;
  for (let i = 0; i < headers.size; i++) {
    const h = headers.lineAt(i);
    if (h === undefined) continue;
    if (hasCrOrLf(h.name) || hasCrOrLf(h.value)) throw new SipParseError(`CR or LF in ${h.name} header`);
    if (headers.keyAt(i) === "content-length") {
      if (wroteLength) continue;
      wroteLength = true;
      head += `${h.name}: ${bodyLength}\r\n`;
    } else {
      head += `${h.name}: ${h.value}\r\n`;
    }
  }
  if (!wroteLength) head += `Content-Length: ${bodyLength}\r\n`;
  head += "\r\n";
  if (bodyLength === 0) return Buffer.from(head, message.headerEncoding);
  // Head and body written into one allocation instead of a head Buffer plus a concat copy.
  const headLength = Buffer.byteLength(head, message.headerEncoding);
  const out = Buffer.allocUnsafe(headLength + bodyLength);
  out.write(head, 0, message.headerEncoding);
  message.body.copy(out, headLength);
  return out;
}
