/**
 * Hold and resume (sccp-flows.md §8), and switching between the calls of a phone (§14.2): one
 * call has the focus and the audio; holding closes its media and tells the far end (through the
 * bridge: the peer gets the `hold` indication), resuming reopens it.
 */
import type { CallLeg } from "../call-leg.ts";
import type { DriverContext } from "../driver-context.ts";
import { sendCallState, sendSoftKeys, sendSpeaker } from "../phone-ui.ts";
import { hangupLocal } from "./hangup.ts";

/** Options of a hold. */
export interface HoldOptions {
  /**
   * The hold is part of another action (NewCall, answering a waiting call, transfer): the
   * speaker stays as it is because a new call takes the audio at once.
   */
  readonly quiet?: boolean;
}

/** Puts a connected leg on hold (sccp-flows.md §8). */
export function holdLeg(ctx: DriverContext, leg: CallLeg, opts: HoldOptions = {}): void {
  if (leg.state !== "connected") return;
  const dc = ctx.calls(leg.device);
  leg.state = "hold";
  // sccp-flows.md §8: CallState Hold, OnHold set, lamp wink (chan-sccp), speaker off (wazo).
  sendCallState(leg, "Hold");
  sendSoftKeys(leg, "OnHold");
  dc?.refreshLamp(leg.lineInstance);
  if (opts.quiet !== true && dc?.focused() === undefined) sendSpeaker(leg.device, false);
  const ch = leg.channel;
  // In a bridge, the bridge closes both sides' media and indicates hold to the peer.
  if (ch !== undefined) ch.remoteHold(true);
  if (leg.media.active) leg.media.stop();
  ctx.stateChanged();
}

/** Resumes a held leg; the call that had the focus is held (or dropped while dialling) first. */
export function resumeLeg(ctx: DriverContext, leg: CallLeg): void {
  if (leg.state !== "hold") return;
  const dc = ctx.calls(leg.device);
  const focused = dc?.focused();
  if (focused !== undefined && focused !== leg) {
    if (focused.state === "connected") holdLeg(ctx, focused, { quiet: true });
    else hangupLocal(ctx, focused);
  }
  leg.state = "connected";
  // sccp-flows.md §8: CallState Connected, Connected set, speaker on (wazo), lamp on.
  sendCallState(leg, "Connected");
  sendSoftKeys(leg, leg.transferOf ? "ConnTransfer" : "Connected");
  sendSpeaker(leg.device, true);
  leg.speaker = true;
  dc?.refreshLamp(leg.lineInstance);
  // The bridge reopens both sides' media and indicates unhold to the peer.
  leg.channel?.remoteHold(false);
  ctx.stateChanged();
}
