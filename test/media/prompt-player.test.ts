import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { encodeG711 } from "../../src/media/g711.ts";
import { RtpPortPool } from "../../src/media/port-pool.ts";
import { PromptPlayer, type PlaybackEnd, type PlayerClock } from "../../src/media/prompt-player.ts";
import { parseRtp, type RtpPacket } from "../../src/media/rtp-packet.ts";
import { generateSilence, generateTone } from "../../src/media/tone.ts";
import { encodeWav, parseWav } from "../../src/media/wav.ts";
import { LOOPBACK, UdpEndpoint, freeRange } from "./helpers.ts";

/** A manual clock: timers run only when the test advances time. */
class FakeClock implements PlayerClock {
  t = 1000;
  private seq = 0;
  private timers: { at: number; id: number; fn: () => void }[] = [];
  readonly delays: number[] = [];
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, id, fn });
    this.delays.push(ms);
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  get pending(): number {
    return this.timers.length;
  }
  /** Runs every timer due up to `t`, in order, with the clock at each timer's due time. */
  advanceTo(t: number): void {
    for (;;) {
      this.timers.sort((x, y) => x.at - y.at || x.id - y.id);
      const next = this.timers[0];
      if (!next || next.at > t) break;
      this.timers.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = t;
  }
  /** Like a blocked event loop: time jumps to `t` first, then every due timer fires (late). */
  jumpTo(t: number): void {
    this.t = t;
    this.advanceTo(t);
  }
}

let pool: RtpPortPool;
let socket: Socket;
const endpoints: UdpEndpoint[] = [];
const players: PromptPlayer[] = [];

before(async () => {
  pool = new RtpPortPool({ ...(await freeRange(4)), host: LOOPBACK });
  socket = createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, LOOPBACK, r));
});
after(() => {
  for (const p of players) p.close();
  for (const e of endpoints) e.close();
  socket.close();
  pool.close();
});

async function receiver(): Promise<UdpEndpoint> {
  const e = await UdpEndpoint.open();
  endpoints.push(e);
  return e;
}

function packets(e: UdpEndpoint): RtpPacket[] {
  return e.received
    .map((x) => parseRtp(x.msg))
    .filter((p): p is RtpPacket => p !== undefined)
    .sort((a, b) => ((a.sequenceNumber - b.sequenceNumber + 0x8000) & 0xffff) - 0x8000);
}

test("a prompt becomes 20 ms packets: consecutive seq, ts += 160, marker first, silence-padded", async () => {
  const rx = await receiver();
  const clock = new FakeClock();
  const player = new PromptPlayer(socket, {
    remote: rx.address,
    clock,
    ssrc: 0xabcdef01,
    sequenceNumber: 65533, // wraps during the prompt
    timestamp: 2 ** 32 - 320, // wraps too
  });
  players.push(player);
  const ends: PlaybackEnd[] = [];
  player.on("ended", (r) => ends.push(r));
  const pcm = generateTone({ frequency: 1000, durationMs: 125 }); // 1000 samples → 7 packets
  player.play(pcm);
  assert.equal(player.packetsSent, 1, "first packet goes out at once");
  clock.advanceTo(1000 + 6 * 20);
  assert.equal(player.packetsSent, 7);
  assert.ok(player.playing, "still playing until the last packet's 20 ms are over");
  clock.advanceTo(1000 + 7 * 20);
  assert.deepEqual(ends, ["finished"]);
  assert.equal(player.playing, false);
  assert.equal(clock.pending, 0, "no timer left");

  await rx.waitFor(7);
  const got = packets(rx);
  assert.deepEqual(
    got.map((p) => p.sequenceNumber),
    [65533, 65534, 65535, 0, 1, 2, 3],
  );
  assert.deepEqual(
    got.map((p) => p.timestamp),
    [2 ** 32 - 320, 2 ** 32 - 160, 0, 160, 320, 480, 640],
  );
  assert.deepEqual(
    got.map((p) => p.marker),
    [true, false, false, false, false, false, false],
  );
  assert.ok(got.every((p) => p.payloadType === 0 && p.ssrc === 0xabcdef01 && p.payload.length === 160));
  const expected = encodeG711("ulaw", pcm);
  assert.deepEqual(Buffer.concat(got.map((p) => p.payload)).subarray(0, 1000), Buffer.from(expected));
  assert.ok(
    got[6]?.payload.subarray(40).every((b) => b === 0xff),
    "last packet padded with µ-law silence",
  );
  assert.equal(player.nextSequenceNumber, 4);
});

