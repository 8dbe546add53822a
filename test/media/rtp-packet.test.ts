import { test } from "node:test";
import assert from "node:assert/strict";
import {
  isRtcp,
  isRtp,
  parseRtp,
  rtpPayloadEnd,
  rtpPayloadOffset,
  serializeRtp,
  writeRtpHeader,
} from "../../src/media/rtp-packet.ts";
import { LinekeyError } from "../../src/util/errors.ts";

test("a plain header serializes to the RFC 3550 bytes", () => {
  const buf = serializeRtp({
    marker: true,
    payloadType: 8,
    sequenceNumber: 0x1234,
    timestamp: 0xdeadbeef,
    ssrc: 0x01020304,
    payload: Uint8Array.of(0xaa, 0xbb),
  });
  assert.deepEqual(
    [...buf],
    [0x80, 0x88, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 0xaa, 0xbb],
  );
  const direct = Buffer.alloc(12);
  writeRtpHeader(direct, 0, true, 8, 0x1234, 0xdeadbeef, 0x01020304);
  assert.deepEqual(direct, buf.subarray(0, 12));
});

test("round trip with CSRCs, header extension, padding and marker", () => {
  const payload = Uint8Array.from({ length: 160 }, (_, i) => i);
  const buf = serializeRtp({
    marker: true,
    payloadType: 0,
    sequenceNumber: 65535,
    timestamp: 4294967295,
    ssrc: 0xcafebabe,
    csrcs: [1, 0xffffffff, 42],
    extension: { profile: 0xbede, data: Uint8Array.of(0x10, 0x22, 0, 0, 0x31, 1, 2, 3) },
    paddingLength: 4,
    payload,
  });
  assert.equal(buf.length, 12 + 12 + 4 + 8 + 160 + 4);
  assert.equal(buf[0], 0x80 | 0x20 | 0x10 | 3);
  const p = parseRtp(buf);
  assert.ok(p);
  assert.equal(p.marker, true);
  assert.equal(p.payloadType, 0);
  assert.equal(p.sequenceNumber, 65535);
  assert.equal(p.timestamp, 4294967295);
  assert.equal(p.ssrc, 0xcafebabe);
  assert.deepEqual(p.csrcs, [1, 0xffffffff, 42]);
  assert.equal(p.extension?.profile, 0xbede);
  assert.deepEqual([...p.extension.data], [0x10, 0x22, 0, 0, 0x31, 1, 2, 3]);
  assert.equal(p.paddingLength, 4);
  assert.deepEqual(Buffer.from(p.payload), Buffer.from(payload));
  assert.equal(rtpPayloadOffset(buf), 36);
  assert.equal(rtpPayloadEnd(buf, 36), buf.length - 4);
  // Serializing the parse result again gives the same bytes.
  assert.deepEqual(serializeRtp({ ...p, csrcs: p.csrcs }), buf);
});

test("extension data that is not a word multiple is zero-padded; wire widths are enforced", () => {
  const buf = serializeRtp({
    payloadType: 0,
    sequenceNumber: 65536 + 7,
    timestamp: 2 ** 32 + 5,
    ssrc: -1,
    extension: { profile: 1, data: Uint8Array.of(9) },
    payload: new Uint8Array(0),
  });
  const p = parseRtp(buf);
  assert.equal(p?.sequenceNumber, 7);
  assert.equal(p.timestamp, 5);
  assert.equal(p.ssrc, 0xffffffff);
  assert.deepEqual([...(p.extension?.data ?? [])], [9, 0, 0, 0]);
  assert.throws(
    () =>
      serializeRtp({
        payloadType: 128,
        sequenceNumber: 0,
        timestamp: 0,
        ssrc: 0,
        payload: new Uint8Array(0),
      }),
    (e: unknown) => e instanceof LinekeyError && e.code === "MEDIA_ERR_FORMAT",
  );
  assert.throws(
    () =>
      serializeRtp({
        payloadType: 0,
        sequenceNumber: 0,
        timestamp: 0,
        ssrc: 0,
        csrcs: new Array<number>(16).fill(1),
        payload: new Uint8Array(0),
      }),
    (e: unknown) => e instanceof LinekeyError && e.code === "MEDIA_ERR_FORMAT",
  );
});

test("garbage parses to undefined", () => {
  const good = serializeRtp({
    payloadType: 0,
    sequenceNumber: 1,
    timestamp: 1,
    ssrc: 1,
    payload: new Uint8Array(20),
  });
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["short", good.subarray(0, 11)],
    ["version 1", Buffer.concat([Buffer.of(0x40), good.subarray(1)])],
    ["version 0 (STUN-like)", Buffer.concat([Buffer.of(0x00, 0x01), good.subarray(2)])],
    ["CSRC count overruns", Buffer.concat([Buffer.of(0x8f), good.subarray(1, 16)])],
    ["extension header overruns", Buffer.concat([Buffer.of(0x90), good.subarray(1, 14)])],
    [
      "extension length overruns",
      Buffer.concat([Buffer.of(0x90), good.subarray(1, 12), Buffer.of(0, 1, 0xff, 0xff), Buffer.alloc(8)]),
    ],
    ["padding count zero", Buffer.concat([Buffer.of(0xa0), good.subarray(1, 31), Buffer.of(0)])],
    ["padding overruns payload", Buffer.concat([Buffer.of(0xa0), good.subarray(1, 31), Buffer.of(200)])],
    ["RTCP", Buffer.of(0x80, 200, 0, 6, ...new Array<number>(24).fill(0))],
  ];
  for (const [name, buf] of cases) assert.equal(parseRtp(buf), undefined, name);
  assert.ok(parseRtp(good));
});

test("random bytes never throw", () => {
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  let parsed = 0;
  for (let i = 0; i < 5000; i++) {
    const buf = Buffer.alloc(rand() % 64);
    for (let j = 0; j < buf.length; j++) buf[j] = rand() & 0xff;
    if (buf.length > 0 && i % 2 === 0) buf[0] = 0x80 | ((buf[0] ?? 0) & 0x3f); // force V=2 often
    if (parseRtp(buf) !== undefined) parsed++;
  }
  assert.ok(parsed > 0, "some random V=2 buffers are valid RTP");
});

test("RTP/RTCP demultiplexing follows RFC 5761 §4", () => {
  const sr = Buffer.of(0x80, 200, 0, 6, ...new Array<number>(24).fill(0));
  const rr = Buffer.of(0x81, 201, 0, 7, ...new Array<number>(28).fill(0));
  const pcmu = Buffer.of(0x80, 0, ...new Array<number>(10).fill(0));
  const pcmuMarker = Buffer.of(0x80, 0x80, ...new Array<number>(10).fill(0));
  const dtmf = Buffer.of(0x80, 101, ...new Array<number>(14).fill(0));
  assert.ok(isRtcp(sr) && !isRtp(sr));
  assert.ok(isRtcp(rr) && !isRtp(rr));
  for (const p of [pcmu, pcmuMarker, dtmf]) assert.ok(isRtp(p) && !isRtcp(p));
  // PT 72 with the marker set is octet 200: indistinguishable from an SR, so it is RTCP.
  assert.ok(isRtcp(Buffer.of(0x80, 0x80 | 72, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
  assert.ok(!isRtp(Buffer.of(0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42, 0, 0, 0, 0)), "STUN is neither");
  assert.ok(!isRtcp(Buffer.of(0x80, 200, 0)), "too short");
});
