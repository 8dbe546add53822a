/**
 * Auto-answer for paging (`Page(SCCP/100/autoanswer…)`, sccp-flows.md §11): the phone shows
 * the call, goes off hook on its speaker without ringing and is connected at once; for one-way
 * paging its microphone is muted (chan-sccp's SetMicroMode(off)) and unmuted when the page ends.
 */
import { Tone, makeMessage } from "../protocol/index.ts";
import type { CallLeg } from "../call-leg.ts";
import type { DriverContext } from "../driver-context.ts";
import type { SccpChannel } from "../sccp-channel.ts";
import {
  sendCallState,
  sendMicro,
  sendRinger,
  sendSoftKeys,
  sendSpeaker,
  sendStopTone,
  sendTone,
} from "../phone-ui.ts";

/** Answers a freshly shown (silent) RingIn leg on the speaker (sccp-flows.md §11, wazo order). */
export function autoAnswerLeg(ctx: DriverContext, ch: SccpChannel, leg: CallLeg, oneWay: boolean): void {
  const device = leg.device;
  const dc = ctx.calls(device);
  leg.autoAnswered = true;
  leg.speaker = true;
  sendSpeaker(device, true);
  sendRinger(device, "off");
  sendCallState(leg, "OffHook");
  leg.state = "connected";
  dc?.refreshLamp(leg.lineInstance);
  device.send(makeMessage("ActivateCallPlane", { lineInstance: leg.lineInstance }));
  sendCallState(leg, "Connected");
  sendStopTone(leg);
  sendSoftKeys(leg, "Connected");
  // chan-sccp's autoanswer_tone: a short zip tells the user the page has started.
  sendTone(leg, Tone.Zip);
  if (oneWay) {
    sendMicro(device, false);
    leg.micMuted = true;
  }
  ctx.stateChanged();
  ctx.later(() => {
    ch.remoteAnswered();
  });
}
