/**
 * The header section of a SIP message: an ordered list of `{ name, value }` lines kept exactly
 * as received (raw names, compact forms included), with case-insensitive, compact-form-aware
 * lookup. List headers (Via, Contact, Route, …) are split on top-level commas by `getAll`.
 */
import { headerKey, isListHeader } from "./header-names.ts";
import { indexOfTopLevel, splitTopLevel, trimLws } from "./lexer.ts";

/** One header line. `name` is as received or as added; `value` is unfolded and trimmed. */
export interface SipHeader {
  readonly name: string;
  readonly value: string;
}

/** Ordered header list with case-insensitive lookup that understands compact forms. */
export class SipHeaders implements Iterable<SipHeader> {
  private list: SipHeader[];

  constructor(list: Iterable<SipHeader> = []) {
    this.list = [...list];
  }

  /** Number of header lines. */
  get size(): number {
    return this.list.length;
  }

  /** True when at least one line of that header exists (`has("i")` finds `Call-ID`). */
  has(name: string): boolean {
    const key = headerKey(name);
    return this.list.some((h) => headerKey(h.name) === key);
  }

  /** The lines of that header, in order, with their names as received. */
  lines(name: string): SipHeader[] {
    const key = headerKey(name);
    return this.list.filter((h) => headerKey(h.name) === key);
  }

  /** Number of lines of that header. */
  count(name: string): number {
    return this.lines(name).length;
  }

  /**
   * The first value: for list headers the first comma-separated element (the top Via), for
   * others the whole first line.
   */
  get(name: string): string | undefined {
    if (!isListHeader(name)) return this.lines(name)[0]?.value;
    return this.getAll(name)[0];
  }

  /**
   * Every value in order. List headers are split on commas outside quotes and `<>`, across all
   * their lines; empty elements are dropped. Other headers give one value per line.
   */
  getAll(name: string): string[] {
    const lines = this.lines(name);
    if (!isListHeader(name)) return lines.map((h) => h.value);
    const out: string[] = [];
    for (const h of lines) {
      const parts = splitTopLevel(h.value, ",") ?? [h.value];
      for (const p of parts) if (p !== "") out.push(p);
    }
    return out;
  }

  /** Adds a line at the end. */
  append(name: string, value: string): this {
    this.list.push({ name, value });
    return this;
  }

  /**
   * Adds a line before the first line of the same header (where a proxy puts its Via or
   * Record-Route, RFC 3261 §16.6), or at the top when there is none.
   */
  prepend(name: string, value: string): this {
    const key = headerKey(name);
    const i = this.list.findIndex((h) => headerKey(h.name) === key);
    this.list.splice(i < 0 ? 0 : i, 0, { name, value });
    return this;
  }

  /**
   * Replaces all lines of that header by one line at the position of the first (keeping the
   * name as it was written there), or appends it.
   */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const i = this.list.findIndex((h) => headerKey(h.name) === key);
    if (i < 0) return this.append(name, value);
    const out: SipHeader[] = [];
    this.list.forEach((h, j) => {
      if (j === i) out.push({ name: h.name, value });
      else if (headerKey(h.name) !== key) out.push(h);
    });
    this.list = out;
    return this;
  }

  /** Removes every line of that header; returns how many were removed. */
  delete(name: string): number {
    const key = headerKey(name);
    const before = this.list.length;
    this.list = this.list.filter((h) => headerKey(h.name) !== key);
    return before - this.list.length;
  }

  /**
   * Removes and returns the first value. For a list header whose first line holds several
   * values (`Via: a, b`) only `a` is removed and the line keeps `b` as written.
   */
  shift(name: string): string | undefined {
    const key = headerKey(name);
    const i = this.list.findIndex((h) => headerKey(h.name) === key);
    const line = this.list[i];
    if (line === undefined) return undefined;
    if (isListHeader(name)) {
      const comma = indexOfTopLevel(line.value, ",");
      if (comma >= 0) {
        const first = trimLws(line.value.slice(0, comma));
        const rest = trimLws(line.value.slice(comma + 1));
        if (rest !== "") {
          this.list[i] = { name: line.name, value: rest };
          return first === "" ? this.shift(name) : first;
        }
        this.list.splice(i, 1);
        return first === "" ? this.shift(name) : first;
      }
    }
    this.list.splice(i, 1);
    return line.value;
  }

  /**
   * Replaces the first value (the top Via when stamping `received`), leaving the other values of
   * a combined line as written. Appends the header when absent.
   */
  replaceFirst(name: string, value: string): this {
    const key = headerKey(name);
    const i = this.list.findIndex((h) => headerKey(h.name) === key);
    const line = this.list[i];
    if (line === undefined) return this.append(name, value);
    if (isListHeader(name)) {
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
    return new SipHeaders(this.list);
  }

  [Symbol.iterator](): Iterator<SipHeader> {
    return this.list[Symbol.iterator]();
  }
}
