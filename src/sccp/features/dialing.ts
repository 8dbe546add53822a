/**
 * Placing a call (sccp-flows.md §3): going off hook (handset, NewCall, line button), dial tone,
 * digit collection with the inter-digit timer (`dialtimeout`), `#` to dial at once, immediate
 * dialling when the number matches exactly and cannot grow, reorder at once when nothing can
 * match, and the call itself: a new inbound channel running the dialplan of the line's context.
 */
import { matchState } from "../../core/dialplan/index.ts";
import { Label, Tone, makeMessage } from "../protocol/index.ts";
import { CallLeg } from "../call-leg.ts";
import type { DeviceCalls } from "../device-calls.ts";
import type { DriverContext } from "../driver-context.ts";
import { SccpChannel } from "../sccp-channel.ts";
import {
  label,
  sendCallInfo,
  sendCallState,
  sendPrompt,
  sendRinger,
  sendSoftKeys,
  sendSpeaker,
  sendStopTone,
  sendTone,
} from "../phone-ui.ts";
import { hangupLocal, showInvalidNumber } from "./hangup.ts";
import { holdLeg } from "./hold.ts";
import { startHotline } from "./hotline.ts";

/** Options of an off-hook. */
export interface OffHookOptions {
  /** Hands-free (soft key, line button, speed dial): SetSpeakerMode on. */
  readonly speaker: boolean;
  /** The held call this consultation will be transferred from (sccp-flows.md §9). */
  readonly transferOf?: CallLeg;
}

/**
 * Takes the phone off hook on a line (sccp-flows.md §3.1): a new leg with dial tone. A call
 * that had the focus is held first (connected) or dropped (still dialling). Returns undefined
 * when the device has no such line.
 */
export function startOffHook(
  ctx: DriverContext,
  dc: DeviceCalls,
  lineInstance: number,
  opts: OffHookOptions,
): CallLeg | undefined {
  const device = dc.device;
  const instance = ctx.lines.lineOf(device, lineInstance) === undefined ? 1 : lineInstance;
  const line = ctx.lines.lineOf(device, instance);
  if (line === undefined) return undefined;
  const focused = dc.focused();
  if (focused !== undefined) {
    if (focused.state === "connected") holdLeg(ctx, focused, { quiet: true });
    else hangupLocal(ctx, focused);
  }
  const leg = new CallLeg({
    device,
    lineInstance: instance,
    line,
    direction: "outgoing",
    state: "offhook",
    nat: ctx.lines.deviceConfig(device)?.nat ?? false,
  });
  if (opts.transferOf !== undefined) leg.transferOf = opts.transferOf;
  dc.add(leg);
  dc.selectedLine = instance;
  // sccp-flows.md §3.1 (wazo do_newcall_options with CUCM's ringer/call-plane/prompt lines).
  if (dc.ringing().length === 0) sendRinger(device, "off");
  if (opts.speaker) {
    sendSpeaker(device, true);
    leg.speaker = true;
  }
  dc.refreshLamp(instance);
  sendCallState(leg, "OffHook");
  sendSoftKeys(leg, leg.transferOf ? "ConnTransfer" : "OffHook");
  sendPrompt(leg, label(Label.EnterNumber));
  device.send(makeMessage("ActivateCallPlane", { lineInstance: instance }));
  ctx.stateChanged();
  // sccp-flows.md §13: a hotline line dials its number (at once, or after hotline_delay).
  if (leg.transferOf === undefined && startHotline(ctx, leg)) return leg;
  sendTone(leg, Tone.InsideDial);
  return leg;
}

/** One keypad digit while off hook (sccp-flows.md §3.2). */
export function collectDigit(ctx: DriverContext, leg: CallLeg, digit: string): void {
  if (leg.state !== "offhook") return;
  const first = leg.digits === "";
  // '#' dials what was collected; it is not part of the number (wazo).
  if (digit === "#") {
    if (!first) dialNow(ctx, leg);
    return;
  }
  if (first) {
    leg.disarm("hotline");
    sendStopTone(leg);
    // CUCM shows the DigitsFollowing set while dialling; a consultation keeps its own.
    if (leg.transferOf === undefined) sendSoftKeys(leg, "DigitsFollowing");
  }
  leg.digits += digit;
  const state = matchState(ctx.core.interpreter.dialplan, leg.line.context, leg.digits);
  switch (state) {
    // An extension matches and nothing longer can: dial now (chan-sccp immediate dial).
    case "exact-final":
      dialNow(ctx, leg);
      return;
    // Nothing can match whatever follows: reorder at once.
    case "none":
      showInvalidNumber(ctx, leg);
      return;
    // More digits may follow: wait for them, '#' or the inter-digit timeout.
    case "exact-more":
    case "prefix":
      leg.arm("dial", dialTimeoutMs(ctx, leg), () => {
        dialNow(ctx, leg);
      });
  }
}

