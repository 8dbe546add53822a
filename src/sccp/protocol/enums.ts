/**
 * SCCP value tables (protocol reference §9): device types and model names, tones, call states,
 * ring and lamp modes, stimulus / button ids, codecs, soft-key sets and events, phone-resident
 * labels and the small enumerations of §9.13.
 */

/** §9.1 Register.deviceType by model name. */
export const DeviceType = {
  "7905": 20000,
  "7906": 369,
  "7911": 307,
  "7912": 30007,
  "7940": 8,
  "7941": 115,
  "7941GE": 309,
  "7960": 7,
  "7961": 30018,
  "7961GE": 308,
  "7942": 434,
  "7945": 435,
  "7962": 404,
  "7965": 436,
  "7970": 30006,
  "7971": 119,
  "7971GE": 118,
  "7975": 437,
  "7902": 30008,
  "7910": 6,
  "7935": 9,
  "7936": 30019,
  "7937": 431,
  "7920": 30002,
  "7921": 365,
  "7925": 484,
  "7931": 348,
  "IP Communicator": 30016,
  "8941": 586,
  "8945": 585,
  "6901": 547,
  "6911": 548,
  "6921": 495,
  "6941": 496,
  "6945": 564,
  "6961": 497,
  "ATA 186": 12,
  "ATA 188": 13,
  "7914": 124,
  "7915-12": 227,
  "7915-24": 228,
  "7916-12": 229,
  "7916-24": 230,
} as const satisfies Record<string, number>;

/** A model name of {@link DeviceType}. */
export type DeviceModel = keyof typeof DeviceType;

const MODEL_BY_TYPE = new Map<number, DeviceModel>();
const TYPE_BY_KEY = new Map<string, number>();
for (const [model, type] of Object.entries(DeviceType) as [DeviceModel, number][]) {
  MODEL_BY_TYPE.set(type, model);
  TYPE_BY_KEY.set(modelKey(model), type);
}

/** Canonical lookup key: upper case, no spaces/dashes/`CP` prefix, `G` suffix dropped (7941G-GE → 7941GE). */
function modelKey(model: string): string {
  let s = model.toUpperCase().split(" ").join("").split("-").join("").split("_").join("");
  if (s.startsWith("CISCO")) s = s.slice(5);
  if (s.startsWith("CP")) s = s.slice(2);
  // 7941G → 7941, 7941GGE → 7941GE; keep the GE of 7941GE itself.
  if (s.length > 4 && s[4] === "G" && s !== `${s.slice(0, 4)}GE`) s = s.slice(0, 4) + s.slice(5);
  return s;
}

/** Model name of a Register.deviceType value ("7940", "7941GE", "IP Communicator"), if known. */
export function deviceModelName(type: number): DeviceModel | undefined {
  return MODEL_BY_TYPE.get(type);
}

/** Device type of a model name; tolerant of "CP-7941G-GE", "7961G", "ip communicator". */
export function deviceTypeOf(model: string): number | undefined {
  return TYPE_BY_KEY.get(modelKey(model));
}

/** §9.2 StartTone/StopTone tones. */
export const Tone = {
  Silence: 0x00,
  Dtmf1: 0x01,
  Dtmf2: 0x02,
  Dtmf3: 0x03,
  Dtmf4: 0x04,
  Dtmf5: 0x05,
  Dtmf6: 0x06,
  Dtmf7: 0x07,
  Dtmf8: 0x08,
  Dtmf9: 0x09,
  Dtmf0: 0x0a,
  DtmfStar: 0x0e,
  DtmfPound: 0x0f,
  DtmfA: 0x10,
  DtmfB: 0x11,
  DtmfC: 0x12,
  DtmfD: 0x13,
  InsideDial: 0x21,
  OutsideDial: 0x22,
  LineBusy: 0x23,
  Alerting: 0x24,
  Reorder: 0x25,
  RecorderWarning: 0x26,
  RecorderDetected: 0x27,
  Reverting: 0x28,
  ReceiverOffHook: 0x29,
  StutterDial: 0x2a,
  NoSuchNumber: 0x2b,
  BusyVerification: 0x2c,
  CallWaiting: 0x2d,
  Confirmation: 0x2e,
  CampOnIndication: 0x2f,
  RecallDial: 0x30,
  ZipZip: 0x31,
  Zip: 0x32,
  BeepBonk: 0x33,
  Music: 0x34,
  Hold: 0x35,
  Test: 0x36,
  MonitorWarning: 0x38,
  SecureWarning: 0x39,
  NoTone: 0x7f,
} as const satisfies Record<string, number>;