test("pacing corrects drift: a late timer is followed by one aimed at the original grid", () => {
  const clock = new FakeClock();
  const player = new PromptPlayer(socket, { remote: { address: LOOPBACK, port: 9 }, clock, codec: "alaw" });
  players.push(player);
  player.play(generateSilence(1000));
  assert.deepEqual(clock.delays, [20]);
  clock.jumpTo(1047); // timer 27 ms late
  assert.equal(player.packetsSent, 3, "packets due at 20 and 40 both sent");
  assert.equal(clock.delays.at(-1), 13, "next one aimed at 60, not 47 + 20");
  clock.advanceTo(1060);
  assert.equal(player.packetsSent, 4);
  assert.equal(clock.delays.at(-1), 20);
  // A stall of 1 s: a short burst, then the schedule restarts from now.
  clock.jumpTo(2060);
  assert.equal(player.packetsSent, 8, "4 overdue packets at most");
  assert.equal(clock.delays.at(-1), 20);
  clock.advanceTo(2080);
  assert.equal(player.packetsSent, 9);
  player.stop();
  assert.equal(clock.pending, 0);
});

test("stop() ends with 'stopped' and sends nothing more; play() again continues the stream", async () => {
  const rx = await receiver();
  const clock = new FakeClock();
  const player = new PromptPlayer(socket, { remote: rx.address, clock, sequenceNumber: 10, timestamp: 0 });
  players.push(player);
  const ends: PlaybackEnd[] = [];
  player.on("ended", (r) => ends.push(r));
  player.play(generateSilence(1000));
  clock.advanceTo(1040);
  player.stop();
  assert.deepEqual(ends, ["stopped"]);
  clock.advanceTo(1200);
  assert.equal(player.packetsSent, 3);
  // 200 ms later: same SSRC, marker again, timestamp jumps by the silent gap.
  clock.advanceTo(1240);
  player.play(generateSilence(20));
  await rx.waitFor(4);
  const got = packets(rx);
  assert.deepEqual(
    got.map((p) => [p.sequenceNumber, p.timestamp, p.marker]),
    [
      [10, 0, true],
      [11, 160, false],
      [12, 320, false],
      [13, 320 + 200 * 8, true],
    ],
  );
  clock.advanceTo(1260);
  assert.deepEqual(ends, ["stopped", "finished"]);
});

test("loop mode repeats until stopped", () => {
  const clock = new FakeClock();
  const player = new PromptPlayer(socket, { remote: { address: LOOPBACK, port: 9 }, clock, loop: true });
  players.push(player);
  player.play(generateSilence(40));
  clock.advanceTo(1000 + 20 * 9);
  assert.equal(player.packetsSent, 10);
  assert.ok(player.playing);
  player.close();
  assert.equal(player.playing, false);
  assert.throws(() => player.play(generateSilence(20)));
});

test("a WAV prompt plays over real timers through a pool port, which close() returns", async () => {
  const rx = await receiver();
  const wav = parseWav(encodeWav(generateTone({ frequency: 440, durationMs: 100 })));
  const player = await PromptPlayer.create(pool, { remote: rx.address, codec: "alaw" });
  players.push(player);
  assert.equal(pool.inUse, 1);
  const ended = new Promise<PlaybackEnd>((resolve) => player.on("ended", resolve));
  player.play(wav.samples);
  assert.equal(await ended, "finished");
  assert.equal(player.packetsSent, 5);
  await rx.waitFor(5);
  const got = packets(rx);
  assert.ok(got.every((p) => p.payloadType === 8));
  for (let i = 1; i < got.length; i++) {
    assert.equal(((got[i]?.sequenceNumber ?? 0) - (got[i - 1]?.sequenceNumber ?? 0)) & 0xffff, 1);
    assert.equal(((got[i]?.timestamp ?? 0) - (got[i - 1]?.timestamp ?? 0)) >>> 0, 160);
  }
  assert.ok(
    rx.received.every((x) => x.port >= 20000 && x.port < 32768),
    "sent from the pool's port",
  );
  player.close();
  assert.equal(pool.inUse, 0);
});
