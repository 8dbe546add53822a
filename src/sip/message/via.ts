/**
 * Via header values (RFC 3261 §20.42, §25.1 via-parm) with the RFC 3581 `rport` parameter.
 */
import { SipParseError } from "./parse-error.ts";
import { isToken, isWs, isWsCode, skipWs, trimLws } from "./lexer.ts";
import { Params, parseHeaderParams } from "./params.ts";
import { parseHostPort, unbracket } from "./uri.ts";

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

/** Index of the end of the token starting at `i`: the next white space or "/". */
function tokenEnd(s: string, i: number): number {
  let end = i;
  while (end < s.length) {
    const c = s.charCodeAt(end);
    if (isWsCode(c) || c === 0x2f) break;
    end++;
  }
  return end;
}

const VIA_WORDS: ReadonlyMap<string, string> = new Map(
  ["SIP", "2.0", "UDP", "TCP", "TLS"].map((w) => [w, w]),
);

function internWord(w: string): string {
  return VIA_WORDS.get(w) ?? w;
}

function badVia(): SipParseError {
  return new SipParseError("Malformed Via header");
}

/**
 * Reads one token of sent-protocol starting at `i` (white space allowed before it and, for the
 * first two, around the following "/"); returns the index after it, and the "/" when `slash`.
 */
function sentProtocolPart(s: string, i: number, slash: boolean): number {
  const end = tokenEnd(s, skipWs(s, i));
  let j = skipWs(s, end);
  if (slash) {
    if (s.charCodeAt(j) !== 0x2f) throw badVia();
    j++;
  }
  return j;
}

/** Parses one via-parm. Throws SipParseError("Malformed Via header"). */
export function parseVia(value: string): Via {
  const s = trimLws(value);
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport, SLASH = SWS "/" SWS
  const nameStart = skipWs(s, 0);
  const nameEnd = tokenEnd(s, nameStart);
  let i = sentProtocolPart(s, 0, true);
  const versionStart = skipWs(s, i);
  const versionEnd = tokenEnd(s, versionStart);
  i = sentProtocolPart(s, i, true);
  const transportStart = skipWs(s, i);
  const transportEnd = tokenEnd(s, transportStart);
  i = sentProtocolPart(s, i, false);
  // The usual words are shared constants (see internWord): kept Vias keep no copies of them.
  const protocolName = internWord(s.slice(nameStart, nameEnd));
  const protocolVersion = internWord(s.slice(versionStart, versionEnd));
  const transport = internWord(s.slice(transportStart, transportEnd));
  if (!isToken(protocolName) || !isToken(protocolVersion) || !isToken(transport)) throw badVia();
  // sent-by: host [ COLON port ], after at least one LWS (already skipped above).
  if (i === 0 || !isWs(s[i - 1])) throw badVia();
  let end = i;
  if (s.charCodeAt(end) === 0x5b) {
    end = s.indexOf("]", end);
    if (end < 0) throw badVia();
    end++;
  } else {
    while (end < s.length) {
      const c = s.charCodeAt(end);
      if (isWsCode(c) || c === 0x3b || c === 0x3a) break;
      end++;
    }
  }
  const hostText = s.slice(i, end);
  i = skipWs(s, end);
  let portText: string | undefined;
  if (s.charCodeAt(i) === 0x3a) {
    i = skipWs(s, i + 1);
    const portStart = i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      i++;
    }
    portText = s.slice(portStart, i);
  }
  let host: string;
  let port: number | undefined;
  try {
    // The same host and port grammar as a SIP URI's (white space around ":" already gone).
    ({ host, port } = parseHostPort(portText === undefined ? hostText : `${hostText}:${portText}`));
  } catch {
    throw badVia();
  }
  let params: Params;
  try {
    params = parseHeaderParams(s, i, "Via");
  } catch {
    throw badVia();
  }
  const rport = params.get("rport");
  if (rport !== undefined && rport !== null && !/^\d{1,5}$/.test(rport)) throw badVia();
  const ttl = params.get("ttl");
  if (ttl !== undefined && (ttl === null || !/^\d{1,3}$/.test(ttl) || Number(ttl) > 255)) throw badVia();
  const branch = params.get("branch");
  if (branch === null || (branch !== undefined && !isToken(branch))) throw badVia();
  return new Via({ protocolName, protocolVersion, transport, host, port, params });
}
