/**
 * Via header values (RFC 3261 §20.42, §25.1 via-parm) with the RFC 3581 `rport` parameter.
 */
import { SipParseError } from "./parse-error.ts";
import { isTokenCode, isWsCode, skipWs, trimLws } from "./lexer.ts";
import { Params, paramSpan, paramsFromSpans, scanHeaderParams } from "./params.ts";
import { isHostAndPortIn, portNumberIn, unbracket } from "./uri.ts";

/** The RFC 3261 §8.1.1.7 magic cookie that starts every RFC 3261 branch. */
export const BRANCH_MAGIC_COOKIE = "z9hG4bK";

/** One Via value. */
export class Via {
  /** `SIP` */
  protocolName: string;
  /** `2.0` */
  protocolVersion: string;
  /** Upper-case transport: `UDP`, `TCP`, `TLS`, `SCTP`, `WS`, … */
  transport: string;
  /** sent-by host as written (IPv6 references keep their brackets). */
  host: string;
  port: number | undefined;
  readonly params: Params;

  constructor(init: {
    transport: string;
    host: string;
    port?: number | undefined;
    params?: Params;
    protocolName?: string;
    protocolVersion?: string;
  }) {
    this.protocolName = init.protocolName ?? "SIP";
    this.protocolVersion = init.protocolVersion ?? "2.0";
    this.transport = internWord(init.transport.toUpperCase());
    this.host = init.host;
    this.port = init.port;
    this.params = init.params ?? new Params();
  }

  /** sent-by as compared by RFC 3261 §17.2.3: lower-case host, and the port only if written. */
  get sentBy(): string {
    return `${this.host.toLowerCase()}${this.port === undefined ? "" : `:${this.port}`}`;
  }

  get branch(): string | undefined {
    return this.params.get("branch") ?? undefined;
  }

  set branch(value: string | undefined) {
    if (value === undefined) this.params.delete("branch");
    else this.params.set("branch", value);
  }

  /** `received` without IPv6 brackets (RFC 5118 §4.5 allows them on the wire). */
  get received(): string | undefined {
    const r = this.params.get("received");
    return r === undefined || r === null ? undefined : unbracket(r);
  }

  /** True when an `rport` parameter is present, with or without a value (RFC 3581). */
  get hasRport(): boolean {
    return this.params.has("rport");
  }

  /** The `rport` value, undefined when absent or still empty. */
  get rport(): number | undefined {
    const r = this.params.get("rport");
    return r === undefined || r === null ? undefined : Number(r);
  }

  get maddr(): string | undefined {
    const m = this.params.get("maddr");
    return m === undefined || m === null ? undefined : unbracket(m);
  }

  get ttl(): number | undefined {
    const t = this.params.get("ttl");
    return t === undefined || t === null ? undefined : Number(t);
  }

  /** True when the branch starts with the RFC 3261 magic cookie. */
  get isRfc3261Branch(): boolean {
    return this.branch?.startsWith(BRANCH_MAGIC_COOKIE) ?? false;
  }

  clone(): Via {
    return new Via({
      protocolName: this.protocolName,
      protocolVersion: this.protocolVersion,
      transport: this.transport,
      host: this.host,
      port: this.port,
      params: this.params.clone(),
    });
  }

  toString(): string {
    const port = this.port === undefined ? "" : `:${this.port}`;
    return `${this.protocolName}/${this.protocolVersion}/${this.transport} ${this.host}${port}${this.params.toString()}`;
  }
}

/**
 * @internal `SIP/2.0/<transport> <host>:<port>;branch=<branch>` built directly, as a sender of
 * its own requests needs one per request: what `new Via(…)` then setting `branch` gives, without
 * the growable parameter list that makes.
 */
export function branchVia(transport: string, host: string, port: number, branch: string): Via {
  return new Via({ transport, host, port, params: Params.adopt([{ name: "branch", value: branch }]) });
}

/** Index of the end of the token starting at `i`: the next white space or "/", at most `b`. */
function tokenEnd(s: string, i: number, b: number): number {
  while (i < b) {
    const c = s.charCodeAt(i);
    if (isWsCode(c) || c === 0x2f) break;
    i++;
  }
  return i;
}

/** True when `s[a, b)` is a non-empty token. */
function isTokenIn(s: string, a: number, b: number): boolean {
  if (a >= b) return false;
  for (let i = a; i < b; i++) if (!isTokenCode(s.charCodeAt(i))) return false;
  return true;
}

