/**
 * Field codec primitives for SCCP bodies: the field descriptors used by the message table (with
 * the TypeScript value type each one decodes to) and the byte-level readers and writers.
 *
 * Conventions (protocol reference §3): integers little-endian, IPv4 addresses as 4 raw bytes in
 * network order, fixed strings NUL-terminated and zero-padded, text in ISO-8859-1.
 */
import { LinekeyError } from "../../util/errors.ts";

// ---------------------------------------------------------------------------------------------
// Field descriptors
// ---------------------------------------------------------------------------------------------

/** Unsigned/signed little-endian integers of 1, 2 or 4 bytes. */
export interface NumberField<N extends string = string> {
  readonly kind: "u8" | "u16" | "u32" | "i32";
  readonly name: N;
  readonly offset: number;
  readonly size: number;
}

/**
 * Fixed `char[size]` string, zero-padded. Normally NUL-terminated inside the field (at most
 * `size − 1` characters); with `terminated` false all `size` bytes may hold text.
 */
export interface StringField<N extends string = string> {
  readonly kind: "str";
  readonly name: N;
  readonly offset: number;
  readonly size: number;
  readonly terminated: boolean;
}

/** `ip4` (4 bytes, network order) or `ip46` (20-byte ipv4or6 block, reference §3.2). */
export interface IpField<N extends string = string> {
  readonly kind: "ip4" | "ip46";
  readonly name: N;
  readonly offset: number;
  readonly size: number;
}

/**
 * Opaque bytes. With `lengthField`, the decoded Buffer is cut to the value of that sibling field
 * (e.g. `data` / `dataLength`); encoding zero-pads to `size`.
 */
export interface BytesField<N extends string = string> {
  readonly kind: "bytes";
  readonly name: N;
  readonly offset: number;
  readonly size: number;
  readonly lengthField: string | undefined;
}

/** NUL-terminated string of a dynamic ("V2") message, packed after the previous one (§6.9). */
export interface VarStringField<N extends string = string> {
  readonly kind: "vstr";
  readonly name: N;
}

/** The whole rest of the body as raw bytes (messages without a documented layout). */
export interface RestField<N extends string = string> {
  readonly kind: "rest";
  readonly name: N;
  readonly offset: number;
}

/** A nested fixed structure decoded as one object. */
export interface StructField<N extends string = string, F extends readonly Field[] = readonly Field[]> {
  readonly kind: "struct";
  readonly name: N;
  readonly offset: number;
  readonly size: number;
  readonly fields: F;
}

/**
 * A repeated structure (`max` entries of `stride` bytes) decoded as an array of objects. With
 * `countField`, only the first `count` entries are decoded (the rest of the table is unused).
 */
export interface ListField<N extends string = string, F extends readonly Field[] = readonly Field[]> {
  readonly kind: "list";
  readonly name: N;
  readonly offset: number;
  readonly stride: number;
  readonly max: number;
  readonly countField: string | undefined;
  readonly fields: F;
}

/** A repeated scalar (`max` entries of `stride` bytes) decoded as an array of values. */
export interface ArrayField<N extends string = string, E extends ScalarField = ScalarField> {
  readonly kind: "array";
  readonly name: N;
  readonly offset: number;
  readonly stride: number;
  readonly max: number;
  readonly element: E;
}

/** A field that can be the element of an {@link ArrayField}. */
export type ScalarField = NumberField | StringField | IpField;

/** Any field descriptor. */
export type Field =
  | NumberField
  | StringField
  | IpField
  | BytesField
  | VarStringField
  | RestField
  | StructField
  | ListField
  | ArrayField;

/** The TypeScript value a field decodes to. */
export type FieldValue<F> = F extends NumberField
  ? number
  : F extends StringField | IpField | VarStringField
    ? string
    : F extends BytesField | RestField
      ? Buffer
      : F extends StructField<string, infer S>
        ? FieldsObject<S>
        : F extends ListField<string, infer S>
          ? FieldsObject<S>[]
          : F extends ArrayField<string, infer E>
            ? FieldValue<E>[]
            : never;

/** The object type described by a list of fields. */
export type FieldsObject<S extends readonly Field[]> = {
  [F in S[number] as F["name"]]: FieldValue<F>;
};

// ---------------------------------------------------------------------------------------------
// Builders used by the message table (offsets are body offsets, as in the reference tables)
// ---------------------------------------------------------------------------------------------

