import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MAX_FRAME_LENGTH,
  SccpFrameReader,
  decodeMessage,
  encodeMessage,
  makeMessage,
  type FrameResult,
} from "../../src/sccp/protocol/index.ts";

function drain(r: SccpFrameReader): FrameResult[] {
  const out: FrameResult[] = [];
  for (;;) {
    const x = r.next();
    out.push(x);
    if (x.kind !== "message") return out;
  }
}

const REGISTER = encodeMessage(
  makeMessage("Register", {
    deviceName: "SEP0011223344AA",
    deviceType: 8,
    protocolVersion: 11,
    stationIpAddr: "10.1.2.3",
  }),
);
const KEEPALIVE = encodeMessage(makeMessage("KeepAlive"));
const LINESTAT_REQ = encodeMessage(makeMessage("LineStatReq", { lineNumber: 2 }));

test("one message split at every byte position", () => {
  for (let cut = 0; cut <= REGISTER.length; cut++) {
    const r = new SccpFrameReader();
    r.push(REGISTER.subarray(0, cut));
    if (cut < REGISTER.length) assert.equal(r.next().kind, "need-more", `cut ${cut}`);
    r.push(REGISTER.subarray(cut));
    const x = r.next();
    assert.ok(x.kind === "message", `cut ${cut}`);
    assert.equal(x.id, 0x0001);
    assert.equal(x.headerVersion, 0);
    assert.deepEqual(x.raw, REGISTER);
    assert.deepEqual(x.body, REGISTER.subarray(12));
    assert.equal(r.next().kind, "need-more");
    assert.equal(r.buffered, 0);
  }
});

test("one message fed a byte at a time", () => {
  const r = new SccpFrameReader();
  for (let i = 0; i < REGISTER.length - 1; i++) {
    r.push(REGISTER.subarray(i, i + 1));
    assert.equal(r.next().kind, "need-more");
  }
  r.push(REGISTER.subarray(REGISTER.length - 1));
  const x = r.next();
  assert.ok(x.kind === "message");
  assert.deepEqual(x.raw, REGISTER);
});

test("several frames in one chunk, then a partial one", () => {
  const r = new SccpFrameReader();
  r.push(Buffer.concat([KEEPALIVE, LINESTAT_REQ, REGISTER, KEEPALIVE.subarray(0, 5)]));
  const got = drain(r);
  assert.deepEqual(
    got.map((x) => (x.kind === "message" ? x.id : x.kind)),
    [0x0000, 0x000b, 0x0001, "need-more"],
  );
  const ls = got[1];
  assert.ok(ls?.kind === "message");
  assert.deepEqual(decodeMessage(ls.id, ls.body), { type: "LineStatReq", lineNumber: 2 });
  assert.equal(r.buffered, 5);
  r.push(KEEPALIVE.subarray(5));
  assert.equal(r.next().kind, "message");
  assert.equal(r.buffered, 0);
});

test("a stream of many frames in random small chunks comes out whole and in order", () => {
  const frames = [KEEPALIVE, LINESTAT_REQ, REGISTER];
  const stream = Buffer.concat(Array.from({ length: 300 }, (_, i) => frames[i % 3] ?? KEEPALIVE));
  const r = new SccpFrameReader();
  let seed = 12345;
  const got: Buffer[] = [];
  for (let off = 0; off < stream.length;) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const n = 1 + (seed % 29);
    r.push(stream.subarray(off, off + n));
    off += n;
    for (let x = r.next(); x.kind === "message"; x = r.next()) got.push(Buffer.from(x.raw));
  }
  assert.equal(got.length, 300);
  assert.deepEqual(Buffer.concat(got), stream);
});

test("absurd length → malformed, and it stays malformed", () => {
  const r = new SccpFrameReader();
  const bad = Buffer.alloc(12);
  bad.writeUInt32LE(MAX_FRAME_LENGTH + 1, 0);
  r.push(bad);
  const x = r.next();
  assert.equal(x.kind, "malformed");
  r.push(KEEPALIVE);
  assert.equal(r.next().kind, "malformed");
  // The limit itself is accepted.
  const ok = new SccpFrameReader();
  const big = Buffer.alloc(MAX_FRAME_LENGTH + 8);
  big.writeUInt32LE(MAX_FRAME_LENGTH, 0);
  ok.push(big);
  assert.equal(ok.next().kind, "message");
});

test("length < 4 → malformed", () => {
  for (const len of [0, 3]) {
    const r = new SccpFrameReader();
    const b = Buffer.alloc(12);
    b.writeUInt32LE(len, 0);
    r.push(b);
    const x = r.next();
    assert.ok(x.kind === "malformed");
    assert.match(x.reason, /< 4/);
  }
});

test("an unknown id frames normally and decodes to Unknown", () => {
  const r = new SccpFrameReader();
  // id 0x0031 is outside the catalogue (§4: conference bridge / MTP range).
  r.push(Buffer.from("080000000000000031000000aabb", "hex"));
  assert.equal(r.next().kind, "need-more");
  r.push(Buffer.from("ccdd", "hex"));
  const x = r.next();
  assert.ok(x.kind === "message");
  assert.equal(x.id, 0x0031);
  assert.deepEqual(decodeMessage(x.id, x.body), {
    type: "Unknown",
    id: 0x0031,
    body: Buffer.from("aabbccdd", "hex"),
  });
});
