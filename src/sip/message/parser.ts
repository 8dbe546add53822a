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
import { SipHeaders, type SipHeader } from "./headers.ts";
import { isToken, isWs, splitTopLevel, trimLws } from "./lexer.ts";
import { parseCSeq } from "./cseq.ts";
import { parseContentLength, parseMaxForwards } from "./integer-headers.ts";
import { parseNameAddr } from "./name-addr.ts";
import { parseVia } from "./via.ts";
import { parseUri } from "./uri.ts";
import { SipRequest, SipResponse, type HeaderEncoding, type SipMessage } from "./message.ts";

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

const REQUIRED = ["Via", "From", "To", "Call-ID", "CSeq"] as const;
const SINGLE = ["From", "To", "Call-ID", "CSeq", "Max-Forwards", "Content-Length", "Content-Type", "Date"];
const NAME_ADDR_LISTS = ["Contact", "Route", "Record-Route"];
const RFC1123_DATE_RE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");

/** Guesses from the start line whether this is a request: `token SP …` and not `SIP/…`. */
function looksLikeRequest(startLine: string): boolean | undefined {
  if (/^SIP\/\d/i.test(startLine)) return false;
  if (/^[A-Za-z0-9\-.!%*_+`'~]+ /.test(startLine)) return true;
  return undefined;
}

interface HeadLines {
  readonly startLine: string;
  readonly lines: string[];
}

function splitHead(head: string): HeadLines {
  const lines = head.split("\r\n");
  return { startLine: lines[0] ?? "", lines: lines.slice(1) };
}

/** Unfolds continuation lines (RFC 3261 §7.3.1) and splits `name: value`. */
function readHeaders(
  lines: string[],
  fail: (reason: string, headers: SipHeader[]) => SipParseError,
): SipHeader[] {
  const out: { name: string; value: string }[] = [];
  for (const line of lines) {
    if (line.includes("\r") || line.includes("\n")) throw fail("Bare CR or LF in header section", out);
    if (isWs(line[0])) {
      // A continuation line: the CRLF goes, the leading white space stays (it is LWS = SP).
      const last = out[out.length - 1];
      if (last === undefined) throw fail("Continuation line before the first header", out);
      last.value += line;
      continue;
    }
    const colon = line.indexOf(":");
    // HCOLON = *( SP / HTAB ) ":" SWS — white space is allowed between the name and the colon.
    const name = colon < 0 ? "" : trimLws(line.slice(0, colon));
    if (colon <= 0 || !isToken(name)) throw fail("Malformed header line", out);
    out.push({ name, value: line.slice(colon + 1) });
  }
  return out.map((h) => ({ name: h.name, value: trimLws(h.value) }));
}

function validateHeaders(headers: SipHeaders, method: string | undefined): void {
  for (const name of REQUIRED) {
    if (!headers.has(name)) throw new SipParseError(`Missing ${name} header`);
  }
  for (const name of SINGLE) {
    if (headers.count(name) > 1) throw new SipParseError(`Multiple ${name} headers`);
  }
  for (const line of headers.lines("Via")) {
    const parts = splitTopLevel(line.value, ",");
    if (parts === undefined || parts.some((p) => p === "")) throw new SipParseError("Malformed Via header");
    parts.forEach(parseVia);
  }
  const from = headers.get("From") ?? "";
  const to = headers.get("To") ?? "";
  parseNameAddr(from, "From");
  parseNameAddr(to, "To");
  if ((headers.get("Call-ID") ?? "") === "") throw new SipParseError("Malformed Call-ID header");
  for (const name of NAME_ADDR_LISTS) {
    for (const line of headers.lines(name)) {
      const parts = splitTopLevel(line.value, ",");
      if (parts === undefined || parts.some((p) => p === "")) {
        throw new SipParseError(`Malformed ${name} header`);
      }
      for (const p of parts) if (!(name === "Contact" && p === "*")) parseNameAddr(p, name);
    }
  }
  const cseq = parseCSeq(headers.get("CSeq") ?? "");
  // RFC 3261 §8.1.1.5 / RFC 4475 §3.1.2.17: the CSeq method matches the request method.
  if (method !== undefined && cseq.method !== method) throw new SipParseError("CSeq method does not match");
  const mf = headers.get("Max-Forwards");
  if (mf !== undefined) parseMaxForwards(mf);
  const cl = headers.get("Content-Length");
  if (cl !== undefined) parseContentLength(cl);
  const date = headers.get("Date");
  // RFC 3261 §20.17: SIP-date is an RFC 1123 date in GMT only (RFC 4475 §3.1.2.12).
  if (date !== undefined && !RFC1123_DATE_RE.test(date)) throw new SipParseError("Malformed Date header");
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
  const { startLine, lines } = splitHead(headBytes.toString(encoding));
  const isRequest = looksLikeRequest(startLine);
  const method = isRequest === true ? startLine.slice(0, startLine.indexOf(" ")) : undefined;
  const rawHeaders = readHeaders(
    lines,
    (reason, partial) => new SipParseError(reason, { isRequest, method, headers: new SipHeaders(partial) }),
  );
  const headers = new SipHeaders(rawHeaders);
  const fail = (reason: string, status?: number): SipParseError =>
    new SipParseError(reason, { isRequest, method, headers, ...(status === undefined ? {} : { status }) });

  let message: SipMessage;
  if (isRequest === false) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2)
    const m = /^(SIP\/(\d+)\.(\d+)) ([1-6]\d\d)(?: (.*))?$/i.exec(startLine);
    if (!m) throw fail("Malformed Status-Line");
    if (m[2] !== "2" || m[3] !== "0") throw fail("SIP version not supported", 505);
    message = new SipResponse({
      version: m[1] ?? "SIP/2.0",
      status: Number(m[4]),
      reason: m[5] ?? "",
      headers,
    });
  } else {
    // Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1): exactly single spaces
    // (RFC 4475 §3.1.2.8–3.1.2.10).
    const parts = startLine.split(" ");
    const [, uri, version] = parts;
    if (parts.length !== 3 || method === undefined || uri === undefined || version === undefined) {
      throw fail("Malformed Request-Line");
    }
    if (!isToken(method)) throw fail("Malformed Request-Line");
    const v = /^SIP\/(\d+)\.(\d+)$/i.exec(version);
    if (!v) throw fail("Malformed Request-Line");
    if (v[1] !== "2" || v[2] !== "0") throw fail("SIP version not supported", 505);
    let parsedUri;
    try {
      parsedUri = parseUri(uri);
    } catch {
      throw fail("Malformed Request-URI");
    }
    // RFC 3261 §19.1.1: URI headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
    if (parsedUri.type === "sip" && parsedUri.headers.length > 0) throw fail("Malformed Request-URI");
    message = new SipRequest({ method, uri, version, headers });
  }

  try {
    validateHeaders(headers, message.kind === "request" ? message.method : undefined);
  } catch (err) {
    if (err instanceof SipParseError) throw err.withDetails({ isRequest, method, headers });
    throw fail("Malformed message");
  }

  const bodyStart = headEnd + 4;
  const available = buf.length - bodyStart;
  let length = available;
  const cl = headers.get("Content-Length");
  if (cl !== undefined) {
    length = parseContentLength(cl);
    if (length > available) throw fail("Content-Length larger than message");
    if (!datagram && length !== available) throw fail("Content-Length does not match message");
  }
  message.body = Buffer.from(buf.subarray(bodyStart, bodyStart + length));
  message.headerEncoding = encoding;
  return message;
}
