/**
 * Ordered `;name=value` parameter lists (URI parameters, header parameters, Via parameters).
 * Names are matched case-insensitively (RFC 3261 §7.3.1); names and values are kept as received
 * so that re-serialising gives the same text.
 */
import { SipParseError } from "./parse-error.ts";
import { isTokenCode, isWsCode, quotedEnd, readQuoted, skipWs } from "./lexer.ts";

/** One parameter. `value` is null for a parameter without `=` (e.g. `lr`, `rport`). */
export interface Param {
  readonly name: string;
  readonly value: string | null;
}

/**
 * The list of every Params without parameters until one is added: most parsed URIs and many
 * name-addrs have none, and need no array of their own. Never modified (see `writable`).
 */
const NONE: Param[] = [];

/** An ordered, case-insensitive parameter list. */
export class Params implements Iterable<Param> {
  private list: Param[];

  constructor(list?: Iterable<Param>) {
    // Most lists start empty (the parsers append): no copy of a default array then.
    if (list === undefined) this.list = NONE;
    else this.list = Array.isArray(list) ? (list as Param[]).slice() : [...list];
  }

  /**
   * @internal Takes `list` as it is, without a copy (the header parsers size it exactly); the
   * new object owns it afterwards.
   */
  static adopt(list: Param[]): Params {
    const p = new Params();
    p.list = list;
    return p;
  }

  /** The list, made the object's own before its first change. */
  private writable(): Param[] {
    if (this.list === NONE) this.list = [];
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }

  has(name: string): boolean {
    return this.index(name) >= 0;
  }

  /** The raw value: undefined when absent, null when present without a value. */
  get(name: string): string | null | undefined {
    const i = this.index(name);
    return i < 0 ? undefined : (this.list[i]?.value ?? null);
  }

  /** Replaces the value in place, or appends the parameter if absent. */
  set(name: string, value: string | null = null): this {
    const i = this.index(name);
    const list = this.writable();
    if (i < 0) list.push({ name, value });
    else list[i] = { name: list[i]?.name ?? name, value };
    return this;
  }

  /** Appends a parameter even if one of that name exists (keeps duplicates as received). */
  append(name: string, value: string | null = null): this {
    this.writable().push({ name, value });
    return this;
  }

  /** Removes every parameter of that name; returns whether one was removed. */
  delete(name: string): boolean {
    const lower = name.toLowerCase();
    const list = this.list;
    const before = list.length;
    // (An empty list, the shared one included, has nothing to remove.)
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]?.name.toLowerCase() === lower) list.splice(i, 1);
    }
    return list.length !== before;
  }

  clone(): Params {
    return new Params(this.list);
  }

  [Symbol.iterator](): Iterator<Param> {
    return this.list[Symbol.iterator]();
  }

  /** `;a=b;c` (empty string when there are none). */
  toString(): string {
    let s = "";
    for (const p of this.list) s += p.value === null ? `;${p.name}` : `;${p.name}=${p.value}`;
    return s;
  }

  private index(name: string): number {
    const list = this.list;
    let lower: string | undefined;
    for (let i = 0; i < list.length; i++) {
      const n = list[i]?.name;
      if (n === undefined) continue;
      // The same spelling (the usual case) needs no lower-casing.
      if (n === name) return i;
      lower ??= name.toLowerCase();
      if (n.toLowerCase() === lower) return i;
    }
    return -1;
  }
}

/** Removes the quotes of a quoted parameter value (`"a\"b"` → `a"b`); other values pass through. */
export function unquoteParam(value: string): string {
  if (!value.startsWith('"')) return value;
  return readQuoted(value, 0)?.value ?? value;
}

// Header parameters are scanned once into spans (positions in the text), four numbers per
// parameter: name start, name end, value start, value end (value start -1 when there is no
// value). Validation needs nothing more, and a parse then cuts out exactly the strings it keeps
// and sizes the list exactly, instead of growing an array from empty.
let spans = new Int32Array(4 * 16);

/** scanHeaderParams: a parameter is malformed. */
export const PARAMS_MALFORMED = -1;
/** scanHeaderParams: a quoted value is not terminated. */
export const PARAMS_UNTERMINATED = -2;

/**
 * @internal Scans header parameters (`*( SEMI generic-param )`, RFC 3261 §25.1) in
 * `s[i, end)`, which must start (after white space) with `;` or be empty. LWS is allowed around
 * `;` and `=`. A value is a token, a host (IPv6 references included) or a quoted string.
 * Returns the number of parameters, whose positions {@link paramSpan} then gives, or
 * PARAMS_MALFORMED / PARAMS_UNTERMINATED for the first fault.
 */
