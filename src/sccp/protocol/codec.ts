/**
 * Table-driven SCCP codec: message objects ⇄ frames/bodies, for a negotiated protocol version.
 *
 * Decoding is lenient (reference §2): a short body reads its missing trailing fields as 0 / "" /
 * [] and extra trailing bytes are ignored; an unknown id decodes to `Unknown`; nothing throws.
 * Encoding always writes the full layout of the version, zero-filled.
 *
 * The table is compiled once at load time into flat slot arrays; decode and encode are loops over
 * them with a switch on a small integer kind (no closures, no regular expressions).
 */
import { LinekeyError } from "../../util/errors.ts";
import {
  formatIp4,
  readFixedString,
  readIp46,
  readU32,
  writeFixedString,
  writeIp4,
  writeIp46,
  writeU32,
  writeVarString,
  type Field,
} from "./fields.ts";
import { MessageId, type MessageName } from "./message-ids.ts";
import { MESSAGE_TABLE, type Layout, type MessageDef } from "./message-table.ts";
import type { MessageInit, MessageOf, SccpMessage, SccpMessageType, UnknownMessage } from "./messages.ts";

/** Size of the SCCP header: length, headerVersion, messageId (reference §2). */
export const HEADER_SIZE = 12;

/** Highest protocol version with its own layouts; higher versions use these. */
const MAX_VERSION = 31;

// Slot kinds (small integers keep the switch dense).
const K_U8 = 0;
const K_U16 = 1;
const K_U32 = 2;
const K_I32 = 3;
const K_STR = 4;
const K_IP4 = 5;
const K_IP46 = 6;
const K_BYTES = 7;
const K_VSTR = 8;
const K_REST = 9;
const K_STRUCT = 10;
const K_LIST = 11;
const K_ARRAY = 12;

interface Slot {
  readonly name: string;
  readonly kind: number;
  /** False when the field belongs to another version's layout: it decodes to its default. */
  readonly present: boolean;
  readonly offset: number;
  readonly size: number;
  /** Entry stride and maximum count (list, array). */
  readonly stride: number;
  readonly max: number;
  /** Strings: whether a NUL must fit inside the field. */
  readonly terminated: boolean;
  /** Sibling holding the used count (list) or byte length (bytes). */
  readonly countName: string | undefined;
  /** Fields of a struct or list entry; the element of an array (as a one-slot list). */
  readonly sub: readonly Slot[];
}

interface CompiledLayout {
  readonly name: MessageName;
  readonly id: number;
  readonly minVersion: number;
  /** Fixed part size. */
  readonly size: number;
  /** Has vstr or rest fields: the body is longer than `size`. */
  readonly dynamic: boolean;
  readonly decodeMinBody: number;
  /** Every field of the message (all versions), in a stable order. */
  readonly slots: readonly Slot[];
  /** The fields of this layout only, in wire order (for encoding). */
  readonly wire: readonly Slot[];
}

interface CompiledMessage {
  readonly name: MessageName;
  readonly id: number;
  readonly def: MessageDef;
  /** Layout to encode with, per version 0..MAX_VERSION. */
  readonly encodeBy: readonly CompiledLayout[];
  /** Decode candidates per version, decode-only alternatives (longest first) before the base. */
  readonly decodeBy: readonly (readonly CompiledLayout[])[];
  /** All fields (all versions) for building default objects. */
  readonly allSlots: readonly Slot[];
}

function kindOf(f: Field): number {
  switch (f.kind) {
    case "u8":
      return K_U8;
    case "u16":
      return K_U16;
    case "u32":
      return K_U32;
    case "i32":
      return K_I32;
    case "str":
      return K_STR;
    case "ip4":
      return K_IP4;
    case "ip46":
      return K_IP46;
    case "bytes":
      return K_BYTES;
    case "vstr":
      return K_VSTR;
    case "rest":
      return K_REST;
    case "struct":
      return K_STRUCT;
    case "list":
      return K_LIST;
    case "array":
      return K_ARRAY;
  }
}

