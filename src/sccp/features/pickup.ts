/**
 * Call pickup (sccp-flows.md §12). Group pickup from the phone (GPickUp/PickUp soft keys,
 * Stimulus 0x7F/0x80): the first call ringing on a line whose `callgroup` is in the picking
 * line's `pickupgroup` is taken over by the picking phone's off-hook leg — the ringing phones
 * stop and the leg answers the same channel. Directed pickup for the `Pickup()` application:
 * a ringing line by extension (or by the requestor's pickup groups); an SCCP requestor's leg
 * takes the call over the same way, any other channel takes the ringing channel's place in the
 * caller's bridge once the caller's Dial bridged it.
 */
import { Tone } from "../protocol/index.ts";
import type { Channel } from "../../core/channel.ts";
import type { CallLeg } from "../call-leg.ts";
import type { DeviceCalls } from "../device-calls.ts";
import type { DriverContext } from "../driver-context.ts";
import { SccpChannel } from "../sccp-channel.ts";
import {
  sendCallInfo,
  sendCallState,
  sendNotify,
  sendSoftKeys,
  sendStopTone,
  sendTone,
} from "../phone-ui.ts";
import { startOffHook } from "./dialing.ts";
import { endLeg } from "./hangup.ts";
import { callerOf } from "./incoming.ts";

/** Oldest outbound SCCP channel still ringing on a phone that satisfies `pred`. */
export function findRinging(ctx: DriverContext, pred: (ch: SccpChannel) => boolean): SccpChannel | undefined {
  for (const ch of ctx.channels()) {
    if (ch.released || ch.direction !== "outbound" || ch.role !== "phone" || ch.autoAnswer) continue;
    if (ch.state === "up" || !ch.legs.some((l) => l.state === "ringin")) continue;
    if (pred(ch)) return ch;
  }
  return undefined;
}

/** True when a line with `pickupgroup` may pick up a call ringing on `ch`'s line. */
function inGroups(pickupgroup: readonly number[], ch: SccpChannel): boolean {
  return ch.line.callgroup.some((g) => pickupgroup.includes(g));
}

/** GPickUp / PickUp on a phone: take over a ringing call of the line's pickup groups. */
export function groupPickupKey(ctx: DriverContext, dc: DeviceCalls, lineInstance: number): void {
  let leg = dc.focused();
  if (leg !== undefined && (leg.state !== "offhook" || leg.purpose !== "call" || leg.digits !== "")) return;
  leg ??= startOffHook(ctx, dc, lineInstance > 0 ? lineInstance : dc.selectedLine, { speaker: true });
  if (leg === undefined || leg.state !== "offhook") return;
  const groups = leg.line.pickupgroup;
  const device = dc.device;
  const target = findRinging(ctx, (ch) => inGroups(groups, ch) && ch.legs.every((l) => l.device !== device));
  if (target === undefined) {
    // §12: nothing ringing: reorder and a plain-text notice (label 95 is too new for 79x0).
    leg.state = "congestion";
    sendTone(leg, Tone.Reorder);
    sendNotify(device, "No call to pick up", 5);
    ctx.stateChanged();
    return;
  }
  takeOver(ctx, target, leg);
}

/**
 * The picking leg answers `target` (sccp-flows.md §12): the ringing phones stop, the leg shows
 * the caller and the original callee, and the channel is answered for its caller.
 */
export function takeOver(ctx: DriverContext, target: SccpChannel, leg: CallLeg): void {
  const previous = leg.channel;
  for (const other of [...target.legs]) endLeg(ctx, other);
  if (previous !== undefined) previous.legs = previous.legs.filter((l) => l !== leg);
  leg.disarm("dial");
  leg.disarm("hotline");
  leg.channel = target;
  target.legs = [leg];
  leg.direction = "incoming";
  const caller = callerOf(target);
  leg.remoteNum = caller.num;
  leg.remoteName = caller.name;
  leg.originalCalledNum = target.line.cidNum;
  leg.originalCalledName = target.line.cidName;
  leg.state = "connected";
  const dc = ctx.calls(leg.device);
  sendStopTone(leg);
  sendCallInfo(leg, dc?.callInstance(leg) ?? 1);
  sendCallState(leg, "Connected");
  sendSoftKeys(leg, "Connected");
  dc?.refreshLamp(leg.lineInstance);
  ctx.log.info("call picked up", { channel: target.name, by: leg.device.name });
  ctx.stateChanged();
  target.remoteAnswered();
  // A pickup through the dialplan: the requestor's own channel has nothing left to do.
  if (previous !== undefined && previous !== target && previous.legs.length === 0) previous.hangup();
}

/**
 * Directed pickup for the `Pickup()` application: picks up the call ringing on line
 * `extension` (or, without one, a call of the requestor's pickup groups when the requestor is
 * an SCCP line). Resolves true once the requestor talks to the caller, false when nothing rang
 * or the caller went away first.
 */
export function directedPickup(ctx: DriverContext, requestor: Channel, extension?: string): Promise<boolean> {
  const groups = requestor instanceof SccpChannel ? requestor.line.pickupgroup : [];
  const target = findRinging(ctx, (ch) =>
    extension !== undefined && extension !== ""
      ? ch.line.name === extension || ch.line.cidNum === extension
      : inGroups(groups, ch),
  );
  if (target === undefined || requestor.released) return Promise.resolve(false);
  // An SCCP phone that dialled the pickup: its own leg answers the ringing channel.
  const leg = requestor instanceof SccpChannel ? requestor.leg : undefined;
  if (leg !== undefined && leg.device.session !== undefined) {
    takeOver(ctx, target, leg);
    return Promise.resolve(true);
  }
  // Any other channel: the ringing channel is answered for its caller, then replaced by it.
  for (const other of [...target.legs]) endLeg(ctx, other);
  target.role = "handover";
  target.joinPartner = requestor;
  const done = new Promise<boolean>((resolve) => {
    target.handoverDone = resolve;
  });
  target.remoteAnswered();
  return done;
}
