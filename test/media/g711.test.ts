import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ALAW_TO_ULAW,
  ULAW_TO_ALAW,
  alawToLinear,
  decodeG711,
  encodeG711,
  linearToAlaw,
  linearToUlaw,
  transcodeInPlace,
  transcodeTable,
  ulawToLinear,
} from "../../src/media/g711.ts";

test("known values: silence, extremes, sign", () => {
  assert.equal(linearToUlaw(0), 0xff);
  assert.equal(linearToAlaw(0), 0xd5);
  assert.equal(ulawToLinear(0xff), 0);
  assert.equal(ulawToLinear(0x7f), 0); // µ-law's "negative zero"
  assert.equal(alawToLinear(0xd5), 8); // A-law has no zero: smallest positive level
  assert.equal(alawToLinear(0x55), -8);
  assert.equal(linearToUlaw(32767), 0x80);
  assert.equal(linearToUlaw(-32768), 0x00);
  assert.equal(ulawToLinear(0x80), 32124);
  assert.equal(ulawToLinear(0x00), -32124);
  assert.equal(linearToAlaw(32767), 0xaa);
  assert.equal(linearToAlaw(-32768), 0x2a);
  assert.equal(alawToLinear(0xaa), 32256);
  assert.equal(alawToLinear(0x2a), -32256);
  assert.equal(linearToUlaw(1000), 0xce);
  assert.equal(linearToAlaw(1000), 0xfa);
});

test("encode→decode error stays within half a quantization step over the full 16-bit sweep", () => {
  // Each G.711 segment has 16 steps over a doubling of amplitude, so half a step is at most
  // |x|/32 plus the smallest half-step; beyond the top decision level the code clips.
  let worstU = 0;
  let worstA = 0;
  for (let x = -32768; x <= 32767; x++) {
    const eu = Math.abs(ulawToLinear(linearToUlaw(x)) - x);
    const ea = Math.abs(alawToLinear(linearToAlaw(x)) - x);
    const clipU = Math.max(0, Math.abs(x) - 32124);
    const clipA = Math.max(0, Math.abs(x) - 32256);
    assert.ok(eu <= Math.abs(x) / 32 + 8 + clipU, `µ-law ${x}: error ${eu}`);
    assert.ok(ea <= Math.abs(x) / 32 + 16 + clipA, `A-law ${x}: error ${ea}`);
    worstU = Math.max(worstU, eu - clipU);
    worstA = Math.max(worstA, ea - clipA);
  }
  assert.ok(worstU >= 512 && worstU <= 1024, `worst µ-law error ${worstU}`);
  assert.ok(worstA >= 512 && worstA <= 1024, `worst A-law error ${worstA}`);
});

test("every code survives decode→encode (µ-law -0 becomes +0)", () => {
  for (let c = 0; c < 256; c++) {
    assert.equal(linearToUlaw(ulawToLinear(c)), c === 0x7f ? 0xff : c, `µ-law ${c}`);
    assert.equal(linearToAlaw(alawToLinear(c)), c, `A-law ${c}`);
  }
});

test("µ→A→µ and A→µ→A are transparent except where one law has no matching level", () => {
  let identU = 0;
  let identA = 0;
  for (let c = 0; c < 256; c++) {
    const back = ALAW_TO_ULAW[ULAW_TO_ALAW[c] ?? 0] ?? 0;
    if (back === c) identU++;
    // Where it is not identical it lands on a neighbour level: at most 8 apart in 16-bit terms.
    assert.ok(Math.abs(ulawToLinear(back) - ulawToLinear(c)) <= 8, `µ ${c} → ${back}`);
    if ((ULAW_TO_ALAW[ALAW_TO_ULAW[c] ?? 0] ?? 0) === c) identA++;
    // One transcoding step never moves a level by more than 1/8 of it (or 64 near zero).
    const a = ULAW_TO_ALAW[c] ?? 0;
    const err = Math.abs(alawToLinear(a) - ulawToLinear(c));
    assert.ok(err <= Math.max(64, Math.abs(ulawToLinear(c)) / 8), `µ ${c} → A ${a}: ${err}`);
  }
  assert.equal(identU, 240);
  assert.equal(identA, 240);
  assert.equal(ULAW_TO_ALAW[0xff], 0xd5, "silence stays silence");
  assert.equal(ALAW_TO_ULAW[0xd5], 0xfe, "A-law +8 → µ-law +8");
  assert.equal(ULAW_TO_ALAW[0x80], 0xaa, "full scale stays full scale");
});

test("buffer helpers encode, decode and transcode in place", () => {
  const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(10000 * Math.sin(i / 5)));
  const u = encodeG711("ulaw", pcm);
  const a = encodeG711("alaw", pcm);
  assert.deepEqual(
    [...u],
    [...pcm].map((s) => linearToUlaw(s)),
  );
  const back = decodeG711("ulaw", u);
  for (let i = 0; i < pcm.length; i++) assert.ok(Math.abs((back[i] ?? 0) - (pcm[i] ?? 0)) <= 10000 / 32 + 8);
  const buf = Buffer.concat([Buffer.of(1, 2, 3), Buffer.from(u)]);
  const table = transcodeTable("ulaw", "alaw");
  assert.ok(table);
  transcodeInPlace(buf, 3, buf.length, table);
  assert.deepEqual([...buf.subarray(0, 3)], [1, 2, 3], "bytes before the range untouched");
  assert.deepEqual(
    [...buf.subarray(3)],
    [...u].map((c) => ULAW_TO_ALAW[c]),
  );
  assert.equal(transcodeTable("alaw", "alaw"), undefined);
  assert.equal(decodeG711("alaw", a).length, 160);
  const out = new Uint8Array(160);
  assert.equal(encodeG711("alaw", pcm, out), out, "reuses the given buffer");
});
