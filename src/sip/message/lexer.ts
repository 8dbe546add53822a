/**
 * Lexical helpers shared by the SIP header parsers: the RFC 3261 §25.1 character classes,
 * quoted strings, and splitting of header lists on top-level separators.
 *
 * Every message runs through these many times, so they scan char codes in plain loops: no
 * regular expression and no one-character strings per character.
 */

const SP = 0x20;
const HTAB = 0x09;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LT = 0x3c;
const GT = 0x3e;

/** RFC 3261 §25.1 `token` characters: alphanum and `-.!%*_+\`'~`, indexed by char code. */
const TOKEN_CHARS: Uint8Array = (() => {
  const t = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "-.!%*_+`'~") t[ch.charCodeAt(0)] = 1;
  return t;
})();

/** True when the char code is an RFC 3261 token character. */
export function isTokenCode(c: number): boolean {
  return c < 128 && TOKEN_CHARS[c] === 1;
}

/** True when `s` is a non-empty RFC 3261 `token`. */
export function isToken(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN_CHARS[c] !== 1) return false;
  }
  return true;
}

/** True for the char code of SP or HTAB. */
export function isWsCode(c: number): boolean {
  return c === SP || c === HTAB;
}

/** True for SP or HTAB (after unfolding, the only white space left in header values). */
export function isWs(ch: string | undefined): boolean {
  return ch === " " || ch === "\t";
}

/** Trims SP/HTAB at both ends (not other Unicode white space, which is content in SIP). */
export function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWsCode(s.charCodeAt(a))) a++;
  while (b > a && isWsCode(s.charCodeAt(b - 1))) b--;
  // Most values arrive trimmed already: no new string then.
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Index after the white space that starts at `i` (and ends before `end` at the latest). */
export function skipWs(s: string, i: number, end = s.length): number {
  while (i < end && isWsCode(s.charCodeAt(i))) i++;
  return i;
}

/** `s.indexOf(ch, from)` within `s[from, end)`, or -1. */
export function indexIn(s: string, ch: string, from: number, end: number): number {
  const i = s.indexOf(ch, from);
  return i >= end ? -1 : i;
}

/**
 * Reads a quoted-string starting at `s[i] === '"'`. Returns the unescaped content and the index
 * after the closing quote, or undefined when the string is not terminated.
 */
export function readQuoted(s: string, i: number): { value: string; end: number } | undefined {
  let out = "";
  let from = i + 1;
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === BACKSLASH) {
      // RFC 3261 §25.1 quoted-pair: any octet but CR and LF may be escaped.
      const next = s.charCodeAt(j + 1);
      if (Number.isNaN(next) || next === 0x0d || next === 0x0a) return undefined;
      out += s.slice(from, j);
      from = j + 1;
      j++;
    } else if (c === DQUOTE) {
      return { value: out + s.slice(from, j), end: j + 1 };
    }
  }
  return undefined;
}

/** Quotes a string for use as a display name or quoted parameter value. */
export function quote(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Splits on `sep` where it is not inside a quoted string or between `<` and `>`. Pieces are
 * trimmed of LWS; empty pieces are kept (callers decide whether they are an error). Returns
 * undefined when a quote or angle bracket is left open.
 */
export function splitTopLevel(s: string, sep: string): string[] | undefined {
  const sepCode = sep.charCodeAt(0);
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let angle = false;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (inQuote) {
      if (c === BACKSLASH) i++;
      else if (c === DQUOTE) inQuote = false;
    } else if (c === DQUOTE) {
      inQuote = true;
    } else if (c === LT) {
      angle = true;
    } else if (c === GT) {
      angle = false;
    } else if (c === sepCode && !angle) {
      out.push(trimLws(s.slice(start, i)));
      start = i + 1;
    }
  }
  if (inQuote || angle) return undefined;
  out.push(trimLws(start === 0 ? s : s.slice(start)));
  return out;
}

/** Index of the first `ch` outside quotes and angle brackets, or -1. */
export function indexOfTopLevel(s: string, ch: string, from = 0): number {
  const code = ch.charCodeAt(0);
  let inQuote = false;
  let angle = false;
  const n = s.length;
  for (let i = from; i < n; i++) {
    const c = s.charCodeAt(i);
    if (inQuote) {
      if (c === BACKSLASH) i++;
      else if (c === DQUOTE) inQuote = false;
    } else if (c === DQUOTE) inQuote = true;
    else if (c === LT) angle = true;
    else if (c === GT) angle = false;
    else if (c === code && !angle) return i;
  }
  return -1;
}

/**
 * Index after the quoted-string starting at `s[i] === '"'` and ending before `end`, or -1 when it
 * is not closed there (or holds an escaped CR or LF).
 */
export function quotedEnd(s: string, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) {
      // RFC 3261 §25.1 quoted-pair: any octet but CR and LF may be escaped.
      if (j + 1 >= end) return -1;
      const next = s.charCodeAt(j + 1);
      if (next === 0x0d || next === 0x0a) return -1;
      j++;
    } else if (c === 0x22) {
      return j + 1;
    }
  }
  return -1;
}
