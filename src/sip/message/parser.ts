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
import { indexIn, isToken, isWsCode, trimLws } from "./lexer.ts";
import { COMMON_METHODS, parseCSeq } from "./cseq.ts";
import { parseContentLength, parseMaxForwards } from "./integer-headers.ts";
import { isValidNameAddrIn, parseNameAddr, parseNameAddrIn } from "./name-addr.ts";
import { isValidViaIn, parseViaIn, type Via } from "./via.ts";
import { parseUriIn } from "./uri.ts";
import { reasonPhrase } from "./status-reasons.ts";
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

const RFC1123_DATE_RE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");

/**
 * Start-line words every message repeats. A word cut from the line is a new string (short ones
 * are copied), kept by the message for its whole life; the constant is shared instead.
 */
const WORDS: ReadonlyMap<string, string> = new Map(["SIP/2.0", ...COMMON_METHODS].map((w) => [w, w]));

function intern(word: string): string {
  return WORDS.get(word) ?? word;
}

/** The same words grouped by length, to find one in a line without cutting it out first. */
const WORDS_BY_LENGTH: readonly (readonly string[] | undefined)[] = (() => {
  const byLength: string[][] = [];
  for (const w of WORDS.keys()) (byLength[w.length] ??= []).push(w);
  return byLength;
})();

