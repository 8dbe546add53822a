/**
 * WAV (RIFF/WAVE) reading for prompts. Linekey plays 8 kHz 16-bit mono linear PCM — the format
 * of Asterisk's `*-wav` sound packages — and refuses anything else with MEDIA_ERR_FORMAT and a
 * reason, rather than resampling or mixing down behind the operator's back.
 *
 * RIFF layout: "RIFF" size "WAVE", then chunks of (4-byte id, u32le size, data, pad byte when
 * size is odd). "fmt " carries WAVEFORMATEX; WAVE_FORMAT_EXTENSIBLE (0xFFFE) is accepted when
 * its sub-format GUID is PCM.
 */
import { readFile } from "node:fs/promises";
import { LinekeyError } from "../util/errors.ts";

/** Decoded WAV audio. */
export interface WavAudio {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  /** Mono 16-bit samples. */
  readonly samples: Int16Array;
  readonly durationMs: number;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const FORMAT_NAMES: Readonly<Record<number, string>> = {
  2: "MS ADPCM",
  3: "IEEE float",
  6: "A-law",
  7: "µ-law",
  0x11: "IMA ADPCM",
  0x55: "MP3",
};

function fail(source: string, reason: string): never {
  throw new LinekeyError("MEDIA_ERR_FORMAT", `${source}: ${reason}`);
}

function tag(buf: Uint8Array, off: number): string {
  return String.fromCharCode(buf[off] ?? 0, buf[off + 1] ?? 0, buf[off + 2] ?? 0, buf[off + 3] ?? 0);
}

/**
 * Parses a WAV file held in memory. Accepts only 8000 Hz, mono, 16-bit PCM; throws
 * MEDIA_ERR_FORMAT naming the problem otherwise. `source` (e.g. the file name) prefixes
 * error messages. A data chunk whose size overruns the file (writers that never patched it)
 * is read up to the end of the file.
 */
export function parseWav(buf: Uint8Array, source = "wav"): WavAudio {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 12 || tag(buf, 0) !== "RIFF") fail(source, "not a RIFF file");
  if (tag(buf, 8) !== "WAVE") fail(source, `RIFF type is "${tag(buf, 8)}", not WAVE`);
  let fmt: { format: number; channels: number; rate: number; bits: number; blockAlign: number } | undefined;
  let data: Uint8Array | undefined;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = tag(buf, off);
    const size = view.getUint32(off + 4, true);
    const body = off + 8;
    if (id === "fmt ") {
      if (size < 16 || body + size > buf.length) fail(source, "truncated fmt chunk");
      let format = view.getUint16(body, true);
      if (format === WAVE_FORMAT_EXTENSIBLE) {
        // WAVEFORMATEXTENSIBLE: cbSize @16, samples @18, channel mask @20, sub-format GUID @24
        // whose first two bytes are the plain format tag.
        if (size < 40) fail(source, "truncated WAVE_FORMAT_EXTENSIBLE fmt chunk");
        format = view.getUint16(body + 24, true);
      }
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === "data") {
      data = buf.subarray(body, Math.min(body + size, buf.length));
      if (fmt) break;
    }
    off = body + size + (size & 1);
  }
  if (!fmt) fail(source, "no fmt chunk");
  if (fmt.format !== WAVE_FORMAT_PCM) {
    const name = FORMAT_NAMES[fmt.format] ?? `format tag ${fmt.format}`;
    fail(source, `${name} encoding; need 16-bit linear PCM`);
  }
  if (fmt.rate !== 8000) fail(source, `${fmt.rate} Hz; need 8000 Hz`);
  if (fmt.channels !== 1) fail(source, `${fmt.channels} channels; need mono`);
  if (fmt.bits !== 16) fail(source, `${fmt.bits} bits per sample; need 16`);
  if (fmt.blockAlign !== 2) fail(source, `block align ${fmt.blockAlign}; need 2`);
  if (!data) fail(source, "no data chunk");
  const count = data.length >> 1;
  const samples = new Int16Array(count);
  const dv = new DataView(data.buffer, data.byteOffset, count * 2);
  for (let i = 0; i < count; i++) samples[i] = dv.getInt16(i * 2, true);
  return { sampleRate: 8000, channels: 1, bitsPerSample: 16, samples, durationMs: count / 8 };
}

/** Reads and parses a WAV file (see `parseWav`). I/O errors propagate unchanged. */
export async function readWavFile(path: string): Promise<WavAudio> {
  return parseWav(await readFile(path), path);
}

/**
 * Encodes 16-bit PCM as a canonical 44-byte-header WAV. `channels` interleaved samples; used to
 * write recordings and, in tests, to synthesize inputs.
 */
export function encodeWav(samples: Int16Array, sampleRate = 8000, channels = 1): Buffer {
  const dataBytes = samples.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write("RIFF", 0, "latin1");
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write("WAVE", 8, "latin1");
  out.write("fmt ", 12, "latin1");
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channels * 2, 28);
  out.writeUInt16LE(channels * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write("data", 36, "latin1");
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, 44 + i * 2);
  return out;
}
