/**
 * A small G.711 conference mixer: what two-way paging (`Page(…,d)` with several callees) needs
 * instead of a relay. Every participant has its own local RTP/RTCP port pair (a `RelayLeg`, so
 * latching and counters work as in the relay); what it sends is decoded to 16-bit PCM into a
 * short per-participant queue. Every `packetMs` (20 ms) the mixer takes one frame from every
 * queue, sums the frames of the participants that may speak, and sends each participant the sum
 * *minus its own frame* (nobody hears himself), clipped to 16 bits and encoded in the
 * participant's law. This is what Asterisk's MeetMe/ConfBridge do for a conference.
 *
 * Each participant gets one continuous outgoing stream with its own SSRC, sequence numbers and
 * timestamps (RFC 3550 §5.1), also while the others are silent, so the phone's jitter buffer
 * never sees a gap. Only packets with the participant's G.711 payload type are mixed; DTMF
 * (RFC 4733) and comfort noise are counted and dropped.
 *
 * The queue is a jitter cushion, not a jitter buffer: a frame missing at tick time is silence,
 * and the queue is capped (`maxBufferMs`) so a sender whose clock runs fast cannot build up delay.
 * Ticks are scheduled drift-free like the prompt player's.
 */
import { randomBytes } from "node:crypto";
import { LinekeyError } from "../util/errors.ts";
import { silentLogger, type Logger } from "../util/logger.ts";
import { CODECS } from "./codecs.ts";
import { ALAW_TO_LINEAR, ULAW_TO_LINEAR, encodeG711, type G711Law } from "./g711.ts";
import type { RtpPortPool } from "./port-pool.ts";
import { realClock, type PlayerClock } from "./prompt-player.ts";
import { RelayLeg, type LatchMode, type RelayLegStats, type RtpAddress } from "./relay-leg.ts";
import { RTP_HEADER_SIZE, isRtp, rtpPayloadEnd, rtpPayloadOffset, writeRtpHeader } from "./rtp-packet.ts";

/** Options of an `AudioMixer`. */
export interface AudioMixerOptions {
  /** Audio per mixed packet in ms (default 20, 10–60). */
  readonly packetMs?: number;
  /** Most audio queued per participant before the oldest is dropped (default 100 ms). */
  readonly maxBufferMs?: number;
  readonly clock?: PlayerClock;
  readonly logger?: Logger;
}

/** Options of one participant. */
export interface MixerParticipantOptions {
  /** Labels the participant in logs and stats. */
  readonly name?: string;
  /** Where the participant receives RTP; may be set later with `setRemote`. */
  readonly remote?: RtpAddress;
  /** Default "ulaw". */
  readonly codec?: G711Law;
  /** Default: the codec's static payload type. */
  readonly payloadType?: number;
  /** Latching of the participant's address (default "host", as bridges use). */
  readonly latch?: LatchMode;
  /** Listen-only: what the participant sends is not mixed. */
  readonly muted?: boolean;
}

/** Packets ahead of schedule sent at once after a stall; then the schedule is re-anchored. */
const MAX_BURST = 4;
/** Send buffers per participant: more than the sends dgram may still hold (see rtp-fanout). */
const RING = 8;

function random32(): number {
  return randomBytes(4).readUInt32BE(0);
}

/** One party of a mix. Create with `AudioMixer.addParticipant`. */
export class MixerParticipant {
  /** The participant's RTP leg (local port, remote, counters). */
  readonly leg: RelayLeg;
  /** Listen-only while true. */
  muted: boolean;
  private readonly law: G711Law;
  private readonly decode: Readonly<Int16Array>;
  private readonly queue: Int16Array;
  private head = 0;
  private size = 0;
  /** @internal The frame taken from the queue at the current tick. */
  readonly frame: Int16Array;
  /** @internal True when `frame` holds received audio this tick. */
  hasAudio = false;
  private readonly ring: Buffer[];
  private ringNext = 0;
  private readonly ssrc = random32();
  private seq = random32() & 0xffff;
  private ts = random32();
  private marker = true;

