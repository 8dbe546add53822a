/**
 * name-addr / addr-spec values with header parameters (RFC 3261 §20.10, §25.1): From, To,
 * Contact, Route, Record-Route, Refer-To, P-Asserted-Identity and the like.
 */
import { SipParseError } from "./parse-error.ts";
import { isToken, isTokenCode, isWsCode, quote, quotedEnd, readQuoted, trimLws } from "./lexer.ts";
import { PARAMS_UNTERMINATED, Params, paramsFromSpans, scanHeaderParams, unquoteParam } from "./params.ts";
import { isValidUriIn, parseUri, type Uri } from "./uri.ts";

/** A parsed name-addr or addr-spec with its header parameters. */
export class NameAddress {
  /** Display name with quoting removed, undefined when there is none. */
  displayName: string | undefined;
  /** The display name as written (quotes included), used to re-serialise it unchanged. */
  rawDisplayName: string | undefined;
  /** The URI text as written between `<` and `>` (or the bare addr-spec). */
  uri: string;
  readonly params: Params;
  /** Whether the URI was enclosed in `<>`; serialisation keeps them (and adds them when needed). */
  bracketed: boolean;

  constructor(init: {
    uri: string | Uri;
    displayName?: string | undefined;
    rawDisplayName?: string | undefined;
    params?: Params;
    bracketed?: boolean;
  }) {
    this.uri = typeof init.uri === "string" ? init.uri : init.uri.toString();
    this.displayName = init.displayName;
    this.rawDisplayName = init.rawDisplayName;
    this.params = init.params ?? new Params();
    this.bracketed = init.bracketed ?? true;
  }

  /** The URI, parsed (throws SipParseError if it was replaced by something malformed). */
  get parsedUri(): Uri {
    return parseUri(this.uri);
  }

  /** The `tag` parameter (From/To). */
  get tag(): string | undefined {
    const t = this.params.get("tag");
    return t ?? undefined;
  }

  set tag(value: string | undefined) {
    if (value === undefined) this.params.delete("tag");
    else this.params.set("tag", value);
  }

  /** A parameter value with quotes removed; undefined when absent, "" when it has no value. */
  param(name: string): string | undefined {
    const v = this.params.get(name);
    if (v === undefined) return undefined;
    return v === null ? "" : unquoteParam(v);
  }

  clone(): NameAddress {
    return new NameAddress({
      uri: this.uri,
      displayName: this.displayName,
      rawDisplayName: this.rawDisplayName,
      params: this.params.clone(),
      bracketed: this.bracketed,
    });
  }

  toString(): string {
    let display = this.rawDisplayName;
    if (display === undefined && this.displayName !== undefined) {
      display = isToken(this.displayName) ? this.displayName : quote(this.displayName);
    }
    // RFC 3261 §20: a URI containing a comma, question mark or semicolon must be in <>.
    const needBrackets = this.bracketed || display !== undefined || /[,;?]/.test(this.uri);
    const addr = needBrackets ? `<${this.uri}>` : this.uri;
    return `${display === undefined ? "" : `${display} `}${addr}${this.params.toString()}`;
  }
}

/** Index of the first `ch` (a char code) in `s[a, b)` outside a quoted string, or -1. */
function indexOfUnquoted(s: string, code: number, a: number, b: number): number {
  let inQuote = false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === code) return i;
  }
  return -1;
}

/** display-name = *(token LWS): true when `s[a, b)` has only token characters and SP/HTAB. */
function isTokenWords(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (!isTokenCode(c) && !isWsCode(c)) return false;
  }
  return true;
}

// What scanNameAddr found wrong, each with its own error reason.
const MALFORMED = 1;
const UNTERMINATED_DISPLAY_NAME = 2;
const MALFORMED_PARAMS = 3;
const UNTERMINATED_PARAM = 4;

/**
 * The one grammar of a name-addr or addr-spec with header parameters, in `s[a, b)`. Checks it
 * (returning 0, or the fault), or with `build` parses it (returning the NameAddress, or the
 * fault).
 */
