/**
 * A bounded memo of a pure function of a string. Phones send the same Contact and URIs with
 * every SUBSCRIBE, refresh and call event, and parsing them again each time was a large share of
 * the module's garbage; the memo keeps the result by the exact text instead.
 */

/** Stands for a memoised `undefined` (a Map lookup cannot tell it from a miss). */
const NONE: unique symbol = Symbol("none");

/** Results of `compute` by input text, at most `limit` of them. */
export class StringMemo<V> {
  private readonly map = new Map<string, V | typeof NONE>();

  constructor(
    private readonly compute: (text: string) => V | undefined,
    private readonly limit: number,
  ) {}

  /** `compute(text)`, from the memo when it has seen `text` before. */
  get(text: string): V | undefined {
    const hit = this.map.get(text);
    if (hit !== undefined) return hit === NONE ? undefined : hit;
    // Kept by a copy: the text is usually cut from a received message, which a memo entry
    // holding the text itself (or results cut from it) would keep alive in full.
    const own = detach(text);
    const value = this.compute(own);
    // Bounded (the texts come from the network): start over when full.
    if (this.map.size >= this.limit) this.map.clear();
    this.map.set(own, value === undefined ? NONE : value);
    return value;
  }
}

/**
 * A copy of `text` that does not keep the string it was cut from alive. V8 represents a
 * substring as a view of its parent; a string built anew and then cut again is a view of the new
 * one only (one character longer).
 */
function detach(text: string): string {
  return ` ${text}`.slice(1);
}