/** True when `s[a, b)` is 1 to `max` digits. */
function isDigits(s: string, a: number, b: number, max: number): boolean {
  if (a >= b || b - a > max) return false;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** True when `s[a, b)` is `name` (lower-case ASCII letters) in any case. */
function isNameIn(s: string, a: number, b: number, name: string): boolean {
  if (b - a !== name.length) return false;
  // Parameter names are tokens: setting 0x20 lower-cases letters and maps no other token
  // character onto a letter.
  for (let i = 0; i < name.length; i++) if ((s.charCodeAt(a + i) | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

const VIA_WORDS: readonly string[] = ["SIP", "2.0", "UDP", "TCP", "TLS"];

function internWord(w: string): string {
  for (const word of VIA_WORDS) if (w === word) return word;
  return w;
}

/** `s.slice(a, b)`, shared when it is one of the usual sent-protocol words. */
function wordIn(s: string, a: number, b: number): string {
  for (const word of VIA_WORDS) if (b - a === word.length && s.startsWith(word, a)) return word;
  return s.slice(a, b);
}

/**
 * The rport, ttl and branch checks on the parameters of the last scanHeaderParams call. As
 * Params.get does, the first parameter of each name (in any case) is the one that counts.
 */
function viaParamsOk(s: string, count: number): boolean {
  let rport = false;
  let ttl = false;
  let branch = false;
  for (let k = 0; k < count; k++) {
    const nameStart = paramSpan(k, 0);
    const nameEnd = paramSpan(k, 1);
    const valueStart = paramSpan(k, 2);
    const valueEnd = paramSpan(k, 3);
    if (!rport && isNameIn(s, nameStart, nameEnd, "rport")) {
      rport = true;
      if (valueStart >= 0 && !isDigits(s, valueStart, valueEnd, 5)) return false;
    } else if (!ttl && isNameIn(s, nameStart, nameEnd, "ttl")) {
      ttl = true;
      if (valueStart < 0 || !isDigits(s, valueStart, valueEnd, 3)) return false;
      let n = 0;
      for (let i = valueStart; i < valueEnd; i++) n = n * 10 + s.charCodeAt(i) - 0x30;
      if (n > 255) return false;
    } else if (!branch && isNameIn(s, nameStart, nameEnd, "branch")) {
      branch = true;
      if (valueStart < 0 || !isTokenIn(s, valueStart, valueEnd)) return false;
    }
  }
  return true;
}

/**
 * The one grammar of a via-parm, in `s[a, b)`: checks it (true or false), or with `build`
 * parses it (the Via, or false).
 */
function scanVia(s: string, a: number, b: number, build: boolean): Via | boolean {
  while (a < b && isWsCode(s.charCodeAt(a))) a++;
  while (b > a && isWsCode(s.charCodeAt(b - 1))) b--;
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport, SLASH = SWS "/" SWS
  const nameStart = a;
  const nameEnd = tokenEnd(s, nameStart, b);
  let i = skipWs(s, nameEnd, b);
  if (i >= b || s.charCodeAt(i) !== 0x2f) return false;
  const versionStart = skipWs(s, i + 1, b);
  const versionEnd = tokenEnd(s, versionStart, b);
  i = skipWs(s, versionEnd, b);
  if (i >= b || s.charCodeAt(i) !== 0x2f) return false;
  const transportStart = skipWs(s, i + 1, b);
  const transportEnd = tokenEnd(s, transportStart, b);
  i = skipWs(s, transportEnd, b);
  if (!isTokenIn(s, nameStart, nameEnd) || !isTokenIn(s, versionStart, versionEnd)) return false;
  if (!isTokenIn(s, transportStart, transportEnd)) return false;
  // sent-by: host [ COLON port ], after at least one LWS (already skipped above).
  if (i === a || !isWsCode(s.charCodeAt(i - 1))) return false;
  const hostStart = i;
  let hostEnd = i;
  if (hostEnd < b && s.charCodeAt(hostEnd) === 0x5b) {
    hostEnd = s.indexOf("]", hostEnd);
    if (hostEnd < 0 || hostEnd >= b) return false;
    hostEnd++;
  } else {
    while (hostEnd < b) {
      const c = s.charCodeAt(hostEnd);
      if (isWsCode(c) || c === 0x3b || c === 0x3a) break;
      hostEnd++;
    }
  }
  i = skipWs(s, hostEnd, b);
  let portStart = -1;
  let portEnd = -1;
  if (i < b && s.charCodeAt(i) === 0x3a) {
    i = skipWs(s, i + 1, b);
    portStart = i;
    while (i < b) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      i++;
    }
    portEnd = i;
  }
  // The same host and port grammar as a SIP URI's (white space around ":" already gone).
  if (!isHostAndPortIn(s, hostStart, hostEnd, portStart, portEnd)) return false;
  const count = scanHeaderParams(s, i, b);
  if (count < 0 || !viaParamsOk(s, count)) return false;
  if (!build) return true;
  // The usual words are shared constants (see wordIn): kept Vias keep no copies of them.
  return new Via({
    protocolName: wordIn(s, nameStart, nameEnd),
    protocolVersion: wordIn(s, versionStart, versionEnd),
    transport: wordIn(s, transportStart, transportEnd),
    host: s.slice(hostStart, hostEnd),
    port: portStart < 0 ? undefined : portNumberIn(s, portStart, portEnd),
    params: paramsFromSpans(s, count),
  });
}

/** Parses one via-parm. Throws SipParseError("Malformed Via header"). */
export function parseVia(value: string): Via {
  const s = trimLws(value);
  const via = scanVia(s, 0, s.length, true);
  if (typeof via === "boolean") throw new SipParseError("Malformed Via header");
  return via;
}

/**
 * @internal {@link parseVia} of `text.slice(start, end)` without cutting it out first; undefined
 * where parseVia throws.
 */
export function parseViaIn(text: string, start: number, end: number): Via | undefined {
  const via = scanVia(text, start, end, true);
  return typeof via === "boolean" ? undefined : via;
}

/**
 * Whether {@link parseVia} would accept `text.slice(start, end)`, found by the same code without
 * cutting it out or building anything: header validation checks every Via but the top one so.
 */
export function isValidViaIn(text: string, start: number, end: number): boolean {
  return scanVia(text, start, end, false) === true;
}
