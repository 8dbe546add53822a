// The conference mixer of two-way paging, driven directly with loopback sockets.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { AudioMixer } from "../../src/media/mixer.ts";
import { RtpPortPool } from "../../src/media/port-pool.ts";
import { decodeG711, encodeG711, type G711Law } from "../../src/media/g711.ts";
import { parseRtp, serializeRtp } from "../../src/media/rtp-packet.ts";
import { freeRange, waitUntil } from "./support/harness.ts";
import { LOOPBACK } from "./support/test-channel.ts";

let pool: RtpPortPool;
before(async () => {
  pool = new RtpPortPool({ ...(await freeRange(8)), host: LOOPBACK });
});
after(() => pool.close());

/** A phone: a loopback socket that records the mean level of every packet it receives. */
class Phone {
  readonly levels: number[] = [];
  readonly pts: number[] = [];
  private seq = 0;
  private constructor(readonly socket: Socket) {
    socket.on("message", (msg) => {
      const p = parseRtp(msg);
      if (!p) return;
      this.pts.push(p.payloadType);
      const pcm = decodeG711(p.payloadType === 8 ? "alaw" : "ulaw", p.payload);
      this.levels.push(pcm.reduce((a, b) => a + b, 0) / Math.max(1, pcm.length));
    });
  }
  static open(): Promise<Phone> {
    return new Promise((resolve) => {
      const s = createSocket("udp4");
      s.bind(0, LOOPBACK, () => resolve(new Phone(s)));
    });
  }
  get address(): { address: string; port: number } {
    return { address: LOOPBACK, port: this.socket.address().port };
  }
  /** Sends `count` 20 ms frames of a constant level. */
  talk(port: number, level: number, count: number, law: G711Law = "ulaw", pt = law === "ulaw" ? 0 : 8): void {
    const payload = encodeG711(law, new Int16Array(160).fill(level));
    for (let i = 0; i < count; i++) {
      const seq = this.seq++;
      this.socket.send(
        serializeRtp({ payloadType: pt, sequenceNumber: seq, timestamp: seq * 160, ssrc: 7, payload }),
        port,
        LOOPBACK,
      );
    }
  }
  close(): void {
    this.socket.close();
  }
}

const near = (levels: number[], want: number, tol = 0.08): boolean =>
  levels.some((l) => Math.abs(l - want) <= Math.abs(want) * tol);

test("each participant hears the others' sum, never himself; A-law and µ-law mix", async () => {
  const mixer = new AudioMixer(pool);
  const [a, b, c] = [await Phone.open(), await Phone.open(), await Phone.open()];
  try {
    const pa = await mixer.addParticipant({ name: "a", remote: a.address });
    const pb = await mixer.addParticipant({ name: "b", remote: b.address, codec: "alaw" });
    const pc = await mixer.addParticipant({ name: "c", remote: c.address });
    assert.equal(pool.inUse, 3);
    // Bursts of 4 frames (80 ms) fit in the 100 ms queue, so every tick while they drain mixes all.
    for (
      let round = 0;
      round < 50 && !(near(a.levels, 5000) && near(b.levels, 4000) && near(c.levels, 3000));
      round++
    ) {
      a.talk(pa.localPort, 1000, 4);
      b.talk(pb.localPort, 2000, 4, "alaw");
      c.talk(pc.localPort, 3000, 4);
      await new Promise((r) => setTimeout(r, 40));
    }
    assert.ok(near(a.levels, 5000), "a hears b + c");
    assert.ok(near(b.levels, 4000), "b hears a + c");
    assert.ok(near(c.levels, 3000), "c hears a + b");
    assert.ok(Math.max(...a.levels) < 5000 * 1.08, "a never hears himself");
    assert.ok(
      b.pts.every((pt) => pt === 8),
      "b receives A-law",
    );
    assert.ok(a.pts.every((pt) => pt === 0));
    assert.ok(pa.stats().packetsIn > 0 && pa.stats().packetsOut > 0);
  } finally {
    mixer.close();
    for (const p of [a, b, c]) p.close();
  }
  assert.equal(pool.inUse, 0, "close returns every port");
});

test("sums are clipped to 16 bits; muted participants and other payload types are not mixed", async () => {
  const mixer = new AudioMixer(pool);
  const [a, b, c] = [await Phone.open(), await Phone.open(), await Phone.open()];
  try {
    const pa = await mixer.addParticipant({ remote: a.address });
    const pb = await mixer.addParticipant({ remote: b.address });
    const pc = await mixer.addParticipant({ remote: c.address, muted: true });
    for (let round = 0; round < 50 && !near(c.levels, 32124, 0.02); round++) {
      a.talk(pa.localPort, 30000, 4);
      b.talk(pb.localPort, 30000, 4);
      c.talk(pc.localPort, 8000, 4);
      a.talk(pa.localPort, -20000, 4, "ulaw", 101); // telephone-event PT: dropped
      await new Promise((r) => setTimeout(r, 40));
    }
    assert.ok(near(c.levels, 32124, 0.02), "60000 clipped to µ-law's largest value");
    assert.ok(Math.max(...a.levels) < 30000 * 1.05, "a hears b only: the muted c adds nothing");
    assert.ok(Math.min(...a.levels) >= 0, "the PT 101 packets were not mixed");
    assert.ok(pc.stats().dropped > 0);
    mixer.removeParticipant(pb);
    assert.equal(pool.inUse, 2, "a removed participant's port returns at once");
  } finally {
    mixer.close();
    for (const p of [a, b, c]) p.close();
  }
  assert.equal(pool.inUse, 0);
});

test("adding to a closed mixer fails with MEDIA_ERR_CLOSED and leaks nothing", async () => {
  const mixer = new AudioMixer(pool);
  const pending = mixer.addParticipant();
  mixer.close();
  await assert.rejects(pending, { code: "MEDIA_ERR_CLOSED" });
  await assert.rejects(mixer.addParticipant(), { code: "MEDIA_ERR_CLOSED" });
  await waitUntil(() => pool.inUse === 0, "ports returned");
});