export function scanHeaderParams(s: string, i: number, end: number): number {
  let count = 0;
  i = skipWs(s, i, end);
  while (i < end) {
    if (s.charCodeAt(i) !== 0x3b) return PARAMS_MALFORMED;
    i = skipWs(s, i + 1, end);
    const nameStart = i;
    for (; i < end; i++) {
      const c = s.charCodeAt(i);
      // Up to white space, "=" or ";"; all of it must be token characters.
      if (isWsCode(c) || c === 0x3d || c === 0x3b) break;
      if (!isTokenCode(c)) return PARAMS_MALFORMED;
    }
    if (i === nameStart) return PARAMS_MALFORMED;
    const nameEnd = i;
    i = skipWs(s, i, end);
    let valueStart = -1;
    let valueEnd = -1;
    if (i < end && s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1, end);
      valueStart = i;
      if (i < end && s.charCodeAt(i) === 0x22) {
        i = quotedEnd(s, i, end);
        if (i < 0) return PARAMS_UNTERMINATED;
      } else {
        for (; i < end; i++) {
          const c = s.charCodeAt(i);
          // Up to white space, ";" or one of < > " , (never part of a token or host value).
          if (isWsCode(c) || c === 0x3b || c === 0x3c || c === 0x3e || c === 0x22 || c === 0x2c) break;
        }
        if (i === valueStart) return PARAMS_MALFORMED;
      }
      valueEnd = i;
      i = skipWs(s, i, end);
    }
    const at = 4 * count;
    if (at + 4 > spans.length) {
      const larger = new Int32Array(spans.length * 2);
      larger.set(spans);
      spans = larger;
    }
    spans[at] = nameStart;
    spans[at + 1] = nameEnd;
    spans[at + 2] = valueStart;
    spans[at + 3] = valueEnd;
    count++;
  }
  return count;
}

/**
 * @internal Position `part` (0 name start, 1 name end, 2 value start, 3 value end) of parameter
 * `k` of the last {@link scanHeaderParams} call.
 */
export function paramSpan(k: number, part: number): number {
  return spans[4 * k + part] ?? -1;
}

/**
 * Parameter names parsers see all the time, with the parameter without a value. A name cut from
 * a header is a new (copied) string; these are shared instead, by kept messages too, and so is
 * the (frozen) Param of `;rport` or `;lr`.
 */
interface CommonName {
  readonly name: string;
  readonly bare: Param;
}

const COMMON_NAMES: readonly (readonly CommonName[] | undefined)[] = (() => {
  const byLength: CommonName[][] = [];
  for (const name of [
    "tag",
    "branch",
    "rport",
    "received",
    "lr",
    "transport",
    "expires",
    "q",
    "maddr",
    "ttl",
    "user",
  ]) {
    (byLength[name.length] ??= []).push({ name, bare: Object.freeze({ name, value: null }) });
  }
  return byLength;
})();

function commonNameIn(s: string, a: number, b: number): CommonName | undefined {
  const common = COMMON_NAMES[b - a];
  if (common !== undefined) for (const c of common) if (s.startsWith(c.name, a)) return c;
  return undefined;
}

/** @internal The Params of the `count` parameters of the last {@link scanHeaderParams} call. */
export function paramsFromSpans(s: string, count: number): Params {
  if (count === 0) return new Params();
  const list = new Array<Param>(count);
  for (let k = 0; k < count; k++) {
    const at = 4 * k;
    const nameStart = spans[at] ?? 0;
    const nameEnd = spans[at + 1] ?? 0;
    const valueStart = spans[at + 2] ?? -1;
    const common = commonNameIn(s, nameStart, nameEnd);
    if (valueStart < 0) {
      list[k] = common?.bare ?? { name: s.slice(nameStart, nameEnd), value: null };
    } else {
      list[k] = {
        name: common?.name ?? s.slice(nameStart, nameEnd),
        value: s.slice(valueStart, spans[at + 3]),
      };
    }
  }
  return Params.adopt(list);
}

/**
 * Parses header parameters (`*( SEMI generic-param )`, RFC 3261 §25.1) starting at `s[i]`,
 * which must be `;` or the end. LWS is allowed around `;` and `=`. A value is a token, a host
 * (IPv6 references included) or a quoted string. `what` names the header in error reasons.
 */
export function parseHeaderParams(s: string, i: number, what: string): Params {
  const count = scanHeaderParams(s, i, s.length);
  if (count === PARAMS_UNTERMINATED) throw new SipParseError(`Unterminated quoted string in ${what}`);
  if (count < 0) throw new SipParseError(`Malformed ${what} parameters`);
  return paramsFromSpans(s, count);
}
