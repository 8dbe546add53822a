/**
 * URIs: `sip:`/`sips:` (RFC 3261 §19.1), `tel:` (RFC 3966, leniently) and any other absolute
 * URI kept opaque (RFC 3261 §25.1 absoluteURI). User, password and parameters are kept escaped
 * as received; {@link uriEquals} implements the comparison rules of RFC 3261 §19.1.4.
 */
import { SipParseError } from "./parse-error.ts";
import { indexIn } from "./lexer.ts";
import { Params } from "./params.ts";

// Character classes of RFC 3261 §25.1, as lookup tables indexed by char code: every URI of
// every message goes through them, and a table scan beats a regular expression with an
// alternation per character several times over. `%XX` escapes are accepted where the grammar
// has `escaped`.
function charTable(extra: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of extra) t[ch.charCodeAt(0)] = 1;
  return t;
}

/** unreserved / user-unreserved (`user`). */
const USER_CHARS = charTable("-_.!~*'()&=+$,;?/");
/** unreserved / `& = + $ ,` (`password`). */
const PASSWORD_CHARS = charTable("-_.!~*'()&=+$,");
/** paramchar: unreserved / param-unreserved `[ ] / : & + $`. */
const PARAM_CHARS = charTable("-_.!~*'()[]/:&+$");
/** hnvchar: unreserved / `[ ] / ? : + $` (URI header names and values). */
const HEADER_CHARS = charTable("-_.!~*'()[]/?:+$");
/** scheme characters after the first letter. */
const SCHEME_CHARS = charTable("+-.");
/** Host name characters inside the name, and at its first and last position. */
const HOST_INNER = charTable("-_.");
const HOST_FIRST = charTable("_");
const HOST_LAST = charTable("_.");

function isHexCode(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

// The checks below work on a range `s[a, b)` of a longer text, so that validation can look at a
// URI inside a header value without cutting it out first. No read may go past `b`.

/**
 * True when every character of `s[a, b)` is in `table` or part of a `%XX` escape; the range may
 * be empty only if `allowEmpty`.
 */
function isEscaped(s: string, a: number, b: number, table: Uint8Array, allowEmpty: boolean): boolean {
  if (a >= b) return allowEmpty;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= b || !isHexCode(s.charCodeAt(i + 1)) || !isHexCode(s.charCodeAt(i + 2))) return false;
      i += 2;
    } else if (c >= 128 || table[c] !== 1) {
      return false;
    }
  }
  return true;
}

function inTable(table: Uint8Array, c: number): boolean {
  return c < 128 && table[c] === 1;
}

/** `[A-Za-z0-9_]`, then `[A-Za-z0-9\-_.]*` ending in `[A-Za-z0-9_.]` (RFC 3261 hostname, leniently). */
function isHostname(s: string, a: number, b: number): boolean {
  const n = b - a;
  if (n <= 0 || !inTable(HOST_FIRST, s.charCodeAt(a))) return false;
  if (n === 1) return true;
  for (let i = a + 1; i < b - 1; i++) if (!inTable(HOST_INNER, s.charCodeAt(i))) return false;
  return inTable(HOST_LAST, s.charCodeAt(b - 1));
}

/** `[` then one or more of hex digits, `:` and `.`, then `]` (an IPv6 reference, leniently). */
function isIpv6Reference(s: string, a: number, b: number): boolean {
  if (b - a < 3 || s.charCodeAt(a) !== 0x5b || s.charCodeAt(b - 1) !== 0x5d) return false;
  for (let i = a + 1; i < b - 1; i++) {
    const c = s.charCodeAt(i);
    if (!isHexCode(c) && c !== 0x3a && c !== 0x2e) return false;
  }
  return true;
}

function isScheme(s: string, a: number, b: number): boolean {
  if (a >= b) return false;
  const first = s.charCodeAt(a);
  if (!((first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a))) return false;
  for (let i = a + 1; i < b; i++) if (!inTable(SCHEME_CHARS, s.charCodeAt(i))) return false;
  return true;
}