/** §9.3 CallState.callState values. */
export const CallStateCode = {
  Idle: 0,
  OffHook: 1,
  OnHook: 2,
  RingOut: 3,
  RingIn: 4,
  Connected: 5,
  Busy: 6,
  Congestion: 7,
  Hold: 8,
  CallWaiting: 9,
  CallTransfer: 10,
  CallPark: 11,
  Proceed: 12,
  CallRemoteMultiline: 13,
  InvalidNumber: 14,
  HoldRevert: 15,
  Whisper: 16,
  RemoteHold: 17,
} as const satisfies Record<string, number>;

/** §9.4 SetRinger.ringMode. */
export const RingMode = {
  Off: 1,
  Inside: 2,
  Outside: 3,
  Feature: 4,
  FlashOnly: 5,
  Precedence: 6,
} as const satisfies Record<string, number>;

/** §9.4 SetRinger.ringDuration. */
export const RingDuration = { Normal: 1, Single: 2 } as const satisfies Record<string, number>;

/** §9.5 SetLamp.lampMode. */
export const LampMode = {
  Off: 1,
  On: 2,
  Wink: 3,
  Flash: 4,
  Blink: 5,
} as const satisfies Record<string, number>;

/** §9.6 Stimulus / ButtonTemplate buttonDefinition / SetLamp.stimulus / FeatureStat.featureID. */
export const Stimulus = {
  Unused: 0x00,
  Redial: 0x01,
  SpeedDial: 0x02,
  Hold: 0x03,
  Transfer: 0x04,
  ForwardAll: 0x05,
  ForwardBusy: 0x06,
  ForwardNoAnswer: 0x07,
  Display: 0x08,
  Line: 0x09,
  T120Chat: 0x0a,
  T120Whiteboard: 0x0b,
  T120ApplicationSharing: 0x0c,
  T120FileTransfer: 0x0d,
  Video: 0x0e,
  Voicemail: 0x0f,
  AnswerRelease: 0x10,
  AutoAnswer: 0x11,
  Select: 0x12,
  Feature: 0x13,
  ServiceURL: 0x14,
  BlfSpeedDial: 0x15,
  DirectedPark: 0x16,
  Intercom: 0x17,
  MaliciousCall: 0x1b,
  GenericAppB1: 0x21,
  GenericAppB2: 0x22,
  GenericAppB3: 0x23,
  GenericAppB4: 0x24,
  GenericAppB5: 0x25,
  Monitor: 0x26,
  MeetMeConference: 0x7b,
  Conference: 0x7d,
  CallPark: 0x7e,
  CallPickup: 0x7f,
  GroupCallPickup: 0x80,
  Mobility: 0x81,
  DoNotDisturb: 0x82,
  ConfList: 0x83,
  RemoveLastParticipant: 0x84,
  Qrt: 0x85,
  CallBack: 0x86,
  OtherPickup: 0x87,
  VideoMode: 0x88,
  NewCall: 0x89,
  EndCall: 0x8a,
  HuntGroup: 0x8b,
  Queuing: 0x8f,
  TestE: 0xc0,
  TestF: 0xc1,
  Messages: 0xc2,
  Directory: 0xc3,
  TestI: 0xc4,
  Application: 0xc5,
  Headset: 0xc6,
  Keypad: 0xf0,
  Aec: 0xfd,
  Undefined: 0xff,
} as const satisfies Record<string, number>;

