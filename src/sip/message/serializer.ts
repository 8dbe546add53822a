/**
 * Wire form of a SIP message (RFC 3261 §7): start line, headers in stored order with their
 * names as stored, CRLF, body. Content-Length is always written and always equals the body.
 *
 * Every message sent goes through here, so the bytes are written straight into a shared slab
 * and handed out as a view of it, the way Node's own Buffer pool works. Building the head as a
 * string instead allocated some 2-3 KB per message (a cons-string per `+=`, then the flattened
 * copy Buffer.from makes) for the same CPU time. A short text (a header name, most values) is
 * copied by a loop that also looks for CR and LF; a long one by one native write, as a native
 * call costs about what the loop takes for a few dozen characters.
 */
import { Buffer } from "node:buffer";
import { SipParseError } from "./parse-error.ts";
import type { HeaderEncoding, SipMessage } from "./message.ts";

// CR or LF in a name or value would inject header lines.
function hasCrOrLf(s: string): boolean {
  return s.includes("\r") || s.includes("\n");
}

/** The start line without CRLF: `INVITE sip:a@b SIP/2.0` or `SIP/2.0 200 OK`. */
export function startLine(message: SipMessage): string {
  return message.kind === "request"
    ? `${message.method} ${message.uri} ${message.version}`
    : `${message.version} ${message.status} ${message.reason}`;
}

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const COLON = 0x3a;

// What put returns for a text holding CR or LF.
const INJECTED = -1;

// Texts up to this length are copied by the loop: about where a native write gets cheaper.
const SHORT_TEXT = 24;

// A message that needs more gets a slab twice its size.
const SLAB_SIZE = 16 * 1024;

// Reserved per character: the most bytes one UTF-16 code unit takes in UTF-8.
const MAX_BYTES_PER_CHAR = 3;

// The slab messages are written into and where its free part starts. A slab is dropped (left
// to the views already handed out) once a message does not fit; like a pooled Buffer, a view
// kept for long keeps its whole slab.
let slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
let slabFree = 0;
// Where the message being written starts in the slab.
let messageStart = 0;

// Room for `need` more bytes after `end`: what is written so far moves to a new slab when this
// one is too small (the returned `end` is then in the new one).
function reserve(end: number, need: number): number {
  if (end + need <= slab.length) return end;
  const written = end - messageStart;
  // A multiple of 8, so that the aligned start of the next message is never past the end.
  const next = Buffer.allocUnsafeSlow(Math.max(SLAB_SIZE, (2 * (written + need) + 7) & ~7));
  slab.copy(next, 0, messageStart, end);
  slab = next;
  slabFree = 0;
  messageStart = 0;
  return written;
}

// Writes `s` at `at` as `encoding` does; returns where it ends, or INJECTED.
function put(buf: Buffer, at: number, s: string, encoding: HeaderEncoding): number {
  const n = s.length;
  if (n > SHORT_TEXT) return putNative(buf, at, s, encoding);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c <= CR) {
      if (c === CR || c === LF) return INJECTED;
    } else if (c >= 0x80 && encoding === "utf8") {
      // Multi-byte in UTF-8: the whole text again, natively. (Storing into the Uint8Array keeps
      // the low byte, which is what latin1 writes.)
      return putNative(buf, at, s, encoding);
    }
    buf[at + i] = c;
  }
  return at + n;
}

function putNative(buf: Buffer, at: number, s: string, encoding: HeaderEncoding): number {
  if (hasCrOrLf(s)) return INJECTED;
  return at + buf.write(s, at, encoding);
}

function putCrLf(buf: Buffer, at: number): number {
  buf[at] = CR;
  buf[at + 1] = LF;
  return at + 2;
}

/**
 * Serialises a message into one Buffer. The first Content-Length line (long or compact name)
 * gets the body length, later ones are dropped; one is appended when there is none. Throws
 * SipParseError if a start-line element or header contains CR or LF (which would inject header
 * lines). The Buffer may share its underlying memory with other serialised messages, as
 * Node's pooled Buffers do.
 */
export function serialize(message: SipMessage): Buffer {
  const encoding = message.headerEncoding;
  const request = message.kind === "request";
  const a = request ? message.method : message.version;
  const b = request ? message.uri : String(message.status);
  const c = request ? message.version : message.reason;
  messageStart = slabFree;
  let p = reserve(messageStart, MAX_BYTES_PER_CHAR * (a.length + b.length + c.length) + 4);
  let buf = slab;
  p = put(buf, p, a, encoding);
  if (p !== INJECTED) {
    buf[p++] = SPACE;
    p = put(buf, p, b, encoding);
  }
  if (p !== INJECTED) {
    buf[p++] = SPACE;
    p = put(buf, p, c, encoding);
  }
  if (p === INJECTED) throw new SipParseError("CR or LF in start line");
  p = putCrLf(buf, p);

  const headers = message.headers;
  const body = message.body;
  const bodyLength = body.length;
  const lengthText = String(bodyLength);
  let wroteLength = false;
  for (let i = 0; i < headers.size; i++) {
    const h = headers.lineAt(i);
    if (h === undefined) continue;
    const name = h.name;
    const isLength = headers.keyAt(i) === "content-length";
    // A dropped Content-Length line (a later one, or the value replaced by the body's length)
    // must not hold CR or LF either.
    if (isLength && (hasCrOrLf(name) || hasCrOrLf(h.value))) throw injected(name);
    if (isLength && wroteLength) continue;
    const value = isLength ? lengthText : h.value;
    wroteLength ||= isLength;
    p = reserve(p, MAX_BYTES_PER_CHAR * (name.length + value.length) + 4);
    buf = slab;
    p = put(buf, p, name, encoding);
    if (p === INJECTED) throw injected(name);
    buf[p++] = COLON;
    buf[p++] = SPACE;
    p = put(buf, p, value, encoding);
    if (p === INJECTED) throw injected(name);
    p = putCrLf(buf, p);
  }
  p = reserve(p, 16 + lengthText.length + 4 + bodyLength);
  buf = slab;
  if (!wroteLength) {
    p = put(buf, p, "Content-Length: ", encoding);
    p = put(buf, p, lengthText, encoding);
    p = putCrLf(buf, p);
  }
  p = putCrLf(buf, p);
  if (bodyLength > 0) p += body.copy(buf, p);
  const out = Buffer.from(buf.buffer, buf.byteOffset + messageStart, p - messageStart);
  // The next message starts 8-byte aligned, as in Node's pool.
  slabFree = (p + 7) & ~7;
  return out;
}

function injected(name: string): SipParseError {
  return new SipParseError(`CR or LF in ${name} header`);
}