/** The characters of a tel: number (RFC 3966, leniently) after an optional leading "+". */
const TEL_CHARS: Uint8Array = (() => {
  const t = new Uint8Array(128);
  for (const ch of "0123456789ABCDEFabcdef*#-.()pPwW") t[ch.charCodeAt(0)] = 1;
  return t;
})();

function isTelNumber(s: string, a: number, b: number): boolean {
  if (a < b && s.charCodeAt(a) === 0x2b) a++;
  if (a >= b) return false;
  for (let i = a; i < b; i++) if (!inTable(TEL_CHARS, s.charCodeAt(i))) return false;
  return true;
}

/** True when `s[a, b)` has a control character, SP, DEL, `<`, `>` or `"` (not in an opaque URI). */
function hasOpaqueBad(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) return true;
  }
  return false;
}

/** A header carried in a SIP URI (`?name=value&…`), kept escaped. */
export interface UriHeader {
  readonly name: string;
  readonly value: string;
}

/** A `sip:` or `sips:` URI. */
export class SipUri {
  readonly type = "sip";
  scheme: "sip" | "sips";
  /** Escaped user part, undefined when the URI has no userinfo. */
  user: string | undefined;
  /** Escaped password, undefined when absent. */
  password: string | undefined;
  /** Host as written; IPv6 references keep their brackets. */
  host: string;
  port: number | undefined;
  readonly params: Params;
  readonly headers: UriHeader[];

  constructor(init: {
    scheme?: "sip" | "sips";
    user?: string | undefined;
    password?: string | undefined;
    host: string;
    port?: number | undefined;
    params?: Params;
    headers?: UriHeader[];
  }) {
    this.scheme = init.scheme ?? "sip";
    this.user = init.user;
    this.password = init.password;
    this.host = init.host;
    this.port = init.port;
    this.params = init.params ?? new Params();
    this.headers = init.headers ?? [];
  }

  /** The host without IPv6 brackets, as used to open a socket. */
  get hostAddress(): string {
    return unbracket(this.host);
  }

  clone(): SipUri {
    return new SipUri({
      scheme: this.scheme,
      user: this.user,
      password: this.password,
      host: this.host,
      port: this.port,
      params: this.params.clone(),
      headers: [...this.headers],
    });
  }

  toString(): string {
    let s = `${this.scheme}:`;
    if (this.user !== undefined) {
      s += this.user;
      if (this.password !== undefined) s += `:${this.password}`;
      s += "@";
    }
    s += this.host;
    if (this.port !== undefined) s += `:${this.port}`;
    s += this.params.toString();
    if (this.headers.length > 0) s += `?${this.headers.map((h) => `${h.name}=${h.value}`).join("&")}`;
    return s;
  }
}

/** A `tel:` URI (RFC 3966): the number and its parameters, unvalidated beyond the characters. */
export class TelUri {
  readonly type = "tel";
  readonly scheme = "tel";
  number: string;
  readonly params: Params;
  constructor(number: string, params: Params = new Params()) {
    this.number = number;
    this.params = params;
  }
  toString(): string {
    return `tel:${this.number}${this.params.toString()}`;
  }
}

/** Any other absolute URI (`http:`, `urn:`, unknown schemes), kept opaque. */
export class GenericUri {
  readonly type = "generic";
  readonly scheme: string;
  readonly opaque: string;
  constructor(scheme: string, opaque: string) {
    this.scheme = scheme;
    this.opaque = opaque;
  }
  toString(): string {
    return `${this.scheme}:${this.opaque}`;
  }
}

/** Any parsed URI. Switch on `type`. */
export type Uri = SipUri | TelUri | GenericUri;

/** `[::1]` → `::1`; other hosts unchanged. */
export function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function bad(what = "URI"): SipParseError {
  return new SipParseError(`Malformed ${what}`);
}