/** §9.7 payload capability (codec) ids. */
export const Codec = {
  NonStandard: 1,
  G711Alaw64k: 2,
  G711Alaw56k: 3,
  G711Ulaw64k: 4,
  G711Ulaw56k: 5,
  G722_64k: 6,
  G722_56k: 7,
  G722_48k: 8,
  G7231: 9,
  G728: 10,
  G729: 11,
  G729AnnexA: 12,
  G729AnnexB: 15,
  G729AnnexAwAnnexB: 16,
  GsmFullRate: 18,
  GsmHalfRate: 19,
  GsmEnhancedFullRate: 20,
  WideBand256k: 25,
  Data64k: 32,
  Data56k: 33,
  G7221_32k: 40,
  G7221_24k: 41,
  Aac: 42,
  Gsm: 80,
  G726_32k: 82,
  G726_24k: 83,
  G726_16k: 84,
  Ilbc: 86,
  Isac: 89,
  Opus: 90,
  Amr: 97,
  AmrWb: 98,
  H261: 100,
  H263: 101,
  Vieo: 102,
  H264: 103,
  H224: 106,
  T38Fax: 107,
  Rfc2833DynPayload: 257,
  PassThrough: 258,
  DynamicPassThrough: 259,
  DtmfOutOfBand: 260,
  DtmfInBandRfc2833: 261,
  NoAudio: 299,
} as const satisfies Record<string, number>;

/** §9.8 soft-key set indices (positions in SoftKeySetRes, Cisco meanings). */
export const SoftKeySet = {
  OnHook: 0,
  Connected: 1,
  OnHold: 2,
  RingIn: 3,
  OffHook: 4,
  ConnectedTransfer: 5,
  DigitsFollowing: 6,
  ConnectedConference: 7,
  RingOut: 8,
  OffHookFeature: 9,
  InUseHint: 10,
  OnHookStealable: 11,
  HoldConference: 12,
} as const satisfies Record<string, number>;

/** §9.11 soft-key event ids (the label-id convention, then chan-sccp's numbering). */
export const SoftKeyEvent = {
  Redial: 1,
  NewCall: 2,
  Hold: 3,
  Transfer: 4,
  CfwdAll: 5,
  CfwdBusy: 6,
  CfwdNoAnswer: 7,
  BackSpace: 8,
  EndCall: 9,
  Resume: 10,
  Answer: 11,
  Info: 12,
  Confrn: 13,
  Park: 14,
  Join: 15,
  MeetMe: 16,
  PickUp: 17,
  GPickUp: 18,
  Monitor: 19,
  CallBack: 20,
  Barge: 21,
  DND: 22,
  ConfList: 23,
  Select: 24,
  Private: 25,
  TrnsfVM: 26,
  DirTrfr: 27,
  IDivert: 28,
  VidMode: 29,
  Intrcpt: 30,
  Empty: 31,
  Dial: 32,
} as const satisfies Record<string, number>;

/** §9.10 phone-resident display labels, used as `"\x80" + chr(id)` inside strings. */
export const Label = {
  Redial: 1,
  NewCall: 2,
  Hold: 3,
  Transfer: 4,
  CfwdAll: 5,
  CfwdBusy: 6,
  CfwdNoAnswer: 7,
  Backspace: 8,
  EndCall: 9,
  Resume: 10,
  Answer: 11,
  Info: 12,
  Confrn: 13,
  Park: 14,
  Join: 15,
  MeetMe: 16,
  PickUp: 17,
  GPickUp: 18,
  YourCurrentOptions: 19,
  OffHook: 20,
  OnHook: 21,
  RingOut: 22,
  From: 23,
  Connected: 24,
  Busy: 25,
  LineInUse: 26,
  CallWaiting: 27,
  CallTransfer: 28,
  CallPark: 29,
  CallProceed: 30,
  InUseRemote: 31,
  EnterNumber: 32,
  CallParkAt: 33,
  PrimaryOnly: 34,
  TempFail: 35,
  YouHaveVoiceMail: 36,
  ForwardedTo: 37,
  CanNotCompleteConference: 38,
  NoConferenceBridge: 39,
  CanNotHoldPrimaryControl: 40,
  InvalidConferenceParticipant: 41,
  InConferenceAlready: 42,
  NoParticipantInfo: 43,
  ExceedMaximumParties: 44,
  KeyIsNotActive: 45,
  Conference: 52,
  ParkNumber: 53,
  Private: 54,
  UnknownNumber: 56,
  RmLstC: 57,
  Voicemail: 58,
  ImmDiv: 59,
  Intrcpt: 60,
  SetWtch: 61,
  TrnsfVM: 62,
  DND: 63,
  DivAll: 64,
  CallBack: 65,
  Barge: 67,
  DirTrfr: 77,
  Select: 78,
  ConfList: 79,
  IDivert: 80,
  CBarge: 81,
  VidMode: 88,
} as const satisfies Record<string, number>;

