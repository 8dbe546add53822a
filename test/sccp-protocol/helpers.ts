/**
 * Helpers for the SCCP protocol tests: layout selection straight from the message table,
 * deterministic sample values per field, and the "don't care" byte mask of a body.
 */
import { existsSync } from "node:fs";
import { MESSAGE_TABLE, type Layout, type SccpMessageType } from "../../src/sccp/protocol/index.ts";
import type { Field, ScalarField } from "../../src/sccp/protocol/fields.ts";

/** The shared captures folder (../shared/captures next to the repository). */
export const CAPTURES = new URL("../../../shared/captures/", import.meta.url);
/** The shared reference folder. */
export const REFERENCE = new URL("../../../shared/reference/", import.meta.url);

/** True when the shared folder `url` exists. */
export function present(url: URL): boolean {
  return existsSync(url);
}

/** Every message type of the table. */
export const ALL_TYPES = Object.keys(MESSAGE_TABLE) as SccpMessageType[];

/** The layout the codec must use to encode `type` at `version` (independent re-implementation). */
export function encodeLayout(type: SccpMessageType, version: number): Layout {
  let best: Layout | undefined;
  for (const l of MESSAGE_TABLE[type].layouts as readonly Layout[]) {
    if (l.decodeMinBody === 0 && l.minVersion <= version) best = l;
  }
  if (!best) throw new Error(`no layout for ${type} v${version}`);
  return best;
}

/** The distinct protocol versions at which `type` changes layout. */
export function layoutVersions(type: SccpMessageType): number[] {
  return [
    ...new Set(
      (MESSAGE_TABLE[type].layouts as readonly Layout[])
        .filter((l) => l.decodeMinBody === 0)
        .map((l) => l.minVersion),
    ),
  ];
}

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
export { mulberry32 as rng } from "../support/prng.ts";

const IPV6_SAMPLES = ["2001:db8::1", "fe80::1:2", "2001:db8:85a3::8a2e:370:7334", "::1", "1:2:3:4:5:6:7:8"];
const TEXT_CHARS = "0123456789 abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:/@#*éüÅß\u0080\u0013";

function sampleString(r: () => number, maxLen: number): string {
  const n = Math.floor(r() * (maxLen + 1));
  let s = "";
  for (let i = 0; i < n; i++) s += TEXT_CHARS[Math.floor(r() * TEXT_CHARS.length)] ?? "x";
  return s;
}

function sampleScalar(f: ScalarField, r: () => number): number | string {
  switch (f.kind) {
    case "u8":
      return Math.floor(r() * 0x100);
    case "u16":
      return Math.floor(r() * 0x10000);
    case "u32":
      return Math.floor(r() * 0x100000000);
    case "i32":
      return Math.floor(r() * 0x100000000) - 0x80000000;
    case "str":
      return sampleString(r, f.terminated ? f.size - 1 : f.size);
    case "ip4":
      return [0, 1, 2, 3].map(() => Math.floor(r() * 256)).join(".");
    case "ip46":
      return r() < 0.5
        ? [0, 1, 2, 3].map(() => Math.floor(r() * 256)).join(".")
        : (IPV6_SAMPLES[Math.floor(r() * IPV6_SAMPLES.length)] ?? "::1");
  }
}

/** Sample values for every field of `fields` (counts consistent with their lists / data). */
export function sampleFields(fields: readonly Field[], r: () => number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    switch (f.kind) {
      case "u8":
      case "u16":
      case "u32":
      case "i32":
      case "str":
      case "ip4":
      case "ip46":
        out[f.name] = sampleScalar(f, r);
        break;
      case "bytes": {
        const n = f.lengthField === undefined ? f.size : Math.floor(r() * (f.size + 1));
        out[f.name] = Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
        if (f.lengthField !== undefined) out[f.lengthField] = n;
        break;
      }
      case "vstr":
        out[f.name] = sampleString(r, 40);
        break;
      case "rest":
        out[f.name] = Buffer.from(Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256)));
        break;
      case "struct":
        out[f.name] = sampleFields(f.fields, r);
        break;
      case "list": {
        const n = 1 + Math.floor(r() * f.max);
        out[f.name] = Array.from({ length: n }, () => sampleFields(f.fields, r));
        if (f.countField !== undefined) out[f.countField] = n;
        break;
      }
      case "array":
        out[f.name] = Array.from({ length: f.max }, () => sampleScalar(f.element, r));
        break;
    }
  }
  return out;
}

/**
 * Marks the bytes of a fixed-layout body whose value the decoded message cannot carry: padding,
 * bytes after a string's NUL, and list entries beyond the count. A re-encoded body may differ
 * from the original only there (e.g. the 7912's Alarm text has stack garbage after its NUL).
 */
export function dontCareMask(fields: readonly Field[], body: Buffer, size: number, base = 0): boolean[] {
  const mask = new Array<boolean>(size).fill(true);
  const mark = (fs: readonly Field[], at: number): void => {
    const counts = new Map<string, number>();
    for (const f of fs) {
      const o = at + ("offset" in f ? f.offset : 0);
      switch (f.kind) {
        case "u8":
        case "u16":
        case "u32":
        case "i32":
        case "ip4":
        case "ip46":
          for (let i = 0; i < f.size; i++) mask[o + i - base] = false;
          if (f.kind === "u32") counts.set(f.name, o + 4 <= body.length ? body.readUInt32LE(o) : 0);
          break;
        case "str": {
          for (let i = 0; i < f.size; i++) {
            mask[o + i - base] = false;
            if ((body[o + i] ?? 0) === 0) break;
          }
          break;
        }
        case "bytes": {
          const n = f.lengthField === undefined ? f.size : Math.min(counts.get(f.lengthField) ?? 0, f.size);
          for (let i = 0; i < n; i++) mask[o + i - base] = false;
          break;
        }
        case "struct":
          mark(f.fields, o);
          break;
        case "list": {
          const n = f.countField === undefined ? f.max : Math.min(counts.get(f.countField) ?? 0, f.max);
          for (let k = 0; k < n; k++) mark(f.fields, o + k * f.stride);
          break;
        }
        case "array":
          for (let k = 0; k < f.max; k++) mark([{ ...f.element, offset: 0 }], o + k * f.stride);
          break;
        default:
          break;
      }
    }
  };
  mark(fields, base);
  return mask;
}
