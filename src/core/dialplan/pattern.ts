/**
 * Extension names and patterns: matching a dialled string against one extension, sorting
 * extensions, and validating patterns. A port of Asterisk's `_extension_match_core()` and
 * `ext_cmp()` (main/pbx.c), so that routing decisions and `dialplan show` order are Asterisk's.
 *
 * Pattern syntax (after the leading `_`): `X` 0-9, `Z` 1-9, `N` 2-9, `[...]` a set (`a-c` ranges,
 * everything else literal), `.` one or more of anything, `!` zero or more of anything; `-` is
 * eye-candy and ignored outside sets. A name without `_` is a literal (`100`, `s`, `*98`, `+33`).
 */

/** How a dialled string is compared with an extension. */
export type MatchMode =
  /** The string is the whole extension. */
  | "match"
  /** The string is the extension or a prefix of one. */
  | "canmatch"
  /** The string is a strict prefix: more digits are still needed or allowed. */
  | "matchmore";

/** Result of {@link extensionMatch}: no match, match, or an "early match" through a `!`. */
export type MatchResult = 0 | 1 | 2;

/** True when `name` is a pattern (starts with `_`). */
export function isPattern(name: string): boolean {
  return name.startsWith("_");
}

/** Length of a literal extension, not counting `-` fluff. */
function literalLength(s: string): number {
  let n = 0;
  for (const c of s) if (c !== "-") n++;
  return n;
}

function stripFluff(s: string): string {
  return s.replaceAll("-", "");
}

/**
 * Compares `pattern` (a literal extension or a `_` pattern) with dialled `data`.
 * Returns 0 (no match), 1 (match), or 2 when a `!` matched (an "early match", which ends a
 * `matchmore` search: the caller should dial now).
 */
export function extensionMatch(pattern: string, data: string, mode: MatchMode): MatchResult {
  if (!isPattern(pattern)) {
    const lp = literalLength(pattern);
    const ld = literalLength(data);
    if (lp < ld) return 0;
    const p = stripFluff(pattern);
    const d = stripFluff(data);
    if (mode === "match") return p === d ? 1 : 0;
    if (ld === 0 || p.startsWith(d)) {
      if (mode === "matchmore") return lp > ld ? 1 : 0;
      return 1;
    }
    return 0;
  }
  // Asterisk compares two patterns as patterns first (so `_X.` finds `_X.` for show/remove).
  if (mode === "match" && isPattern(data) && compareExtensions(pattern, data) === 0) return 1;

  let pi = 1;
  let di = 0;
  for (;;) {
    while (data[di] === "-") di++;
    while (pattern[pi] === "-") pi++;
    const d = data[di];
    const p = pattern[pi];
    if (d === undefined || p === undefined || p === "/") break;
    switch (p) {
      case "[": {
        const end = pattern.indexOf("]", pi + 1);
        if (end < 0) return 0;
        if (end === pi + 1) {
          // Empty set: ignored, as in Asterisk.
          pi = end + 1;
          continue;
        }
        if (!inSet(pattern, pi + 1, end, d)) return 0;
        pi = end;
        break;
      }
      case "n":
      case "N":
        if (d < "2" || d > "9") return 0;
        break;
      case "x":
      case "X":
        if (d < "0" || d > "9") return 0;
        break;
      case "z":
      case "Z":
        if (d < "1" || d > "9") return 0;
        break;
      case ".":
        return 1;
      case "!":
        return 2;
      default:
        if (d !== p) return 0;
    }
    di++;
    pi++;
  }
  if (di < data.length) return 0; // data longer than the pattern
  const rest = pattern[pi];
  if (rest === undefined || rest === "/") return mode === "matchmore" ? 0 : 1;
  if (rest === "!") return 2;
  return mode === "match" ? 0 : 1;
}

