/**
 * A test-only channel technology: channels that behave like scripted phones (ring, answer,
 * busy, reject after delays) and whose media endpoint is a real UDP socket on 127.0.0.1, so
 * relays, the fan-out and the mixer carry real RTP the tests can count and decode.
 */
import { createSocket, type Socket } from "node:dgram";
import {
  Cause,
  Channel,
  type CallOptions,
  type Indication,
  type MediaEndpoint,
} from "../../../src/core/channel.ts";
import type { ChannelTech, RequestFailure, ResourceState } from "../../../src/core/channel-tech.ts";
import type { CodecName } from "../../../src/media/codecs.ts";
import { encodeG711, decodeG711 } from "../../../src/media/g711.ts";
import type { RtpAddress } from "../../../src/media/relay-leg.ts";
import { parseRtp, serializeRtp } from "../../../src/media/rtp-packet.ts";
import type { Logger } from "../../../src/util/logger.ts";

export const LOOPBACK = "127.0.0.1";

/** How a resource behaves when requested and called. Delays are ms after `call()`. */
export interface PhoneScript {
  /** The request itself fails (busy line, unknown device). */
  readonly fail?: RequestFailure["fail"];
  /** Rings after this delay (default 1). */
  readonly ringAfterMs?: number;
  /** Answers after this delay (default: never, unless auto-answered). */
  readonly answerAfterMs?: number;
  /** Reports busy after this delay. */
  readonly busyAfterMs?: number;
  /** Reports congestion after this delay. */
  readonly congestionAfterMs?: number;
  /** Hangs up (rejects) after this delay, with `rejectCause` (default 21, call rejected). */
  readonly rejectAfterMs?: number;
  readonly rejectCause?: number;
  /** Auto-answer calls are answered at once (default true). */
  readonly honourAutoAnswer?: boolean;
  /** Device state for `resourceState` (default idle). */
  readonly state?: ResourceState;
  /** Codecs of the phone (default ulaw). */
  readonly codecs?: readonly CodecName[];
}

/** A datagram a test phone received. */
export interface Received {
  readonly msg: Buffer;
  /** The sender's port. */
  readonly port: number;
}

function bindLoopback(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, LOOPBACK, () => {
      s.off("error", reject);
      resolve(s);
    });
  });
}

function closeQuietly(s: Socket | undefined): void {
  try {
    s?.close();
  } catch {
    // already closed
  }
}

/** A scripted phone as a core channel. */
export class TestChannel extends Channel {
  readonly indications: Indication[] = [];
  readonly calls: CallOptions[] = [];
  /** Digits the far end sent to this channel (sendDtmf). */
  readonly dtmf: string[] = [];
  /** Times the core answered this (inbound) channel. */
  answers = 0;
  /** Cause the core hung the channel up with (undefined while up). */
  releasedWith: number | undefined;
  mediaTarget: RtpAddress | undefined;
  mediaCodec: CodecName | undefined;
  mediaOpens = 0;
  mediaStops = 0;
  /** Every datagram received on any of the channel's media sockets. */
  readonly received: Received[] = [];
  private socket: Socket | undefined;
  private opening: Promise<Socket> | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private talkTimer: ReturnType<typeof setInterval> | undefined;
  private seq = 0;
  private readonly ssrc = Math.floor(Math.random() * 0xffffffff);

  constructor(
    tech: string,
    resource: string,
    direction: "inbound" | "outbound",
    context: string,
    exten: string,
    log: Logger,
    private readonly script: PhoneScript = {},
  ) {
    super(tech, resource, direction, context, exten, log);
  }
  override sendDtmf(digit: string): void {
    this.dtmf.push(digit);
  }

  /** Inbound channels start in state "ring" (the phone placed a call). */
  markRing(): void {
    this.setState("ring");
  }

  call(opts: CallOptions): void {
    this.calls.push(opts);
    const s = this.script;
    if (opts.autoAnswer === true && s.honourAutoAnswer !== false) {
      this.later(0, () => this.remoteAnswered());
      return;
    }
    this.later(s.ringAfterMs ?? 1, () => this.remoteProgress("ringing"));
    if (s.answerAfterMs !== undefined) this.later(s.answerAfterMs, () => this.remoteAnswered());
    if (s.busyAfterMs !== undefined) this.later(s.busyAfterMs, () => this.remoteProgress("busy"));
    if (s.congestionAfterMs !== undefined)
      this.later(s.congestionAfterMs, () => this.remoteProgress("congestion"));
    if (s.rejectAfterMs !== undefined)
      this.later(s.rejectAfterMs, () => this.remoteHangup(s.rejectCause ?? Cause.CallRejected));
  }

  protected doAnswer(): void {
    this.answers++;
  }

  indicate(what: Indication): void {
    this.indications.push(what);
  }

  protected doHangup(cause: number): void {
    this.releasedWith = cause;
    this.dispose();
  }

