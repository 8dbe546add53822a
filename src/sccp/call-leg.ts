/**
 * One call as one phone sees it (wazo's "subchannel", chan-sccp's "channel"): its
 * callReference, the line instance it sits on, its state, the digits being collected, the
 * remote party shown on the display, its timers and its media (sccp-flows.md §0).
 *
 * A leg is not a core channel: a phone that is off hook collecting digits has a leg and no
 * channel yet; an incoming call on a shared line is one channel ringing several legs.
 */
import type { SccpLineConfig } from "../config/sccp-model.ts";
import type { SccpDevice } from "./device.ts";
import { LegMedia } from "./media.ts";
import type { SccpChannel } from "./sccp-channel.ts";

/** What the leg is doing (sccp-flows.md §0 table). */
export type LegState =
  /** Dial tone / collecting digits. */
  | "offhook"
  /** The number went to the dialplan; nothing heard back yet. */
  | "proceeding"
  /** The far end is alerting. */
  | "ringout"
  /** Incoming, ringing on this phone. */
  | "ringin"
  | "connected"
  /** Held by this phone. */
  | "hold"
  /** The far end was busy: busy tone until the user hangs up. */
  | "busy"
  /** The call failed: reorder tone until the user hangs up. */
  | "congestion"
  /** Torn down. */
  | "gone";

/** Who placed the call, seen from the phone. */
export type LegDirection = "outgoing" | "incoming";

/** What an off-hook leg collects digits for. */
export type LegPurpose = "call" | "forward-input";

/**
 * callReference counter: seeded with the Unix time so references keep increasing across server
 * restarts, which the 7940/7960 call history needs (sccp-protocol.md §11 pitfall 8).
 */
let lastCallReference = Math.floor(Date.now() / 1000) >>> 0;

/** The next callReference (unique for the process, never 0). */
export function nextCallReference(): number {
  lastCallReference = (lastCallReference + 1) >>> 0;
  if (lastCallReference === 0) lastCallReference = 1;
  return lastCallReference;
}

/** Construction options of a leg. */
export interface CallLegOptions {
  readonly device: SccpDevice;
  readonly lineInstance: number;
  readonly line: SccpLineConfig;
  readonly direction: LegDirection;
  readonly state: LegState;
  /** Send media to the phone's TCP source address instead of the address it reports. */
  readonly nat: boolean;
  readonly purpose?: LegPurpose;
}

/** One call on one phone. */
export class CallLeg {
  readonly callReference = nextCallReference();
  readonly device: SccpDevice;
  readonly lineInstance: number;
  readonly line: SccpLineConfig;
  direction: LegDirection;
  state: LegState;
  readonly purpose: LegPurpose;
  /** The phone is behind NAT: its media goes to its TCP source address, never phone to phone. */
  readonly nat: boolean;
  readonly media: LegMedia;
  /** The core channel this leg carries, once there is one. */
  channel: SccpChannel | undefined;
  /** Digits collected while off hook. */
  digits = "";
  /** The other party as the display shows it. */
  remoteNum = "";
  remoteName = "";
  /** Forwarded call: the number originally called (CallInfo callType 3). */
  originalCalledNum = "";
  originalCalledName = "";
  /** For a transfer consultation: the held call it will be joined with (sccp-flows.md §9). */
  transferOf: CallLeg | undefined;
  /** Complete the transfer as soon as the consultation target rings (blind transfer). */
  completeTransferOnRing = false;
  /** Answered by the server without ringing (paging). */
  autoAnswered = false;
  /** The microphone was muted for one-way paging; unmute when the leg ends. */
  micMuted = false;
  /** The speaker was switched on for this leg (soft key, line button, auto-answer). */
  speaker = false;
  readonly createdAt = Date.now();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(opts: CallLegOptions) {
    this.device = opts.device;
    this.lineInstance = opts.lineInstance;
    this.line = opts.line;
    this.direction = opts.direction;
    this.state = opts.state;
    this.purpose = opts.purpose ?? "call";
    this.nat = opts.nat;
    this.media = new LegMedia(opts.device, this.callReference, { tos: opts.line.tosAudio, nat: opts.nat });
  }

  /** True while the phone shows this call in its call plane. */
  get isLive(): boolean {
    return this.state !== "gone";
  }

  /** (Re)arms a named timer of the leg; the previous one with that name is cancelled. */
  arm(name: string, ms: number, fn: () => void): void {
    this.disarm(name);
    const t = setTimeout(() => {
      this.timers.delete(name);
      fn();
    }, ms);
    this.timers.set(name, t);
  }

  /** Cancels a named timer. */
  disarm(name: string): void {
    const t = this.timers.get(name);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(name);
  }

  /** Ends the leg's timers and media; the leg is gone. */
  close(): void {
    this.state = "gone";
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.media.close();
  }
}