/** Whether `c` is in the set `pattern[from..end)` (the text between `[` and `]`). */
function inSet(pattern: string, from: number, end: number, c: string): boolean {
  for (let i = from; i < end; i++) {
    const lo = pattern[i] ?? "";
    if (i + 2 < end && pattern[i + 1] === "-") {
      const hi = pattern[i + 2] ?? "";
      if (c >= lo && c <= hi) return true;
      i += 2;
    } else if (c === lo) {
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Sorting (ext_cmp). Literals come first (plain string order ignoring '-'), then patterns, the
// most specific first: position by position, a smaller character set sorts earlier, '.' after
// any set, '!' after '.', and the end of the pattern after everything.

interface PatternPos {
  score: number;
  bits: Uint8Array;
  next: number;
}

const SCORE_DOT = 0x18000;
const SCORE_BANG = 0x28000;
const SCORE_END = 0x30000;
const SCORE_ERROR = 0x40000;

function setBit(bits: Uint8Array, code: number): boolean {
  const c = code & 0xff;
  const idx = c >> 3;
  const mask = 1 << (7 - (c & 7));
  const had = ((bits[idx] ?? 0) & mask) !== 0;
  bits[idx] = (bits[idx] ?? 0) | mask;
  return !had;
}

function setRange(bits: Uint8Array, lo: string, hi: string): number {
  let count = 0;
  for (let c = lo.charCodeAt(0); c <= hi.charCodeAt(0); c++) if (setBit(bits, c)) count++;
  return count;
}

/** Scores the pattern element at `pos` (port of ext_cmp_pattern_pos). */
function patternPos(p: string, pos: number): PatternPos {
  let i = pos;
  for (;;) {
    const bits = new Uint8Array(32);
    while (p[i] === "-") i++;
    const c = p[i];
    i++;
    switch (c) {
      case undefined:
        return { score: SCORE_END, bits, next: -1 };
      case "n":
      case "N":
        setRange(bits, "2", "9");
        return { score: 0x0800 | 0x32, bits, next: i };
      case "x":
      case "X":
        setRange(bits, "0", "9");
        return { score: 0x0a00 | 0x30, bits, next: i };
      case "z":
      case "Z":
        setRange(bits, "1", "9");
        return { score: 0x0900 | 0x31, bits, next: i };
      case ".":
        return { score: SCORE_DOT, bits, next: i };
      case "!":
        return { score: SCORE_BANG, bits, next: i };
      case "[":
        break;
      default:
        setBit(bits, c.charCodeAt(0));
        return { score: 0x0100 | (c.charCodeAt(0) & 0xff), bits, next: i };
    }
    const end = p.indexOf("]", i);
    if (end < 0) return { score: SCORE_ERROR, bits, next: -1 };
    let count = 0;
    let cmin = 0xff;
    for (; i < end; i++) {
      const c1 = p[i] ?? "";
      let c2 = c1;
      if (i + 2 < end && p[i + 1] === "-") {
        c2 = p[i + 2] ?? c1;
        i += 2;
      }
      cmin = Math.min(cmin, c1.charCodeAt(0) & 0xff);
      count += setRange(bits, c1, c2);
    }
    i = end + 1;
    // An empty set is skipped: score the next element instead.
    if (count > 0) return { score: (count << 8) | cmin, bits, next: i };
  }
}

function comparePatterns(left: string, right: string): number {
  let li = 0;
  let ri = 0;
  for (;;) {
    const l = patternPos(left, li);
    const r = patternPos(right, ri);
    let cmp = l.score - r.score;
    if (cmp === 0) {
      // Same score, different sets: the set holding the lower characters sorts first.
      for (let k = 0; k < 32 && cmp === 0; k++) cmp = (r.bits[k] ?? 0) - (l.bits[k] ?? 0);
    }
    if (cmp !== 0 || l.next < 0) return cmp;
    li = l.next;
    ri = r.next;
  }
}

function compareLiterals(left: string, right: string): number {
  const l = stripFluff(left);
  const r = stripFluff(right);
  // Byte order, as strcmp: not localeCompare.
  return l < r ? -1 : l > r ? 1 : 0;
}

/**
 * Asterisk's extension order (`ext_cmp`): negative when `a` sorts before `b`. Literals before
 * patterns; among patterns the most specific first. This is both the search order (the first
 * match wins) and the `dialplan show` order.
 */
export function compareExtensions(a: string, b: string): number {
  const ap = isPattern(a);
  const bp = isPattern(b);
  if (!ap) return bp ? -1 : compareLiterals(a, b);
  if (!bp) return 1;
  return comparePatterns(a.slice(1), b.slice(1));
}

/**
 * The matching form of an extension name (Asterisk's `ext_strncpy`): spaces dropped everywhere
 * except inside a pattern's `[...]`, and with `fluff` false also the `-` separators.
 */
export function normalizeExtension(name: string, keepFluff: boolean): string {
  let out = "";
  let inSquares = false;
  const pattern = isPattern(name);
  for (const c of name) {
    if (c === "[") {
      if (pattern) inSquares = true;
    } else if (c === "]") {
      inSquares = false;
    } else if (c === " " && !inSquares) {
      continue;
    } else if (c === "-" && !inSquares && !keepFluff) {
      continue;
    }
    out += c;
  }
  return out;
}

/**
 * Checks an extension name. Returns a message describing the problem, or undefined when the
 * name is usable. Asterisk accepts some of these silently and then never matches (or matches
 * too much); Linekey rejects them at load time.
 */
export function patternProblem(name: string): string | undefined {
  if (name === "") return "empty extension";
  if (!isPattern(name)) return undefined;
  const body = name.slice(1);
  if (stripFluff(body) === "") return "pattern '_' matches nothing";
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "[") {
      const end = body.indexOf("]", i + 1);
      if (end < 0) return `unterminated '[' in pattern '${name}'`;
      if (end === i + 1) return `empty character set '[]' in pattern '${name}'`;
      i = end;
    } else if (c === "." || c === "!") {
      if (stripFluff(body.slice(i + 1)) !== "") {
        return `'${c}' must be the last character of pattern '${name}'`;
      }
    }
  }
  return undefined;
}