  /** @internal */
  constructor(leg: RelayLeg, opts: MixerParticipantOptions, spp: number, queueSamples: number) {
    this.leg = leg;
    this.muted = opts.muted ?? false;
    this.law = opts.codec ?? "ulaw";
    this.decode = this.law === "ulaw" ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
    this.queue = new Int16Array(Math.max(queueSamples, spp));
    this.frame = new Int16Array(spp);
    this.ring = Array.from({ length: RING }, () => Buffer.alloc(RTP_HEADER_SIZE + spp));
    leg.onPacket((msg, address, port) => this.receive(msg, address, port));
  }

  get name(): string {
    return this.leg.name;
  }
  get codec(): G711Law {
    return this.law;
  }
  /** Local RTP port: where the participant's endpoint must send. */
  get localPort(): number {
    return this.leg.localPort;
  }
  /** Address the local sockets are bound to. */
  get localHost(): string {
    return this.leg.localHost;
  }
  /** Changes where the participant receives (restarts latching). */
  setRemote(remote: RtpAddress | undefined): void {
    this.leg.setRemote(remote);
  }
  /** Counters of the participant's leg. */
  stats(): RelayLegStats {
    return this.leg.stats();
  }

  /** @internal Moves up to one frame of received audio into `frame`, zero-filled. */
  pull(): void {
    const frame = this.frame;
    const n = Math.min(frame.length, this.size);
    const cap = this.queue.length;
    for (let i = 0; i < n; i++) frame[i] = this.queue[(this.head + i) % cap] ?? 0;
    frame.fill(0, n);
    this.head = (this.head + n) % cap;
    this.size -= n;
    this.hasAudio = n > 0;
  }

  /** @internal Sends one mixed frame toward the participant. */
  send(pcm: Int16Array): void {
    const buf = this.ring[this.ringNext] ?? Buffer.alloc(RTP_HEADER_SIZE + pcm.length);
    this.ringNext = (this.ringNext + 1) % RING;
    writeRtpHeader(buf, 0, this.marker, this.leg.payloadType, this.seq, this.ts, this.ssrc);
    encodeG711(this.law, pcm, buf.subarray(RTP_HEADER_SIZE));
    this.marker = false;
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + pcm.length) >>> 0;
    this.leg.sendPacket(buf, buf.length);
  }

  private receive(msg: Buffer, address: string, port: number): void {
    const leg = this.leg;
    leg.noteIn(msg.length);
    if (!isRtp(msg) || !leg.accept(address, port)) {
      leg.noteDrop();
      return;
    }
    const off = rtpPayloadOffset(msg);
    const end = off < 0 ? -1 : rtpPayloadEnd(msg, off);
    if (this.muted || end < 0 || ((msg[1] ?? 0) & 0x7f) !== leg.payloadType) {
      leg.noteDrop();
      return;
    }
    const queue = this.queue;
    const cap = queue.length;
    const decode = this.decode;
    for (let i = off; i < end; i++) {
      if (this.size === cap) {
        // Full: drop the oldest sample so the delay stays bounded.
        this.head = (this.head + 1) % cap;
        this.size--;
      }
      queue[(this.head + this.size) % cap] = decode[msg[i] ?? 0] ?? 0;
      this.size++;
    }
  }
}

/** An N-party G.711 mixer. */
export class AudioMixer {
  private readonly pool: RtpPortPool;
  private readonly clock: PlayerClock;
  private readonly log: Logger;
  private readonly ptime: number;
  private readonly spp: number;
  private readonly queueSamples: number;
  private parts: MixerParticipant[] = [];
  private readonly sum: Int32Array;
  private readonly out: Int16Array;
  private timer: unknown;
  private startAt = 0;
  private k = 0;
  private isClosed = false;
  private counter = 0;