/** The embedded-label string for label `id` (§3.3): the bytes 0x80, id. */
export function label(id: number): string {
  return `\u0080${String.fromCharCode(id & 0xff)}`;
}

/** §9.13 Reset.resetType. */
export const ResetType = { Reset: 1, Restart: 2, ApplyConfig: 3 } as const satisfies Record<string, number>;

/** §9.12 BLF / feature status (FeatureStat.featureStatus for a BLF button). */
export const BlfStatus = {
  Unknown: 0,
  Idle: 1,
  InUse: 2,
  DND: 3,
  Alerting: 4,
} as const satisfies Record<string, number>;

/** §9.9 media reception / transmission status in the Acks. */
export const MediaStatus = {
  Ok: 0,
  UnknownError: 1,
  NotEnoughChannels: 2,
  CodecTooComplex: 3,
  InvalidPartyId: 4,
  InvalidCallReference: 5,
  InvalidCodec: 6,
  InvalidPacketSize: 7,
  OutOfSockets: 8,
  EncoderOrDecoderFailed: 9,
  InvalidDynamicPayloadType: 10,
  RequestedIpAddrTypeUnavailable: 11,
  DeviceOnHook: 255,
} as const satisfies Record<string, number>;

/** §6.3 / §9.13 KeypadButton.kpButton, keyed by the key's character. */
export const KeypadButton = {
  "0": 0,
  "1": 1,
  "2": 2,
  "3": 3,
  "4": 4,
  "5": 5,
  "6": 6,
  "7": 7,
  "8": 8,
  "9": 9,
  A: 10,
  B: 11,
  C: 12,
  D: 13,
  "*": 14,
  "#": 15,
  "+": 16,
} as const satisfies Record<string, number>;

const KEYPAD_CHARS = "0123456789ABCD*#+";

/** The character of a KeypadButton value ("0"–"9", "A"–"D", "*", "#", "+"), if valid. */
export function keypadChar(button: number): string | undefined {
  return Number.isInteger(button) && button >= 0 && button < KEYPAD_CHARS.length
    ? KEYPAD_CHARS[button]
    : undefined;
}

/** §9.13 Alarm.alarmSeverity. */
export const AlarmSeverity = {
  Critical: 0,
  Warning: 1,
  Informational: 2,
  Unknown: 4,
  Major: 7,
  Minor: 8,
  Marginal: 10,
  TraceInfo: 20,
} as const satisfies Record<string, number>;

/** §9.13 CallInfo.callType. */
export const CallType = { Inbound: 1, Outbound: 2, Forward: 3 } as const satisfies Record<string, number>;

/** §9.13 CallState.privacy. */
export const CallPrivacy = { None: 0, Limited: 1, Full: 2 } as const satisfies Record<string, number>;

/** §9.13 CallInfo.callSecurityStatus. */
export const CallSecurityStatus = {
  Unknown: 0,
  NotAuthenticated: 1,
  Authenticated: 2,
  Encrypted: 3,
} as const satisfies Record<string, number>;

/** §9.13 StartTone.direction. */
export const ToneDirection = { User: 0, Network: 1, All: 2 } as const satisfies Record<string, number>;

/** §9.13 SetSpeakerMode / SetMicroMode mode and HeadsetStatus. */
export const OnOff = { On: 1, Off: 2 } as const satisfies Record<string, number>;

/** §9.13 UnregisterAck.status. */
export const UnregisterStatus = { Ok: 0, Error: 1, Nak: 2 } as const satisfies Record<string, number>;

/** §9.13 CallHistoryInfo.callHistoryDisposition. */
export const CallHistoryDisposition = {
  Ignore: 0,
  Placed: 1,
  Received: 2,
  Missed: 3,
} as const satisfies Record<string, number>;

/** §3.2 ipv4or6 ipAddrType / OpenReceiveChannel.requestedIpAddrType. */
export const IpAddrType = { V4: 0, V6: 1, Both: 2 } as const satisfies Record<string, number>;

/** §6.1 Register.phoneFeatures bits (interpretations differ; informational only). */
export const PhoneFeature = {
  Bit2: 0x0002,
  Utf8: 0x0010,
  DynamicMessages: 0x0080,
  Bit9: 0x0100,
  Rfc2833: 0x0200,
  Bit11: 0x0400,
  AbbrevDial: 0x8000,
} as const satisfies Record<string, number>;