/** The port in `s[a, b)`: 1 to 5 digits, at most 65535; -1 when malformed. */
function portIn(s: string, a: number, b: number): number {
  const n = b - a;
  if (n <= 0 || n > 5) return -1;
  let port = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    port = port * 10 + (c - 0x30);
  }
  return port > 65535 ? -1 : port;
}

/**
 * Checks `;name[=value]…` in `s[a, b)` (`s[a]` is the first ";"; an empty range has none) and,
 * when `into` is given, appends the parameters to it.
 */
function uriParamsIn(s: string, a: number, b: number, into: Params | undefined): boolean {
  if (a >= b) return true;
  let start = a + 1;
  for (;;) {
    const semi = indexIn(s, ";", start, b);
    const partEnd = semi < 0 ? b : semi;
    const eq = indexIn(s, "=", start, partEnd);
    const nameEnd = eq < 0 ? partEnd : eq;
    if (!isEscaped(s, start, nameEnd, PARAM_CHARS, false)) return false;
    if (eq >= 0 && !isEscaped(s, eq + 1, partEnd, PARAM_CHARS, false)) return false;
    into?.append(s.slice(start, nameEnd), eq < 0 ? null : s.slice(eq + 1, partEnd));
    if (semi < 0) return true;
    start = semi + 1;
  }
}

const HOST_PORT_BAD = -2;

/**
 * Checks `host[:port]` in `s[a, b)` (host may be an IPv6 reference); returns the port, -1 when
 * there is none, or HOST_PORT_BAD. With a port, the host is everything before the last ":" (a
 * host name has no ":", an IPv6 reference ends at "]").
 */
function hostPortIn(s: string, a: number, b: number): number {
  let hostEnd: number;
  if (a < b && s.charCodeAt(a) === 0x5b) {
    const close = indexIn(s, "]", a, b);
    if (close < 0) return HOST_PORT_BAD;
    hostEnd = close + 1;
    if (!isIpv6Reference(s, a, hostEnd)) return HOST_PORT_BAD;
  } else {
    const colon = indexIn(s, ":", a, b);
    hostEnd = colon < 0 ? b : colon;
    if (!isHostname(s, a, hostEnd)) return HOST_PORT_BAD;
  }
  if (hostEnd === b) return -1;
  if (s.charCodeAt(hostEnd) !== 0x3a) return HOST_PORT_BAD;
  const port = portIn(s, hostEnd + 1, b);
  return port < 0 ? HOST_PORT_BAD : port;
}

/**
 * @internal Whether `s[a, b)` is a host (a host name or an IPv6 reference) as a SIP URI or a
 * Via sent-by has it, and `s[portStart, portEnd)` (when `portStart` ≥ 0) a valid port: the
 * grammar of {@link parseHostPort} applied to the two parts of `host:port`.
 */
export function isHostAndPortIn(
  s: string,
  a: number,
  b: number,
  portStart: number,
  portEnd: number,
): boolean {
  const hostOk =
    a < b && s.charCodeAt(a) === 0x5b
      ? indexIn(s, "]", a, b) === b - 1 && isIpv6Reference(s, a, b)
      : indexIn(s, ":", a, b) < 0 && isHostname(s, a, b);
  return hostOk && (portStart < 0 || portIn(s, portStart, portEnd) >= 0);
}

/** @internal The port of `s[a, b)` as {@link isHostAndPortIn} accepted it. */
export function portNumberIn(s: string, a: number, b: number): number {
  return portIn(s, a, b);
}

/** Parses `host[:port]` where host may be an IPv6 reference. */
export function parseHostPort(s: string): { host: string; port: number | undefined } {
  const port = hostPortIn(s, 0, s.length);
  if (port === HOST_PORT_BAD) throw bad();
  if (port < 0) return { host: s, port: undefined };
  return { host: s.slice(0, s.lastIndexOf(":")), port };
}

