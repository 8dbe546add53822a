import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ULAW_TO_ALAW } from "../../src/media/g711.ts";
import { RtpPortPool } from "../../src/media/port-pool.ts";
import { RtpFanout } from "../../src/media/rtp-fanout.ts";
import { LinekeyError } from "../../src/util/errors.ts";
import { LOOPBACK, UdpEndpoint, freeRange, rtp, waitUntil } from "./helpers.ts";

let pool: RtpPortPool;
const endpoints: UdpEndpoint[] = [];
const fanouts: RtpFanout[] = [];

before(async () => {
  pool = new RtpPortPool({ ...(await freeRange(24)), host: LOOPBACK });
});
after(() => {
  for (const f of fanouts) f.close();
  for (const e of endpoints) e.close();
  pool.close();
});

async function endpoint(): Promise<UdpEndpoint> {
  const e = await UdpEndpoint.open();
  endpoints.push(e);
  return e;
}

test("a page reaches every destination, each in its own codec, one-way only", async () => {
  const caller = await endpoint();
  const [p1, p2, p3] = [await endpoint(), await endpoint(), await endpoint()];
  const f = await RtpFanout.create(pool, { source: { remote: caller.address } });
  fanouts.push(f);
  const d1 = await f.addDestination({ name: "sccp-100", remote: p1.address });
  const d2 = await f.addDestination({ name: "sip-200", remote: p2.address, codec: "alaw" });
  const d3 = await f.addDestination({ name: "sccp-101", remote: p3.address, ssrc: 0x77 });
  assert.equal(pool.inUse, 4);
  const payload = Uint8Array.from({ length: 160 }, (_, i) => i);
  const sent = Array.from({ length: 10 }, (_, i) => rtp(i, { payload, ssrc: 0x99 }));
  for (const p of sent) caller.send(p, f.source.localPort);
  await p1.waitFor(10);
  await p2.waitFor(10);
  await p3.waitFor(10);

  const bySeq = (e: UdpEndpoint): Buffer[] =>
    e.received.map((x) => x.msg).sort((a, b) => a.readUInt16BE(2) - b.readUInt16BE(2));
  assert.deepEqual(bySeq(p1), sent, "same codec: byte-identical");
  assert.ok(
    p1.received.every((x) => x.port === d1.localPort),
    "sent from the destination's own port",
  );
  for (const [i, m] of bySeq(p2).entries()) {
    assert.equal(m[1], 8);
    assert.equal(m.readUInt16BE(2), i);
    assert.equal(m.readUInt32BE(8), 0x99);
    assert.deepEqual(
      [...m.subarray(12)],
      [...payload].map((c) => ULAW_TO_ALAW[c]),
    );
  }
  for (const m of bySeq(p3)) {
    assert.equal(m.readUInt32BE(8), 0x77);
    assert.deepEqual(m.subarray(12), Buffer.from(payload));
  }

  // What a paged phone sends goes nowhere (the caller hears nothing) but is counted.
  p2.send(rtp(1), d2.localPort);
  await waitUntil(() => d2.stats().packetsIn === 1, "paged phone's packet received");
  assert.equal(d2.stats().dropped, 1);
  assert.equal(caller.received.length, 0);
  const s = f.stats();
  assert.equal(s.source.packetsIn, 10);
  assert.equal(s.source.dropped, 0);
  assert.deepEqual(
    s.destinations.map((d) => [d.name, d.packetsOut]),
    [
      ["sccp-100", 10],
      ["sip-200", 10],
      ["sccp-101", 10],
    ],
  );
  assert.ok(d3.stats().bytesOut === 10 * 172);
});

test("destinations join, hold and leave while the page runs; close frees every port", async () => {
  const caller = await endpoint();
  const [p1, p2] = [await endpoint(), await endpoint()];
  const base = pool.inUse;
  const f = await RtpFanout.create(pool, { source: { latch: "any" } });
  fanouts.push(f);
  // No destination yet: the packet is dropped (and the caller's address is latched).
  caller.send(rtp(0), f.source.localPort);
  await waitUntil(() => f.stats().source.dropped === 1, "packet without destinations dropped");
  assert.deepEqual(f.source.remote, caller.address);

  const d1 = await f.addDestination({ remote: p1.address });
  // A NAT'd SIP phone: its address is learned from what it sends.
  const d2 = await f.addDestination({ latch: "any" });
  p2.send(rtp(0), d2.localPort);
  await waitUntil(() => d2.latched, "destination latched");
  caller.send(rtp(1), f.source.localPort);
  await p1.waitFor(1);
  await p2.waitFor(1);

  d1.setHeld(true);
  caller.send(rtp(2), f.source.localPort);
  await p2.waitFor(2);
  assert.equal(p1.received.length, 1, "held destination skipped");
  d1.setHeld(false);

  f.removeDestination(d1);
  assert.ok(d1.closed);
  assert.deepEqual(
    f.destinations.map((d) => d.name),
    [d2.name],
  );
  caller.send(rtp(3), f.source.localPort);
  await p2.waitFor(3);
  assert.equal(p1.received.length, 1);
  assert.equal(pool.inUse, base + 2);

  f.close();
  assert.equal(pool.inUse, base, "no RTP port left behind");
  await assert.rejects(
    f.addDestination(),
    (e: unknown) => e instanceof LinekeyError && e.code === "MEDIA_ERR_CLOSED",
  );
  assert.equal(pool.inUse, base);
});