function compileField(f: Field, present: boolean): Slot {
  const base = {
    name: f.name,
    kind: kindOf(f),
    present,
    offset: "offset" in f ? f.offset : 0,
    size: "size" in f ? f.size : 0,
    terminated: f.kind !== "str" || f.terminated,
    stride: 0,
    max: 0,
    countName: undefined as string | undefined,
    sub: [] as readonly Slot[],
  };
  switch (f.kind) {
    case "bytes":
      return { ...base, countName: f.lengthField };
    case "struct":
      return { ...base, sub: f.fields.map((x) => compileField(x, true)) };
    case "list":
      return {
        ...base,
        stride: f.stride,
        max: f.max,
        countName: f.countField,
        sub: f.fields.map((x) => compileField(x, true)),
      };
    case "array":
      return { ...base, stride: f.stride, max: f.max, sub: [compileField(f.element, true)] };
    default:
      return base;
  }
}

function compileMessage(name: MessageName, def: MessageDef): CompiledMessage {
  const id = MessageId[name];
  // Stable field order: first appearance over the layouts in table order.
  const order: Field[] = [];
  const seen = new Set<string>();
  for (const l of def.layouts) {
    for (const f of l.fields) {
      if (!seen.has(f.name)) {
        seen.add(f.name);
        order.push(f);
      }
    }
  }
  const compileLayout = (l: Layout): CompiledLayout => {
    const byName = new Map<string, Field>(l.fields.map((f) => [f.name, f]));
    return {
      name,
      id,
      minVersion: l.minVersion,
      size: l.size,
      dynamic: l.fields.some((f) => f.kind === "vstr" || f.kind === "rest"),
      decodeMinBody: l.decodeMinBody,
      slots: order.map((f) => {
        const own = byName.get(f.name);
        return own ? compileField(own, true) : compileField(f, false);
      }),
      wire: l.fields.map((f) => compileField(f, true)),
    };
  };
  const layouts = def.layouts.map(compileLayout);
  const encodeBy: CompiledLayout[] = [];
  const decodeBy: CompiledLayout[][] = [];
  for (let v = 0; v <= MAX_VERSION; v++) {
    let enc: CompiledLayout | undefined;
    for (const l of layouts) if (l.decodeMinBody === 0 && l.minVersion <= v) enc = l;
    if (!enc) throw new Error(`message table: ${name} has no layout for version ${v}`);
    const alts = layouts
      .filter((l) => l.decodeMinBody > 0 && l.minVersion === enc.minVersion)
      .sort((a, b) => b.decodeMinBody - a.decodeMinBody);
    encodeBy.push(enc);
    decodeBy.push([...alts, enc]);
  }
  return { name, id, def, encodeBy, decodeBy, allSlots: order.map((f) => compileField(f, true)) };
}

const COMPILED_BY_NAME = new Map<string, CompiledMessage>();
const COMPILED_BY_ID = new Map<number, CompiledMessage>();
for (const name of Object.keys(MESSAGE_TABLE) as MessageName[]) {
  const c = compileMessage(name, MESSAGE_TABLE[name]);
  COMPILED_BY_NAME.set(name, c);
  COMPILED_BY_ID.set(c.id, c);
}

function versionIndex(v: number): number {
  return v >= 0 && v <= MAX_VERSION ? v | 0 : v > MAX_VERSION ? MAX_VERSION : 0;
}

// ---------------------------------------------------------------------------------------------
// Defaults
// ---------------------------------------------------------------------------------------------

function defaultValue(s: Slot): unknown {
  switch (s.kind) {
    case K_STR:
    case K_VSTR:
      return "";
    case K_IP4:
    case K_IP46:
      return "0.0.0.0";
    case K_BYTES:
      return Buffer.alloc(s.countName === undefined ? s.size : 0);
    case K_REST:
      return Buffer.alloc(0);
    case K_STRUCT:
      return defaultObject(s.sub);
    case K_LIST:
      return [];
    case K_ARRAY: {
      const el = s.sub[0];
      const out: unknown[] = [];
      if (el) for (let i = 0; i < s.max; i++) out.push(defaultValue(el));
      return out;
    }
    default:
      return 0;
  }
}