/**
 * Checks the part of a sip: or sips: URI after the scheme, `s[a, b)`: false when malformed.
 * With `build` it returns the parsed URI instead of true; only what the URI keeps is cut out.
 */
function sipIn(scheme: "sip" | "sips", s: string, a: number, b: number, build: boolean): SipUri | boolean {
  let userEnd = -1;
  let passwordStart = -1;
  let rest = a;
  // The user part may contain ; ? / (RFC 3261 user-unreserved) but never an unescaped "@".
  const at = indexIn(s, "@", a, b);
  if (at >= 0) {
    const colon = indexIn(s, ":", a, at);
    userEnd = colon < 0 ? at : colon;
    passwordStart = colon < 0 ? -1 : colon + 1;
    if (!isEscaped(s, a, userEnd, USER_CHARS, false)) return false;
    if (passwordStart >= 0 && !isEscaped(s, passwordStart, at, PASSWORD_CHARS, true)) return false;
    rest = at + 1;
  }
  const q = indexIn(s, "?", rest, b);
  const beforeHeadersEnd = q < 0 ? b : q;
  // The host ends at the first ";" outside an IPv6 reference.
  const close =
    rest < beforeHeadersEnd && s.charCodeAt(rest) === 0x5b ? indexIn(s, "]", rest, beforeHeadersEnd) : -1;
  const semi = indexIn(s, ";", close < 0 ? rest : close, beforeHeadersEnd);
  const hostPortEnd = semi < 0 ? beforeHeadersEnd : semi;
  const portNumber = hostPortIn(s, rest, hostPortEnd);
  if (portNumber === HOST_PORT_BAD) return false;
  const params = build ? new Params() : undefined;
  if (semi >= 0 && !uriParamsIn(s, semi, beforeHeadersEnd, params)) return false;
  const headers: UriHeader[] | undefined = build ? [] : undefined;
  if (q >= 0) {
    // `&`-separated `name=value` pairs; the name may not be empty, the value may.
    let start = q + 1;
    for (;;) {
      const amp = indexIn(s, "&", start, b);
      const end = amp < 0 ? b : amp;
      const eq = indexIn(s, "=", start, end);
      if (eq < 0) return false;
      if (!isEscaped(s, start, eq, HEADER_CHARS, false) || !isEscaped(s, eq + 1, end, HEADER_CHARS, true)) {
        return false;
      }
      headers?.push({ name: s.slice(start, eq), value: s.slice(eq + 1, end) });
      if (amp < 0) break;
      start = amp + 1;
    }
  }
  if (params === undefined || headers === undefined) return true;
  const user = at < 0 ? undefined : s.slice(a, userEnd);
  const password = passwordStart < 0 ? undefined : s.slice(passwordStart, at);
  const host = s.slice(rest, portNumber < 0 ? hostPortEnd : s.lastIndexOf(":", hostPortEnd - 1));
  const port = portNumber < 0 ? undefined : portNumber;
  return new SipUri({ scheme, user, password, host, port, params, headers });
}

