/**
 * What a phone shows and plays for its calls: the call-level messages of sccp-flows.md
 * (CallState, SelectSoftKeys, tones, ringer, lamps, speaker, prompts, CallInfo), each built
 * once here so every feature sends them the same way.
 */
import {
  CallStateCode,
  CallType,
  LampMode,
  OnOff,
  RingDuration,
  RingMode,
  Stimulus,
  ToneDirection,
  label,
  makeMessage,
} from "./protocol/index.ts";
import type { SccpDevice } from "./device.ts";
import type { CallLeg } from "./call-leg.ts";
import { SoftKeySetIndex, type SoftKeySetName } from "./softkeys.ts";

/** A CallState value name (sccp-protocol.md §9.3). */
export type CallStateName = keyof typeof CallStateCode;
/** A lamp mode name (§9.5). */
export type LampModeName = keyof typeof LampMode;

/** CUCM and wazo send precedence level 4 ("routine") in every CallState (§6.6). */
const PRECEDENCE_ROUTINE = 4;

/** CallState for a leg. */
export function sendCallState(leg: CallLeg, state: CallStateName): void {
  leg.device.send(
    makeMessage("CallState", {
      callState: CallStateCode[state],
      lineInstance: leg.lineInstance,
      callReference: leg.callReference,
      precedenceLevel: PRECEDENCE_ROUTINE,
    }),
  );
}

/** SelectSoftKeys for a leg (every key of the set enabled). */
export function sendSoftKeys(leg: CallLeg, set: SoftKeySetName): void {
  selectSoftKeys(leg.device, leg.lineInstance, leg.callReference, set);
}

/** The idle set, `(0, 0, OnHook)`, after the last call of the device (§6.2). */
export function sendIdleSoftKeys(device: SccpDevice): void {
  selectSoftKeys(device, 0, 0, "OnHook");
}

function selectSoftKeys(device: SccpDevice, line: number, ref: number, set: SoftKeySetName): void {
  device.send(
    makeMessage("SelectSoftKeys", {
      lineInstance: line,
      callReference: ref,
      softKeySetIndex: SoftKeySetIndex[set],
      validKeyMask: 0xffffffff,
    }),
  );
}

/** SetLamp for a line button. */
export function sendLineLamp(device: SccpDevice, lineInstance: number, mode: LampModeName): void {
  device.send(
    makeMessage("SetLamp", {
      stimulus: Stimulus.Line,
      stimulusInstance: lineInstance,
      lampMode: LampMode[mode],
    }),
  );
}

/** The message-waiting lamp: SetLamp(0x0F, 0, on|off) (§6.5, wazo). */
export function sendMwiLamp(device: SccpDevice, on: boolean): void {
  device.send(
    makeMessage("SetLamp", {
      stimulus: Stimulus.Voicemail,
      stimulusInstance: 0,
      lampMode: on ? LampMode.On : LampMode.Off,
    }),
  );
}

/** StartTone on a leg, played in the phone's earpiece (direction 0 as wazo and CUCM). */
export function sendTone(leg: CallLeg, tone: number): void {
  leg.device.send(
    makeMessage("StartTone", {
      tone,
      direction: ToneDirection.User,
      lineInstance: leg.lineInstance,
      callReference: leg.callReference,
    }),
  );
}

/** StopTone on a leg. */
export function sendStopTone(leg: CallLeg): void {
  leg.device.send(
    makeMessage("StopTone", { lineInstance: leg.lineInstance, callReference: leg.callReference }),
  );
}

/** SetRinger: `off` silences the phone; `inside` rings for a leg. */
export function sendRinger(device: SccpDevice, mode: "off" | "inside", leg?: CallLeg): void {
  device.send(
    makeMessage("SetRinger", {
      ringMode: mode === "off" ? RingMode.Off : RingMode.Inside,
      ringDuration: RingDuration.Normal,
      lineInstance: leg?.lineInstance ?? 0,
      callReference: leg?.callReference ?? 0,
    }),
  );
}

/** SetSpeakerMode on/off. */
export function sendSpeaker(device: SccpDevice, on: boolean): void {
  device.send(makeMessage("SetSpeakerMode", { mode: on ? OnOff.On : OnOff.Off }));
}

/** SetMicroMode on/off (one-way paging mutes the microphone, sccp-flows.md §11). */
export function sendMicro(device: SccpDevice, on: boolean): void {
  device.send(makeMessage("SetMicroMode", { mode: on ? OnOff.On : OnOff.Off }));
}

/** DisplayPromptStatus on a leg's call plane; `text` may hold `0x80,id` labels. */
export function sendPrompt(leg: CallLeg, text: string, timeout = 0): void {
  leg.device.send(
    makeMessage("DisplayPromptStatus", {
      timeOutValue: timeout,
      promptStatus: text,
      lineInstance: leg.lineInstance,
      callReference: leg.callReference,
    }),
  );
}

/** ClearPromptStatus for a leg. */
export function sendClearPrompt(leg: CallLeg): void {
  leg.device.send(
    makeMessage("ClearPromptStatus", { lineInstance: leg.lineInstance, callReference: leg.callReference }),
  );
}

/** DisplayNotify on the notify line (`timeout` seconds, 0 = until cleared). */
export function sendNotify(device: SccpDevice, text: string, timeout = 0): void {
  device.send(makeMessage("DisplayNotify", { timeOutValue: timeout, notify: text }));
}

/** A phone-resident label (`0x80, id`), re-exported for the features. */
export { label };

/**
 * CallInfo for a leg (sccp-protocol.md §6.6): inbound shows the remote party as calling and the
 * own line as called, outbound the other way round; a forwarded call adds the original callee.
 */
export function sendCallInfo(leg: CallLeg, callInstance: number): void {
  const ownNum = leg.line.cidNum;
  const ownName = leg.line.cidName;
  const incoming = leg.direction === "incoming";
  const forwarded = leg.originalCalledNum !== "";
  leg.device.send(
    makeMessage("CallInfo", {
      callingPartyName: incoming ? leg.remoteName : ownName,
      callingParty: incoming ? leg.remoteNum : ownNum,
      calledPartyName: incoming ? ownName : leg.remoteName,
      calledParty: incoming ? ownNum : leg.remoteNum,
      lineInstance: leg.lineInstance,
      callReference: leg.callReference,
      callType: forwarded ? CallType.Forward : incoming ? CallType.Inbound : CallType.Outbound,
      originalCalledPartyName: forwarded ? leg.originalCalledName : "",
      originalCalledParty: forwarded ? leg.originalCalledNum : "",
      lastRedirectingPartyName: forwarded ? leg.originalCalledName : "",
      lastRedirectingParty: forwarded ? leg.originalCalledNum : "",
      callInstance,
    }),
  );
}
