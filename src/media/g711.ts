/**
 * ITU-T G.711 µ-law and A-law, table driven. All tables are built once at module load
 * (≈ 130 KiB) so encoding, decoding and µ↔A transcoding are one indexed load per sample.
 *
 * Linear samples are signed 16-bit. G.711 itself works on 14-bit (µ-law) and 13-bit
 * (A-law) linear values; the 16-bit scaling used here is the usual one (Sun g711.c, Asterisk).
 */

const ULAW_BIAS = 0x84; // 132: the µ-law bias of G.711 Table 2a, scaled to 16 bits
const ULAW_CLIP = 32635; // largest magnitude that still fits segment 7 after the bias

/** µ-law code of one 16-bit sample (G.711 §3, Table 2a): segment/mantissa of |x|+bias, inverted. */
function ulawEncodeOne(sample: number): number {
  let sign = 0;
  let mag = sample;
  if (mag < 0) {
    sign = 0x80;
    mag = -mag;
  }
  if (mag > ULAW_CLIP) mag = ULAW_CLIP;
  mag += ULAW_BIAS;
  let seg = 7;
  for (let mask = 0x4000; (mag & mask) === 0 && seg > 0; mask >>= 1) seg--;
  const mantissa = (mag >> (seg + 3)) & 0x0f;
  return ~(sign | (seg << 4) | mantissa) & 0xff;
}

/** A-law code of one 16-bit sample (G.711 §2, Table 1a) on the 13-bit value, even bits inverted. */
function alawEncodeOne(sample: number): number {
  let pcm = sample >> 3;
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5; // sign bit set = positive, XOR 0x55 for the even-bit inversion
  } else {
    mask = 0x55;
    // A-law is symmetric about -1/2 (no zero code): -1 maps like 0, hence the one's complement.
    pcm = -pcm - 1;
  }
  let seg = 0;
  while (seg < 8 && pcm > (0x20 << seg) - 1) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  const mantissa = seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f;
  return ((seg << 4) | mantissa) ^ mask;
}

function ulawDecodeOne(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + ULAW_BIAS) << ((u & 0x70) >> 4);
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

