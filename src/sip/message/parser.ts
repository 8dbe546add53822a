/**
 * SIP message parser (RFC 3261 §7, §18.3, §25). Input is the bytes of one datagram or of one
 * framed stream message; output is a validated SipRequest or SipResponse, or a SipParseError
 * that says why and whether the start line was a request (so a transport can answer 400).
 *
 * Validation covers what a proxy or UAS needs to trust before handling a message: the start
 * line, the mandatory headers of RFC 3261 §8.1.1, single-valued headers appearing once, and
 * the grammar of Via, From, To, Contact, Route, Record-Route, CSeq, Max-Forwards,
 * Content-Length and Date. Unknown headers are kept verbatim (RFC 4475 §3.1.1.1).
 */
import { Buffer, isUtf8 } from "node:buffer";
import { SipParseError } from "./parse-error.ts";
import { headerKey } from "./header-names.ts";
import { SipHeaders, type SipHeader } from "./headers.ts";
import { isToken, isWsCode, splitTopLevel, trimLws } from "./lexer.ts";
import { parseCSeq } from "./cseq.ts";
import { parseContentLength, parseMaxForwards } from "./integer-headers.ts";
import { parseNameAddr } from "./name-addr.ts";
import { parseVia, type Via } from "./via.ts";
import { parseUri } from "./uri.ts";
import { reasonPhrase } from "./status-reasons.ts";
import {
  SipRequest,
  SipResponse,
  type HeaderEncoding,
  type ParsedHeaders,
  type SipMessage,
} from "./message.ts";

/** Parser options. */
export interface ParseOptions {
  /**
   * true (default): the bytes are one datagram. Without Content-Length the body is the rest of
   * the datagram; bytes after Content-Length octets are ignored (RFC 3261 §18.3, RFC 4475
   * §3.1.1.9); a Content-Length larger than the datagram is an error. false: the bytes are
   * exactly one message framed from a stream by its Content-Length.
   */
  readonly datagram?: boolean;
}

const RFC1123_DATE_RE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");

/**
 * Start-line words every message repeats. A word cut from the line is a new string (short ones
 * are copied), kept by the message for its whole life; the constant is shared instead.
 */
const WORDS: ReadonlyMap<string, string> = new Map(
  [
    "SIP/2.0",
    "INVITE",
    "ACK",
    "BYE",
    "CANCEL",
    "OPTIONS",
    "REGISTER",
    "SUBSCRIBE",
    "NOTIFY",
    "REFER",
    "PRACK",
    "UPDATE",
    "INFO",
    "MESSAGE",
    "PUBLISH",
  ].map((w) => [w, w]),
);

function intern(word: string): string {
  return WORDS.get(word) ?? word;
}

function internReason(status: number, reason: string): string {
  const usual = reasonPhrase(status);
  return reason === usual ? usual : reason;
}

