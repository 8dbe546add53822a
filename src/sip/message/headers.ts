/**
 * The header section of a SIP message: an ordered list of `{ name, value }` lines kept exactly
 * as received (raw names, compact forms included), with case-insensitive, compact-form-aware
 * lookup. List headers (Via, Contact, Route, …) are split on top-level commas by `getAll`.
 *
 * Lookup cost: each line's canonical key (`headerKey`) is computed once, when the line enters
 * the list, and kept beside it; a lookup resolves the name asked for to its key (a cache hit)
 * and compares keys by identity. Up to {@link SCAN_LIMIT} lines — every ordinary SIP message —
 * that is a bounded scan of a key array, cheaper than hashing and free of per-message memory;
 * a longer header section gets a key → positions index, built on its first lookup and kept
 * consistent by every mutation, so a message with thousands of lines cannot make lookups slow.
 *
 * Memory: a message kept for long (the request and last response of a completed transaction,
 * for the 32 s of Timer J) need not keep a line object, two strings and a key per line.
 * {@link SipHeaders.compact} folds the lines into one text — for a message parsed and never
 * modified, the slice of the received header section it already points into — and the next
 * access unfolds them again, identical.
 */
import { headerKey, isListKey } from "./header-names.ts";
import { indexOfTopLevel, isToken, isWsCode, splitTopLevel, trimLws } from "./lexer.ts";

/** One header line. `name` is as received or as added; `value` is unfolded and trimmed. */
export interface SipHeader {
  readonly name: string;
  readonly value: string;
}

/** Header sections longer than this get a Map index; shorter ones are scanned. */
const SCAN_LIMIT = 16;

/** True when a list-header value holds one element that needs no splitting. */
function isSimpleElement(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    // , " < > — anything splitTopLevel treats specially.
    if (c === 0x2c || c === 0x22 || c === 0x3c || c === 0x3e) return false;
  }
  return true;
}

/** The lines of a folded section: `name: value` lines joined by CRLF, read back exactly. */
function unfold(text: string): { list: SipHeader[]; keys: string[] } {
  const list: SipHeader[] = [];
  const keys: string[] = [];
  if (text === "") return { list, keys };
  let start = 0;
  for (;;) {
    const end = text.indexOf("\r\n", start);
    const line = end < 0 ? text.slice(start) : text.slice(start, end);
    const colon = line.indexOf(":");
    // Only sections that read back exactly are folded: every line has a token name and a colon.
    const name = trimLws(line.slice(0, colon));
    list.push({ name, value: trimLws(line.slice(colon + 1)) });
    keys.push(headerKey(name));
    if (end < 0) break;
    start = end + 2;
  }
  return { list, keys };
}

/** True when `name: value` folds and unfolds back to the same name and value. */
function foldable(h: SipHeader): boolean {
  const v = h.value;
  if (v.includes("\r") || v.includes("\n")) return false;
  if (v.length > 0 && (isWsCode(v.charCodeAt(0)) || isWsCode(v.charCodeAt(v.length - 1)))) return false;
  return isToken(h.name);
}

/**
 * `a.splice(at, 0, item)` without its garbage: splice makes an array of the removed items even
 * when there are none, and a Via goes on top of every request sent, proxied or our own. The push
 * reuses spare capacity when there is some (the NOTIFY builder leaves room for the Via).
 */
function insertAt<T>(a: T[], at: number, item: T): void {
  let j = a.length;
  a.push(item);
  for (; j > at; j--) a[j] = a[j - 1] as T;
  a[at] = item;
}

const NO_LINES: SipHeader[] = [];
const NO_KEYS: string[] = [];
/** Marks the construction done by {@link SipHeaders.adopt}. */
const ADOPTING: readonly SipHeader[] = Object.freeze([]);

/** Ordered header list with case-insensitive lookup that understands compact forms. */
export class SipHeaders implements Iterable<SipHeader> {
  private list: SipHeader[];
  /** `headerKey` of each line, at the same positions as `list`. */
  private keys: string[];
  /** key → positions in `list`, only above SCAN_LIMIT lines; undefined until first needed. */
  private index: Map<string, number[]> | undefined;
  /**
   * The section as `name: value` lines joined by CRLF: set while folded (then `list` and `keys`
   * are empty placeholders), or kept from the parser while the lines are unmodified.
   */
  private text: string | undefined;
  private folded = false;

  constructor(list?: Iterable<SipHeader>) {
    if (list === undefined) {
      this.list = [];
      this.keys = [];
    } else if (list === ADOPTING) {
      // adopt() sets both right after: nothing to allocate here.
      this.list = NO_LINES;
      this.keys = NO_KEYS;
    } else if (list instanceof SipHeaders) {
      list.unfoldIfNeeded();
      this.list = list.list.slice();
      this.keys = list.keys.slice();
    } else {
      this.list = [...list];
      this.keys = this.list.map((h) => headerKey(h.name));
    }
  }

