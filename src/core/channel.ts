/**
 * A channel: one party of a call as the call core sees it, whatever its protocol. The SCCP
 * driver and the SIP B2BUA subclass it; the core, the dialplan and bridges use only this API
 * (architecture.md: core/ knows channels, not protocols).
 */
import type { CodecName } from "../media/codecs.ts";
import type { RtpAddress } from "../media/relay-leg.ts";
import type { DialplanChannel } from "./dialplan/channel.ts";
import { TypedEmitter } from "../util/typed-emitter.ts";
import type { Logger } from "../util/logger.ts";

/** Channel states (Asterisk's names). */
export type ChannelState =
  /** Created, nothing signalled yet. */
  | "down"
  /** Inbound: the endpoint placed a call that runs the dialplan, not yet answered. */
  | "ring"
  /** Outbound: the endpoint is alerting (ringing). */
  | "ringing"
  /** Answered. */
  | "up"
  /** The endpoint is busy (outbound). */
  | "busy"
  | "hungup";

/** Call progress told to a channel's endpoint (tones, call state on its display). */
export type Indication = "ringing" | "progress" | "proceeding" | "busy" | "congestion" | "hold" | "unhold";

/** Which way a call was placed, from this channel's endpoint's point of view. */
export type ChannelDirection = "inbound" | "outbound";

/** Options for placing an outbound channel's call. */
export interface CallOptions {
  /** Answer without ringing (`SCCP/100/autoanswer`, paging). */
  readonly autoAnswer?: boolean;
  /** One-way paging: the callee's microphone stays muted. */
  readonly oneWay?: boolean;
  /** Seconds before giving up (Dial's timeout), handled by the dialler, given for display. */
  readonly timeout?: number;
  /** Do not follow the endpoint's call forwarding (Page's `i`). */
  readonly ignoreForward?: boolean;
}

/** Where a channel's endpoint receives RTP, and in which codec. */
export interface MediaEndpoint {
  readonly address: RtpAddress;
  readonly codec: CodecName;
  /** Packetisation in ms. */
  readonly ptime: number;
}

/**
 * Where `ch`'s endpoint must send RTP to reach a local socket bound on `host`: the bound address,
 * or — for a wildcard bind — the address the endpoint reaches the server's signalling on (right
 * for multi-homed hosts too).
 */
export function mediaTargetFor(ch: Channel, host: string, port: number): RtpAddress {
  const wildcard = host === "0.0.0.0" || host === "::" || host === "";
  return { address: wildcard ? ch.serverAddress() : host, port };
}

/** Q.850 causes used by the core. */
export const Cause = {
  NormalClearing: 16,
  UserBusy: 17,
  NoUserResponse: 18,
  NoAnswer: 19,
  CallRejected: 21,
  Unallocated: 1,
  NormalUnspecified: 31,
  Congestion: 34,
  AnsweredElsewhere: 26,
} as const;

/** Events of a channel. */
export interface ChannelEvents extends Record<string, unknown[]> {
  state: [ch: Channel, state: ChannelState];
  /** Progress reported by the endpoint (an outbound channel's phone rings, is busy…). */
  progress: [ch: Channel, what: Indication];
  answered: [ch: Channel];
  /** The endpoint put the call on hold / resumed it. */
  hold: [ch: Channel, held: boolean];
  /** The endpoint wants DTMF sent to the far end. */
  dtmf: [ch: Channel, digit: string];
  hangup: [ch: Channel, cause: number];
}

let nextChannelId = 1;

/** Base class of every channel. */
export abstract class Channel extends TypedEmitter<ChannelEvents> implements DialplanChannel {
  /** Unique id, increasing. */
  readonly id: number;
  /** `SCCP/100-00000001`, `SIP/alice-00000002`. */
  readonly name: string;
  state: ChannelState = "down";
  context: string;
  exten: string;
  priority = 1;
  readonly vars = new Map<string, string>();
  callerIdNum = "";
  callerIdName = "";
  /** The other party as shown to this channel's endpoint. */
  connectedNum = "";
  connectedName = "";
  /**
   * True once the channel is hung up — or once its dialplan run ended: the interpreter sets it
   * to stop the pbx loop. Whether the endpoint was released is `released`.
   */
  hungUp = false;
  private isReleased = false;
  hangupCause: number = Cause.NormalClearing;
  readonly createdAt = Date.now();
  answeredAt: number | undefined;
  /** The bridge the channel is in, if any (set by Bridge). */
  bridgeId: number | undefined;
  /** The application the channel runs now (core show channels). */
  application = "";

