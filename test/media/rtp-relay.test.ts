import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ALAW_TO_ULAW, ULAW_TO_ALAW } from "../../src/media/g711.ts";
import { RtpPortPool } from "../../src/media/port-pool.ts";
import { parseRtp } from "../../src/media/rtp-packet.ts";
import {
  nativeForwarderAvailable,
  nativeForwarderUnavailableReason,
} from "../../src/media/native-forwarder.ts";
import { RtpRelay, type RelayPath } from "../../src/media/rtp-relay.ts";
import { PromptPlayer } from "../../src/media/prompt-player.ts";
import { generateTone } from "../../src/media/tone.ts";
import type { RtpAddress } from "../../src/media/relay-leg.ts";
import { LinekeyError } from "../../src/util/errors.ts";
import { LOOPBACK, freeRange, relayFixture, rtp, waitUntil } from "./helpers.ts";

const fx = relayFixture(48);
const { endpoint } = fx;

// Every test runs on both forwarding paths; the native one only where the addon is built.
const PATHS: readonly RelayPath[] = ["js", "native"];
for (const path of PATHS) {
  const skip =
    path === "native" && !nativeForwarderAvailable() ? (nativeForwarderUnavailableReason() ?? true) : false;
  describe(`${path} path`, { skip }, () => relayTests(path));
}

