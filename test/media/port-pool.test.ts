import { after, test } from "node:test";
import assert from "node:assert/strict";
import { RtpPortPool, type RtpPortPair } from "../../src/media/port-pool.ts";
import { LinekeyError } from "../../src/util/errors.ts";
import { LOOPBACK, UdpEndpoint, freeRange } from "./helpers.ts";

const pools: RtpPortPool[] = [];
const endpoints: UdpEndpoint[] = [];
after(() => {
  for (const p of pools) p.close();
  for (const e of endpoints) e.close();
});

async function pool(pairs: number): Promise<RtpPortPool> {
  const p = new RtpPortPool({ ...(await freeRange(pairs)), host: LOOPBACK });
  pools.push(p);
  return p;
}

function isCode(code: string): (e: unknown) => boolean {
  return (e: unknown) => e instanceof LinekeyError && e.code === code;
}

test("pairs are even RTP / odd RTCP, really bound, and inUse returns to 0", async () => {
  const p = await pool(8);
  assert.equal(p.capacity, 8);
  for (let round = 0; round < 30; round++) {
    const got: RtpPortPair[] = [];
    for (let i = 0; i < 5; i++) got.push(await p.allocate());
    assert.equal(p.inUse, 5);
    assert.equal(new Set(got.map((g) => g.rtpPort)).size, 5, "distinct pairs");
    for (const g of got) {
      assert.equal(g.rtpPort % 2, 0);
      assert.equal(g.rtcpPort, g.rtpPort + 1);
      assert.equal(g.rtp.address().port, g.rtpPort);
      assert.equal(g.rtcp.address().port, g.rtcpPort);
      assert.equal(g.host, LOOPBACK);
    }
    for (const g of got) g.release();
    got[0]?.release(); // a second release is harmless
    assert.equal(p.inUse, 0);
    assert.ok(got.every((g) => g.released));
  }
});

test("concurrent allocations never hand out the same pair", async () => {
  const p = await pool(6);
  const got = await Promise.all(Array.from({ length: 6 }, () => p.allocate()));
  assert.equal(new Set(got.map((g) => g.rtpPort)).size, 6);
  assert.equal(p.inUse, 6);
  for (const g of got) g.release();
  assert.equal(p.inUse, 0);
});

test("exhaustion rejects with MEDIA_ERR_NO_PORTS and a released pair is reusable", async () => {
  const p = await pool(2);
  const a = await p.allocate();
  const b = await p.allocate();
  await assert.rejects(p.allocate(), isCode("MEDIA_ERR_NO_PORTS"));
  assert.equal(p.inUse, 2);
  a.release();
  const c = await p.allocate();
  assert.equal(c.rtpPort, a.rtpPort);
  b.release();
  c.release();
  assert.equal(p.inUse, 0);
});

test("ports held by another program (EADDRINUSE) are skipped", async () => {
  const range = await freeRange(3);
  // Hold pair 0's RTP port and pair 1's RTCP port: only pair 2 is usable.
  endpoints.push(await UdpEndpoint.open(range.rtpStart));
  endpoints.push(await UdpEndpoint.open(range.rtpStart + 3));
  const p = new RtpPortPool({ ...range, host: LOOPBACK });
  pools.push(p);
  const only = await p.allocate();
  assert.equal(only.rtpPort, range.rtpStart + 4);
  await assert.rejects(p.allocate(), (e: unknown) => {
    return isCode("MEDIA_ERR_NO_PORTS")(e) && /2 held by other programs/.test((e as Error).message);
  });
  assert.equal(p.inUse, 1, "failed binds leave nothing reserved");
  only.release();
  assert.equal(p.inUse, 0);
});

test("close() releases outstanding pairs and refuses new ones", async () => {
  const p = await pool(3);
  const a = await p.allocate();
  const pending = p.allocate();
  p.close();
  await assert.rejects(pending, isCode("MEDIA_ERR_CLOSED"));
  assert.ok(a.released);
  assert.equal(p.inUse, 0);
  await assert.rejects(p.allocate(), isCode("MEDIA_ERR_CLOSED"));
});

test("a range without a whole pair is refused", () => {
  assert.throws(() => new RtpPortPool({ rtpStart: 40001, rtpEnd: 40002 }), isCode("MEDIA_ERR_NO_PORTS"));
  assert.throws(() => new RtpPortPool({ rtpStart: 40010, rtpEnd: 40000 }), isCode("MEDIA_ERR_NO_PORTS"));
  assert.equal(new RtpPortPool({ rtpStart: 40001, rtpEnd: 40004 }).capacity, 1, "odd start rounds up");
  assert.equal(new RtpPortPool({ rtpStart: 40000, rtpEnd: 40004 }).capacity, 2, "a lone last port is unused");
});