  /**
   * @internal Takes `list` and its keys as they are (the parser computed the keys while reading
   * the lines). Both arrays are owned by the new object afterwards. `text`, when given, is the
   * section as received and must read back (see {@link unfold}) to exactly these lines.
   */
  static adopt(list: SipHeader[], keys: string[], text?: string): SipHeaders {
    const h = new SipHeaders(ADOPTING);
    h.list = list;
    h.keys = keys;
    h.text = text;
    return h;
  }

  /**
   * Folds the lines into one text until the next access, when that text reads back to exactly
   * the same lines (otherwise nothing changes). For messages that are kept but rarely read.
   */
  compact(): void {
    if (this.folded) return;
    if (this.text === undefined) {
      for (const h of this.list) if (!foldable(h)) return;
      this.text = this.list.map((h) => `${h.name}: ${h.value}`).join("\r\n");
    }
    this.list = NO_LINES;
    this.keys = NO_KEYS;
    this.index = undefined;
    this.folded = true;
  }

  /** Number of header lines. */
  get size(): number {
    this.unfoldIfNeeded();
    return this.list.length;
  }

  /** @internal The line at position `i` (iteration without an iterator object). */
  lineAt(i: number): SipHeader | undefined {
    this.unfoldIfNeeded();
    return this.list[i];
  }

  /** @internal The `headerKey` of the line at position `i`. */
  keyAt(i: number): string | undefined {
    this.unfoldIfNeeded();
    return this.keys[i];
  }

  /** True when at least one line of that header exists (`has("i")` finds `Call-ID`). */
  has(name: string): boolean {
    return this.firstPosition(headerKey(name)) >= 0;
  }

  /** The first line of that header, as stored (no copy), or undefined. */
  first(name: string): SipHeader | undefined {
    const i = this.firstPosition(headerKey(name));
    return i < 0 ? undefined : this.list[i];
  }

