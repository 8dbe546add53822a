/**
 * What a phone that placed a call sees of its progress (sccp-flows.md §3.3, §7): the far end
 * ringing (CallState RingOut + ring-back tone), answering (Connected, CallInfo with the party
 * reached), busy or congestion, a new connected party (transfer, pickup); and what a blind
 * transfer does on these events.
 */
import type { Indication } from "../../core/channel.ts";
import { Label, Tone } from "../protocol/index.ts";
import type { DriverContext } from "../driver-context.ts";
import type { SccpChannel } from "../sccp-channel.ts";
import {
  label,
  sendCallInfo,
  sendCallState,
  sendPrompt,
  sendSoftKeys,
  sendStopTone,
  sendTone,
} from "../phone-ui.ts";
import { showBusy, showCongestion } from "./hangup.ts";
import { handOver } from "./transfer.ts";

/** `Channel.indicate` on an SCCP channel. */
export function indicate(ctx: DriverContext, ch: SccpChannel, what: Indication): void {
  const leg = ch.leg;
  if (leg === undefined || ch.role !== "phone") return;
  switch (what) {
    case "ringing":
      // sccp-flows.md §3.3: ring-back starts when the far end rings.
      if (leg.state !== "proceeding") return;
      leg.state = "ringout";
      sendCallState(leg, "RingOut");
      sendSoftKeys(leg, leg.transferOf ? "ConnTransfer" : "RingOut");
      sendTone(leg, Tone.Alerting);
      ctx.stateChanged();
      if (leg.completeTransferOnRing) {
        ctx.later(() => {
          if (leg.state === "ringout") handOver(ctx, leg);
        });
      }
      return;
    case "progress":
    case "proceeding":
      return;
    // sccp-flows.md §7.
    case "busy":
      showBusy(ctx, leg);
      return;
    case "congestion":
      showCongestion(ctx, leg);
      return;
    // sccp-flows.md §8: remote hold keeps the call Connected (no RemoteHold for 79x0/7912).
    case "hold":
      sendPrompt(leg, label(Label.Hold));
      return;
    case "unhold":
      sendPrompt(leg, label(Label.Connected));
      return;
  }
}

/** The dialplan answered a phone's call (an inbound channel; sccp-flows.md §3.3). */
export function remoteAnswered(ctx: DriverContext, ch: SccpChannel): void {
  const leg = ch.leg;
  if (leg === undefined || ch.role !== "phone") return;
  if (leg.state !== "proceeding" && leg.state !== "ringout" && leg.state !== "offhook") return;
  const dc = ctx.calls(leg.device);
  leg.state = "connected";
  if (ch.connectedNum !== "") {
    leg.remoteNum = ch.connectedNum;
    leg.remoteName = ch.connectedName;
  }
  sendStopTone(leg);
  sendCallState(leg, "Connected");
  sendSoftKeys(leg, leg.transferOf ? "ConnTransfer" : "Connected");
  sendPrompt(leg, label(Label.Connected));
  sendCallInfo(leg, dc?.callInstance(leg) ?? 1);
  dc?.refreshLamp(leg.lineInstance);
  ctx.stateChanged();
  // A blind transfer whose target answered without ringing first (auto-answer).
  if (leg.completeTransferOnRing) {
    ctx.later(() => {
      if (leg.state === "connected" && leg.transferOf !== undefined) handOver(ctx, leg);
    });
  }
}

/** The party shown to the phone changed: a new CallInfo (sccp-protocol.md §6.6). */
export function connectedLineChanged(ctx: DriverContext, ch: SccpChannel): void {
  const leg = ch.leg;
  if (leg === undefined) return;
  leg.remoteNum = ch.connectedNum;
  leg.remoteName = ch.connectedName;
  sendCallInfo(leg, ctx.calls(leg.device)?.callInstance(leg) ?? 1);
}