  protected constructor(
    readonly tech: string,
    resource: string,
    readonly direction: ChannelDirection,
    context: string,
    exten: string,
    protected readonly log: Logger,
  ) {
    super(log);
    this.id = nextChannelId++;
    this.name = `${tech}/${resource}-${this.id.toString(16).padStart(8, "0")}`;
    this.context = context;
    this.exten = exten;
  }

  // ---- what the core asks of the endpoint (implemented by each driver) ----

  /** Alerts the endpoint of an outbound channel (ring the phone, send the INVITE). */
  abstract call(opts: CallOptions): void;
  /** Tells the endpoint of an inbound channel that its call is answered. */
  protected abstract doAnswer(): void;
  /** Shows call progress to the endpoint (tones, display). */
  abstract indicate(what: Indication): void;
  /** Releases the endpoint's side of the call. Called once. */
  protected abstract doHangup(cause: number): void;
  /** Codecs the endpoint can receive, in its order of preference. */
  abstract codecs(): readonly CodecName[];
  /** True when the endpoint can send RTP straight to another endpoint (direct media). */
  abstract directMediaCapable(): boolean;
  /** Opens the endpoint's receive side; resolves with where it receives. */
  abstract openMedia(codec: CodecName): Promise<MediaEndpoint>;
  /** Tells the endpoint where to send its RTP (undefined: stop sending). */
  abstract startMedia(target: RtpAddress | undefined, codec: CodecName): void;
  /** Closes the endpoint's media. */
  abstract stopMedia(): void;
  /** This server's address as the endpoint reaches it (where relayed RTP must be sent). */
  abstract serverAddress(): string;
  /** The caller/callee shown to the endpoint changed (transfer, pickup). */
  abstract updateConnectedLine(num: string, name: string): void;

  /**
   * Passes a digit the far end dialled during the call to this channel's endpoint. Drivers that
   * can carry DTMF override it (SIP: INFO; SCCP: the phone plays the digit's tone); the default
   * drops it.
   */
  sendDtmf(_digit: string): void {
    // No way to carry DTMF to this endpoint.
  }

  // ---- operations used by the core and applications ----

  /** Answers an inbound channel (Answer(), or a Dial that connected). */
  answer(): void {
    if (this.hungUp || this.state === "up") return;
    this.doAnswer();
    this.setState("up");
    this.answeredAt = Date.now();
  }

  /** Hangs the channel up with a Q.850 cause. Idempotent. */
  hangup(cause: number = Cause.NormalClearing): void {
    // Checked on `isReleased`, not `hungUp`: a dialplan that ended by itself (Hangup(), Busy())
    // has set `hungUp` already, and its endpoint must still be released.
    if (this.isReleased) return;
    this.isReleased = true;
    this.hungUp = true;
    this.hangupCause = cause;
    try {
      this.doHangup(cause);
    } catch (err) {
      this.log.error("driver hangup failed", { channel: this.name, err });
    }
    this.setState("hungup");
    this.emit("hangup", this, cause);
    this.removeAllListeners();
  }

  /** True once `hangup` ran: the endpoint is released and the core forgot the channel. */
  get released(): boolean {
    return this.isReleased;
  }

  /**
   * Who this channel's endpoint is, as the other party should see it (transfers and pickups
   * refresh displays with it). An inbound channel is its caller; an outbound one was dialled by
   * number (its caller id is the caller's, copied by Dial). Drivers that know better override.
   */
  partyIdentity(): { num: string; name: string } {
    return this.direction === "inbound"
      ? { num: this.callerIdNum, name: this.callerIdName }
      : { num: this.exten, name: "" };
  }

  /** For drivers: the endpoint reports progress (an outbound phone rings, is busy…). */
  remoteProgress(what: Indication): void {
    if (this.hungUp) return;
    if (what === "ringing" && this.state === "down") this.setState("ringing");
    if (what === "busy") this.setState("busy");
    this.emit("progress", this, what);
  }

  /** For drivers: the endpoint of an outbound channel answered. */
  remoteAnswered(): void {
    if (this.hungUp || this.state === "up") return;
    this.setState("up");
    this.answeredAt = Date.now();
    this.emit("answered", this);
  }

  /** For drivers: the endpoint hung up. */
  remoteHangup(cause: number = Cause.NormalClearing): void {
    this.hangup(cause);
  }

  /** For drivers: the endpoint held / resumed the call. */
  remoteHold(held: boolean): void {
    if (!this.hungUp) this.emit("hold", this, held);
  }

  /** For drivers: a digit to pass to the far end. */
  remoteDtmf(digit: string): void {
    if (!this.hungUp) this.emit("dtmf", this, digit);
  }

  protected setState(state: ChannelState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit("state", this, state);
  }
}