  /** The lines of that header, in order, with their names as received. */
  lines(name: string): SipHeader[] {
    this.unfoldIfNeeded();
    const key = headerKey(name);
    const out: SipHeader[] = [];
    const positions = this.positions(key);
    if (positions !== undefined) {
      for (const p of positions) {
        const h = this.list[p];
        if (h !== undefined) out.push(h);
      }
      return out;
    }
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === key) {
        const h = this.list[i];
        if (h !== undefined) out.push(h);
      }
    }
    return out;
  }

  /** Number of lines of that header. */
  count(name: string): number {
    this.unfoldIfNeeded();
    const key = headerKey(name);
    const positions = this.positions(key);
    if (positions !== undefined) return positions.length;
    let n = 0;
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) n++;
    return n;
  }

  /**
   * The first value: for list headers the first comma-separated element (the top Via), for
   * others the whole first line.
   */
  get(name: string): string | undefined {
    const key = headerKey(name);
    const i = this.firstPosition(key);
    if (i < 0) return undefined;
    const value = this.list[i]?.value ?? "";
    if (!isListKey(key)) return value;
    // The usual case: the first line holds one plain element (what getAll would give first).
    if (isSimpleElement(value)) {
      const v = trimLws(value);
      if (v !== "") return v;
    }
    return this.getAll(name)[0];
  }

  /**
   * Every value in order. List headers are split on commas outside quotes and `<>`, across all
   * their lines; empty elements are dropped. Other headers give one value per line.
   */
  getAll(name: string): string[] {
    const lines = this.lines(name);
    if (!isListKey(headerKey(name))) return lines.map((h) => h.value);
    const out: string[] = [];
    for (const h of lines) {
      const parts = splitTopLevel(h.value, ",") ?? [h.value];
      for (const p of parts) if (p !== "") out.push(p);
    }
    return out;
  }

  /** Adds a line at the end. */
  append(name: string, value: string): this {
    this.modify();
    const key = headerKey(name);
    const at = this.list.length;
    this.list.push({ name, value });
    this.keys.push(key);
    if (this.index !== undefined) {
      const p = this.index.get(key);
      if (p === undefined) this.index.set(key, [at]);
      else p.push(at);
    }
    return this;
  }

  /**
   * Adds a line before the first line of the same header (where a proxy puts its Via or
   * Record-Route, RFC 3261 §16.6), or at the top when there is none.
   */
  prepend(name: string, value: string): this {
    this.modify();
    const key = headerKey(name);
    const i = this.firstPosition(key);
    const at = i < 0 ? 0 : i;
    insertAt(this.list, at, { name, value });
    insertAt(this.keys, at, key);
    this.index = undefined;
    return this;
  }

  /**
   * Replaces all lines of that header by one line at the position of the first (keeping the
   * name as it was written there), or appends it.
   */
  set(name: string, value: string): this {
    this.modify();
    const key = headerKey(name);
    const i = this.firstPosition(key);
    if (i < 0) return this.append(name, value);
    const first = this.list[i];
    const list: SipHeader[] = [];
    const keys: string[] = [];
    for (let j = 0; j < this.list.length; j++) {
      const k = this.keys[j] ?? "";
      const h = this.list[j];
      if (h === undefined) continue;
      if (j === i) {
        list.push({ name: first?.name ?? name, value });
        keys.push(k);
      } else if (k !== key) {
        list.push(h);
        keys.push(k);
      }
    }
    this.list = list;
    this.keys = keys;
    this.index = undefined;
    return this;
  }

  /** Removes every line of that header; returns how many were removed. */
  delete(name: string): number {
    const key = headerKey(name);
    // Nothing to remove (the usual case for a strip like Call-Info's): no change at all.
    if (this.firstPosition(key) < 0) return 0;
    this.modify();
    const before = this.list.length;
    const list: SipHeader[] = [];
    const keys: string[] = [];
    for (let j = 0; j < before; j++) {
      const k = this.keys[j] ?? "";
      const h = this.list[j];
      if (h !== undefined && k !== key) {
        list.push(h);
        keys.push(k);
      }
    }
    this.list = list;
    this.keys = keys;
    this.index = undefined;
    return before - list.length;
  }

  /**
   * Removes and returns the first value. For a list header whose first line holds several
   * values (`Via: a, b`) only `a` is removed and the line keeps `b` as written.
   */
  shift(name: string): string | undefined {
    const key = headerKey(name);
    const i = this.firstPosition(key);
    const line = this.list[i];
    if (line === undefined) return undefined;
    this.modify();
    if (isListKey(key)) {
      const comma = indexOfTopLevel(line.value, ",");
      if (comma >= 0) {
        const first = trimLws(line.value.slice(0, comma));
        const rest = trimLws(line.value.slice(comma + 1));
        if (rest !== "") {
          this.list[i] = { name: line.name, value: rest };
          return first === "" ? this.shift(name) : first;
        }
        this.removeAt(i);
        return first === "" ? this.shift(name) : first;
      }
    }
    this.removeAt(i);
    return line.value;
  }

  /**
   * Replaces the first value (the top Via when stamping `received`), leaving the other values of
   * a combined line as written. Appends the header when absent.
   */
  replaceFirst(name: string, value: string): this {
    this.modify();
    const key = headerKey(name);
    const i = this.firstPosition(key);
    const line = this.list[i];
    if (line === undefined) return this.append(name, value);
    if (isListKey(key)) {
      const comma = indexOfTopLevel(line.value, ",");
      if (comma >= 0 && trimLws(line.value.slice(0, comma)) !== "") {
        this.list[i] = { name: line.name, value: `${value},${line.value.slice(comma + 1)}` };
        return this;
      }
    }
    this.list[i] = { name: line.name, value };
    return this;
  }

  clone(): SipHeaders {
    return new SipHeaders(this);
  }

  [Symbol.iterator](): Iterator<SipHeader> {
    this.unfoldIfNeeded();
    return this.list[Symbol.iterator]();
  }

  /** Brings the lines back after {@link compact}. */
  private unfoldIfNeeded(): void {
    if (!this.folded) return;
    const { list, keys } = unfold(this.text ?? "");
    this.list = list;
    this.keys = keys;
    this.folded = false;
  }

  /** Before a change: the lines are needed, and the text no longer describes them. */
  private modify(): void {
    this.unfoldIfNeeded();
    this.text = undefined;
  }

  private removeAt(i: number): void {
    this.list.splice(i, 1);
    this.keys.splice(i, 1);
    this.index = undefined;
  }

  /** Position of the first line with that key, or -1. */
  private firstPosition(key: string): number {
    this.unfoldIfNeeded();
    const keys = this.keys;
    if (keys.length <= SCAN_LIMIT) {
      for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i;
      return -1;
    }
    return this.indexed().get(key)?.[0] ?? -1;
  }

  /** Positions of that key from the index, or undefined when the list is short enough to scan. */
  private positions(key: string): readonly number[] | undefined {
    if (this.keys.length <= SCAN_LIMIT) return undefined;
    return this.indexed().get(key) ?? [];
  }

  private indexed(): Map<string, number[]> {
    if (this.index === undefined) {
      const index = new Map<string, number[]>();
      const keys = this.keys;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] ?? "";
        const p = index.get(k);
        if (p === undefined) index.set(k, [i]);
        else p.push(i);
      }
      this.index = index;
    }
    return this.index;
  }
}