/** Guesses from the start line whether this is a request: `token SP …` and not `SIP/…`. */
function looksLikeRequest(startLine: string): boolean | undefined {
  if (/^SIP\/\d/i.test(startLine)) return false;
  if (/^[A-Za-z0-9\-.!%*_+`'~]+ /.test(startLine)) return true;
  return undefined;
}

/** True when the text has a CR not followed by LF, or an LF not preceded by CR. */
function hasBareCrOrLf(text: string): boolean {
  for (let i = text.indexOf("\r"); i >= 0; i = text.indexOf("\r", i + 1)) {
    if (text.charCodeAt(i + 1) !== 0x0a) return true;
  }
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
    if (i === 0 || text.charCodeAt(i - 1) !== 0x0d) return true;
  }
  return false;
}

/**
 * Header names as phones and Linekey usually spell them, grouped by length. A line starting
 * with one of them followed by the colon reuses the one string instance (and its key) instead
 * of cutting and hashing a fresh name per line — and kept messages share it.
 */
const KNOWN_NAMES: readonly (readonly { name: string; key: string }[] | undefined)[] = (() => {
  const byLength: { name: string; key: string }[][] = [];
  for (const name of [
    "Via",
    "From",
    "To",
    "Call-ID",
    "CSeq",
    "Contact",
    "Max-Forwards",
    "Content-Length",
    "Content-Type",
    "Route",
    "Record-Route",
    "Event",
    "Expires",
    "User-Agent",
    "Server",
    "Allow",
    "Allow-Events",
    "Supported",
    "Require",
    "Accept",
    "Call-Info",
    "Subscription-State",
    "Authorization",
    "Proxy-Authorization",
    "WWW-Authenticate",
    "Proxy-Authenticate",
    "Date",
    "Min-Expires",
    "Session-Expires",
    "Min-SE",
    "P-Asserted-Identity",
    "Remote-Party-ID",
    "Alert-Info",
    "Reason",
    "Timestamp",
  ]) {
    (byLength[name.length] ??= []).push({ name, key: headerKey(name) });
  }
  return byLength;
})();

/** What a parse error reports about the message (see SipParseErrorDetails). */
interface FailureContext {
  readonly isRequest: boolean | undefined;
  readonly method: string | undefined;
  headers: SipHeaders | undefined;
}

function failure(where: FailureContext, reason: string, status?: number): SipParseError {
  const { isRequest, method, headers } = where;
  return new SipParseError(
    reason,
    status === undefined ? { isRequest, method, headers } : { isRequest, method, headers, status },
  );
}

/** An error in the header lines themselves: the lines read so far. */
function partialFailure(where: FailureContext, reason: string, lines: readonly SipHeader[]): SipParseError {
  return new SipParseError(reason, {
    isRequest: where.isRequest,
    method: where.method,
    headers: new SipHeaders(lines.map((h) => ({ name: h.name, value: trimLws(h.value) }))),
  });
}

/** Index of the first character after the white space at `i`. */
function skipLws(s: string, i: number): number {
  while (i < s.length && isWsCode(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Unfolds continuation lines (RFC 3261 §7.3.1) and splits `name: value`. `checkBare` asks for the
 * per-line search for a bare CR or LF (only needed when the header section has one at all).
 * `lines[0]` is the start line.
 */
function readHeaders(
  lines: readonly string[],
  checkBare: boolean,
  sectionText: string,
  where: FailureContext,
): SipHeaders {
  // Values are cut once, after the white space that follows the colon; trailing white space
  // (rare) is trimmed at the end, after unfolding.
  const list: SipHeader[] = [];
  const keys: string[] = [];
  let folded = false;
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n] ?? "";
    if (checkBare && (line.includes("\r") || line.includes("\n"))) {
      throw partialFailure(where, "Bare CR or LF in header section", list);
    }
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      // A continuation line: the CRLF goes, the leading white space stays (it is LWS = SP).
      const last = list.length - 1;
      const prev = list[last];
      if (prev === undefined) throw partialFailure(where, "Continuation line before the first header", list);
      // An empty value so far keeps no leading white space from the continuation.
      list[last] = { name: prev.name, value: prev.value === "" ? trimLws(line) : prev.value + line };
      folded = true;
      continue;
    }
    const colon = line.indexOf(":");
    const known = colon > 0 ? KNOWN_NAMES[colon] : undefined;
    let hit: { name: string; key: string } | undefined;
    if (known !== undefined) for (const k of known) if (line.startsWith(k.name)) hit = k;
    let name: string;
    if (hit !== undefined) {
      name = hit.name;
      keys.push(hit.key);
    } else {
      // HCOLON = *( SP / HTAB ) ":" SWS — white space is allowed between the name and the colon.
      name = colon < 0 ? "" : trimLws(line.slice(0, colon));
      if (colon <= 0 || !isToken(name)) throw partialFailure(where, "Malformed header line", list);
      keys.push(headerKey(name));
    }
    list.push({ name, value: line.slice(skipLws(line, colon + 1)) });
  }
  for (let i = 0; i < list.length; i++) {
    const h = list[i];
    if (h === undefined) continue;
    const v = h.value;
    if (v.length > 0 && isWsCode(v.charCodeAt(v.length - 1))) list[i] = { name: h.name, value: trimLws(v) };
  }
  // The received section, kept for SipHeaders.compact, when its lines read back one by one
  // (no continuation lines; a bare CR or LF was refused above).
  return SipHeaders.adopt(list, keys, folded ? undefined : sectionText);
}

// The headers validateHeaders looks at, by key, with the number it counts them under.
const VIA = 0;
const FROM = 1;
const TO = 2;
const CALL_ID = 3;
const CSEQ = 4;
const MAX_FORWARDS = 5;
const CONTENT_LENGTH = 6;
const CONTENT_TYPE = 7;
const DATE = 8;
const CONTACT = 9;
const ROUTE = 10;
const RECORD_ROUTE = 11;
const CHECKED: ReadonlyMap<string, number> = new Map([
  ["via", VIA],
  ["from", FROM],
  ["to", TO],
  ["call-id", CALL_ID],
  ["cseq", CSEQ],
  ["max-forwards", MAX_FORWARDS],
  ["content-length", CONTENT_LENGTH],
  ["content-type", CONTENT_TYPE],
  ["date", DATE],
  ["contact", CONTACT],
  ["route", ROUTE],
  ["record-route", RECORD_ROUTE],
]);
/** Names used in error reasons, by number. */
const CHECKED_NAMES = [
  "Via",
  "From",
  "To",
  "Call-ID",
  "CSeq",
  "Max-Forwards",
  "Content-Length",
  "Content-Type",
  "Date",
  "Contact",
  "Route",
  "Record-Route",
];
const REQUIRED = [VIA, FROM, TO, CALL_ID, CSEQ];
const SINGLE = [FROM, TO, CALL_ID, CSEQ, MAX_FORWARDS, CONTENT_LENGTH, CONTENT_TYPE, DATE];
const NAME_ADDR_LISTS = [CONTACT, ROUTE, RECORD_ROUTE];

/** The elements of a list-header line, or undefined when a quote or `<` is left open. */
function listElements(value: string): string[] | undefined {
  // One element without anything to split on: no scan of our own.
  if (!value.includes(",")) return splitTopLevelSingle(value);
  return splitTopLevel(value, ",");
}

function splitTopLevelSingle(value: string): string[] | undefined {
  return value.includes('"') || value.includes("<") || value.includes(">")
    ? splitTopLevel(value, ",")
    : [trimLws(value)];
}

/**
 * Validates the headers every element relies on; returns what it parsed on the way. One pass
 * over the lines collects the ones it checks; the checks then run in a fixed order, so the
 * reason given for a message with several faults does not depend on the header order.
 */
function validateHeaders(headers: SipHeaders, method: string | undefined): ParsedHeaders {
  const counts = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const first: (SipHeader | undefined)[] = new Array<SipHeader | undefined>(12);
  // The list headers' lines, by id; created for the ids present only.
  const lists: (SipHeader[] | undefined)[] = [];
  const size = headers.size;
  for (let i = 0; i < size; i++) {
    const id = CHECKED.get(headers.keyAt(i) ?? "");
    if (id === undefined) continue;
    const line = headers.lineAt(i);
    if (line === undefined) continue;
    if (counts[id] === 0) first[id] = line;
    counts[id] = (counts[id] ?? 0) + 1;
    if (id === VIA || id >= CONTACT) (lists[id] ??= []).push(line);
  }
  for (const id of REQUIRED) {
    if (counts[id] === 0) throw new SipParseError(`Missing ${CHECKED_NAMES[id] ?? ""} header`);
  }
  for (const id of SINGLE) {
    if ((counts[id] ?? 0) > 1) throw new SipParseError(`Multiple ${CHECKED_NAMES[id] ?? ""} headers`);
  }
  let topVia: readonly [string, Via] | undefined;
  for (const line of lists[VIA] ?? []) {
    const parts = listElements(line.value);
    if (parts === undefined || parts.includes("")) throw new SipParseError("Malformed Via header");
    for (const p of parts) {
      const via = parseVia(p);
      topVia ??= [p, via];
    }
  }
  const fromText = first[FROM]?.value ?? "";
  const toText = first[TO]?.value ?? "";
  const from = parseNameAddr(fromText, "From");
  const to = parseNameAddr(toText, "To");
  if ((first[CALL_ID]?.value ?? "") === "") throw new SipParseError("Malformed Call-ID header");
  for (const id of NAME_ADDR_LISTS) {
    const name = CHECKED_NAMES[id] ?? "";
    for (const line of lists[id] ?? []) {
      const parts = listElements(line.value);
      if (parts === undefined || parts.includes("")) throw new SipParseError(`Malformed ${name} header`);
      for (const p of parts) if (!(id === CONTACT && p === "*")) parseNameAddr(p, name);
    }
  }
  const cseqText = first[CSEQ]?.value ?? "";
  const cseq = Object.freeze(parseCSeq(cseqText));
  // RFC 3261 §8.1.1.5 / RFC 4475 §3.1.2.17: the CSeq method matches the request method.
  if (method !== undefined && cseq.method !== method) throw new SipParseError("CSeq method does not match");
  const mf = first[MAX_FORWARDS]?.value;
  if (mf !== undefined) parseMaxForwards(mf);
  const cl = first[CONTENT_LENGTH]?.value;
  if (cl !== undefined) parseContentLength(cl);
  const date = first[DATE]?.value;
  // RFC 3261 §20.17: SIP-date is an RFC 1123 date in GMT only (RFC 4475 §3.1.2.12).
  if (date !== undefined && !RFC1123_DATE_RE.test(date)) throw new SipParseError("Malformed Date header");
  return topVia === undefined
    ? { from: [fromText, from], to: [toText, to], cseq: [cseqText, cseq] }
    : { topVia, from: [fromText, from], to: [toText, to], cseq: [cseqText, cseq] };
}

function asBuffer(data: Uint8Array | string): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Index after the CRLFs that may precede a start line (RFC 3261 §7.5). */
export function skipLeadingCrlf(buf: Uint8Array, from = 0): number {
  let i = from;
  while (buf[i] === 0x0d && buf[i + 1] === 0x0a) i += 2;
  return i;
}

/**
 * Parses one SIP message. Never throws anything but SipParseError, whatever the input.
 */
export function parseMessage(data: Uint8Array | string, options: ParseOptions = {}): SipMessage {
  try {
    return parse(asBuffer(data), options);
  } catch (err) {
    if (err instanceof SipParseError) throw err;
    // Defence in depth: a bug in a header parser must not take the transport down.
    throw new SipParseError("Malformed message");
  }
}

function parse(buf: Buffer, options: ParseOptions): SipMessage {
  const datagram = options.datagram ?? true;
  const start = skipLeadingCrlf(buf);
  if (start >= buf.length) throw new SipParseError("Empty message");
  const headEnd = buf.indexOf(CRLFCRLF, start);
  if (headEnd < 0) {
    const firstLine = buf
      .subarray(start, Math.min(buf.length, start + 512))
      .toString("latin1")
      .split("\r\n")[0];
    throw new SipParseError("Incomplete header section", { isRequest: looksLikeRequest(firstLine ?? "") });
  }
  const headBytes = buf.subarray(start, headEnd);
  const encoding: HeaderEncoding = isUtf8(headBytes) ? "utf8" : "latin1";
  const headText = headBytes.toString(encoding);
  const lines = headText.split("\r\n");
  const startLine = lines[0] ?? "";
  const isRequest = looksLikeRequest(startLine);
  const method = isRequest === true ? startLine.slice(0, startLine.indexOf(" ")) : undefined;
  const firstCrlf = headText.indexOf("\r\n");
  const where: FailureContext = { isRequest, method, headers: undefined };
  const headers = readHeaders(
    lines,
    hasBareCrOrLf(headText),
    firstCrlf < 0 ? "" : headText.slice(firstCrlf + 2),
    where,
  );
  where.headers = headers;

  let message: SipMessage;
  if (isRequest === false) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2)
    const m = /^(SIP\/(\d+)\.(\d+)) ([1-6]\d\d)(?: (.*))?$/i.exec(startLine);
    if (!m) throw failure(where, "Malformed Status-Line");
    if (m[2] !== "2" || m[3] !== "0") throw failure(where, "SIP version not supported", 505);
    const status = Number(m[4]);
    message = new SipResponse({
      version: intern(m[1] ?? "SIP/2.0"),
      status,
      reason: internReason(status, m[5] ?? ""),
      headers,
    });
  } else {
    // Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1): exactly single spaces
    // (RFC 4475 §3.1.2.8–3.1.2.10).
    const parts = startLine.split(" ");
    const [, uri, version] = parts;
    if (parts.length !== 3 || method === undefined || uri === undefined || version === undefined) {
      throw failure(where, "Malformed Request-Line");
    }
    if (!isToken(method)) throw failure(where, "Malformed Request-Line");
    const v = /^SIP\/(\d+)\.(\d+)$/i.exec(version);
    if (!v) throw failure(where, "Malformed Request-Line");
    if (v[1] !== "2" || v[2] !== "0") throw failure(where, "SIP version not supported", 505);
    let parsedUri;
    try {
      parsedUri = parseUri(uri);
    } catch {
      throw failure(where, "Malformed Request-URI");
    }
    // RFC 3261 §19.1.1: URI headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
    if (parsedUri.type === "sip" && parsedUri.headers.length > 0)
      throw failure(where, "Malformed Request-URI");
    const request = new SipRequest({ method: intern(method), uri, version: intern(version), headers });
    request.primeRequestUri(parsedUri);
    message = request;
  }

  try {
    message.primeParsed(validateHeaders(headers, message.kind === "request" ? message.method : undefined));
  } catch (err) {
    if (err instanceof SipParseError) throw err.withDetails({ isRequest, method, headers });
    throw failure(where, "Malformed message");
  }

  const bodyStart = headEnd + 4;
  const available = buf.length - bodyStart;
  let length = available;
  const cl = headers.get("Content-Length");
  if (cl !== undefined) {
    length = parseContentLength(cl);
    if (length > available) throw failure(where, "Content-Length larger than message");
    if (!datagram && length !== available) throw failure(where, "Content-Length does not match message");
  }
  // A copy in a buffer of its own: the input may be a slice of a larger (pooled or stream)
  // buffer, which a kept message must not hold on to. No body keeps the shared empty one.
  if (length > 0) {
    const body = Buffer.allocUnsafeSlow(length);
    buf.copy(body, 0, bodyStart, bodyStart + length);
    message.body = body;
  }
  message.headerEncoding = encoding;
  return message;
}