/** `u8` at `offset`. */
export function u8<const N extends string>(offset: number, name: N): NumberField<N> {
  return { kind: "u8", name, offset, size: 1 };
}
/** `u16` little-endian at `offset`. */
export function u16<const N extends string>(offset: number, name: N): NumberField<N> {
  return { kind: "u16", name, offset, size: 2 };
}
/** `u32` little-endian at `offset`. */
export function u32<const N extends string>(offset: number, name: N): NumberField<N> {
  return { kind: "u32", name, offset, size: 4 };
}
/** Signed `int32` little-endian at `offset`. */
export function i32<const N extends string>(offset: number, name: N): NumberField<N> {
  return { kind: "i32", name, offset, size: 4 };
}
/** `char[size]` at `offset`, NUL-terminated inside the field. */
export function str<const N extends string>(offset: number, name: N, size: number): StringField<N> {
  return { kind: "str", name, offset, size, terminated: true };
}
/** `char[size]` at `offset` that may be filled completely (no NUL needed, e.g. "M-D-YA"). */
export function chars<const N extends string>(offset: number, name: N, size: number): StringField<N> {
  return { kind: "str", name, offset, size, terminated: false };
}
/** IPv4 address, 4 bytes in network order, at `offset`. */
export function ip4<const N extends string>(offset: number, name: N): IpField<N> {
  return { kind: "ip4", name, offset, size: 4 };
}
/** ipv4or6 block (u32 type + 16-byte address) at `offset` (protocol ≥ 17). */
export function ip46<const N extends string>(offset: number, name: N): IpField<N> {
  return { kind: "ip46", name, offset, size: 20 };
}
/** Opaque `size` bytes at `offset`; optionally cut to the value of `lengthField` when decoded. */
export function bytes<const N extends string>(
  offset: number,
  name: N,
  size: number,
  lengthField?: string,
): BytesField<N> {
  return { kind: "bytes", name, offset, size, lengthField };
}
/** Packed NUL-terminated string of a dynamic message. */
export function vstr<const N extends string>(name: N): VarStringField<N> {
  return { kind: "vstr", name };
}
/** Raw remainder of the body from `offset`. */
export function rest<const N extends string>(offset: number, name: N): RestField<N> {
  return { kind: "rest", name, offset };
}
/** Nested structure of `size` bytes at `offset`. */
export function struct<const N extends string, const F extends readonly Field[]>(
  offset: number,
  name: N,
  size: number,
  fields: F,
): StructField<N, F> {
  return { kind: "struct", name, offset, size, fields };
}
/** `max` structures of `stride` bytes at `offset`, the used number given by `countField`. */
export function list<const N extends string, const F extends readonly Field[]>(
  offset: number,
  name: N,
  max: number,
  stride: number,
  fields: F,
  countField?: string,
): ListField<N, F> {
  return { kind: "list", name, offset, stride, max, countField, fields };
}
/** `max` scalars of `element.size` bytes at `offset` (element built at offset 0, name ""). */
export function array<const N extends string, const E extends ScalarField>(
  offset: number,
  name: N,
  max: number,
  element: E,
): ArrayField<N, E> {
  return { kind: "array", name, offset, stride: element.size, max, element };
}

// ---------------------------------------------------------------------------------------------
// Byte-level primitives
// ---------------------------------------------------------------------------------------------

/** Reads an unsigned little-endian u32 (caller guarantees `o + 4 <= buf.length`). */
export function readU32(buf: Uint8Array, o: number): number {
  return (
    ((buf[o] ?? 0) | ((buf[o + 1] ?? 0) << 8) | ((buf[o + 2] ?? 0) << 16)) + (buf[o + 3] ?? 0) * 0x1000000
  );
}

/** Writes `v` modulo 2^32 as a little-endian u32. */
export function writeU32(buf: Uint8Array, o: number, v: number): void {
  const x = v >>> 0;
  buf[o] = x & 0xff;
  buf[o + 1] = (x >>> 8) & 0xff;
  buf[o + 2] = (x >>> 16) & 0xff;
  buf[o + 3] = x >>> 24;
}

/** Reads a fixed string: bytes up to the first NUL (or the field end), as ISO-8859-1. */
export function readFixedString(buf: Buffer, o: number, size: number): string {
  const limit = Math.min(o + size, buf.length);
  let end = o;
  while (end < limit && buf[end] !== 0) end++;
  return end === o ? "" : buf.toString("latin1", o, end);
}

/**
 * Writes `s` as ISO-8859-1, at most `maxBytes` bytes, into a zero-filled fixed field (pass
 * `size − 1` so the NUL terminator always fits). Characters outside ISO-8859-1 become `?`.
 * The caller's buffer must already be zero (encode allocates zero-filled buffers).
 */
export function writeFixedString(buf: Uint8Array, o: number, maxBytes: number, s: string): void {
  const n = Math.min(s.length, maxBytes);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    buf[o + i] = c <= 0xff ? c : 0x3f;
  }
}

