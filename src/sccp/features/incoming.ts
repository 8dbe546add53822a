/**
 * Receiving a call (sccp-flows.md §4): which phones of a line can take it, ringing them (with
 * the call-waiting tone instead of the ringer when the phone is busy, §14.2), and answering
 * (handset, Answer soft key, line button), which stops the other phones of a shared line.
 */
import { Cause, type CallOptions } from "../../core/channel.ts";
import { Label, Tone, makeMessage } from "../protocol/index.ts";
import { CallLeg } from "../call-leg.ts";
import type { DeviceCalls } from "../device-calls.ts";
import type { DriverContext } from "../driver-context.ts";
import type { LineAppearance } from "../line.ts";
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
import { endLeg, hangupLocal } from "./hangup.ts";
import { holdLeg } from "./hold.ts";
import { autoAnswerLeg } from "./paging.ts";
import { forwardedFrom, startForward } from "./call-forward.ts";

/** The party a phone shows for a call coming from `ch`'s requestor. */
export interface PartyId {
  readonly num: string;
  readonly name: string;
}

/** Who is calling an outbound channel (what its phone shows as the calling party). */
export function callerOf(ch: SccpChannel): PartyId {
  if (ch.connectedNum !== "") return { num: ch.connectedNum, name: ch.connectedName };
  const r = ch.requestor;
  return r === undefined ? { num: "", name: "" } : { num: r.callerIdNum, name: r.callerIdName };
}

/**
 * Phones of line `name` that can take a new call now: not in DND, below the per-line call
 * limit; for auto-answer (paging) only phones with no call at all (sccp-flows.md §11: a phone
 * busy on a call is not paged).
 */
export function availableAppearances(
  ctx: DriverContext,
  name: string,
  autoAnswer: boolean,
): LineAppearance[] {
  return ctx.lines.appearances(name).filter(({ device, instance }) => {
    const dc = ctx.calls(device);
    if (dc === undefined || dc.dnd) return false;
    if (autoAnswer) return dc.legs.length === 0;
    return dc.onLine(instance).length < ctx.maxCallsPerLine;
  });
}

/** True when every phone of the line already has a call (forward-on-busy applies). */
export function allAppearancesBusy(ctx: DriverContext, name: string): boolean {
  return ctx.lines.appearances(name).every(({ device }) => {
    const dc = ctx.calls(device);
    return dc === undefined || dc.dnd || dc.legs.length > 0;
  });
}

/** `Channel.call` of an outbound SCCP channel: ring (or page, or forward) the line's phones. */
export function ringChannel(ctx: DriverContext, ch: SccpChannel, opts: CallOptions): void {
  // Page's `i` ignores the line's forwarding: ring the phones themselves.
  if (ch.role === "forwarded" && opts.ignoreForward === true) ch.role = "phone";
  if (ch.role === "forwarded") {
    startForward(ctx, ch, ch.forwardTarget ?? "");
    return;
  }
  const targets = availableAppearances(ctx, ch.line.name, ch.autoAnswer);
  if (targets.length === 0) {
    // The phones went away (or got busy) between request and call.
    ctx.later(() => {
      ch.remoteHangup(Cause.UserBusy);
    });
    return;
  }
  const caller = callerOf(ch);
  const original = forwardedFrom(ch);
  const chosen = ch.autoAnswer ? targets.slice(0, 1) : targets;
  for (const { device, instance } of chosen) {
    const dc = ctx.calls(device);
    if (dc === undefined) continue;
    const leg = new CallLeg({
      device,
      lineInstance: instance,
      line: ch.line,
      direction: "incoming",
      state: "ringin",
      nat: ctx.lines.deviceConfig(device)?.nat ?? false,
    });
    leg.remoteNum = caller.num;
    leg.remoteName = caller.name;
    if (original !== undefined) {
      leg.originalCalledNum = original.num;
      leg.originalCalledName = original.name;
    }
    leg.channel = ch;
    ch.legs.push(leg);
    dc.add(leg);
    showRinging(dc, leg, ch.autoAnswer);
    if (!ch.autoAnswer && ch.line.forwardNoAnswer !== undefined) {
      const target = ch.line.forwardNoAnswer;
      // sccp-flows.md §10.3: after the timeout, stop ringing and redirect.
      leg.arm("noanswer", ch.line.forwardNoAnswerTimeout * 1000, () => {
        if (!ch.released && ch.state !== "up" && ch.role === "phone") startForward(ctx, ch, target);
      });
    }
  }
  ctx.stateChanged();
  const leg = ch.leg;
  if (ch.autoAnswer && leg !== undefined) {
    autoAnswerLeg(ctx, ch, leg, opts.oneWay === true || ch.oneWay);
    return;
  }
  // Dial attaches its listeners after call() returns: report progress on the next turn.
  ctx.later(() => {
    ch.remoteProgress("ringing");
  });
}

