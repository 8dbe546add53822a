/**
 * Hang-up (sccp-flows.md §6): tearing a leg down on its phone, the phone hanging up (on hook,
 * EndCall, rejecting a ringing call), the far end hanging up, and failed calls that keep their
 * busy or reorder tone until the user hangs up (§7).
 */
import { Cause } from "../../core/channel.ts";
import { Label, Tone, makeMessage } from "../protocol/index.ts";
import { phoneTime } from "../time-date.ts";
import type { CallLeg } from "../call-leg.ts";
import type { DriverContext } from "../driver-context.ts";
import type { SccpChannel } from "../sccp-channel.ts";
import {
  label,
  sendCallState,
  sendClearPrompt,
  sendIdleSoftKeys,
  sendMicro,
  sendPrompt,
  sendRinger,
  sendSoftKeys,
  sendSpeaker,
  sendStopTone,
  sendTone,
} from "../phone-ui.ts";

/** Q.850 causes after which the caller hears busy rather than a plain hang-up. */
const BUSY_CAUSES = new Set<number>([Cause.UserBusy, Cause.CallRejected]);
/** Causes after which the caller hears reorder (number unknown, network trouble). */
const FAILURE_CAUSES = new Set<number>([Cause.Unallocated, Cause.Congestion, 3, 20, 27, 28, 38, 41, 42, 44]);

/**
 * Removes a leg from its phone (sccp-flows.md §6.1 sequence) and from its channel. The channel
 * itself is left alone: callers decide whether it hangs up.
 */
export function endLeg(ctx: DriverContext, leg: CallLeg): void {
  if (leg.state === "gone") return;
  const device = leg.device;
  const dc = ctx.calls(device);
  const wasRinging = leg.state === "ringin";
  sendStopTone(leg);
  sendClearPrompt(leg);
  // CUCM order: media first (Close, Stop), then the call state.
  leg.close();
  sendCallState(leg, "OnHook");
  if (leg.micMuted) sendMicro(device, true);
  const ch = leg.channel;
  if (ch !== undefined) {
    ch.legs = ch.legs.filter((l) => l !== leg);
    leg.channel = undefined;
  }
  // A consultation whose held call ended is an ordinary call now (its keys say so).
  for (const other of dc?.legs ?? []) {
    if (other.transferOf !== leg) continue;
    other.transferOf = undefined;
    other.completeTransferOnRing = false;
    if (other.state === "connected") sendSoftKeys(other, "Connected");
    else if (other.state === "proceeding" || other.state === "ringout") sendSoftKeys(other, "RingOut");
    else if (other.state === "offhook")
      sendSoftKeys(other, other.digits === "" ? "OffHook" : "DigitsFollowing");
  }
  if (dc !== undefined) {
    dc.remove(leg);
    dc.refreshLamp(leg.lineInstance);
    const ringing = dc.ringing();
    if (dc.legs.length === 0) {
      sendIdleSoftKeys(device);
      sendSpeaker(device, false);
      sendRinger(device, "off");
      // CUCM refreshes the clock after every call.
      device.send(makeMessage("DefineTimeDate", phoneTime(Date.now(), device.settings.timezone)));
    } else if (ringing.length === 0) {
      if (wasRinging) sendRinger(device, "off");
    } else if (dc.focused() === undefined && !wasRinging) {
      // The active call ended while another one waited: it now rings normally (§14.2).
      const next = ringing[0];
      if (next !== undefined) sendRinger(device, "inside", next);
    }
  }
  ctx.stateChanged();
}

/** The phone hangs a leg up (on hook, EndCall): §6.1, then the far end is released. */
export function hangupLocal(ctx: DriverContext, leg: CallLeg): void {
  const ch = leg.channel;
  const rejected = leg.state === "ringin";
  endLeg(ctx, leg);
  if (ch === undefined || ch.released || ch.role !== "phone") return;
  // A shared line keeps ringing on its other phones; the last one to reject makes it busy
  // (sccp-flows.md §6.3: wazo rejects with cause BUSY).
  if (ch.legs.length === 0) ch.remoteHangup(rejected ? Cause.UserBusy : Cause.NormalClearing);
}

/** The channel was hung up (far end, dialplan, shutdown): release its legs (§6.2). */
export function channelHungUp(ctx: DriverContext, ch: SccpChannel, cause: number): void {
  for (const leg of [...ch.legs]) {
    const unanswered =
      leg.direction === "outgoing" && (leg.state === "proceeding" || leg.state === "ringout");
    if (leg.state === "busy" || leg.state === "congestion") {
      // Already showing the failure: it stays until the user hangs up.
      leg.channel = undefined;
    } else if (unanswered && BUSY_CAUSES.has(cause)) {
      showBusy(ctx, leg);
      leg.channel = undefined;
    } else if (unanswered && FAILURE_CAUSES.has(cause)) {
      showCongestion(ctx, leg);
      leg.channel = undefined;
    } else {
      endLeg(ctx, leg);
    }
  }
  ch.legs = [];
}

/** The far end is busy (sccp-flows.md §7): busy tone, CallState Busy, "Busy". */
export function showBusy(ctx: DriverContext, leg: CallLeg): void {
  if (leg.state === "gone") return;
  leg.state = "busy";
  leg.media.close();
  sendTone(leg, Tone.LineBusy);
  sendCallState(leg, "Busy");
  sendPrompt(leg, label(Label.Busy));
  sendSoftKeys(leg, leg.transferOf ? "ConnTransfer" : "RingOut");
  ctx.stateChanged();
}

/** The call failed (sccp-flows.md §7): reorder tone, CallState Congestion, "Temp Fail". */
export function showCongestion(ctx: DriverContext, leg: CallLeg): void {
  if (leg.state === "gone") return;
  leg.state = "congestion";
  leg.media.close();
  sendTone(leg, Tone.Reorder);
  sendCallState(leg, "Congestion");
  sendPrompt(leg, label(Label.TempFail));
  sendSoftKeys(leg, leg.transferOf ? "ConnTransfer" : "RingOut");
  ctx.stateChanged();
}

/** Nothing can match the digits (sccp-flows.md §7 "invalid number"): reorder at once. */
export function showInvalidNumber(ctx: DriverContext, leg: CallLeg): void {
  leg.disarm("dial");
  leg.state = "congestion";
  sendTone(leg, Tone.Reorder);
  sendCallState(leg, "InvalidNumber");
  sendPrompt(leg, label(Label.UnknownNumber));
  sendSoftKeys(leg, "OffHook");
  ctx.stateChanged();
}
