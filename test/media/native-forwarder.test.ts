import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import {
  nativeForwarderAvailable,
  nativeForwarderUnavailableReason,
  nativeSessionCount,
} from "../../src/media/native-forwarder.ts";
import { RtpPortPool } from "../../src/media/port-pool.ts";
import type { RtpAddress } from "../../src/media/relay-leg.ts";
import { RtpRelay } from "../../src/media/rtp-relay.ts";
import { LOOPBACK, freeRange, relayFixture, rtp, waitUntil } from "./helpers.ts";

const fx = relayFixture(32);
const { endpoint, relay } = fx;

/** Counts what libuv delivers on a relay socket: on the native path it must stay 0. */
function spy(socket: Socket): { count: number } {
  const seen = { count: 0 };
  socket.on("message", () => seen.count++);
  return seen;
}

function bindTo(address: string, port = 0): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(port, address, () => {
      s.off("error", reject);
      resolve(s);
    });
  });
}

function bySeq(xs: readonly { msg: Buffer }[]): Buffer[] {
  return xs.map((x) => x.msg).sort((x, y) => x.readUInt16BE(2) - y.readUInt16BE(2));
}

const unavailable = nativeForwarderAvailable() ? false : (nativeForwarderUnavailableReason() ?? true);

describe("native forwarder", { skip: unavailable }, () => {
  test("relays both ways byte-identical in batches, counts, and libuv never reads the sockets", async () => {
    const sessions = nativeSessionCount();
    const phoneA = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({ a: { remote: phoneA.address }, b: { remote: phoneB.address } });
    assert.equal(r.path, "native");
    assert.equal(nativeSessionCount(), sessions + 1);
    const seenA = spy(r.a.rtpSocket);
    const seenB = spy(r.b.rtpSocket);
    // More than one recvmmsg batch (32) on leg A.
    const sentAB = Array.from({ length: 100 }, (_, i) => rtp(i, { ssrc: 0xa, fill: i }));
    const sentBA = Array.from({ length: 40 }, (_, i) => rtp(1000 + i, { ssrc: 0xb, fill: 255 - i }));
    for (const p of sentAB) phoneA.send(p, r.a.localPort);
    for (const p of sentBA) phoneB.send(p, r.b.localPort);
    await phoneB.waitFor(100);
    await phoneA.waitFor(40);
    assert.deepEqual(bySeq(phoneB.received), sentAB);
    assert.deepEqual(bySeq(phoneA.received), sentBA);
    assert.ok(
      phoneB.received.every((x) => x.port === r.b.localPort),
      "sent from B's port",
    );
    assert.ok(
      phoneA.received.every((x) => x.port === r.a.localPort),
      "sent from A's port",
    );
    assert.deepEqual(r.stats(), {
      a: { packetsIn: 100, bytesIn: 100 * 172, packetsOut: 40, bytesOut: 40 * 172, dropped: 0 },
      b: { packetsIn: 40, bytesIn: 40 * 172, packetsOut: 100, bytesOut: 100 * 172, dropped: 0 },
    });
    assert.deepEqual([seenA.count, seenB.count], [0, 0], "no datagram reached libuv");
  });

  test("hold drops toward the held leg only, counted on the sender, and resumes", async () => {
    const phoneA = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({ a: { remote: phoneA.address }, b: { remote: phoneB.address } });
    r.hold("b");
    for (let i = 0; i < 5; i++) phoneA.send(rtp(i), r.a.localPort);
    phoneB.send(rtp(50), r.b.localPort);
    await phoneA.waitFor(1);
    await waitUntil(() => r.stats().a.packetsIn === 5, "A's packets reached the engine");
    assert.equal(r.stats().a.dropped, 5);
    assert.equal(r.stats().b.packetsOut, 0);
    r.hold("b", false);
    phoneA.send(rtp(9), r.a.localPort);
    await phoneB.waitFor(1);
    assert.deepEqual(
      phoneB.received.map((x) => x.msg.readUInt16BE(2)),
      [9],
    );
    assert.equal(r.stats().a.dropped, 5);
  });

  test("latch host: only the signalled host is accepted, its port adopted on the first packet", async () => {
    const phone = await endpoint();
    const phoneB = await endpoint();
    const otherHost = await bindTo("127.0.0.2");
    const r = await relay({
      a: { latch: "host", remote: { address: LOOPBACK, port: 9 } },
      b: { remote: phoneB.address },
    });
    const learned: RtpAddress[] = [];
    r.on("latched", (_leg, remote) => learned.push(remote));
    try {
      otherHost.send(rtp(1), r.a.localPort, LOOPBACK);
      await waitUntil(() => r.stats().a.dropped === 1, "packet from another host dropped");
      assert.equal(r.a.latched, false);
      phone.send(rtp(2), r.a.localPort);
      await phoneB.waitFor(1);
      await waitUntil(() => learned.length === 1, "latched event");
      assert.deepEqual(learned, [phone.address]);
      assert.deepEqual(r.a.remote, phone.address);
      assert.ok(r.a.latched);
      // Once latched, the same host from another port is refused...
      const samePhoneOtherPort = await endpoint();
      samePhoneOtherPort.send(rtp(3), r.a.localPort);
      await waitUntil(() => r.stats().a.dropped === 2, "other port dropped");
      // ...and B's packets go to the learned port, not the signalled one.
      phoneB.send(rtp(4), r.b.localPort);
      await phone.waitFor(1);
      assert.equal(phone.received[0]?.msg.readUInt16BE(2), 4);
      assert.equal(phoneB.received.length, 1);
    } finally {
      otherHost.close();
    }
  });

  test("close lets go of the sockets at once: the ports can be bound again", async () => {
    const sessions = nativeSessionCount();
    const r = await RtpRelay.create(fx.pool);
    assert.equal(r.path, "native");
    const ports = [r.a.localPort, r.b.localPort];
    r.close();
    assert.equal(nativeSessionCount(), sessions);
    assert.equal(r.path, "js");
    const rebound = await Promise.all(ports.map((p) => bindTo(LOOPBACK, p)));
    for (const s of rebound) s.close();
  });

  test("a pool closing the sockets under a relay also detaches it", async () => {
    const own = new RtpPortPool({ ...(await freeRange(2)), host: LOOPBACK });
    const sessions = nativeSessionCount();
    const r = await RtpRelay.create(own);
    assert.equal(nativeSessionCount(), sessions + 1);
    own.close();
    await waitUntil(() => nativeSessionCount() === sessions, "engine let go after the sockets closed");
    r.close();
  });

  test("a host-name remote moves the relay to the JS path mid-call, keeping counters and latches", async () => {
    const phoneA = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({ a: { latch: "any" }, b: { remote: phoneB.address } });
    const seenA = spy(r.a.rtpSocket);
    phoneA.send(rtp(1), r.a.localPort);
    await phoneB.waitFor(1);
    assert.equal(r.path, "native");
    assert.equal(seenA.count, 0);
    r.setRemote("b", { address: "localhost", port: phoneB.port });
    assert.equal(r.path, "js");
    assert.ok(r.a.latched, "A's latch survives the move");
    assert.deepEqual(r.a.remote, phoneA.address);
    assert.deepEqual(r.stats().a, { packetsIn: 1, bytesIn: 172, packetsOut: 0, bytesOut: 0, dropped: 0 });
    assert.deepEqual(r.stats().b, { packetsIn: 0, bytesIn: 0, packetsOut: 1, bytesOut: 172, dropped: 0 });
    // libuv reads again: A's next packet is seen by JS and sent to B's host name.
    phoneA.send(rtp(2), r.a.localPort);
    await phoneB.waitFor(2);
    assert.equal(seenA.count, 1);
    assert.equal(phoneB.received[1]?.msg.readUInt16BE(2), 2);
    assert.equal(r.stats().a.packetsIn, 2);
    assert.equal(r.stats().b.packetsOut, 2);
  });

  test("LINEKEY_NATIVE_RTP=0 and native: false keep new relays on the JS path", async () => {
    const phoneA = await endpoint();
    const phoneB = await endpoint();
    const saved = process.env.LINEKEY_NATIVE_RTP;
    process.env.LINEKEY_NATIVE_RTP = "0";
    let forcedOff: RtpRelay;
    try {
      assert.equal(nativeForwarderAvailable(), false);
      assert.equal(nativeForwarderUnavailableReason(), "LINEKEY_NATIVE_RTP=0");
      forcedOff = await relay({ a: { remote: phoneA.address }, b: { remote: phoneB.address } });
    } finally {
      if (saved === undefined) delete process.env.LINEKEY_NATIVE_RTP;
      else process.env.LINEKEY_NATIVE_RTP = saved;
    }
    assert.equal(forcedOff.path, "js");
    const optedOut = await relay({
      native: false,
      a: { remote: phoneA.address },
      b: { remote: phoneB.address },
    });
    assert.equal(optedOut.path, "js");
    const seen = spy(forcedOff.a.rtpSocket);
    phoneA.send(rtp(1), forcedOff.a.localPort);
    phoneA.send(rtp(2), optedOut.a.localPort);
    await phoneB.waitFor(2);
    assert.equal(seen.count, 1, "the JS path reads through libuv");
    assert.equal(nativeForwarderAvailable(), true, "the switch is read per relay");
  });
});