  /** Stops timers and closes the media socket, whatever the channel's state. */
  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.stopTalking();
    this.mediaTarget = undefined;
    closeQuietly(this.socket);
    this.socket = undefined;
  }

  codecs(): readonly CodecName[] {
    return this.script.codecs ?? ["ulaw"];
  }

  directMediaCapable(): boolean {
    // Always relayed, so that every packet passes through the server's ports.
    return false;
  }

  async openMedia(codec: CodecName): Promise<MediaEndpoint> {
    this.mediaOpens++;
    this.opening ??= bindLoopback().then((s) => {
      if (this.hungUp) {
        closeQuietly(s);
      } else {
        s.on("message", (msg, rinfo) => this.received.push({ msg, port: rinfo.port }));
        this.socket = s;
      }
      this.opening = undefined;
      return s;
    });
    const s = await this.opening;
    return { address: { address: LOOPBACK, port: s.address().port }, codec, ptime: 20 };
  }

  startMedia(target: RtpAddress | undefined, codec: CodecName): void {
    this.mediaTarget = target;
    this.mediaCodec = codec;
  }

  stopMedia(): void {
    this.mediaStops++;
    this.mediaTarget = undefined;
    this.stopTalking();
    closeQuietly(this.socket);
    this.socket = undefined;
  }

  serverAddress(): string {
    return LOOPBACK;
  }

  updateConnectedLine(num: string, name: string): void {
    this.connectedNum = num;
    this.connectedName = name;
  }

  // ---- test controls ----

  /** Sends `count` RTP packets of 160 bytes (`fill`) to where the core told the phone to send. */
  sendRtp(count: number, fill = 0x55): number {
    const target = this.mediaTarget;
    const socket = this.socket;
    if (!target || !socket) return 0;
    for (let i = 0; i < count; i++)
      socket.send(this.packet(new Uint8Array(160).fill(fill)), target.port, target.address);
    return count;
  }

  /** Streams a constant linear level every 20 ms while media is up (a "voice" the mixer can sum). */
  startTalking(level: number): void {
    this.stopTalking();
    const pcm = new Int16Array(160).fill(level);
    this.talkTimer = setInterval(() => {
      const target = this.mediaTarget;
      const socket = this.socket;
      if (!target || !socket) return;
      const law = this.mediaCodec === "alaw" ? "alaw" : "ulaw";
      socket.send(this.packet(encodeG711(law, pcm)), target.port, target.address);
    }, 20);
  }

  stopTalking(): void {
    if (this.talkTimer !== undefined) clearInterval(this.talkTimer);
    this.talkTimer = undefined;
  }

  /** Mean decoded level of each received packet (µ-law or A-law by its payload type). */
  receivedLevels(): number[] {
    const out: number[] = [];
    for (const r of this.received) {
      const p = parseRtp(r.msg);
      if (!p) continue;
      const pcm = decodeG711(p.payloadType === 8 ? "alaw" : "ulaw", p.payload);
      let sum = 0;
      for (const v of pcm) sum += v;
      out.push(pcm.length === 0 ? 0 : sum / pcm.length);
    }
    return out;
  }

  private packet(payload: Uint8Array): Buffer {
    return serializeRtp({
      payloadType: this.mediaCodec === "alaw" ? 8 : 0,
      sequenceNumber: this.seq++,
      timestamp: this.seq * 160,
      ssrc: this.ssrc,
      payload,
    });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}

/** The technology: resources are line numbers, optionally with `/options` (`100/autoanswer`). */
export class TestTech implements ChannelTech {
  /** Every channel created, inbound and outbound, oldest first. */
  readonly channels: TestChannel[] = [];
  private readonly scripts = new Map<string, PhoneScript>();

  constructor(
    readonly name: string,
    private readonly log: Logger,
  ) {}

  /** Sets how line `line` behaves. */
  script(line: string, s: PhoneScript): void {
    this.scripts.set(line, s);
  }

  request(resource: string, _requestor: Channel | undefined): Channel | RequestFailure {
    const line = resource.split("/")[0] ?? resource;
    const s = this.scripts.get(line) ?? {};
    if (s.fail !== undefined) {
      const cause = s.fail === "BUSY" ? Cause.UserBusy : s.fail === "CONGESTION" ? Cause.Congestion : 20;
      return { fail: s.fail, cause, reason: `test line ${line}: ${s.fail}` };
    }
    const ch = new TestChannel(this.name, resource, "outbound", "", line, this.log, s);
    this.channels.push(ch);
    return ch;
  }

  state(resource: string): ResourceState {
    return this.scripts.get(resource.split("/")[0] ?? resource)?.state ?? "idle";
  }

  /** Outbound channels created for `line`. */
  outbound(line: string): TestChannel[] {
    return this.channels.filter((c) => c.direction === "outbound" && c.exten === line);
  }

  /** A phone on `line` placing a call to `exten` in `context` (not yet started in the core). */
  inbound(line: string, context: string, exten: string, codecs?: readonly CodecName[]): TestChannel {
    const ch = new TestChannel(
      this.name,
      line,
      "inbound",
      context,
      exten,
      this.log,
      codecs ? { codecs } : {},
    );
    ch.callerIdNum = line;
    ch.callerIdName = `Line ${line}`;
    ch.markRing();
    this.channels.push(ch);
    return ch;
  }

  /** Closes every channel's sockets and timers (end of a test). */
  closeAll(): void {
    for (const ch of this.channels) {
      if (!ch.hungUp) ch.hangup(Cause.NormalClearing);
      ch.dispose();
    }
  }
}
