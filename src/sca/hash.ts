/**
 * The shared hash table behind subscriptions and appearances (reference §1): `2^hash_table_size`
 * slots, new entries inserted at the head of their slot, Kamailio's core string hash
 * (`get_hash1_raw`) to pick the slot. Reproducing the slot layout matters: which subscription a
 * lookup finds, which one a broadcast builds its headers from and the order of RPC listings all
 * follow from it (reference §3.4, §4.4, §9).
 */

/** The slot count Kamailio uses when `hash_table_size` is 0 or negative. */
const DEFAULT_SLOTS = 512;

/** Byte of a UTF-8 string as a C `char` on x86 (signed). */
function signedBytes(key: string): number[] {
  const out: number[] = [];
  for (const b of Buffer.from(key, "utf8")) out.push(b > 127 ? b - 256 : b);
  return out;
}

/**
 * Byte `i` of the key: its char code for ASCII keys, else of its signed UTF-8 bytes. A function
 * rather than a closure made per call: every SUBSCRIBE and call event hashes.
 */
function byteAt(key: string, bytes: number[] | undefined, i: number): number {
  return bytes === undefined ? key.charCodeAt(i) : (bytes[i] ?? 0);
}

/**
 * Kamailio's `get_hash1_raw` over the UTF-8 bytes of `key`: four bytes at a time folded into an
 * unsigned 32-bit sum, the tail folded the same way, then the final mix. Returns an unsigned
 * 32-bit integer.
 */
export function kamailioHash(key: string): number {
  // ASCII keys (the usual SIP URIs) avoid the Buffer round trip.
  let ascii = true;
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) > 127) {
      ascii = false;
      break;
    }
  }
  const bytes = ascii ? undefined : signedBytes(key);
  const len = bytes === undefined ? key.length : bytes.length;
  let h = 0;
  let p = 0;
  for (; p + 4 <= len; p += 4) {
    const v =
      ((byteAt(key, bytes, p) << 24) +
        (byteAt(key, bytes, p + 1) << 16) +
        (byteAt(key, bytes, p + 2) << 8) +
        byteAt(key, bytes, p + 3)) >>>
      0;
    h = (h + ((v ^ (v >>> 3)) >>> 0)) >>> 0;
  }
  let v = 0;
  switch (len - p) {
    case 3:
      v =
        ((byteAt(key, bytes, p) << 16) + (byteAt(key, bytes, p + 1) << 8) + byteAt(key, bytes, p + 2)) >>> 0;
      break;
    case 2:
      v = ((byteAt(key, bytes, p) << 8) + byteAt(key, bytes, p + 1)) >>> 0;
      break;
    case 1:
      v = byteAt(key, bytes, p) >>> 0;
      break;
    default:
      v = 0;
  }
  h = (h + ((v ^ (v >>> 3)) >>> 0)) >>> 0;
  return (h + (h >>> 11) + ((h >>> 13) + (h >>> 23))) >>> 0;
}

/**
 * A table of slots; each slot is a list with the most recently inserted entry first. Stored
 * oldest first (an insertion is a push, not an unshift that moves the whole slot); the public
 * order is the reverse.
 */
export class ScaHashTable<V> {
  /** Number of slots (a power of two). */
  readonly size: number;
  private readonly slots: V[][];

  /** @param power - `hash_table_size`: the table has `2^power` slots (512 when `power <= 0`) */
  constructor(power: number) {
    this.size = power > 0 ? 2 ** Math.min(power, 24) : DEFAULT_SLOTS;
    this.slots = Array.from({ length: this.size }, () => []);
  }

  /** The slot a key hashes to. */
  slotOf(key: string): number {
    return kamailioHash(key) & (this.size - 1);
  }

  /** The entries of a slot, head (most recent) first (a copy). */
  entries(slot: number): readonly V[] {
    return [...(this.slots[slot] ?? [])].reverse();
  }

  /** Inserts at the head of the slot, as Kamailio does. */
  insert(slot: number, value: V): void {
    this.slots[slot]?.push(value);
  }

  /** Removes one entry; returns whether it was there. */
  remove(slot: number, value: V): boolean {
    const list = this.slots[slot];
    if (list === undefined) return false;
    const i = list.indexOf(value);
    if (i < 0) return false;
    list.splice(i, 1);
    return true;
  }

  /** Every entry in table order: slot by slot, each slot head first. */
  *all(): IterableIterator<V> {
    for (const list of this.slots) yield* [...list].reverse();
  }

  /** Number of entries. */
  count(): number {
    let n = 0;
    for (const list of this.slots) n += list.length;
    return n;
  }
}