function scanNameAddr(s: string, a: number, b: number, build: boolean): NameAddress | number {
  while (a < b && isWsCode(s.charCodeAt(a))) a++;
  while (b > a && isWsCode(s.charCodeAt(b - 1))) b--;
  let i = a;
  let displayStart = -1;
  let displayEnd = -1;
  let quoted = false;
  if (i < b && s.charCodeAt(i) === 0x22) {
    const end = quotedEnd(s, i, b);
    if (end < 0) return UNTERMINATED_DISPLAY_NAME;
    displayStart = i;
    displayEnd = end;
    quoted = true;
    i = end;
    while (i < b && isWsCode(s.charCodeAt(i))) i++;
    if (i >= b || s.charCodeAt(i) !== 0x3c) return MALFORMED;
  } else {
    const lt = indexOfUnquoted(s, 0x3c, a, b);
    if (lt >= 0) {
      // display-name = *(token LWS): tokens only. RFC 4475 §3.1.1.6 accepts no LWS before "<".
      let nameEnd = lt;
      while (nameEnd > a && isWsCode(s.charCodeAt(nameEnd - 1))) nameEnd--;
      if (nameEnd > a) {
        if (!isTokenWords(s, a, nameEnd)) return MALFORMED;
        displayStart = a;
        displayEnd = nameEnd;
      }
      i = lt;
    }
  }
  let uriStart: number;
  let uriEnd: number;
  const bracketed = i < b && s.charCodeAt(i) === 0x3c;
  if (bracketed) {
    const gt = s.indexOf(">", i);
    if (gt < 0 || gt >= b) return MALFORMED;
    uriStart = i + 1;
    uriEnd = gt;
    // RFC 4475 §3.1.2.14: no white space inside the angle brackets.
    if (uriStart === uriEnd || isWsCode(s.charCodeAt(uriStart)) || isWsCode(s.charCodeAt(uriEnd - 1))) {
      return MALFORMED;
    }
    i = gt + 1;
  } else {
    // addr-spec: the URI ends at the first ";" (what follows are header parameters) and may not
    // contain "?" or "," (RFC 3261 §20; RFC 4475 §3.1.2.13).
    uriStart = i;
    while (i < b) {
      const c = s.charCodeAt(i);
      if (c === 0x3b || isWsCode(c)) break;
      if (c === 0x3f || c === 0x2c) return MALFORMED;
      i++;
    }
    uriEnd = i;
  }
  // Checked only: the NameAddress keeps the text, and most are never asked for the parsed URI.
  if (!isValidUriIn(s, uriStart, uriEnd)) return MALFORMED;
  const count = scanHeaderParams(s, i, b);
  if (count === PARAMS_UNTERMINATED) return UNTERMINATED_PARAM;
  if (count < 0) return MALFORMED_PARAMS;
  if (!build) return 0;
  let displayName: string | undefined;
  let rawDisplayName: string | undefined;
  if (displayStart >= 0) {
    rawDisplayName = s.slice(displayStart, displayEnd);
    displayName = quoted ? (readQuoted(s, displayStart)?.value ?? "") : rawDisplayName;
  }
  return makeNameAddress(
    s.slice(uriStart, uriEnd),
    displayName,
    rawDisplayName,
    paramsFromSpans(s, count),
    bracketed,
  );
}

/**
 * `new NameAddress` from a function of its own: small enough for V8 to inline the constructor
 * and drop the init object, which it does not do inside the (large) scanner.
 */
function makeNameAddress(
  uri: string,
  displayName: string | undefined,
  rawDisplayName: string | undefined,
  params: Params,
  bracketed: boolean,
): NameAddress {
  return new NameAddress({ uri, displayName, rawDisplayName, params, bracketed });
}

/**
 * Parses one name-addr or addr-spec followed by header parameters. `what` names the header for
 * error reasons ("From", "Contact", …).
 */
export function parseNameAddr(value: string, what = "address"): NameAddress {
  const s = trimLws(value);
  const result = scanNameAddr(s, 0, s.length, true);
  if (typeof result !== "number") return result;
  if (result === UNTERMINATED_DISPLAY_NAME)
    throw new SipParseError(`Unterminated quoted string in ${what} header`);
  if (result === UNTERMINATED_PARAM) throw new SipParseError(`Unterminated quoted string in ${what}`);
  if (result === MALFORMED_PARAMS) throw new SipParseError(`Malformed ${what} parameters`);
  throw new SipParseError(`Malformed ${what} header`);
}

/**
 * @internal {@link parseNameAddr} of `text.slice(start, end)` without cutting it out first;
 * undefined where parseNameAddr throws (call it for the reason).
 */
export function parseNameAddrIn(text: string, start: number, end: number): NameAddress | undefined {
  const result = scanNameAddr(text, start, end, true);
  return typeof result === "number" ? undefined : result;
}

/**
 * Whether {@link parseNameAddr} would accept the text, found by the same code without building
 * anything: header validation checks every Contact, Route and Record-Route this way.
 */
export function isValidNameAddr(text: string): boolean {
  return scanNameAddr(text, 0, text.length, false) === 0;
}

/** Whether {@link parseNameAddr} would accept `text.slice(start, end)`, without cutting it out. */
export function isValidNameAddrIn(text: string, start: number, end: number): boolean {
  return scanNameAddr(text, start, end, false) === 0;
}