/** BackSpace soft key: erase the last digit (sccp-flows.md §3.2, chan-sccp). */
export function backspace(ctx: DriverContext, leg: CallLeg): void {
  if (leg.state !== "offhook" || leg.digits === "") return;
  leg.digits = leg.digits.slice(0, -1);
  leg.device.send(
    makeMessage("BackSpaceReq", { lineInstance: leg.lineInstance, callReference: leg.callReference }),
  );
  if (leg.digits === "") {
    leg.disarm("dial");
    sendSoftKeys(leg, leg.transferOf ? "ConnTransfer" : "OffHook");
    sendTone(leg, Tone.InsideDial);
  } else {
    leg.arm("dial", dialTimeoutMs(ctx, leg), () => {
      dialNow(ctx, leg);
    });
  }
}

/** Dials the collected digits now ('#', Dial soft key, timer, exact match). */
export function dialNow(ctx: DriverContext, leg: CallLeg): void {
  leg.disarm("dial");
  if (leg.state !== "offhook" || leg.digits === "") return;
  placeCall(ctx, leg, leg.digits);
}

/**
 * Places the call (sccp-flows.md §3.3): the phone shows the dialled number and Proceed, and a
 * new inbound channel runs the dialplan of the line's context with `number` as its extension.
 */
export function placeCall(ctx: DriverContext, leg: CallLeg, number: string): void {
  const dc = ctx.calls(leg.device);
  if (dc === undefined || leg.state !== "offhook") return;
  leg.disarm("dial");
  leg.disarm("hotline");
  leg.state = "proceeding";
  leg.digits = number;
  leg.remoteNum = number;
  leg.remoteName = "";
  dc.lastDialled = number;
  const device = leg.device;
  sendSoftKeys(leg, leg.transferOf ? "ConnTransfer" : "RingOut");
  device.send(
    makeMessage("DialedNumber", {
      calledParty: number,
      lineInstance: leg.lineInstance,
      callReference: leg.callReference,
    }),
  );
  sendCallState(leg, "Proceed");
  sendStopTone(leg);
  sendCallInfo(leg, dc.callInstance(leg));
  const ch = new SccpChannel({
    line: leg.line,
    direction: "inbound",
    exten: number,
    hooks: ctx.hooks,
    log: ctx.log,
  });
  ch.legs = [leg];
  leg.channel = ch;
  ch.vars.set("SCCP_DEVICE", device.name);
  ctx.track(ch);
  ctx.core.add(ch);
  ch.markRing();
  ctx.core.startPbx(ch);
  ctx.stateChanged();
}

/**
 * Dials a known number at once (EnblocCall, Redial, speed dial, Messages key; sccp-flows.md
 * §3.3 "skip §3.2"): on the off-hook leg that has dial tone, else on a new hands-free leg.
 */
export function dialKnownNumber(
  ctx: DriverContext,
  dc: DeviceCalls,
  number: string,
  lineInstance: number,
  speaker = true,
): void {
  if (number === "") return;
  const focused = dc.focused();
  if (focused?.state === "offhook" && focused.purpose === "call") {
    if (focused.digits === "") {
      sendStopTone(focused);
      placeCall(ctx, focused, number);
    }
    return;
  }
  const leg = startOffHook(ctx, dc, lineInstance > 0 ? lineInstance : dc.selectedLine, { speaker });
  if (leg?.state === "offhook") {
    leg.disarm("hotline");
    placeCall(ctx, leg, number);
  }
}

function dialTimeoutMs(ctx: DriverContext, leg: CallLeg): number {
  const seconds = ctx.lines.deviceConfig(leg.device)?.dialtimeout ?? ctx.lines.general().dialtimeout;
  return seconds * 1000;
}