function defaultObject(slots: readonly Slot[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const s of slots) o[s.name] = defaultValue(s);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/** Zero-filled copy area for short bodies, so field reads never run past the end. */
let scratch = Buffer.alloc(4096);

function numberField(o: Record<string, unknown>, name: string | undefined): number {
  if (name === undefined) return 0;
  const v = o[name];
  return typeof v === "number" ? v : 0;
}

function readSlot(src: Buffer, base: number, s: Slot, out: Record<string, unknown>): unknown {
  const o = base + s.offset;
  switch (s.kind) {
    case K_U8:
      return src[o] ?? 0;
    case K_U16:
      return (src[o] ?? 0) | ((src[o + 1] ?? 0) << 8);
    case K_U32:
      return readU32(src, o);
    case K_I32:
      return readU32(src, o) | 0;
    case K_STR:
      return readFixedString(src, o, s.size);
    case K_IP4:
      return formatIp4(src, o);
    case K_IP46:
      return readIp46(src, o);
    case K_BYTES: {
      const n = s.countName === undefined ? s.size : Math.min(numberField(out, s.countName), s.size);
      return Buffer.from(src.subarray(o, o + n));
    }
    case K_STRUCT:
      return decodeSlots(src, o, s.sub, {});
    case K_LIST: {
      const n = s.countName === undefined ? s.max : Math.min(numberField(out, s.countName), s.max);
      const arr: Record<string, unknown>[] = [];
      for (let i = 0; i < n; i++) arr.push(decodeSlots(src, o + i * s.stride, s.sub, {}));
      return arr;
    }
    case K_ARRAY: {
      const el = s.sub[0];
      const arr: unknown[] = [];
      if (el) for (let i = 0; i < s.max; i++) arr.push(readSlot(src, o + i * s.stride, el, out));
      return arr;
    }
    default:
      return 0;
  }
}

function decodeSlots(
  src: Buffer,
  base: number,
  slots: readonly Slot[],
  out: Record<string, unknown>,
): Record<string, unknown> {
  for (const s of slots) out[s.name] = s.present ? readSlot(src, base, s, out) : defaultValue(s);
  return out;
}

function decodeWith(l: CompiledLayout, body: Buffer): SccpMessage {
  let src = body;
  if (body.length < l.size) {
    // Short body (old firmware, §2): read it from a zero-filled copy.
    if (scratch.length < l.size) scratch = Buffer.alloc(l.size);
    body.copy(scratch, 0, 0, body.length);
    scratch.fill(0, body.length, l.size);
    src = scratch;
  }
  const out: Record<string, unknown> = { type: l.name };
  if (!l.dynamic) {
    decodeSlots(src, 0, l.slots, out);
  } else {
    // Dynamic parts (§6.9) are read from the real body, after the fixed part.
    let pos = l.size;
    for (const s of l.slots) {
      if (!s.present) out[s.name] = defaultValue(s);
      else if (s.kind === K_VSTR) {
        let end = pos;
        while (end < body.length && body[end] !== 0) end++;
        out[s.name] = pos < body.length ? body.toString("latin1", pos, end) : "";
        pos = end + 1;
      } else if (s.kind === K_REST) {
        out[s.name] = Buffer.from(body.subarray(Math.min(s.offset, body.length)));
      } else {
        out[s.name] = readSlot(src, 0, s, out);
      }
    }
  }
  return out as unknown as SccpMessage;
}

/**
 * Decodes a message body (no header) received at the negotiated `protocolVersion` (default 0).
 * Never throws: short bodies zero-fill, extra bytes are ignored, unknown ids give `Unknown`.
 */
export function decodeMessage(id: number, body: Buffer, protocolVersion = 0): SccpMessage | UnknownMessage {
  const c = COMPILED_BY_ID.get(id);
  if (!c) return { type: "Unknown", id, body: Buffer.from(body) };
  const candidates = c.decodeBy[versionIndex(protocolVersion)] ?? [];
  for (const l of candidates) {
    if (body.length >= l.decodeMinBody) return decodeWith(l, body);
  }
  // Unreachable: the base layout has decodeMinBody 0.
  return { type: "Unknown", id, body: Buffer.from(body) };
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

function asNumber(v: unknown): number {
  return typeof v === "number" ? v : 0;
}
function asString(v: unknown): string {
  return typeof v === "string" ? v : "";
}
function asBytes(v: unknown): Uint8Array {
  return v instanceof Uint8Array ? v : EMPTY;
}
function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
}
function asArray(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? (v as unknown[]) : [];
}
const EMPTY = new Uint8Array(0);

function writeSlot(buf: Buffer, base: number, s: Slot, v: unknown): void {
  const o = base + s.offset;
  switch (s.kind) {
    case K_U8:
      buf[o] = asNumber(v) & 0xff;
      return;
    case K_U16: {
      const x = asNumber(v) & 0xffff;
      buf[o] = x & 0xff;
      buf[o + 1] = x >>> 8;
      return;
    }
    case K_U32:
    case K_I32:
      writeU32(buf, o, asNumber(v));
      return;
    case K_STR:
      writeFixedString(buf, o, s.terminated ? s.size - 1 : s.size, asString(v));
      return;
    case K_IP4:
      writeIp4(buf, o, asString(v));
      return;
    case K_IP46:
      writeIp46(buf, o, asString(v));
      return;
    case K_BYTES: {
      const b = asBytes(v);
      buf.set(b.length > s.size ? b.subarray(0, s.size) : b, o);
      return;
    }
    case K_STRUCT:
      encodeSlots(buf, o, s.sub, asRecord(v));
      return;
    case K_LIST: {
      const arr = asArray(v);
      const n = Math.min(arr.length, s.max);
      for (let i = 0; i < n; i++) encodeSlots(buf, o + i * s.stride, s.sub, asRecord(arr[i]));
      return;
    }
    case K_ARRAY: {
      const arr = asArray(v);
      const el = s.sub[0];
      const n = Math.min(arr.length, s.max);
      if (el) for (let i = 0; i < n; i++) writeSlot(buf, o + i * s.stride, el, arr[i]);
      return;
    }
    default:
      return;
  }
}

function encodeSlots(buf: Buffer, base: number, slots: readonly Slot[], msg: Record<string, unknown>): void {
  for (const s of slots) writeSlot(buf, base, s, msg[s.name]);
}

function compiledFor(type: string): CompiledMessage {
  const c = COMPILED_BY_NAME.get(type);
  if (!c) throw new LinekeyError("SCCP_ERR_ENCODE", `unknown SCCP message type ${JSON.stringify(type)}`);
  return c;
}

function bodyLength(l: CompiledLayout, msg: Record<string, unknown>): number {
  if (!l.dynamic) return l.size;
  let n = l.size;
  for (const s of l.wire) {
    if (s.kind === K_VSTR) n += asString(msg[s.name]).length + 1;
    else if (s.kind === K_REST) n += asBytes(msg[s.name]).length;
  }
  return n;
}

function writeBody(buf: Buffer, base: number, l: CompiledLayout, msg: Record<string, unknown>): void {
  if (!l.dynamic) {
    encodeSlots(buf, base, l.wire, msg);
    return;
  }
  let pos = base + l.size;
  for (const s of l.wire) {
    if (s.kind === K_VSTR) pos = writeVarString(buf, pos, asString(msg[s.name]));
    else if (s.kind === K_REST) {
      const b = asBytes(msg[s.name]);
      buf.set(b, pos);
      pos += b.length;
    } else writeSlot(buf, base, s, msg[s.name]);
  }
}

/**
 * Header version to send (reference §3.4, §11.12): 0 below protocol 17; from 17 on the negotiated
 * version, except for RegisterAck, KeepAliveAck and UnregisterAck which chan-sccp always sends
 * with 0 (RegisterAck precedes the negotiation).
 */
export function headerVersionFor(type: SccpMessageType | "Unknown", protocolVersion: number): number {
  if (protocolVersion < 17) return 0;
  if (type === "RegisterAck" || type === "KeepAliveAck" || type === "UnregisterAck") return 0;
  return protocolVersion;
}

/** Encodes only the body of `msg` (full layout of `protocolVersion`, zero-filled). */
export function encodeBody(msg: SccpMessage | UnknownMessage, protocolVersion = 0): Buffer {
  if (msg.type === "Unknown") return Buffer.from(msg.body);
  const c = compiledFor(msg.type);
  const l = c.encodeBy[versionIndex(protocolVersion)] ?? c.encodeBy[0];
  if (!l) throw new LinekeyError("SCCP_ERR_ENCODE", `no layout for ${msg.type}`);
  const rec = msg as unknown as Record<string, unknown>;
  const buf = Buffer.alloc(bodyLength(l, rec));
  writeBody(buf, 0, l, rec);
  return buf;
}

/**
 * Encodes a whole frame: 12-byte header (length = 4 + body, headerVersion, id) + the full
 * layout of `protocolVersion` (default 0 = basic layouts). `headerVersion` overrides the header
 * label chosen by {@link headerVersionFor}. Throws SCCP_ERR_ENCODE for an unknown type or an
 * address that is not IPv4/IPv6 text.
 */
export function encodeMessage(
  msg: SccpMessage | UnknownMessage,
  protocolVersion = 0,
  headerVersion?: number,
): Buffer {
  let id: number;
  let l: CompiledLayout | undefined;
  let len: number;
  const rec = msg as unknown as Record<string, unknown>;
  if (msg.type === "Unknown") {
    id = msg.id;
    len = msg.body.length;
  } else {
    const c = compiledFor(msg.type);
    id = c.id;
    l = c.encodeBy[versionIndex(protocolVersion)];
    if (!l) throw new LinekeyError("SCCP_ERR_ENCODE", `no layout for ${msg.type}`);
    len = bodyLength(l, rec);
  }
  const buf = Buffer.alloc(HEADER_SIZE + len);
  writeU32(buf, 0, 4 + len);
  writeU32(buf, 4, headerVersion ?? headerVersionFor(msg.type, protocolVersion));
  writeU32(buf, 8, id);
  if (l) writeBody(buf, HEADER_SIZE, l, rec);
  else if (msg.type === "Unknown") buf.set(msg.body, HEADER_SIZE);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Construction
// ---------------------------------------------------------------------------------------------

function normalize(slots: readonly Slot[], given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of slots) {
    const v = given[s.name];
    if (v === undefined) {
      out[s.name] = defaultValue(s);
    } else if (s.kind === K_BYTES && s.countName === undefined) {
      // Fixed opaque fields decode to exactly `size` bytes: shape them the same way here.
      const b = asBytes(v);
      const fixed = Buffer.alloc(s.size);
      fixed.set(b.length > s.size ? b.subarray(0, s.size) : b);
      out[s.name] = fixed;
    } else if (s.kind === K_STRUCT) {
      out[s.name] = normalize(s.sub, asRecord(v));
    } else if (s.kind === K_LIST) {
      out[s.name] = asArray(v).map((e) => normalize(s.sub, asRecord(e)));
    } else if (s.kind === K_ARRAY) {
      const el = s.sub[0];
      const arr = asArray(v).slice(0, s.max);
      if (el) while (arr.length < s.max) arr.push(defaultValue(el));
      out[s.name] = arr;
    } else {
      out[s.name] = v;
    }
  }
  // A count/length field left out defaults to the length of what it counts.
  for (const s of slots) {
    if ((s.kind === K_LIST || s.kind === K_BYTES) && s.countName !== undefined) {
      if (given[s.countName] === undefined) {
        const v = out[s.name];
        const n = Array.isArray(v) ? v.length : v instanceof Uint8Array ? v.length : 0;
        out[s.countName] = Math.min(n, s.kind === K_LIST ? s.max : s.size);
      }
    }
  }
  return out;
}

/**
 * Builds a complete message from a partial one: missing numbers are 0, strings "", addresses
 * "0.0.0.0", lists [], raw bodies empty; fixed opaque fields (key, macAddress …) are zero-padded
 * to their size and fixed scalar arrays to their length, exactly as decoding returns them; missing
 * fields of list entries and structs are filled the same way; a count or length field left out
 * (buttonCount, capCount, dataLength, …) is set to the length of the list or data it counts.
 */
export function makeMessage<T extends SccpMessageType>(type: T, fields: MessageInit<T> = {}): MessageOf<T> {
  const c = compiledFor(type);
  const out = { type, ...normalize(c.allSlots, fields) };
  return out as unknown as MessageOf<T>;
}

/** The catalogue entry of a message type: id, direction and whether §6 documents a layout. */
export function messageInfo(type: SccpMessageType): {
  id: number;
  direction: MessageDef["direction"];
  documented: boolean;
} {
  const c = compiledFor(type);
  return { id: c.id, direction: c.def.direction, documented: c.def.documented };
}

/** Fixed body size of `type` at `protocolVersion` (dynamic messages: size of the fixed part). */
export function layoutSize(type: SccpMessageType, protocolVersion = 0): number {
  return compiledFor(type).encodeBy[versionIndex(protocolVersion)]?.size ?? 0;
}

/** Decodes by message name instead of id (convenience for tests and tools). */
export function decodeBody<T extends SccpMessageType>(
  type: T,
  body: Buffer,
  protocolVersion = 0,
): MessageOf<T> {
  return decodeMessage(MessageId[type], body, protocolVersion) as MessageOf<T>;
}