function relayTests(path: RelayPath): void {
  async function relay(opts: Parameters<typeof RtpRelay.create>[1] = {}): Promise<RtpRelay> {
    const r = await fx.relay({ ...opts, native: path === "native" });
    assert.equal(r.path, path);
    return r;
  }

  test("packets flow both ways unchanged and the counters match", async () => {
    const phoneA = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({ a: { remote: phoneA.address }, b: { remote: phoneB.address } });
    const sentAB = Array.from({ length: 20 }, (_, i) => rtp(i, { ssrc: 0xa, fill: i }));
    const sentBA = Array.from({ length: 15 }, (_, i) => rtp(100 + i, { ssrc: 0xb, fill: 200 - i }));
    for (const p of sentAB) phoneA.send(p, r.a.localPort);
    for (const p of sentBA) phoneB.send(p, r.b.localPort);
    await phoneB.waitFor(20);
    await phoneA.waitFor(15);
    const sortBySeq = (xs: { msg: Buffer }[]): Buffer[] =>
      xs.map((x) => x.msg).sort((x, y) => x.readUInt16BE(2) - y.readUInt16BE(2));
    assert.deepEqual(sortBySeq(phoneB.received), sentAB, "byte-identical A→B");
    assert.deepEqual(sortBySeq(phoneA.received), sentBA, "byte-identical B→A");
    assert.ok(
      phoneB.received.every((x) => x.port === r.b.localPort),
      "B hears the relay's B port",
    );
    assert.ok(
      phoneA.received.every((x) => x.port === r.a.localPort),
      "A hears the relay's A port",
    );
    assert.deepEqual(r.stats(), {
      a: { packetsIn: 20, bytesIn: 20 * 172, packetsOut: 15, bytesOut: 15 * 172, dropped: 0 },
      b: { packetsIn: 15, bytesIn: 15 * 172, packetsOut: 20, bytesOut: 20 * 172, dropped: 0 },
    });
  });

  test("µ-law ↔ A-law legs are transcoded: payload and PT rewritten, seq/ts/SSRC/marker kept", async () => {
    const phoneA = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({
      a: { remote: phoneA.address, codec: "ulaw" },
      b: { remote: phoneB.address, codec: "alaw" },
    });
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    phoneA.send(rtp(7, { pt: 0, marker: true, payload: all.subarray(0, 160), ssrc: 0x51 }), r.a.localPort);
    phoneA.send(rtp(8, { pt: 0, payload: all.subarray(96), ssrc: 0x51 }), r.a.localPort);
    // RFC 4733 telephone-event is not audio: it passes with its own PT.
    const dtmf = rtp(9, { pt: 101, payload: Uint8Array.of(5, 0x8a, 0, 160) });
    phoneA.send(dtmf, r.a.localPort);
    phoneB.send(rtp(50, { pt: 8, payload: all.subarray(0, 160), ssrc: 0x52 }), r.b.localPort);
    await phoneB.waitFor(3);
    await phoneA.waitFor(1);

    const toB = phoneB.received
      .map((x) => parseRtp(x.msg))
      .sort((x, y) => (x?.sequenceNumber ?? 0) - (y?.sequenceNumber ?? 0));
    const [p7, p8, p9] = toB;
    assert.ok(p7 && p8 && p9);
    assert.equal(p7.payloadType, 8);
    assert.equal(p7.marker, true);
    assert.equal(p7.timestamp, 7 * 160);
    assert.equal(p7.ssrc, 0x51);
    assert.deepEqual(
      [...p7.payload],
      [...all.subarray(0, 160)].map((c) => ULAW_TO_ALAW[c]),
    );
    assert.equal(p8.payloadType, 8);
    assert.equal(p8.marker, false);
    assert.deepEqual(
      [...p8.payload],
      [...all.subarray(96)].map((c) => ULAW_TO_ALAW[c]),
    );
    assert.equal(p9.payloadType, 101);
    assert.deepEqual(phoneB.received.find((x) => x.msg.readUInt16BE(2) === 9)?.msg, dtmf);

    const toA = parseRtp(phoneA.received[0]?.msg ?? Buffer.alloc(0));
    assert.equal(toA?.payloadType, 0);
    assert.equal(toA.sequenceNumber, 50);
    assert.deepEqual(
      [...toA.payload],
      [...all.subarray(0, 160)].map((c) => ALAW_TO_ULAW[c]),
    );
  });

  test("same codec with different dynamic payload types only rewrites the PT", async () => {
    const phoneA = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({
      a: { remote: phoneA.address, codec: "ilbc", payloadType: 97 },
      b: { remote: phoneB.address, codec: "ilbc", payloadType: 102 },
    });
    const sent = rtp(1, { pt: 97, marker: true, fill: 0x42 });
    phoneA.send(sent, r.a.localPort);
    await phoneB.waitFor(1);
    const got = phoneB.received[0]?.msg;
    assert.equal(got?.[1], 0x80 | 102, "PT rewritten, marker kept");
    assert.deepEqual(got.subarray(2), sent.subarray(2), "everything else unchanged");
  });

  test("SSRC rewrite applies to the chosen leg only", async () => {
    const phoneA = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({ a: { remote: phoneA.address }, b: { remote: phoneB.address, ssrc: 0xfeedf00d } });
    phoneA.send(rtp(1, { ssrc: 1 }), r.a.localPort);
    phoneB.send(rtp(1, { ssrc: 2 }), r.b.localPort);
    await phoneB.waitFor(1);
    await phoneA.waitFor(1);
    assert.equal(phoneB.received[0]?.msg.readUInt32BE(8), 0xfeedf00d);
    assert.equal(phoneA.received[0]?.msg.readUInt32BE(8), 2);
    r.setSsrc("b", undefined);
    phoneA.send(rtp(2, { ssrc: 1 }), r.a.localPort);
    await phoneB.waitFor(2);
    assert.equal(phoneB.received[1]?.msg.readUInt32BE(8), 1, "rewrite can be switched off");
  });

  test("latching learns a NAT'd phone's address from its first packet", async () => {
    const natPhone = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({ a: { latch: "any" }, b: { remote: phoneB.address } });
    const learned: [string, RtpAddress][] = [];
    r.on("latched", (leg, remote) => learned.push([leg, remote]));
    // Before A sends anything B's audio has nowhere to go.
    phoneB.send(rtp(1), r.b.localPort);
    await waitUntil(() => r.stats().b.dropped === 1, "B's packet dropped");
    natPhone.send(rtp(1), r.a.localPort);
    await phoneB.waitFor(1);
    assert.deepEqual(learned, [["a", natPhone.address]]);
    assert.deepEqual(r.a.remote, natPhone.address);
    assert.ok(r.a.latched);
    phoneB.send(rtp(2), r.b.localPort);
    await natPhone.waitFor(1);
    // Another source on leg A is refused once latched.
    const intruder = await endpoint();
    intruder.send(rtp(3), r.a.localPort);
    await waitUntil(() => r.stats().a.dropped === 1, "intruder dropped");
    assert.equal(phoneB.received.length, 1);
  });

  test("latch host: the signalled host is kept, the port is learned", async () => {
    const phone = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({
      a: { latch: "host", remote: { address: LOOPBACK, port: 9 } }, // SDP port rewritten by NAT
      b: { remote: phoneB.address },
    });
    phone.send(rtp(1), r.a.localPort);
    await phoneB.waitFor(1);
    assert.deepEqual(r.a.remote, phone.address);
    // Re-signalling restarts latching: a packet from a host other than the new one is refused.
    r.setRemote("a", { address: "127.0.0.9", port: 4000 });
    assert.equal(r.a.latched, false);
    phone.send(rtp(2), r.a.localPort);
    await waitUntil(() => r.stats().a.dropped === 1, "wrong-host packet dropped");
    assert.deepEqual(r.a.remote, { address: "127.0.0.9", port: 4000 });
  });

  test("latch off: only the signalled host is accepted", async () => {
    const phoneA = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({
      a: { remote: { address: "127.0.0.9", port: 4000 } },
      b: { remote: phoneB.address },
    });
    phoneA.send(rtp(1), r.a.localPort);
    await waitUntil(() => r.stats().a.dropped === 1, "packet from an unexpected host dropped");
    r.setRemote("a", phoneA.address);
    phoneA.send(rtp(2), r.a.localPort);
    await phoneB.waitFor(1);
    assert.equal(phoneB.received[0]?.msg.readUInt16BE(2), 2);
    assert.equal(r.a.latched, false);
  });

  test("non-RTP datagrams (garbage, RTCP, STUN) are dropped, never forwarded", async () => {
    const phoneA = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({ a: { remote: phoneA.address }, b: { remote: phoneB.address } });
    phoneA.send(Buffer.of(1, 2, 3), r.a.localPort);
    phoneA.send(Buffer.of(0x80, 200, 0, 6, ...new Array<number>(24).fill(0)), r.a.localPort);
    phoneA.send(
      Buffer.of(0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42, ...new Array<number>(12).fill(0)),
      r.a.localPort,
    );
    phoneA.send(rtp(1), r.a.localPort);
    await phoneB.waitFor(1);
    await waitUntil(() => r.stats().a.packetsIn === 4, "all four received");
    assert.equal(r.stats().a.dropped, 3);
    assert.equal(phoneB.received.length, 1);
  });

  test("hold stops one direction only, and resumes", async () => {
    const phoneA = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({ a: { remote: phoneA.address }, b: { remote: phoneB.address } });
    r.hold("b");
    assert.ok(r.b.held);
    for (let i = 0; i < 5; i++) phoneA.send(rtp(i), r.a.localPort);
    for (let i = 0; i < 5; i++) phoneB.send(rtp(i), r.b.localPort);
    await phoneA.waitFor(5);
    await waitUntil(() => r.stats().a.packetsIn === 5, "A's packets reached the relay");
    assert.equal(r.stats().a.dropped, 5, "nothing forwarded toward the held side");
    assert.equal(r.stats().b.packetsOut, 0);
    assert.equal(phoneB.received.length, 0);
    r.hold("b", false);
    phoneA.send(rtp(10), r.a.localPort);
    await phoneB.waitFor(1);
    assert.equal(phoneB.received[0]?.msg.readUInt16BE(2), 10);
  });

  test("codec change mid-call takes effect on the next packet", async () => {
    const phoneA = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({ a: { remote: phoneA.address }, b: { remote: phoneB.address } });
    phoneA.send(rtp(1, { fill: 0x00 }), r.a.localPort);
    await phoneB.waitFor(1);
    r.setCodec("b", "alaw");
    phoneA.send(rtp(2, { fill: 0x00 }), r.a.localPort);
    await phoneB.waitFor(2);
    assert.equal(phoneB.received[0]?.msg[1], 0);
    assert.equal(phoneB.received[1]?.msg[1], 8);
    assert.equal(phoneB.received[1].msg[12], ULAW_TO_ALAW[0]);
  });

  test("a prompt plays to a leg from the leg's own port while the relay holds toward it", async () => {
    const phoneA = await endpoint();
    const phoneB = await endpoint();
    const r = await relay({ a: { remote: phoneA.address }, b: { remote: phoneB.address } });
    r.hold("a");
    const remote = r.a.remote;
    assert.ok(remote);
    const player = new PromptPlayer(r.a.rtpSocket, { remote });
    const done = new Promise<string>((resolve) => player.on("ended", resolve));
    player.play(generateTone({ frequency: 1000, durationMs: 40 }));
    phoneB.send(rtp(1), r.b.localPort); // B talks meanwhile: not mixed into the prompt
    assert.equal(await done, "finished");
    await phoneA.waitFor(2);
    await waitUntil(() => r.stats().b.dropped === 1, "B's packet held back");
    assert.ok(phoneA.received.every((x) => x.port === r.a.localPort));
    assert.equal(phoneA.received.length, 2);
    player.close();
    assert.equal(r.a.closed, false, "the player does not close a borrowed socket");
  });

  test("close frees both port pairs; a failed create leaves no port behind", async () => {
    const base = fx.pool.inUse;
    const r = await RtpRelay.create(fx.pool, { native: path === "native" });
    assert.equal(r.path, path);
    assert.equal(fx.pool.inUse, base + 2);
    r.close();
    r.close();
    assert.ok(r.closed && r.a.closed && r.b.closed);
    assert.equal(fx.pool.inUse, base);

    const tiny = new RtpPortPool({ ...(await freeRange(1)), host: LOOPBACK });
    await assert.rejects(
      RtpRelay.create(tiny, { native: path === "native" }),
      (e: unknown) => e instanceof LinekeyError && e.code === "MEDIA_ERR_NO_PORTS",
    );
    assert.equal(tiny.inUse, 0);
    tiny.close();
  });
}
