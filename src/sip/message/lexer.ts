/**
 * Lexical helpers shared by the SIP header parsers: the RFC 3261 §25.1 character classes,
 * quoted strings, and splitting of header lists on top-level separators.
 */

const TOKEN_RE = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const WS_RE = /[ \t]/;

/** True when `s` is a non-empty RFC 3261 `token`. */
export function isToken(s: string): boolean {
  return TOKEN_RE.test(s);
}

/** True for SP or HTAB (after unfolding, the only white space left in header values). */
export function isWs(ch: string | undefined): boolean {
  return ch !== undefined && WS_RE.test(ch);
}

/** Trims SP/HTAB at both ends (not other Unicode white space, which is content in SIP). */
export function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s[a])) a++;
  while (b > a && isWs(s[b - 1])) b--;
  return s.slice(a, b);
}

/** Index after the white space that starts at `i`. */
export function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s[i])) i++;
  return i;
}

/**
 * Reads a quoted-string starting at `s[i] === '"'`. Returns the unescaped content and the index
 * after the closing quote, or undefined when the string is not terminated.
 */
export function readQuoted(s: string, i: number): { value: string; end: number } | undefined {
  let out = "";
  for (let j = i + 1; j < s.length; j++) {
    const ch = s[j];
    if (ch === "\\") {
      // RFC 3261 §25.1 quoted-pair: any octet but CR and LF may be escaped.
      const next = s[j + 1];
      if (next === undefined || next === "\r" || next === "\n") return undefined;
      out += next;
      j++;
    } else if (ch === '"') {
      return { value: out, end: j + 1 };
    } else if (ch !== undefined) {
      out += ch;
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
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let angle = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (inQuote) {
      if (ch === "\\") i++;
      else if (ch === '"') inQuote = false;
    } else if (ch === '"') {
      inQuote = true;
    } else if (ch === "<") {
      angle = true;
    } else if (ch === ">") {
      angle = false;
    } else if (ch === sep && !angle) {
      out.push(trimLws(s.slice(start, i)));
      start = i + 1;
    }
  }
  if (inQuote || angle) return undefined;
  out.push(trimLws(s.slice(start)));
  return out;
}

/** Index of the first `ch` outside quotes and angle brackets, or -1. */
export function indexOfTopLevel(s: string, ch: string, from = 0): number {
  let inQuote = false;
  let angle = false;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (inQuote) {
      if (c === "\\") i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === "<") angle = true;
    else if (c === ">") angle = false;
    else if (c === ch && !angle) return i;
  }
  return -1;
}