/** True when `s[a, b)` is `name` in any case (`name` is lower-case ASCII letters). */
function isSchemeName(s: string, a: number, b: number, name: string): boolean {
  if (b - a !== name.length) return false;
  // Only letters, digits and "+-." get here (isScheme): setting 0x20 lower-cases letters and
  // maps nothing else onto a letter.
  for (let i = 0; i < name.length; i++) if ((s.charCodeAt(a + i) | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * Checks (or, with `build`, parses) the absolute URI `s[a, b)`: false when malformed, else
 * true, or the URI when building.
 */
function uriIn(s: string, a: number, b: number, build: boolean): Uri | boolean {
  const colon = indexIn(s, ":", a, b);
  if (colon <= a) return false;
  if (!isScheme(s, a, colon)) return false;
  if (isSchemeName(s, a, colon, "sip")) return sipIn("sip", s, colon + 1, b, build);
  if (isSchemeName(s, a, colon, "sips")) return sipIn("sips", s, colon + 1, b, build);
  if (isSchemeName(s, a, colon, "tel")) {
    const semi = indexIn(s, ";", colon + 1, b);
    const numberEnd = semi < 0 ? b : semi;
    if (!isTelNumber(s, colon + 1, numberEnd)) return false;
    const params = build ? new Params() : undefined;
    if (semi >= 0 && !uriParamsIn(s, semi, b, params)) return false;
    return params === undefined ? true : new TelUri(s.slice(colon + 1, numberEnd), params);
  }
  if (colon + 1 >= b || hasOpaqueBad(s, colon + 1, b)) return false;
  return build ? new GenericUri(s.slice(a, colon), s.slice(colon + 1, b)) : true;
}

/** Parses any absolute URI; `sip:`, `sips:` and `tel:` are parsed fully. Throws SipParseError. */
export function parseUri(text: string): Uri {
  const uri = uriIn(text, 0, text.length, true);
  if (typeof uri === "boolean") throw bad();
  return uri;
}

/**
 * @internal {@link parseUri} of `text.slice(start, end)` without cutting it out first;
 * undefined where parseUri throws.
 */
export function parseUriIn(text: string, start: number, end: number): Uri | undefined {
  const uri = uriIn(text, start, end, true);
  return typeof uri === "boolean" ? undefined : uri;
}

/**
 * Whether {@link parseUri} would accept the text, found by the same code without building the
 * URI: header validation checks every Contact, Route and Record-Route this way.
 */
export function isValidUri(text: string): boolean {
  return uriIn(text, 0, text.length, false) === true;
}

/**
 * Whether {@link parseUri} would accept `text.slice(start, end)`, without cutting it out (nor
 * building anything).
 */
export function isValidUriIn(text: string, start: number, end: number): boolean {
  return uriIn(text, start, end, false) === true;
}

/** Parses a URI that must be `sip:` or `sips:`. */
export function parseSipUri(text: string): SipUri {
  const uri = parseUri(text);
  if (uri.type !== "sip") throw bad("SIP URI");
  return uri;
}

function unescape(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

const MUST_MATCH_PARAMS = ["user", "ttl", "method", "maddr", "transport"];

/**
 * URI equality per RFC 3261 §19.1.4: user and password case-sensitive after unescaping, host
 * case-insensitive, an absent port is not equal to an explicit one, user/ttl/method/maddr/
 * transport must match when either side has them, other parameters only when both have them,
 * and URI headers must all match. Non-SIP URIs compare by scheme and (unescaped) text.
 */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.type !== "sip" || b.type !== "sip") {
    if (a.type === "sip" || b.type === "sip") return false;
    return (
      a.scheme.toLowerCase() === b.scheme.toLowerCase() && unescape(a.toString()) === unescape(b.toString())
    );
  }
  if (a.scheme !== b.scheme) return false;
  if ((a.user === undefined) !== (b.user === undefined)) return false;
  if (a.user !== undefined && b.user !== undefined && unescape(a.user) !== unescape(b.user)) return false;
  if (unescape(a.password ?? "") !== unescape(b.password ?? "")) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase() || a.port !== b.port) return false;
  for (const p of a.params) {
    const other = b.params.get(p.name);
    if (other === undefined) {
      if (MUST_MATCH_PARAMS.includes(p.name.toLowerCase())) return false;
      continue;
    }
    if (unescape(p.value ?? "").toLowerCase() !== unescape(other ?? "").toLowerCase()) return false;
  }
  for (const name of MUST_MATCH_PARAMS) if (b.params.has(name) && !a.params.has(name)) return false;
  if (a.headers.length !== b.headers.length) return false;
  for (const h of a.headers) {
    const other = b.headers.find((x) => x.name.toLowerCase() === h.name.toLowerCase());
    if (other === undefined || unescape(other.value) !== unescape(h.value)) return false;
  }
  return true;
}