/**
 * Shows a ringing leg (sccp-flows.md §4.1). A phone already busy on a call hears the
 * call-waiting tone on its active call instead of the ringer (§14.2); an auto-answered call
 * gets no ringer at all (§11).
 */
export function showRinging(dc: DeviceCalls, leg: CallLeg, silent: boolean): void {
  sendCallState(leg, "RingIn");
  sendSoftKeys(leg, "RingIn");
  sendPrompt(leg, label(Label.From) + leg.remoteNum);
  sendCallInfo(leg, dc.callInstance(leg));
  dc.refreshLamp(leg.lineInstance);
  if (silent) return;
  const focused = dc.focused();
  if (focused === undefined) sendRinger(dc.device, "inside", leg);
  else sendTone(focused, Tone.CallWaiting);
}

/** Options of an answer. */
export interface AnswerOptions {
  /** Answered hands-free (soft key, line button): SetSpeakerMode on. */
  readonly speaker: boolean;
}

/** The phone answers a ringing leg (sccp-flows.md §4.2). */
export function answerLeg(ctx: DriverContext, leg: CallLeg, opts: AnswerOptions): void {
  const ch = leg.channel;
  const dc = ctx.calls(leg.device);
  if (ch === undefined || dc === undefined || leg.state !== "ringin" || ch.released) return;
  // One call has the audio: hold the active one first, drop one still dialling (§14.2).
  const focused = dc.focused();
  if (focused !== undefined) {
    if (focused.state === "connected") holdLeg(ctx, focused, { quiet: true });
    else hangupLocal(ctx, focused);
  }
  // A shared line stops ringing on its other phones (§14.3).
  for (const other of [...ch.legs]) if (other !== leg) endLeg(ctx, other);
  ch.legs = [leg];
  leg.disarm("noanswer");
  showAnswered(ctx, leg, opts.speaker);
  ch.remoteAnswered();
}

/** The answer sequence on the phone (sccp-flows.md §4.2); media follows from the bridge. */
export function showAnswered(ctx: DriverContext, leg: CallLeg, speaker: boolean): void {
  const dc = ctx.calls(leg.device);
  const device = leg.device;
  sendRinger(device, "off");
  if (speaker) {
    sendSpeaker(device, true);
    leg.speaker = true;
  }
  leg.state = "connected";
  dc?.refreshLamp(leg.lineInstance);
  // The 7911 sends no audio unless it saw OffHook before Connected (chan-sccp).
  sendCallState(leg, "OffHook");
  device.send(makeMessage("ActivateCallPlane", { lineInstance: leg.lineInstance }));
  sendStopTone(leg);
  sendCallState(leg, "Connected");
  sendSoftKeys(leg, "Connected");
  sendPrompt(leg, label(Label.Connected));
  sendCallInfo(leg, dc?.callInstance(leg) ?? 1);
  ctx.stateChanged();
}