  constructor(pool: RtpPortPool, opts: AudioMixerOptions = {}) {
    this.pool = pool;
    this.clock = opts.clock ?? realClock;
    this.log = opts.logger ?? silentLogger;
    this.ptime = opts.packetMs ?? 20;
    this.spp = Math.round(this.ptime * 8);
    if (!(this.spp >= 80 && this.spp <= 480)) throw new RangeError(`packetMs ${this.ptime} is outside 10-60`);
    this.queueSamples = Math.round((opts.maxBufferMs ?? 100) * 8);
    this.sum = new Int32Array(this.spp);
    this.out = new Int16Array(this.spp);
  }

  /** Current participants, in the order they joined. */
  get participants(): readonly MixerParticipant[] {
    return this.parts;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Adds a participant with its own port pair. Rejects with the pool's MEDIA_ERR_NO_PORTS, or
   * MEDIA_ERR_CLOSED when the mixer was closed meanwhile (no port stays allocated then).
   */
  async addParticipant(opts: MixerParticipantOptions = {}): Promise<MixerParticipant> {
    if (this.isClosed) throw new LinekeyError("MEDIA_ERR_CLOSED", "mixer is closed");
    const pair = await this.pool.allocate();
    if (this.closedNow()) {
      pair.release();
      throw new LinekeyError("MEDIA_ERR_CLOSED", "mixer is closed");
    }
    const law = opts.codec ?? "ulaw";
    const leg = new RelayLeg(
      opts.name ?? `member-${++this.counter}`,
      pair,
      {
        remote: opts.remote,
        codec: law,
        payloadType: opts.payloadType ?? CODECS[law].payloadType,
        latch: opts.latch ?? "host",
      },
      (l) => this.log.debug("mixer rtp latched", { leg: l.name, local: l.localPort }),
    );
    const p = new MixerParticipant(leg, opts, this.spp, this.queueSamples);
    // Copy-on-write: a tick in progress keeps the array it started with.
    this.parts = [...this.parts, p];
    if (this.timer === undefined) {
      this.startAt = this.clock.now();
      this.k = 0;
      this.schedule();
    }
    return p;
  }

  /** Removes a participant and returns its ports. Unknown participants are ignored. */
  removeParticipant(p: MixerParticipant): void {
    const kept = this.parts.filter((x) => x !== p);
    if (kept.length === this.parts.length) return;
    this.parts = kept;
    p.leg.close();
  }

  /** Stops mixing and returns every participant's ports to the pool. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const p of this.parts) p.leg.close();
    this.parts = [];
  }

  /** A method, not a field read, because it is re-checked after an await. */
  private closedNow(): boolean {
    return this.isClosed;
  }

  private dueAt(k: number): number {
    return this.startAt + k * this.ptime;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(
      () => this.onTimer(),
      Math.max(0, this.dueAt(this.k) - this.clock.now()),
    );
  }

  private onTimer(): void {
    this.timer = undefined;
    if (this.isClosed) return;
    const now = this.clock.now();
    let burst = 0;
    while (burst < MAX_BURST && this.dueAt(this.k) <= now) {
      this.mix();
      this.k++;
      burst++;
    }
    // Still behind after a burst: the event loop stalled; re-anchor rather than flood.
    if (this.dueAt(this.k) <= now) this.startAt = now + this.ptime - this.k * this.ptime;
    this.schedule();
  }

  /** One tick: every participant hears the sum of the others. */
  private mix(): void {
    const parts = this.parts;
    const sum = this.sum;
    const out = this.out;
    const n = this.spp;
    sum.fill(0);
    for (const p of parts) {
      p.pull();
      if (!p.hasAudio || p.muted) continue;
      const f = p.frame;
      for (let i = 0; i < n; i++) sum[i] = (sum[i] ?? 0) + (f[i] ?? 0);
    }
    for (const p of parts) {
      if (!p.leg.canSend()) continue;
      const own = p.hasAudio && !p.muted;
      const f = p.frame;
      for (let i = 0; i < n; i++) {
        const v = (sum[i] ?? 0) - (own ? (f[i] ?? 0) : 0);
        out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      try {
        p.send(out);
      } catch (err) {
        // A socket closed under us (the participant is being removed): skip it this tick.
        this.log.debug("mixer send failed", { leg: p.name, err });
      }
    }
  }
}