/** Writes `s` as ISO-8859-1 followed by a NUL; returns the offset after the NUL. */
export function writeVarString(buf: Uint8Array, o: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    buf[o + i] = c <= 0xff ? c : 0x3f;
  }
  buf[o + n] = 0;
  return o + n + 1;
}

/** Formats 4 network-order bytes as a dotted quad. */
export function formatIp4(buf: Uint8Array, o: number): string {
  return `${buf[o] ?? 0}.${buf[o + 1] ?? 0}.${buf[o + 2] ?? 0}.${buf[o + 3] ?? 0}`;
}

function encodeError(what: string, value: string): LinekeyError {
  return new LinekeyError("SCCP_ERR_ENCODE", `invalid ${what}: ${JSON.stringify(value)}`);
}

/**
 * Parses a dotted-quad IPv4 address into 4 network-order bytes at `o`. The empty string means
 * 0.0.0.0. Throws SCCP_ERR_ENCODE for anything else that is not an IPv4 address.
 */
export function writeIp4(buf: Uint8Array, o: number, s: string): void {
  if (s === "") return;
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 3) throw encodeError("IPv4 address", s);
      buf[o + part] = value;
      part++;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      value = value * 10 + (c - 0x30);
      digits++;
      if (value > 255) throw encodeError("IPv4 address", s);
    } else {
      throw encodeError("IPv4 address", s);
    }
  }
  if (part !== 4) throw encodeError("IPv4 address", s);
}

/** Formats 16 bytes as IPv6 text (RFC 5952: lower-case, longest zero run as `::`). */
export function formatIp6(buf: Uint8Array, o: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((buf[o + 2 * i] ?? 0) << 8) | (buf[o + 2 * i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(":");
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

function parseIp6Groups(s: string, out: number[]): boolean {
  if (s === "") return true;
  const parts = s.split(":");
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k] ?? "";
    if (p.includes(".")) {
      // Embedded IPv4 tail (e.g. ::ffff:10.0.0.1), only as the last part.
      if (k !== parts.length - 1) return false;
      const b = new Uint8Array(4);
      try {
        writeIp4(b, 0, p);
      } catch {
        return false;
      }
      out.push(((b[0] ?? 0) << 8) | (b[1] ?? 0), ((b[2] ?? 0) << 8) | (b[3] ?? 0));
      continue;
    }
    if (p.length === 0 || p.length > 4) return false;
    let v = 0;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i) | 0x20;
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
      if (d < 0) return false;
      v = v * 16 + d;
    }
    out.push(v);
  }
  return true;
}

/** Parses IPv6 text into 16 bytes at `o`. Throws SCCP_ERR_ENCODE when it is not IPv6. */
export function writeIp6(buf: Uint8Array, o: number, s: string): void {
  const text = s.startsWith("[") && s.endsWith("]") ? s.slice(1, -1) : s;
  const dbl = text.indexOf("::");
  const head: number[] = [];
  const tail: number[] = [];
  let ok: boolean;
  if (dbl >= 0) {
    ok =
      text.indexOf("::", dbl + 1) < 0 &&
      parseIp6Groups(text.slice(0, dbl), head) &&
      parseIp6Groups(text.slice(dbl + 2), tail) &&
      head.length + tail.length <= 7;
  } else {
    ok = parseIp6Groups(text, head) && head.length === 8;
  }
  if (!ok) throw encodeError("IPv6 address", s);
  const groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  for (let i = 0; i < 8; i++) {
    const g = groups[i] ?? 0;
    buf[o + 2 * i] = g >>> 8;
    buf[o + 2 * i + 1] = g & 0xff;
  }
}

/** ipv4or6 `ipAddrType` values (reference §3.2). */
export const IP_ADDR_TYPE_V4 = 0;
/** ipv4or6 `ipAddrType` for an IPv6 address. */
export const IP_ADDR_TYPE_V6 = 1;

/** Reads an ipv4or6 block: IPv6 text when its type is 1, otherwise the IPv4 in its first bytes. */
export function readIp46(buf: Uint8Array, o: number): string {
  return readU32(buf, o) === IP_ADDR_TYPE_V6 ? formatIp6(buf, o + 4) : formatIp4(buf, o + 4);
}

/** Writes an ipv4or6 block: type 1 + 16 bytes for IPv6 text (contains `:`), else type 0 + IPv4. */
export function writeIp46(buf: Uint8Array, o: number, s: string): void {
  if (s.includes(":")) {
    writeU32(buf, o, IP_ADDR_TYPE_V6);
    writeIp6(buf, o + 4, s);
  } else {
    writeU32(buf, o, IP_ADDR_TYPE_V4);
    writeIp4(buf, o + 4, s);
  }
}
