/**
 * Ordered `;name=value` parameter lists (URI parameters, header parameters, Via parameters).
 * Names are matched case-insensitively (RFC 3261 §7.3.1); names and values are kept as received
 * so that re-serialising gives the same text.
 */
import { SipParseError } from "./parse-error.ts";
import { isToken, isWsCode, readQuoted, skipWs } from "./lexer.ts";

/** One parameter. `value` is null for a parameter without `=` (e.g. `lr`, `rport`). */
export interface Param {
  readonly name: string;
  readonly value: string | null;
}

/** An ordered, case-insensitive parameter list. */
export class Params implements Iterable<Param> {
  private readonly list: Param[];

  constructor(list?: Iterable<Param>) {
    // Most lists start empty (the parsers append): no copy of a default array then.
    this.list = list === undefined ? [] : Array.isArray(list) ? (list as Param[]).slice() : [...list];
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
    if (i < 0) this.list.push({ name, value });
    else this.list[i] = { name: this.list[i]?.name ?? name, value };
    return this;
  }

  /** Appends a parameter even if one of that name exists (keeps duplicates as received). */
  append(name: string, value: string | null = null): this {
    this.list.push({ name, value });
    return this;
  }

  /** Removes every parameter of that name; returns whether one was removed. */
  delete(name: string): boolean {
    const lower = name.toLowerCase();
    const before = this.list.length;
    for (let i = this.list.length - 1; i >= 0; i--) {
      if (this.list[i]?.name.toLowerCase() === lower) this.list.splice(i, 1);
    }
    return this.list.length !== before;
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

/**
 * Parses header parameters (`*( SEMI generic-param )`, RFC 3261 §25.1) starting at `s[i]`,
 * which must be `;` or the end. LWS is allowed around `;` and `=`. A value is a token, a host
 * (IPv6 references included) or a quoted string. `what` names the header in error reasons.
 */
export function parseHeaderParams(s: string, i: number, what: string): Params {
  const params = new Params();
  const n = s.length;
  i = skipWs(s, i);
  while (i < n) {
    if (s.charCodeAt(i) !== 0x3b) throw new SipParseError(`Malformed ${what} parameters`);
    i = skipWs(s, i + 1);
    const nameStart = i;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      // Up to white space, "=" or ";".
      if (isWsCode(c) || c === 0x3d || c === 0x3b) break;
    }
    const name = s.slice(nameStart, i);
    if (!isToken(name)) throw new SipParseError(`Malformed ${what} parameters`);
    i = skipWs(s, i);
    let value: string | null = null;
    if (s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1);
      if (s.charCodeAt(i) === 0x22) {
        const q = readQuoted(s, i);
        if (!q) throw new SipParseError(`Unterminated quoted string in ${what}`);
        value = s.slice(i, q.end);
        i = q.end;
      } else {
        const vStart = i;
        for (; i < n; i++) {
          const c = s.charCodeAt(i);
          // Up to white space, ";" or one of < > " , (never part of a token or host value).
          if (isWsCode(c) || c === 0x3b || c === 0x3c || c === 0x3e || c === 0x22 || c === 0x2c) break;
        }
        value = s.slice(vStart, i);
        if (value === "") throw new SipParseError(`Malformed ${what} parameters`);
      }
      i = skipWs(s, i);
    }
    params.append(name, value);
  }
  return params;
}