function alawDecodeOne(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

/*
 * Code conversion tables of G.711 Tables 3 and 4 (µ→A and A→µ), on sign-less magnitude
 * indices, with the 1994 corrections (Lindberg) that most implementations carry. They are not
 * "nearest reconstruction value": the standard fixes them so A→µ→A and µ→A→µ are transparent
 * for as many codes as possible. U2A holds 1-based A-law indices, A2U 0-based µ-law indices.
 */
// prettier-ignore
const U2A_MAG = [
  1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8,
  9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
  25, 27, 29, 31, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
  46, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62,
  64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79,
  80, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96,
  97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112,
  113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128,
] as const;
// prettier-ignore
const A2U_MAG = [
  1, 3, 5, 7, 9, 11, 13, 15, 16, 17, 18, 19, 20, 21, 22, 23,
  24, 25, 26, 27, 28, 29, 30, 31, 32, 32, 33, 33, 34, 34, 35, 35,
  36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 48, 49, 49,
  50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 64,
  65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80,
  80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,
  96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111,
  112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127,
] as const;

/** µ-law code → 16-bit linear sample. */
export const ULAW_TO_LINEAR: Readonly<Int16Array> = new Int16Array(256);
/** A-law code → 16-bit linear sample. */
export const ALAW_TO_LINEAR: Readonly<Int16Array> = new Int16Array(256);
/** µ-law code → A-law code (G.711 Table 3). */
export const ULAW_TO_ALAW: Readonly<Uint8Array> = new Uint8Array(256);
/** A-law code → µ-law code (G.711 Table 4). */
export const ALAW_TO_ULAW: Readonly<Uint8Array> = new Uint8Array(256);
/** 16-bit linear sample (as unsigned: `sample & 0xffff`) → µ-law code. */
const LINEAR_TO_ULAW = new Uint8Array(65536);
/** 16-bit linear sample (as unsigned: `sample & 0xffff`) → A-law code. */
const LINEAR_TO_ALAW = new Uint8Array(65536);

function buildTables(): void {
  const u2l = ULAW_TO_LINEAR as Int16Array;
  const a2l = ALAW_TO_LINEAR as Int16Array;
  const u2a = ULAW_TO_ALAW as Uint8Array;
  const a2u = ALAW_TO_ULAW as Uint8Array;
  for (let c = 0; c < 256; c++) {
    u2l[c] = ulawDecodeOne(c);
    a2l[c] = alawDecodeOne(c);
    // µ-law codes are stored inverted (0xFF = +0) and A-law codes with even bits inverted
    // (0xD5 = smallest positive), so the magnitude index is the code XOR those masks.
    u2a[c] = c & 0x80 ? 0xd5 ^ ((U2A_MAG[0xff ^ c] ?? 1) - 1) : 0x55 ^ ((U2A_MAG[0x7f ^ c] ?? 1) - 1);
    a2u[c] = c & 0x80 ? 0xff ^ (A2U_MAG[c ^ 0xd5] ?? 0) : 0x7f ^ (A2U_MAG[c ^ 0x55] ?? 0);
  }
  for (let s = -32768; s < 32768; s++) {
    LINEAR_TO_ULAW[s & 0xffff] = ulawEncodeOne(s);
    LINEAR_TO_ALAW[s & 0xffff] = alawEncodeOne(s);
  }
}
buildTables();

/** µ-law code of one 16-bit sample (values outside the int16 range wrap; clamp first). */
export function linearToUlaw(sample: number): number {
  return LINEAR_TO_ULAW[sample & 0xffff] ?? 0xff;
}

/** A-law code of one 16-bit sample (values outside the int16 range wrap; clamp first). */
export function linearToAlaw(sample: number): number {
  return LINEAR_TO_ALAW[sample & 0xffff] ?? 0xd5;
}

/** 16-bit linear value of a µ-law code. */
export function ulawToLinear(code: number): number {
  return ULAW_TO_LINEAR[code & 0xff] ?? 0;
}

/** 16-bit linear value of an A-law code. */
export function alawToLinear(code: number): number {
  return ALAW_TO_LINEAR[code & 0xff] ?? 0;
}

/** Which G.711 law. */
export type G711Law = "ulaw" | "alaw";

/**
 * Encodes 16-bit PCM into G.711. Writes into `out` when given (must hold `pcm.length` bytes)
 * and returns it, so a caller can reuse one buffer.
 */
export function encodeG711(
  law: G711Law,
  pcm: Int16Array,
  out: Uint8Array = new Uint8Array(pcm.length),
): Uint8Array {
  const table = law === "ulaw" ? LINEAR_TO_ULAW : LINEAR_TO_ALAW;
  const n = Math.min(pcm.length, out.length);
  for (let i = 0; i < n; i++) out[i] = table[(pcm[i] ?? 0) & 0xffff] ?? 0;
  return out;
}

/** Decodes G.711 into 16-bit PCM (into `out` when given). */
export function decodeG711(
  law: G711Law,
  codes: Uint8Array,
  out: Int16Array = new Int16Array(codes.length),
): Int16Array {
  const table = law === "ulaw" ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
  const n = Math.min(codes.length, out.length);
  for (let i = 0; i < n; i++) out[i] = table[codes[i] ?? 0] ?? 0;
  return out;
}

/** The code-conversion table from one law to the other, or undefined when they are equal. */
export function transcodeTable(from: G711Law, to: G711Law): Readonly<Uint8Array> | undefined {
  if (from === to) return undefined;
  return from === "ulaw" ? ULAW_TO_ALAW : ALAW_TO_ULAW;
}

/** Transcodes `buf[start..end)` in place through a 256-entry code table. */
export function transcodeInPlace(
  buf: Uint8Array,
  start: number,
  end: number,
  table: Readonly<Uint8Array>,
): void {
  for (let i = start; i < end; i++) buf[i] = table[buf[i] ?? 0] ?? 0;
}

/** The G.711 code for silence (linear 0): µ-law 0xFF, A-law 0xD5. */
export function g711Silence(law: G711Law): number {
  return law === "ulaw" ? 0xff : 0xd5;
}
