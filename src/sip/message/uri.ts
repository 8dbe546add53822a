/**
 * URIs: `sip:`/`sips:` (RFC 3261 §19.1), `tel:` (RFC 3966, leniently) and any other absolute
 * URI kept opaque (RFC 3261 §25.1 absoluteURI). User, password and parameters are kept escaped
 * as received; {@link uriEquals} implements the comparison rules of RFC 3261 §19.1.4.
 */
import { SipParseError } from "./parse-error.ts";
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

/** True when every character of `s` is in `table` or part of a `%XX` escape; `s` may be empty only if `allowEmpty`. */
function isEscaped(s: string, table: Uint8Array, allowEmpty: boolean): boolean {
  const n = s.length;
  if (n === 0) return allowEmpty;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (!isHexCode(s.charCodeAt(i + 1)) || !isHexCode(s.charCodeAt(i + 2))) return false;
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
function isHostname(s: string): boolean {
  const n = s.length;
  if (n === 0 || !inTable(HOST_FIRST, s.charCodeAt(0))) return false;
  if (n === 1) return true;
  for (let i = 1; i < n - 1; i++) if (!inTable(HOST_INNER, s.charCodeAt(i))) return false;
  return inTable(HOST_LAST, s.charCodeAt(n - 1));
}

function isScheme(s: string): boolean {
  const n = s.length;
  const first = s.charCodeAt(0);
  if (n === 0 || !((first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a))) return false;
  for (let i = 1; i < n; i++) if (!inTable(SCHEME_CHARS, s.charCodeAt(i))) return false;
  return true;
}

const IPV6_REF_RE = /^\[[0-9A-Fa-f:.]+\]$/;
const TEL_RE = /^\+?[0-9A-Fa-f*#\-.()pPwW]+$/;
const OPAQUE_BAD_RE = /[\x00-\x20\x7f<>"]/;

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

function parsePort(s: string): number {
  const n = s.length;
  if (n === 0 || n > 5) throw bad();
  let port = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) throw bad();
    port = port * 10 + (c - 0x30);
  }
  if (port > 65535) throw bad();
  return port;
}

/**
 * `;name[=value]…` (starting with ";", or "" for none). With `into` undefined the parameters are
 * only checked (see {@link isValidUri}).
 */
function parseUriParams(s: string, into: Params | undefined): void {
  if (s === "") return;
  let start = 1;
  for (;;) {
    const semi = s.indexOf(";", start);
    const part = semi < 0 ? s.slice(start) : s.slice(start, semi);
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? null : part.slice(eq + 1);
    if (!isEscaped(name, PARAM_CHARS, false) || (value !== null && !isEscaped(value, PARAM_CHARS, false))) {
      throw bad();
    }
    into?.append(name, value);
    if (semi < 0) return;
    start = semi + 1;
  }
}

/**
 * Checks `host[:port]` (host may be an IPv6 reference); returns the port, or -1 when there is
 * none. With a port, the host is everything before the last ":" (a host name has no ":", an
 * IPv6 reference ends at "]").
 */
function checkHostPort(s: string): number {
  let hostEnd: number;
  if (s.charCodeAt(0) === 0x5b) {
    const close = s.indexOf("]");
    if (close < 0) throw bad();
    hostEnd = close + 1;
    if (!IPV6_REF_RE.test(s.slice(0, hostEnd))) throw bad();
  } else {
    const colon = s.indexOf(":");
    hostEnd = colon < 0 ? s.length : colon;
    if (!isHostname(colon < 0 ? s : s.slice(0, colon))) throw bad();
  }
  if (hostEnd === s.length) return -1;
  if (s.charCodeAt(hostEnd) !== 0x3a) throw bad();
  return parsePort(s.slice(hostEnd + 1));
}

/** Parses `host[:port]` where host may be an IPv6 reference. */
export function parseHostPort(s: string): { host: string; port: number | undefined } {
  const port = checkHostPort(s);
  if (port < 0) return { host: s, port: undefined };
  return { host: s.slice(0, s.lastIndexOf(":")), port };
}

/**
 * Parses (or, with `build` false, only checks: same grammar, no objects) the part of a sip: or
 * sips: URI after the scheme.
 */
function parseSip(scheme: "sip" | "sips", rest: string, build: boolean): SipUri | undefined {
  let user: string | undefined;
  let password: string | undefined;
  // The user part may contain ; ? / (RFC 3261 user-unreserved) but never an unescaped "@".
  const at = rest.indexOf("@");
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(":");
    user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    password = colon < 0 ? undefined : userinfo.slice(colon + 1);
    if (!isEscaped(user, USER_CHARS, false)) throw bad();
    if (password !== undefined && !isEscaped(password, PASSWORD_CHARS, true)) throw bad();
  }
  const q = rest.indexOf("?");
  const headerText = q < 0 ? undefined : rest.slice(q + 1);
  const beforeHeaders = q < 0 ? rest : rest.slice(0, q);
  // The host ends at the first ";" outside an IPv6 reference.
  const close = beforeHeaders.startsWith("[") ? beforeHeaders.indexOf("]") : -1;
  const semi = beforeHeaders.indexOf(";", Math.max(close, 0));
  const hostPort = semi < 0 ? beforeHeaders : beforeHeaders.slice(0, semi);
  const portNumber = checkHostPort(hostPort);
  const params = build ? new Params() : undefined;
  parseUriParams(semi < 0 ? "" : beforeHeaders.slice(semi), params);
  const headers: UriHeader[] | undefined = build ? [] : undefined;
  if (headerText !== undefined) {
    for (const h of headerText.split("&")) {
      const eq = h.indexOf("=");
      if (eq < 0) throw bad();
      const name = h.slice(0, eq);
      const value = h.slice(eq + 1);
      if (!isEscaped(name, HEADER_CHARS, false) || !isEscaped(value, HEADER_CHARS, true)) throw bad();
      headers?.push({ name, value });
    }
  }
  if (params === undefined || headers === undefined) return undefined;
  const host = portNumber < 0 ? hostPort : hostPort.slice(0, hostPort.lastIndexOf(":"));
  const port = portNumber < 0 ? undefined : portNumber;
  return new SipUri({ scheme, user, password, host, port, params, headers });
}

