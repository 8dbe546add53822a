/**
 * The core channel of an SCCP line: `SCCP/100-0000000a`. Inbound when a phone dialled (it runs
 * the dialplan of its line's context), outbound when `Dial(SCCP/100)` rings the line's phones.
 *
 * What the phones see is done by the driver through {@link SccpChannelHooks}; the channel
 * carries the call's legs (several while a shared line rings, one once answered, none while
 * the call is forwarded or being handed over by a transfer or a pickup) and routes the core's
 * media requests to the leg that has the call.
 */
import {
  Channel,
  type CallOptions,
  type ChannelDirection,
  type Indication,
  type MediaEndpoint,
} from "../core/channel.ts";
import { CODEC_NAMES, codecsFromSccpCapabilities, type CodecName } from "../media/codecs.ts";
import type { RtpAddress } from "../media/relay-leg.ts";
import type { SccpLineConfig } from "../config/sccp-model.ts";
import { LinekeyError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import type { CallLeg } from "./call-leg.ts";
import { sendStopTone, sendTone } from "./phone-ui.ts";

/** What the driver does for a channel's operations. */
export interface SccpChannelHooks {
  /** Ring the line's phones (outbound channel). */
  call(ch: SccpChannel, opts: CallOptions): void;
  /** The dialplan answered the phone's call (inbound channel). */
  answered(ch: SccpChannel): void;
  /** Show call progress on the phone. */
  indicate(ch: SccpChannel, what: Indication): void;
  /** The channel is hung up: release its legs. */
  hungUp(ch: SccpChannel, cause: number): void;
  /** The party shown to the phone changed. */
  connectedLineChanged(ch: SccpChannel): void;
}

/** Options given when the driver creates a channel. */
export interface SccpChannelOptions {
  readonly line: SccpLineConfig;
  readonly direction: ChannelDirection;
  /** Dialled number (inbound) or the line name (outbound). */
  readonly exten: string;
  readonly hooks: SccpChannelHooks;
  readonly log: Logger;
  /** `SCCP/100/autoanswer`: answer without ringing (paging). */
  readonly autoAnswer?: boolean;
  /** The channel that asked for this one (Dial's caller). */
  readonly requestor?: Channel | undefined;
}

/** Why a channel is not (or no longer) a plain call on a phone. */
export type SccpChannelRole =
  /** Rings or talks on its legs. */
  | "phone"
  /** Forwarded: a dialplan run on the forward target stands in for the phone. */
  | "forwarded"
  /** Handed over (transfer, directed pickup): joined with another call as soon as bridged. */
  | "handover";

/** A channel on an SCCP line. */
export class SccpChannel extends Channel {
  readonly line: SccpLineConfig;
  readonly requestor: Channel | undefined;
  /** Legs on phones: several while a shared line rings, then the one that answered. */
  legs: CallLeg[] = [];
  role: SccpChannelRole = "phone";
  autoAnswer: boolean;
  oneWay = false;
  /** Forward target when `role` is "forwarded". */
  forwardTarget: string | undefined;
  /** Joined through with this channel once both are bridged (transfer, forward, pickup). */
  joinPartner: Channel | undefined;
  /** Directed pickup by another channel: told whether the handover happened. */
  handoverDone: ((ok: boolean) => void) | undefined;
  private readonly hooks: SccpChannelHooks;
  /** openMedia calls of a legless channel, settled when it hangs up. */
  private readonly idleMedia: ((ep: MediaEndpoint) => void)[] = [];

  constructor(opts: SccpChannelOptions) {
    super("SCCP", opts.line.name, opts.direction, opts.line.context, opts.exten, opts.log);
    this.line = opts.line;
    this.hooks = opts.hooks;
    this.autoAnswer = opts.autoAnswer ?? false;
    this.requestor = opts.requestor;
    // The endpoint's own identity: the line's caller id (CALLERID for the dialplan).
    this.callerIdNum = opts.line.cidNum;
    this.callerIdName = opts.line.cidName;
  }
  /** A phone's identity is its line's caller id, whichever way the call was placed. */
  override partyIdentity(): { num: string; name: string } {
    return { num: this.line.cidNum, name: this.line.cidName };
  }

  /** The leg that carries the call (the one that answered / placed it). */
  get leg(): CallLeg | undefined {
    return this.legs[0];
  }

  /** An inbound channel starts its dialplan run in state `ring` (Asterisk's AST_STATE_RING). */
  markRing(): void {
    this.setState("ring");
  }

  override call(opts: CallOptions): void {
    if (opts.autoAnswer === true) this.autoAnswer = true;
    if (opts.oneWay === true) this.oneWay = true;
    this.hooks.call(this, opts);
  }

  protected override doAnswer(): void {
    this.hooks.answered(this);
  }

  override indicate(what: Indication): void {
    if (!this.released) this.hooks.indicate(this, what);
  }

  protected override doHangup(cause: number): void {
    this.hooks.hungUp(this, cause);
    for (const settle of this.idleMedia.splice(0))
      settle({ address: { address: "0.0.0.0", port: 0 }, codec: "ulaw", ptime: 20 });
  }

  override codecs(): readonly CodecName[] {
    const prefs = this.line.codecs.filter((c): c is CodecName =>
      (CODEC_NAMES as readonly string[]).includes(c),
    );
    const leg = this.leg;
    if (leg === undefined || this.role !== "phone") return prefs;
    const phone = codecsFromSccpCapabilities(leg.device.capabilities.map((c) => c.payloadCapability));
    // The line's allow= order, limited to what the phone announced (wazo).
    const both = prefs.filter((c) => phone.includes(c));
    return both.length > 0 ? both : prefs;
  }

  override directMediaCapable(): boolean {
    // A phone behind NAT cannot be reached at the address it reports (sccp-flows.md §5.2).
    return (
      this.role === "phone" && this.line.directmedia && this.legs.length === 1 && this.leg?.nat === false
    );
  }

  override openMedia(codec: CodecName): Promise<MediaEndpoint> {
    const leg = this.leg;
    if (this.role !== "phone" || leg === undefined) {
      // A forwarded or handed-over channel has no media of its own: the bridge it sits in is
      // replaced before media matters; the pending setup settles (stale) when it hangs up.
      if (this.released) return Promise.reject(new LinekeyError("SCCP_ERR_MEDIA", `${this.name} is hung up`));
      return new Promise((resolve) => this.idleMedia.push(resolve));
    }
    return leg.media.open(codec);
  }

  override startMedia(target: RtpAddress | undefined, codec: CodecName): void {
    if (this.role === "phone") this.leg?.media.start(target, codec);
  }

  override stopMedia(): void {
    if (this.role === "phone") this.leg?.media.stop();
  }

  /**
   * A digit the far end dialled: the phone plays its DTMF tone for 100 ms (sccp-protocol.md
   * §9.2 tones 0x01–0x13), so its user hears what the other side keyed.
   */
  override sendDtmf(digit: string): void {
    const leg = this.leg;
    const tone = DTMF_TONE[digit.toUpperCase()];
    if (this.role !== "phone" || leg === undefined || tone === undefined) return;
    sendTone(leg, tone);
    setTimeout(() => {
      if (!this.released) sendStopTone(leg);
    }, 100).unref();
  }

  override serverAddress(): string {
    return this.leg?.device.session?.localAddress ?? "127.0.0.1";
  }

  override updateConnectedLine(num: string, name: string): void {
    this.connectedNum = num;
    this.connectedName = name;
    this.hooks.connectedLineChanged(this);
  }
}

/** DTMF digit → StartTone tone id (sccp-protocol.md §9.2). */
const DTMF_TONE: Readonly<Record<string, number>> = {
  "1": 0x01,
  "2": 0x02,
  "3": 0x03,
  "4": 0x04,
  "5": 0x05,
  "6": 0x06,
  "7": 0x07,
  "8": 0x08,
  "9": 0x09,
  "0": 0x0a,
  "*": 0x0e,
  "#": 0x0f,
  A: 0x10,
  B: 0x11,
  C: 0x12,
  D: 0x13,
};
