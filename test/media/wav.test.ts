import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeWav, parseWav, readWavFile } from "../../src/media/wav.ts";
import { generateTone } from "../../src/media/tone.ts";
import { LinekeyError } from "../../src/util/errors.ts";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function formatError(pattern: RegExp): (e: unknown) => boolean {
  return (e: unknown) =>
    e instanceof LinekeyError && e.code === "MEDIA_ERR_FORMAT" && pattern.test(e.message);
}

/** A chunk: id, u32le size, body, pad byte when odd. */
function chunk(id: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, "latin1");
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function fmt(format: number, channels: number, rate: number, bits: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(format, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE((rate * channels * bits) / 8, 8);
  b.writeUInt16LE((channels * bits) / 8, 12);
  b.writeUInt16LE(bits, 14);
  return b;
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from("WAVE", "latin1"), ...chunks]);
  const head = Buffer.alloc(8);
  head.write("RIFF", 0, "latin1");
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

test("a synthesized 8 kHz mono 16-bit WAV parses back to the same samples", () => {
  const tone = generateTone({ frequency: 1000, durationMs: 250, amplitude: 12000 });
  assert.equal(tone.length, 2000);
  const wav = parseWav(encodeWav(tone));
  assert.equal(wav.sampleRate, 8000);
  assert.equal(wav.channels, 1);
  assert.equal(wav.bitsPerSample, 16);
  assert.equal(wav.durationMs, 250);
  assert.deepEqual(wav.samples, tone);
  // 1 kHz at 8 kHz: 8 samples per period, so 2 sign changes every 8 samples.
  let crossings = 0;
  for (let i = 1; i < tone.length; i++) if ((tone[i - 1] ?? 0) < 0 !== (tone[i] ?? 0) < 0) crossings++;
  assert.ok(Math.abs(crossings - 500) <= 2, `${crossings} zero crossings`);
});

test("extra chunks (odd-sized, padded) before data and WAVE_FORMAT_EXTENSIBLE are handled", () => {
  const samples = Int16Array.of(1, -2, 300, -32768, 32767);
  const data = Buffer.from(samples.buffer);
  const list = chunk("LIST", Buffer.from("INFOabc", "latin1")); // 7 bytes + pad
  assert.deepEqual(
    parseWav(riff(chunk("fmt ", fmt(1, 1, 8000, 16)), list, chunk("data", data))).samples,
    samples,
  );

  const ext = Buffer.alloc(40);
  fmt(0xfffe, 1, 8000, 16).copy(ext, 0);
  ext.writeUInt16LE(22, 16);
  ext.writeUInt16LE(1, 24); // KSDATAFORMAT_SUBTYPE_PCM starts with 0x0001
  assert.deepEqual(parseWav(riff(chunk("fmt ", ext), chunk("data", data))).samples, samples);
});

test("a data size that overruns the file (never patched by the writer) reads to the end", () => {
  const wav = encodeWav(Int16Array.of(5, 6, 7));
  wav.writeUInt32LE(0xffffffff, 40);
  assert.deepEqual(parseWav(wav).samples, Int16Array.of(5, 6, 7));
});

test("other formats are refused with MEDIA_ERR_FORMAT and the reason", () => {
  const mono = Int16Array.from({ length: 100 });
  assert.throws(() => parseWav(encodeWav(mono, 8000, 2)), formatError(/2 channels; need mono/));
  assert.throws(() => parseWav(encodeWav(mono, 16000)), formatError(/16000 Hz; need 8000 Hz/));
  const data = chunk("data", Buffer.alloc(16));
  assert.throws(() => parseWav(riff(chunk("fmt ", fmt(3, 1, 8000, 32)), data)), formatError(/IEEE float/));
  assert.throws(() => parseWav(riff(chunk("fmt ", fmt(7, 1, 8000, 8)), data)), formatError(/µ-law/));
  assert.throws(
    () => parseWav(riff(chunk("fmt ", fmt(1, 1, 8000, 8)), data)),
    formatError(/8 bits per sample/),
  );
  assert.throws(() => parseWav(riff(chunk("fmt ", fmt(1, 1, 8000, 16)))), formatError(/no data chunk/));
  assert.throws(() => parseWav(riff(data)), formatError(/no fmt chunk/));
  assert.throws(() => parseWav(Buffer.from("ID3\u0004 not a wav at all")), formatError(/not a RIFF file/));
  const avi = riff(data);
  avi.write("AVI ", 8, "latin1");
  assert.throws(() => parseWav(avi), formatError(/not WAVE/));
  assert.throws(() => parseWav(Buffer.alloc(0)), formatError(/not a RIFF file/));
});

test("readWavFile names the file in its errors", async () => {
  const dir = await mkdtemp(join(tmpdir(), "linekey-wav-"));
  dirs.push(dir);
  const good = join(dir, "beep.wav");
  const bad = join(dir, "wideband.wav");
  await writeFile(good, encodeWav(generateTone({ frequency: 425, durationMs: 40 })));
  await writeFile(bad, encodeWav(Int16Array.from({ length: 10 }), 16000));
  assert.equal((await readWavFile(good)).samples.length, 320);
  await assert.rejects(readWavFile(bad), formatError(/wideband\.wav: 16000 Hz/));
});
