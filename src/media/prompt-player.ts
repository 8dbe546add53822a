/**
 * Plays 16-bit 8 kHz PCM (a WAV prompt, a tone) as G.711 RTP to one destination: what
 * `Playback()`, music on hold and announcement legs use.
 *
 * Packets carry `packetMs` of audio (20 ms = 160 samples by default, sccp-protocol.md §7) with
 * consecutive sequence numbers and the timestamp advancing by the samples per packet; the first
 * packet of every `play()` has the marker bit set (RFC 3551 §4.1, start of a talkspurt). SSRC,
 * first sequence number and first timestamp are random unless given (RFC 3550 §5.1).
 *
 * Pacing is drift-free: packet k is due at start + k·packetMs and each timer is set for the next
 * due time, so timer lateness never accumulates. If the event loop stalled, at most
 * `MAX_BURST` overdue packets go out at once and the schedule is re-anchored, rather than
 * flooding the receiver's jitter buffer with everything missed.
 */
import type { Socket } from "node:dgram";
import { randomBytes } from "node:crypto";
import { silentLogger, type Logger } from "../util/logger.ts";
import { TypedEmitter } from "../util/typed-emitter.ts";
import { CODECS } from "./codecs.ts";
import { encodeG711, g711Silence, type G711Law } from "./g711.ts";
import type { RtpPortPool, RtpPortPair } from "./port-pool.ts";
import type { RtpAddress } from "./relay-leg.ts";
import { RTP_HEADER_SIZE, writeRtpHeader } from "./rtp-packet.ts";

/** Time source and timers; injectable so tests can drive playback without waiting. */
export interface PlayerClock {
  /** Monotonic milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** `performance.now()` and the global timers. */
export const realClock: PlayerClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** Options of a `PromptPlayer`. */
export interface PromptPlayerOptions {
  /** Where to send RTP. */
  readonly remote: RtpAddress;
  /** Default "ulaw". */
  readonly codec?: G711Law;
  /** Default: the codec's static payload type (0 or 8). */
  readonly payloadType?: number;
  readonly ssrc?: number;
  readonly sequenceNumber?: number;
  readonly timestamp?: number;
  /** Audio per packet in ms (default 20; 10–60 in steps the 8 kHz clock allows). */
  readonly packetMs?: number;
  /** Restart from the beginning at the end instead of ending (music on hold). */
  readonly loop?: boolean;
  readonly clock?: PlayerClock;
  readonly logger?: Logger;
}

/** Why playback ended. */
export type PlaybackEnd = "finished" | "stopped";

/** Events of a `PromptPlayer`. */
export type PromptPlayerEvents = {
  /** Playback ended: all audio was sent (one packet time after the last packet), or stop(). */
  ended: [reason: PlaybackEnd];
};

/** Overdue packets sent in one go after a stall; must stay below the buffer ring size. */
const MAX_BURST = 4;
const RING = 8;

function random32(): number {
  return randomBytes(4).readUInt32BE(0);
}

/** Sends PCM audio as paced G.711 RTP. */
export class PromptPlayer extends TypedEmitter<PromptPlayerEvents> {
  private readonly socket: Socket;
  private owned: RtpPortPair | undefined;
  private readonly clock: PlayerClock;
  private readonly law: G711Law;
  private readonly pt: number;
  private readonly ssrcValue: number;
  private readonly ptime: number;
  private readonly spp: number;
  private readonly loop: boolean;
  private readonly ring: Buffer[];
  private ringNext = 0;
  private remote: RtpAddress;
  private seq: number;
  private ts: number;
  private audio: Uint8Array = new Uint8Array(0);
  private frames = 0;
  /** Packets sent in the current play(). */
  private k = 0;
  private startAt = 0;
  private lastSentAt: number | undefined;
  private marker = false;
  private timer: unknown;
  private active = false;
  private sent = 0;
  private isClosed = false;

  /**
   * Plays through a fresh port pair from `pool` (the sender address the far end sees);
   * the pair is released by `close()`.
   */
  static async create(pool: RtpPortPool, opts: PromptPlayerOptions): Promise<PromptPlayer> {
    const pair = await pool.allocate();
    const player = new PromptPlayer(pair.rtp, opts);
    player.owned = pair;
    return player;
  }