/** `s.slice(a, b)`, or the shared constant when it is one of WORDS. */
function internIn(s: string, a: number, b: number): string {
  const words = WORDS_BY_LENGTH[b - a];
  if (words !== undefined) for (const w of words) if (s.startsWith(w, a)) return w;
  return s.slice(a, b);
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

/**
 * Positions of the CRLFs the last countCrlfs call found, in order: where readHeaders' lines end,
 * so that it need not search for them again. Module-level and reused (nothing is reentrant).
 */
let crlfAt = new Int32Array(64);

/**
 * The number of CRLFs in the text (their positions go to crlfAt), or -1 when it has a bare CR
 * or LF. (With every CR followed by LF, an LF more than there are CRs is a bare one.)
 */
function countCrlfs(text: string): number {
  let crlfs = 0;
  for (let i = text.indexOf("\r"); i >= 0; i = text.indexOf("\r", i + 1)) {
    if (text.charCodeAt(i + 1) !== 0x0a) return -1;
    if (crlfs === crlfAt.length) {
      const larger = new Int32Array(2 * crlfs);
      larger.set(crlfAt);
      crlfAt = larger;
    }
    crlfAt[crlfs++] = i;
  }
  let lfs = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lfs++;
  return lfs === crlfs ? crlfs : -1;
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

function failure(
  isRequest: boolean | undefined,
  method: string | undefined,
  headers: SipHeaders,
  reason: string,
  status?: number,
): SipParseError {
  return new SipParseError(
    reason,
    status === undefined ? { isRequest, method, headers } : { isRequest, method, headers, status },
  );
}

/** An error in the header lines themselves: the lines read so far. */
function partialFailure(
  isRequest: boolean | undefined,
  method: string | undefined,
  reason: string,
  lines: readonly SipHeader[],
): SipParseError {
  return new SipParseError(reason, {
    isRequest,
    method,
    headers: new SipHeaders(lines.map((h) => ({ name: h.name, value: trimLws(h.value) }))),
  });
}

/**
 * Where readHeaders found each value in the header text: start and end of line `i` at `2i` and
 * `2i + 1`, start -1 when the value is not that range (continuation lines merged it). For
 * validateHeaders, right after; module-level and reused (nothing here is reentrant).
 */
let valueSpans = new Int32Array(64);

/**
 * Reads the header lines of `text` from `from` (after the start line's CRLF) to its end:
 * unfolds continuation lines (RFC 3261 §7.3.1) and splits `name: value`. `checkBare` asks for
 * the per-line search for a bare CR or LF (only needed when the header section has one at all).
 * The lines are found with indexOf and only names and values are cut out: no line strings.
 */
function readHeaders(
  text: string,
  from: number,
  lineCount: number,
  checkBare: boolean,
  isRequest: boolean | undefined,
  method: string | undefined,
): SipHeaders {
  // Values are cut once, after the white space that follows the colon and before trailing
  // white space; a line followed by a continuation line is trimmed at the end, after unfolding.
  // The arrays are sized for `lineCount` lines (an array grown from empty by push takes room
  // for 17 at once), and cut to the headers read when continuation lines merged some.
  const list = new Array<SipHeader>(lineCount);
  const keys = new Array<string>(lineCount);
  if (valueSpans.length < 2 * lineCount) valueSpans = new Int32Array(4 * lineCount);
  let count = 0;
  let folded = false;
  const n = text.length;
  for (let lineStart = from, lineNumber = 0; ; lineNumber++) {
    // Header line n ends at the CRLF after the start line's and n more, as countCrlfs found them
    // (when there is a bare CR or LF, by searching).
    const crlf = checkBare
      ? text.indexOf("\r\n", lineStart)
      : lineNumber + 1 < lineCount
        ? (crlfAt[lineNumber + 1] ?? -1)
        : -1;
    const lineEnd = crlf < 0 ? n : crlf;
    if (
      checkBare &&
      (indexIn(text, "\r", lineStart, lineEnd) >= 0 || indexIn(text, "\n", lineStart, lineEnd) >= 0)
    ) {
      throw partialFailure(isRequest, method, "Bare CR or LF in header section", list.slice(0, count));
    }
    const first = lineStart < lineEnd ? text.charCodeAt(lineStart) : -1;
    if (first === 0x20 || first === 0x09) {
      // A continuation line: the CRLF goes, the leading white space stays (it is LWS = SP).
      const last = count - 1;
      const prev = last < 0 ? undefined : list[last];
      if (prev === undefined) {
        throw partialFailure(isRequest, method, "Continuation line before the first header", []);
      }
      const line = text.slice(lineStart, lineEnd);
      // An empty value so far keeps no leading white space from the continuation.
      list[last] = { name: prev.name, value: prev.value === "" ? trimLws(line) : prev.value + line };
      valueSpans[2 * last] = -1;
      folded = true;
    } else {
      const colon = indexIn(text, ":", lineStart, lineEnd);
      const known = colon > lineStart ? KNOWN_NAMES[colon - lineStart] : undefined;
      let hit: { name: string; key: string } | undefined;
      if (known !== undefined) {
        for (const k of known) {
          if (text.startsWith(k.name, lineStart)) {
            hit = k;
            break;
          }
        }
      }
      let name: string;
      if (hit !== undefined) {
        name = hit.name;
        keys[count] = hit.key;
      } else {
        // HCOLON = *( SP / HTAB ) ":" SWS — white space is allowed between the name and the colon.
        name = colon < 0 ? "" : trimLws(text.slice(lineStart, colon));
        if (colon <= lineStart || !isToken(name)) {
          throw partialFailure(isRequest, method, "Malformed header line", list.slice(0, count));
        }
        keys[count] = headerKey(name);
      }
      let valueStart = colon + 1;
      while (valueStart < lineEnd && isWsCode(text.charCodeAt(valueStart))) valueStart++;
      let valueEnd = lineEnd;
      const next = crlf < 0 ? -1 : text.charCodeAt(crlf + 2);
      if (next !== 0x20 && next !== 0x09) {
        while (valueEnd > valueStart && isWsCode(text.charCodeAt(valueEnd - 1))) valueEnd--;
      }
      valueSpans[2 * count] = valueStart;
      valueSpans[2 * count + 1] = valueEnd;
      list[count++] = { name, value: text.slice(valueStart, valueEnd) };
    }
    if (crlf < 0) break;
    lineStart = crlf + 2;
  }
  if (count < lineCount) {
    list.length = count;
    keys.length = count;
  }
  if (folded) {
    for (let i = 0; i < count; i++) {
      const h = list[i];
      if (h === undefined) continue;
      const v = h.value;
      if (v.length > 0 && isWsCode(v.charCodeAt(v.length - 1))) {
        list[i] = { name: h.name, value: trimLws(v) };
        valueSpans[2 * i] = -1;
      }
    }
  }
  // The received section, kept for SipHeaders.compact, when its lines read back one by one
  // (no continuation lines; a bare CR or LF was refused above).
  return SipHeaders.adopt(list, keys, folded ? undefined : text.slice(from));
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
/** Keys by number. */
const CHECKED_KEYS = [
  "via",
  "from",
  "to",
  "call-id",
  "cseq",
  "max-forwards",
  "content-length",
  "content-type",
  "date",
  "contact",
  "route",
  "record-route",
];
/** The number of a key validateHeaders checks, or -1 (a switch: cheaper than a Map lookup). */
function checkedId(key: string): number {
  switch (key.length) {
    case 2:
      return key === "to" ? TO : -1;
    case 3:
      return key === "via" ? VIA : -1;
    case 4:
      return key === "from" ? FROM : key === "cseq" ? CSEQ : key === "date" ? DATE : -1;
    case 5:
      return key === "route" ? ROUTE : -1;
    case 7:
      return key === "call-id" ? CALL_ID : key === "contact" ? CONTACT : -1;
    case 12:
      return key === "max-forwards"
        ? MAX_FORWARDS
        : key === "content-type"
          ? CONTENT_TYPE
          : key === "record-route"
            ? RECORD_ROUTE
            : -1;
    case 14:
      return key === "content-length" ? CONTENT_LENGTH : -1;
    default:
      return -1;
  }
}
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

// Per-call scratch of validateHeaders, by number: how many lines, and the positions of the first
// and last. Module-level and reset on each call (nothing here is reentrant), so that validating
// a message allocates no arrays; positions, not lines, so that nothing is kept alive.
const counts = new Int32Array(CHECKED_KEYS.length);
const firstAt = new Int32Array(CHECKED_KEYS.length);
const lastAt = new Int32Array(CHECKED_KEYS.length);

const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * End of the list element that starts at `s[i]`: the next "," outside quotes and `<>` before
 * `end`, or `end`; -1 when a quote or `<` is left open at `end`. splitTopLevel's rules; at every
 * separator it has closed everything, so each element can be scanned on its own.
 */
function elementEnd(s: string, i: number, end: number): number {
  let inQuote = false;
  let angle = false;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (inQuote) {
      if (c === BACKSLASH) i++;
      else if (c === DQUOTE) inQuote = false;
    } else if (c === DQUOTE) inQuote = true;
    else if (c === 0x3c) angle = true;
    else if (c === 0x3e) angle = false;
    else if (c === 0x2c && !angle) return i;
  }
  return inQuote || angle ? -1 : end;
}

/** True for the `*` of a REGISTER removing all bindings: a Contact element `s[a, b)`, LWS around. */
function isStar(s: string, a: number, b: number, id: number): boolean {
  if (id !== CONTACT) return false;
  while (a < b && isWsCode(s.charCodeAt(a))) a++;
  while (b > a && isWsCode(s.charCodeAt(b - 1))) b--;
  return b - a === 1 && s.charCodeAt(a) === 0x2a;
}

// Where validateHeaders reads the value of line `i`: `source[valueStart, valueEnd)`. The header
// text itself while the line is as readHeaders cut it (a flat string, faster to scan than the
// sliced string of the value), else the value. Set by valueAt; module-level, like the scratch
// arrays above, so that passing three results allocates nothing.
let source = "";
let valueStart = 0;
let valueEnd = 0;

function valueAt(headers: SipHeaders, text: string, i: number): string {
  const value = headers.lineAt(i)?.value ?? "";
  const start = valueSpans[2 * i] ?? -1;
  if (start >= 0) {
    source = text;
    valueStart = start;
    valueEnd = valueSpans[2 * i + 1] ?? 0;
  } else {
    source = value;
    valueStart = 0;
    valueEnd = value.length;
  }
  return value;
}

/**
 * Validates the headers every element relies on, and seeds the message's parse caches with what
 * it parsed on the way (the top Via, From, To, CSeq); returns the Content-Length, -1 when there
 * is none. `text` is the header text readHeaders read the lines from. One pass over the lines
 * counts the ones it checks; the checks then run in a fixed order, so the reason given for a
 * message with several faults does not depend on the header order. Only the values the message
 * keeps are parsed into objects; every other Via, Contact, Route and Record-Route element is
 * checked in place by the same grammar, without objects (isValidViaIn, isValidNameAddrIn).
 */
function validateHeaders(
  headers: SipHeaders,
  text: string,
  method: string | undefined,
  message: SipMessage,
): number {
  try {
    return validate(headers, text, method, message);
  } finally {
    // Nothing of this message stays referenced from module scope.
    source = "";
  }
}

function validate(
  headers: SipHeaders,
  text: string,
  method: string | undefined,
  message: SipMessage,
): number {
  counts.fill(0);
  const size = headers.size;
  for (let i = 0; i < size; i++) {
    const id = checkedId(headers.keyAt(i) ?? "");
    if (id < 0) continue;
    if (counts[id] === 0) firstAt[id] = i;
    lastAt[id] = i;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  for (let k = 0; k < REQUIRED.length; k++) {
    const id = REQUIRED[k] ?? 0;
    if (counts[id] === 0) throw new SipParseError(`Missing ${CHECKED_NAMES[id] ?? ""} header`);
  }
  for (let k = 0; k < SINGLE.length; k++) {
    const id = SINGLE[k] ?? 0;
    if ((counts[id] ?? 0) > 1) throw new SipParseError(`Multiple ${CHECKED_NAMES[id] ?? ""} headers`);
  }
  let topViaText: string | undefined;
  let topVia: Via | undefined;
  for (let i = firstAt[VIA] ?? 0, last = lastAt[VIA] ?? -1; i <= last; i++) {
    if (headers.keyAt(i) !== "via") continue;
    const v = valueAt(headers, text, i);
    const s = source;
    const end = valueEnd;
    let start = valueStart;
    if (indexIn(s, ",", start, end) < 0) {
      // One element (the usual line): no split. A valid via-parm leaves no quote or "<" open,
      // so the parse alone decides (and every fault has the same reason).
      if (topVia === undefined) {
        topViaText = trimLws(v);
        topVia = parseViaIn(s, start, end);
        if (topVia === undefined) throw new SipParseError("Malformed Via header");
      } else if (!isValidViaIn(s, start, end)) {
        throw new SipParseError("Malformed Via header");
      }
      continue;
    }
    for (;;) {
      const elementStop = elementEnd(s, start, end);
      if (elementStop < 0) throw new SipParseError("Malformed Via header");
      let a = start;
      let b = elementStop;
      while (a < b && isWsCode(s.charCodeAt(a))) a++;
      while (b > a && isWsCode(s.charCodeAt(b - 1))) b--;
      if (a === b) throw new SipParseError("Malformed Via header");
      if (topVia === undefined) {
        // The one Via the message keeps (its text is the parse cache's key).
        topViaText = s.slice(a, b);
        topVia = parseViaIn(s, a, b);
        if (topVia === undefined) throw new SipParseError("Malformed Via header");
      } else if (!isValidViaIn(s, a, b)) {
        throw new SipParseError("Malformed Via header");
      }
      if (elementStop === end) break;
      start = elementStop + 1;
    }
  }
  const fromText = valueAt(headers, text, firstAt[FROM] ?? 0);
  // The parser again (on the value) only for the reason of a fault.
  const from = parseNameAddrIn(source, valueStart, valueEnd) ?? parseNameAddr(fromText, "From");
  const toText = valueAt(headers, text, firstAt[TO] ?? 0);
  const to = parseNameAddrIn(source, valueStart, valueEnd) ?? parseNameAddr(toText, "To");
  if ((headers.lineAt(firstAt[CALL_ID] ?? 0)?.value ?? "") === "") {
    throw new SipParseError("Malformed Call-ID header");
  }
  for (let k = 0; k < NAME_ADDR_LISTS.length; k++) {
    const id = NAME_ADDR_LISTS[k] ?? 0;
    if (counts[id] === 0) continue;
    const key = CHECKED_KEYS[id];
    const name = CHECKED_NAMES[id] ?? "";
    for (let i = firstAt[id] ?? 0, last = lastAt[id] ?? -1; i <= last; i++) {
      if (headers.keyAt(i) !== key) continue;
      valueAt(headers, text, i);
      const s = source;
      const end = valueEnd;
      let start = valueStart;
      // One valid element (the usual line): no split, since a valid name-addr leaves no quote or
      // "<" open. Anything else goes the long way, which finds the reason.
      if (
        indexIn(s, ",", start, end) < 0 &&
        (isStar(s, start, end, id) || isValidNameAddrIn(s, start, end))
      ) {
        continue;
      }
      // The first element that fails, reported only once the line as a whole splits cleanly:
      // a split failure anywhere in the line is the reason given first.
      let badStart = -1;
      let badEnd = -1;
      for (;;) {
        const elementStop = elementEnd(s, start, end);
        if (elementStop < 0) throw new SipParseError(`Malformed ${name} header`);
        let a = start;
        let b = elementStop;
        while (a < b && isWsCode(s.charCodeAt(a))) a++;
        while (b > a && isWsCode(s.charCodeAt(b - 1))) b--;
        if (a === b) throw new SipParseError(`Malformed ${name} header`);
        if (badStart < 0 && !isStar(s, a, b, id) && !isValidNameAddrIn(s, a, b)) {
          badStart = a;
          badEnd = b;
        }
        if (elementStop === end) break;
        start = elementStop + 1;
      }
      if (badStart >= 0) {
        // The parser gives the reason (the checker only says yes or no).
        parseNameAddr(s.slice(badStart, badEnd), name);
        throw new SipParseError(`Malformed ${name} header`);
      }
    }
  }
  const cseqText = headers.lineAt(firstAt[CSEQ] ?? 0)?.value ?? "";
  // Not frozen (a cost on every parse): CSeq is readonly in its type, and nothing writes it.
  const cseq = parseCSeq(cseqText);
  // RFC 3261 §8.1.1.5 / RFC 4475 §3.1.2.17: the CSeq method matches the request method.
  if (method !== undefined && cseq.method !== method) throw new SipParseError("CSeq method does not match");
  if (counts[MAX_FORWARDS] !== 0) parseMaxForwards(headers.lineAt(firstAt[MAX_FORWARDS] ?? 0)?.value ?? "");
  const contentLength =
    counts[CONTENT_LENGTH] === 0
      ? -1
      : parseContentLength(headers.lineAt(firstAt[CONTENT_LENGTH] ?? 0)?.value ?? "");
  const date = counts[DATE] === 0 ? undefined : headers.lineAt(firstAt[DATE] ?? 0)?.value;
  // RFC 3261 §20.17: SIP-date is an RFC 1123 date in GMT only (RFC 4475 §3.1.2.12).
  if (date !== undefined && !RFC1123_DATE_RE.test(date)) throw new SipParseError("Malformed Date header");
  message.primeParsed(topViaText, topVia, fromText, from, toText, to, cseqText, cseq);
  return contentLength;
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

const NO_OPTIONS: ParseOptions = {};

/**
 * Parses one SIP message. Never throws anything but SipParseError, whatever the input.
 */
export function parseMessage(data: Uint8Array | string, options: ParseOptions = NO_OPTIONS): SipMessage {
  try {
    return parse(asBuffer(data), options);
  } catch (err) {
    if (err instanceof SipParseError) throw err;
    // Defence in depth: a bug in a header parser must not take the transport down.
    throw new SipParseError("Malformed message");
  }
}

/**
 * The status code of a Status-Line `SIP/2.0 NNN <usual reason>` ending at `lineEnd`, or -1 for
 * any other form (which then goes through the full Status-Line grammar). Most responses are of
 * this form, and it needs neither a regular expression nor a string cut out.
 */
function usualStatus(text: string, lineEnd: number): number {
  if (lineEnd < 13 || !text.startsWith("SIP/2.0 ") || text.charCodeAt(11) !== 0x20) return -1;
  const d0 = text.charCodeAt(8) - 0x30;
  const d1 = text.charCodeAt(9) - 0x30;
  const d2 = text.charCodeAt(10) - 0x30;
  if (d0 < 1 || d0 > 6 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return -1;
  const status = d0 * 100 + d1 * 10 + d2;
  const reason = reasonPhrase(status);
  return lineEnd === 12 + reason.length && text.startsWith(reason, 12) ? status : -1;
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
  // The whole input valid UTF-8 means the header section is too (it starts after CRLFs and ends
  // at a CR, never inside a multi-byte sequence): the usual case needs no view of the header
  // bytes cut out for the check.
  const encoding: HeaderEncoding = isUtf8(buf) || isUtf8(buf.subarray(start, headEnd)) ? "utf8" : "latin1";
  const headText = buf.toString(encoding, start, headEnd);
  const firstCrlf = headText.indexOf("\r\n");
  const lineEnd = firstCrlf < 0 ? headText.length : firstCrlf;
  // Both patterns stop at the first line's end by themselves (neither matches a CR).
  const isRequest = looksLikeRequest(headText);
  const sp1 = isRequest === true ? headText.indexOf(" ") : -1;
  const method = isRequest === true ? internIn(headText, 0, sp1) : undefined;
  // One header line per CRLF (the first ends the start line, the last line has none).
  let crlfs = countCrlfs(headText);
  const checkBare = crlfs < 0;
  if (checkBare) {
    crlfs = 0;
    for (let i = firstCrlf; i >= 0; i = headText.indexOf("\r\n", i + 2)) crlfs++;
  }
  const headers =
    firstCrlf < 0
      ? SipHeaders.adopt([], [], "")
      : readHeaders(headText, firstCrlf + 2, crlfs, checkBare, isRequest, method);

  let message: SipMessage;
  if (isRequest === false) {
    const status = usualStatus(headText, lineEnd);
    if (status >= 0) {
      message = new SipResponse({ version: "SIP/2.0", status, reason: reasonPhrase(status), headers });
    } else {
      // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2)
      const m = /^(SIP\/(\d+)\.(\d+)) ([1-6]\d\d)(?: (.*))?$/i.exec(headText.slice(0, lineEnd));
      if (!m) throw failure(isRequest, method, headers, "Malformed Status-Line");
      if (m[2] !== "2" || m[3] !== "0")
        throw failure(isRequest, method, headers, "SIP version not supported", 505);
      const code = Number(m[4]);
      message = new SipResponse({
        version: intern(m[1] ?? "SIP/2.0"),
        status: code,
        reason: internReason(code, m[5] ?? ""),
        headers,
      });
    }
  } else {
    // Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1): exactly single spaces
    // (RFC 4475 §3.1.2.8–3.1.2.10), so exactly two spaces in the line.
    const sp2 = sp1 < 0 ? -1 : indexIn(headText, " ", sp1 + 1, lineEnd);
    if (method === undefined || sp2 < 0 || indexIn(headText, " ", sp2 + 1, lineEnd) >= 0) {
      throw failure(isRequest, method, headers, "Malformed Request-Line");
    }
    if (!isToken(method)) throw failure(isRequest, method, headers, "Malformed Request-Line");
    let version = "SIP/2.0";
    if (lineEnd - sp2 - 1 !== version.length || !headText.startsWith(version, sp2 + 1)) {
      version = headText.slice(sp2 + 1, lineEnd);
      const v = /^SIP\/(\d+)\.(\d+)$/i.exec(version);
      if (!v) throw failure(isRequest, method, headers, "Malformed Request-Line");
      if (v[1] !== "2" || v[2] !== "0")
        throw failure(isRequest, method, headers, "SIP version not supported", 505);
      version = intern(version);
    }
    // Parsed in place in the header text (flat, faster to scan than the cut-out URI).
    const parsedUri = parseUriIn(headText, sp1 + 1, sp2);
    if (parsedUri === undefined) throw failure(isRequest, method, headers, "Malformed Request-URI");
    const uri = headText.slice(sp1 + 1, sp2);
    // RFC 3261 §19.1.1: URI headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
    if (parsedUri.type === "sip" && parsedUri.headers.length > 0) {
      throw failure(isRequest, method, headers, "Malformed Request-URI");
    }
    const request = new SipRequest({ method, uri, version, headers });
    request.primeRequestUri(parsedUri);
    message = request;
  }

  let contentLength: number;
  try {
    contentLength = validateHeaders(
      headers,
      headText,
      message.kind === "request" ? message.method : undefined,
      message,
    );
  } catch (err) {
    if (err instanceof SipParseError) throw err.withDetails({ isRequest, method, headers });
    throw failure(isRequest, method, headers, "Malformed message");
  }

  const bodyStart = headEnd + 4;
  const available = buf.length - bodyStart;
  let length = available;
  if (contentLength >= 0) {
    length = contentLength;
    if (length > available) throw failure(isRequest, method, headers, "Content-Length larger than message");
    if (!datagram && length !== available) {
      throw failure(isRequest, method, headers, "Content-Length does not match message");
    }
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