/** The scheme (lower case) and the text after its colon; throws SipParseError. */
function parseUriOrCheck(text: string, build: boolean): Uri | undefined {
  const colon = text.indexOf(":");
  if (colon <= 0) throw bad();
  const scheme = text.slice(0, colon);
  if (!isScheme(scheme)) throw bad();
  const rest = text.slice(colon + 1);
  const lower = scheme.toLowerCase();
  if (lower === "sip" || lower === "sips") return parseSip(lower, rest, build);
  if (lower === "tel") {
    const semi = rest.indexOf(";");
    const number = semi < 0 ? rest : rest.slice(0, semi);
    if (!TEL_RE.test(number)) throw bad();
    const params = build ? new Params() : undefined;
    parseUriParams(semi < 0 ? "" : rest.slice(semi), params);
    return params === undefined ? undefined : new TelUri(number, params);
  }
  if (rest === "" || OPAQUE_BAD_RE.test(rest)) throw bad();
  return build ? new GenericUri(scheme, rest) : undefined;
}

/** Parses any absolute URI; `sip:`, `sips:` and `tel:` are parsed fully. Throws SipParseError. */
export function parseUri(text: string): Uri {
  const uri = parseUriOrCheck(text, true);
  if (uri === undefined) throw bad();
  return uri;
}

/**
 * Whether {@link parseUri} would accept the text, found by the same code without building the
 * URI: header validation checks every Contact, Route and Record-Route this way.
 */
export function isValidUri(text: string): boolean {
  try {
    parseUriOrCheck(text, false);
    return true;
  } catch {
    return false;
  }
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