  /**
   * Plays through a socket someone else owns (e.g. a relay leg's, so a NAT'd phone gets the
   * prompt from the port it already talks to); `close()` leaves the socket open.
   */
  constructor(socket: Socket, opts: PromptPlayerOptions) {
    const log = opts.logger ?? silentLogger;
    super(log);
    this.socket = socket;
    this.remote = opts.remote;
    this.clock = opts.clock ?? realClock;
    this.law = opts.codec ?? "ulaw";
    this.pt = (opts.payloadType ?? CODECS[this.law].payloadType) & 0x7f;
    this.ssrcValue = (opts.ssrc ?? random32()) >>> 0;
    this.seq = (opts.sequenceNumber ?? random32()) & 0xffff;
    this.ts = (opts.timestamp ?? random32()) >>> 0;
    this.ptime = opts.packetMs ?? 20;
    this.spp = Math.round(this.ptime * 8);
    if (!(this.spp > 0 && this.spp <= 480)) throw new RangeError(`packetMs ${this.ptime} is outside 1-60`);
    this.loop = opts.loop ?? false;
    this.ring = Array.from({ length: RING }, () => Buffer.alloc(RTP_HEADER_SIZE + this.spp));
  }

  /** True while audio is being sent. */
  get playing(): boolean {
    return this.active;
  }
  /** Packets sent over the player's lifetime. */
  get packetsSent(): number {
    return this.sent;
  }
  get ssrc(): number {
    return this.ssrcValue;
  }
  /** Sequence number the next packet will carry. */
  get nextSequenceNumber(): number {
    return this.seq;
  }
  /** Timestamp the next packet will carry (before any gap adjustment of a new play()). */
  get nextTimestamp(): number {
    return this.ts;
  }

  /** Changes the destination (e.g. after a re-INVITE or a latch). */
  setRemote(remote: RtpAddress): void {
    this.remote = remote;
  }

  /**
   * Starts playing `pcm` (8 kHz 16-bit mono), replacing what is playing (which ends with
   * "stopped"). The last packet is padded with silence. Empty audio ends at once.
   */
  play(pcm: Int16Array): void {
    if (this.isClosed) throw new Error("PromptPlayer is closed");
    this.stop();
    this.frames = Math.ceil(pcm.length / this.spp);
    const audio = new Uint8Array(this.frames * this.spp).fill(g711Silence(this.law));
    encodeG711(this.law, pcm, audio);
    this.audio = audio;
    const now = this.clock.now();
    if (this.lastSentAt !== undefined) {
      // Same SSRC, new talkspurt: the timestamp must reflect the silent gap (RFC 3550 §5.1).
      const gap = Math.round((now - this.lastSentAt) * 8) - this.spp;
      if (gap > 0) this.ts = (this.ts + gap) >>> 0;
    }
    this.k = 0;
    this.startAt = now;
    this.marker = true;
    this.active = true;
    this.tick();
  }

  /** Stops playback ("ended" with "stopped" if something was playing). */
  stop(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.active) return;
    this.active = false;
    this.emit("ended", "stopped");
  }

  /** Stops and, when the player allocated its port pair, returns it to the pool. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.stop();
    this.isClosed = true;
    this.owned?.release();
    this.owned = undefined;
    this.removeAllListeners();
  }

  private dueAt(k: number): number {
    return this.startAt + k * this.ptime;
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.active) return;
    const now = this.clock.now();
    if (this.frames === 0 || (!this.loop && this.k >= this.frames)) {
      // All sent; "ended" when the last packet's audio has played out.
      if (this.dueAt(this.k) <= now) {
        this.active = false;
        this.emit("ended", "finished");
        return;
      }
    } else {
      let burst = 0;
      while (burst < MAX_BURST && this.dueAt(this.k) <= now && (this.loop || this.k < this.frames)) {
        if (!this.sendFrame(this.k % this.frames, now)) {
          // The socket is gone (its owner released the relay leg): nothing more can be sent.
          this.active = false;
          this.emit("ended", "stopped");
          return;
        }
        this.k++;
        burst++;
      }
      if (this.dueAt(this.k) <= now && (this.loop || this.k < this.frames)) {
        // Still behind after a burst: the loop stalled; re-anchor instead of catching up.
        this.startAt = now + this.ptime - this.k * this.ptime;
      }
    }
    this.timer = this.clock.setTimeout(() => this.tick(), Math.max(0, this.dueAt(this.k) - this.clock.now()));
  }

  /** Sends one packet; false when the socket is closed. */
  private sendFrame(frame: number, now: number): boolean {
    const buf = this.ring[this.ringNext] ?? Buffer.alloc(RTP_HEADER_SIZE + this.spp);
    this.ringNext = (this.ringNext + 1) % RING;
    writeRtpHeader(buf, 0, this.marker, this.pt, this.seq, this.ts, this.ssrcValue);
    const start = frame * this.spp;
    buf.set(this.audio.subarray(start, start + this.spp), RTP_HEADER_SIZE);
    this.marker = false;
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + this.spp) >>> 0;
    this.lastSentAt = now;
    try {
      this.socket.send(buf, this.remote.port, this.remote.address);
      this.sent++;
      return true;
    } catch {
      return false;
    }
  }
}
