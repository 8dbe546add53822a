/**
 * The SCCP message table: for every message of the catalogue (reference §4), its direction and
 * its body layout per negotiated protocol version (reference §6). Offsets are body offsets, one
 * row per row of the reference tables, so the two can be compared line by line.
 *
 * A message has one or more layouts; the codec uses the one with the highest `minVersion` not
 * above the negotiated version. A layout with `decodeMinBody` > 0 is a decode-only alternative
 * chosen when the received body is at least that long (EnblocCall's aligned v18 form).
 */
import {
  array,
  bytes,
  chars,
  i32,
  ip4,
  ip46,
  list,
  rest,
  str,
  struct,
  u16,
  u32,
  u8,
  vstr,
  type Field,
  type FieldsObject,
} from "./fields.ts";
import type { MessageName } from "./message-ids.ts";

/** Who sends a message. */
export type Direction = "phone-to-server" | "server-to-phone";

/** One body layout. `size` is the fixed part; dynamic strings (vstr) and raw rests follow it. */
export interface Layout<F extends readonly Field[] = readonly Field[]> {
  readonly minVersion: number;
  readonly size: number;
  readonly fields: F;
  readonly decodeMinBody: number;
}

/** A catalogue entry: direction, layouts (ascending `minVersion`), whether §4 documents a layout. */
export interface MessageDef<L extends readonly Layout[] = readonly Layout[]> {
  readonly direction: Direction;
  readonly layouts: L;
  /** False for catalogue entries without a layout in §6 (decoded as empty or a raw `body`). */
  readonly documented: boolean;
}

function layout<const F extends readonly Field[]>(minVersion: number, size: number, fields: F): Layout<F> {
  return { minVersion, size, fields, decodeMinBody: 0 };
}

function altLayout<const F extends readonly Field[]>(minVersion: number, size: number, fields: F): Layout<F> {
  return { minVersion, size, fields, decodeMinBody: size };
}

function p2s<const L extends readonly Layout[]>(...layouts: L): MessageDef<L> {
  return { direction: "phone-to-server", layouts, documented: true };
}

function s2p<const L extends readonly Layout[]>(...layouts: L): MessageDef<L> {
  return { direction: "server-to-phone", layouts, documented: true };
}

/** Empty body. */
const EMPTY = layout(0, 0, []);
/** Undocumented body kept as raw bytes. */
const RAW = layout(0, 0, [rest(0, "body")]);

function rawP2s(): MessageDef<readonly [typeof RAW]> {
  return { direction: "phone-to-server", layouts: [RAW], documented: false };
}
function rawS2p(): MessageDef<readonly [typeof RAW]> {
  return { direction: "server-to-phone", layouts: [RAW], documented: false };
}
function emptyS2p(): MessageDef<readonly [typeof EMPTY]> {
  return { direction: "server-to-phone", layouts: [EMPTY], documented: false };
}

/** lineInstance @0, callReference @4 (OffHook, OnHook, HookFlash, ClearPromptStatus, …). */
const LINE_CALL = [u32(0, "lineInstance"), u32(4, "callReference")] as const;

/** §6.7 encryptionInfo (48 bytes), all zero for plain RTP. */
const ENCRYPTION_INFO = [
  u32(0, "algorithmID"),
  u16(4, "keyLength"),
  u16(6, "saltLength"),
  bytes(8, "key", 16),
  bytes(24, "salt", 16),
  u32(40, "isMKIPresent"),
  u32(44, "keyDerivationRate"),
] as const;

/** §6.10 DeviceToUserData / UserToDeviceData body (2020 bytes). */
const USER_DATA = layout(0, 2020, [
  u32(0, "applicationId"),
  u32(4, "lineInstance"),
  u32(8, "callReference"),
  u32(12, "transactionId"),
  u32(16, "dataLength"),
  bytes(20, "data", 2000, "dataLength"),
] as const);

/** §6.10 Version1 variants (2040 bytes). */
const USER_DATA_V1 = layout(0, 2040, [
  u32(0, "applicationId"),
  u32(4, "lineInstance"),
  u32(8, "callReference"),
  u32(12, "transactionId"),
  u32(16, "dataLength"),
  u32(20, "sequenceFlag"),
  u32(24, "displayPriority"),
  u32(28, "conferenceId"),
  u32(32, "appInstanceID"),
  u32(36, "routingID"),
  bytes(40, "data", 2000, "dataLength"),
] as const);

/** §6.7 StopMediaTransmission / CloseReceiveChannel (16 bytes). */
const MEDIA_STOP = layout(0, 16, [
  u32(0, "conferenceId"),
  u32(4, "passThruPartyId"),
  u32(8, "callReference"),
  u32(12, "portHandlingFlag"),
] as const);

/** §6.9 CallInfoV2 fixed part: 8 u32. */
const CALL_INFO_V2_HEAD = [
  u32(0, "lineInstance"),
  u32(4, "callReference"),
  u32(8, "callType"),
  u32(12, "originalCdpnRedirectReason"),
  u32(16, "lastRedirectingReason"),
  u32(20, "callInstance"),
  u32(24, "callSecurityStatus"),
  u32(28, "partyPIRestrictionBits"),
] as const;

/** §6.9 CallInfoV2 strings, in wire order (13 before v16). */
const CALL_INFO_V2_STRINGS = [
  vstr("callingParty"),
  vstr("alternateCallingParty"),
  vstr("calledParty"),
  vstr("originalCalledParty"),
  vstr("lastRedirectingParty"),
  vstr("cgpnVoiceMailbox"),
  vstr("cdpnVoiceMailbox"),
  vstr("originalCdpnVoiceMailbox"),
  vstr("lastRedirectingVoiceMailbox"),
  vstr("callingPartyName"),
  vstr("calledPartyName"),
  vstr("originalCalledPartyName"),
  vstr("lastRedirectingPartyName"),
] as const;

/** The catalogue. Keys are the message names of {@link MessageId}. */
export const MESSAGE_TABLE = {
  // ------------------------------------------------------------------ §4.1 phone → server
  KeepAlive: p2s(EMPTY),
  // §6.1 Register ✓ — 36 (old), 52 (7912), 64–68 (79x0 8.x), 124/172 (9.x) bytes seen
  Register: p2s(
    layout(0, 172, [
      str(0, "deviceName", 16),
      u32(16, "userId"),
      u32(20, "instance"),
      ip4(24, "stationIpAddr"),
      u32(28, "deviceType"),
      u32(32, "maxStreams"),
      u32(36, "activeStreams"),
      u8(40, "protocolVersion"),
      u8(41, "unknown"),
      u16(42, "phoneFeatures"),
      u32(44, "maxConferences"),
      u32(48, "activeConferences"),
      bytes(52, "macAddress", 12),
      u32(64, "ipV4AddressScope"),
      u32(68, "maxNumberOfLines"),
      bytes(72, "stationIpV6Addr", 16),
      u32(88, "ipV6AddressScope"),
      str(92, "firmwareLoadName", 32),
      str(124, "configVersionStamp", 48),
    ] as const),
  ),
  IpPort: p2s(layout(0, 4, [u32(0, "rtpMediaPort")] as const)),
  // §6.3 KeypadButton ✓ — 4 bytes on old firmware, 12 on newer
  KeypadButton: p2s(
    layout(0, 12, [u32(0, "kpButton"), u32(4, "lineInstance"), u32(8, "callReference")] as const),
  ),
  // §6.3 EnblocCall ✓ — v18 numbers are 25 bytes and packed; the 8945 pads to 28 (alt layout)
  EnblocCall: p2s(
    layout(0, 28, [str(0, "calledParty", 24), u32(24, "lineInstance")] as const),
    layout(18, 29, [str(0, "calledParty", 25), u32(25, "lineInstance")] as const),
    altLayout(18, 32, [str(0, "calledParty", 25), u32(28, "lineInstance")] as const),
  ),
  Stimulus: p2s(
    layout(0, 16, [
      u32(0, "stimulus"),
      u32(4, "stimulusInstance"),
      u32(8, "callReference"),
      u32(12, "stimulusStatus"),
    ] as const),
  ),
  // §6.3 the 7912 sends OffHook/OnHook with an empty body: fields then read as 0
  OffHook: p2s(layout(0, 8, LINE_CALL)),
  OnHook: p2s(layout(0, 8, LINE_CALL)),
  HookFlash: p2s(layout(0, 8, LINE_CALL)),
  ForwardStatReq: p2s(layout(0, 4, [u32(0, "lineNumber")] as const)),
  SpeedDialStatReq: p2s(layout(0, 4, [u32(0, "speedDialNumber")] as const)),
  LineStatReq: p2s(layout(0, 4, [u32(0, "lineNumber")] as const)),
  ConfigStatReq: p2s(EMPTY),
  TimeDateReq: p2s(EMPTY),
  // some firmware sends a u32 here: extra bytes are ignored
  ButtonTemplateReq: p2s(EMPTY),
  VersionReq: p2s(EMPTY),
  // §6.7 CapabilitiesRes ✓ — 18 entries of 16 bytes; the parameter union is kept byte-exact
  CapabilitiesRes: p2s(
    layout(0, 292, [
      u32(0, "capCount"),
      list(
        4,
        "capabilities",
        18,
        16,
        [
          u32(0, "payloadCapability"),
          u32(4, "maxFramesPerPacket"),
          // G.723.1 puts its bit-rate as u32 here: it reads as codecMode + the next three bytes
          u8(8, "codecMode"),
          u8(9, "dynamicPayload"),
          u8(10, "codecParam1"),
          u8(11, "codecParam2"),
          u32(12, "reserved"),
        ] as const,
        "capCount",
      ),
    ] as const),
  ),
  ServerReq: p2s(EMPTY),
  Alarm: p2s(
    layout(0, 92, [u32(0, "alarmSeverity"), str(4, "text", 80), u32(84, "parm1"), u32(88, "parm2")] as const),
  ),
  MulticastMediaReceptionAck: rawP2s(),
  // §6.7 OpenReceiveChannelAck ✓ — the 7912 omits callReference (16 bytes)
  OpenReceiveChannelAck: p2s(
    layout(0, 20, [
      u32(0, "mediaReceptionStatus"),
      ip4(4, "ipAddr"),
      u32(8, "portNumber"),
      u32(12, "passThruPartyId"),
      u32(16, "callReference"),
    ] as const),
    layout(17, 36, [
      u32(0, "mediaReceptionStatus"),
      ip46(4, "ipAddr"),
      u32(24, "portNumber"),
      u32(28, "passThruPartyId"),
      u32(32, "callReference"),
    ] as const),
  ),
  ConnectionStatisticsRes: rawP2s(),
  OffHookWithCallingPartyNumber: rawP2s(),
  SoftKeySetReq: p2s(EMPTY),
  SoftKeyEvent: p2s(
    layout(0, 12, [u32(0, "softKeyEvent"), u32(4, "lineInstance"), u32(8, "callReference")] as const),
  ),
  Unregister: p2s(layout(0, 4, [u32(0, "unRegReasonCode")] as const)),
  SoftKeyTemplateReq: p2s(EMPTY),
  RegisterTokenReq: rawP2s(),
  MediaTransmissionFailure: rawP2s(),
  HeadsetStatus: p2s(layout(0, 4, [u32(0, "headsetStatus")] as const)),
  MediaResourceNotification: rawP2s(),
  RegisterAvailableLines: p2s(layout(0, 4, [u32(0, "maxNumOfAvailLines")] as const)),
  DeviceToUserData: p2s(USER_DATA),
  DeviceToUserDataResponse: p2s(USER_DATA),
  UpdateCapabilities: rawP2s(),
  ServiceURLStatReq: p2s(layout(0, 4, [u32(0, "serviceURLIndex")] as const)),
  FeatureStatReq: p2s(layout(0, 8, [u32(0, "featureIndex"), u32(4, "featureCapabilities")] as const)),
  DeviceToUserDataVersion1: p2s(USER_DATA_V1),
  DeviceToUserDataResponseVersion1: p2s(USER_DATA_V1),
  CapabilitiesV2Res: rawP2s(),
  CapabilitiesV3Res: rawP2s(),
  SubscriptionStatReq: p2s(
    layout(0, 268, [
      u32(0, "transactionID"),
      u32(4, "featureID"),
      u32(8, "timer"),
      str(12, "subscriptionID", 256),
    ] as const),
  ),
  MediaPathEvent: p2s(
    layout(0, 12, [u32(0, "mediaPathID"), u32(4, "mediaPathEvent"), u32(8, "unused")] as const),
  ),
  MediaPathCapability: rawP2s(),
  MwiNotification: rawP2s(),
  // §6.7 StartMediaTransmissionAck ✓
  StartMediaTransmissionAck: p2s(
    layout(0, 24, [
      u32(0, "callReference"),
      u32(4, "passThruPartyId"),
      u32(8, "callReference1"),
      ip4(12, "ipAddr"),
      u32(16, "portNumber"),
      u32(20, "mediaTransmissionStatus"),
    ] as const),
    layout(17, 40, [
      u32(0, "callReference"),
      u32(4, "passThruPartyId"),
      u32(8, "callReference1"),
      ip46(12, "ipAddr"),
      u32(32, "portNumber"),
      u32(36, "mediaTransmissionStatus"),
    ] as const),
  ),
  AddOnDeviceCapabilities: rawP2s(),
  EnhancedAlarm: rawP2s(),

  // ------------------------------------------------------------------ §4.2 server → phone
  // §6.1 RegisterAck ✓ — bytes 16–19: max protocol version and three feature bytes
  RegisterAck: s2p(
    layout(0, 20, [
      u32(0, "keepAliveInterval"),
      // 6 characters may be used ("M-D-YA"): the 2 padding bytes after it terminate the text.
      chars(4, "dateTemplate", 6),
      u32(12, "secondaryKeepAliveInterval"),
      u8(16, "maxProtocolVer"),
      u8(17, "featureByte1"),
      u8(18, "featureByte2"),
      u8(19, "featureByte3"),
    ] as const),
  ),
  StartTone: s2p(
    layout(0, 16, [
      u32(0, "tone"),
      u32(4, "direction"),
      u32(8, "lineInstance"),
      u32(12, "callReference"),
    ] as const),
  ),
  // §6.5 StopTone ✓ — the tone field only from v11
  StopTone: s2p(layout(0, 8, LINE_CALL), layout(11, 12, [...LINE_CALL, u32(8, "tone")] as const)),
  SetRinger: s2p(
    layout(0, 16, [
      u32(0, "ringMode"),
      u32(4, "ringDuration"),
      u32(8, "lineInstance"),
      u32(12, "callReference"),
    ] as const),
  ),
  SetLamp: s2p(layout(0, 12, [u32(0, "stimulus"), u32(4, "stimulusInstance"), u32(8, "lampMode")] as const)),
  SetHookFlashDetect: rawS2p(),
  SetSpeakerMode: s2p(layout(0, 4, [u32(0, "mode")] as const)),
  SetMicroMode: s2p(layout(0, 4, [u32(0, "mode")] as const)),
  // §6.7 StartMediaTransmission ✓ — v17 turns the address into ipv4or6 (+16 after it)
  StartMediaTransmission: s2p(
    layout(0, 116, [
      u32(0, "conferenceId"),
      u32(4, "passThruPartyId"),
      ip4(8, "remoteIpAddr"),
      u32(12, "remotePortNumber"),
      u32(16, "millisecondPacketSize"),
      u32(20, "compressionType"),
      u32(24, "precedenceValue"),
      u32(28, "ssValue"),
      u16(32, "maxFramesPerPacket"),
      u32(36, "g723BitRate"),
      u32(40, "callReference"),
      struct(44, "encryptionInfo", 48, ENCRYPTION_INFO),
      u32(92, "streamPassThroughId"),
      u32(96, "associatedStreamId"),
      u32(100, "rfc2833PayloadType"),
      u32(104, "dtmfType"),
      u32(108, "mixingMode"),
      u32(112, "partyDirection"),
    ] as const),
    layout(17, 132, [
      u32(0, "conferenceId"),
      u32(4, "passThruPartyId"),
      ip46(8, "remoteIpAddr"),
      u32(28, "remotePortNumber"),
      u32(32, "millisecondPacketSize"),
      u32(36, "compressionType"),
      u32(40, "precedenceValue"),
      u32(44, "ssValue"),
      u16(48, "maxFramesPerPacket"),
      u32(52, "g723BitRate"),
      u32(56, "callReference"),
      struct(60, "encryptionInfo", 48, ENCRYPTION_INFO),
      u32(108, "streamPassThroughId"),
      u32(112, "associatedStreamId"),
      u32(116, "rfc2833PayloadType"),
      u32(120, "dtmfType"),
      u32(124, "mixingMode"),
      u32(128, "partyDirection"),
    ] as const),
  ),
  StopMediaTransmission: s2p(MEDIA_STOP),
  StartMediaReception: rawS2p(),
  StopMediaReception: rawS2p(),
  // §6.6 CallInfo ✓ — 384 bytes
  CallInfo: s2p(
    layout(0, 384, [
      str(0, "callingPartyName", 40),
      str(40, "callingParty", 24),
      str(64, "calledPartyName", 40),
      str(104, "calledParty", 24),
      u32(128, "lineInstance"),
      u32(132, "callReference"),
      u32(136, "callType"),
      str(140, "originalCalledPartyName", 40),
      str(180, "originalCalledParty", 24),
      str(204, "lastRedirectingPartyName", 40),
      str(244, "lastRedirectingParty", 24),
      u32(268, "originalCdpnRedirectReason"),
      u32(272, "lastRedirectingReason"),
      str(276, "cgpnVoiceMailbox", 24),
      str(300, "cdpnVoiceMailbox", 24),
      str(324, "originalCdpnVoiceMailbox", 24),
      str(348, "lastRedirectingVoiceMailbox", 24),
      u32(372, "callInstance"),
      u32(376, "callSecurityStatus"),
      u32(380, "partyPIRestrictionBits"),
    ] as const),
  ),
  // §6.4 ForwardStat ✓ — v18 packs 25-byte numbers
  ForwardStat: s2p(
    layout(0, 92, [
      u32(0, "activeForward"),
      u32(4, "lineNumber"),
      u32(8, "forwardAllActive"),
      str(12, "forwardAllDirnum", 24),
      u32(36, "forwardBusyActive"),
      str(40, "forwardBusyDirnum", 24),
      u32(64, "forwardNoAnswerActive"),
      str(68, "forwardNoAnswerDirnum", 24),
    ] as const),
    layout(18, 95, [
      u32(0, "activeForward"),
      u32(4, "lineNumber"),
      u32(8, "forwardAllActive"),
      str(12, "forwardAllDirnum", 25),
      u32(37, "forwardBusyActive"),
      str(41, "forwardBusyDirnum", 25),
      u32(66, "forwardNoAnswerActive"),
      str(70, "forwardNoAnswerDirnum", 25),
    ] as const),
  ),
  SpeedDialStat: s2p(
    layout(0, 68, [
      u32(0, "speedDialNumber"),
      str(4, "speedDialDirNumber", 24),
      str(28, "speedDialDisplayName", 40),
    ] as const),
  ),
  LineStat: s2p(
    layout(0, 112, [
      u32(0, "lineNumber"),
      str(4, "lineDirNumber", 24),
      str(28, "lineFullyQualifiedDisplayName", 40),
      str(68, "lineTextLabel", 40),
      u32(108, "lineDisplayOptions"),
    ] as const),
  ),
  ConfigStat: s2p(
    layout(0, 112, [
      str(0, "deviceName", 16),
      u32(16, "stationUserId"),
      u32(20, "stationInstance"),
      str(24, "userName", 40),
      str(64, "serverName", 40),
      u32(104, "numberLines"),
      u32(108, "numberSpeedDials"),
    ] as const),
  ),
  DefineTimeDate: s2p(
    layout(0, 36, [
      u32(0, "year"),
      u32(4, "month"),
      u32(8, "dayOfWeek"),
      u32(12, "day"),
      u32(16, "hour"),
      u32(20, "minute"),
      u32(24, "second"),
      u32(28, "milliseconds"),
      u32(32, "systemTime"),
    ] as const),
  ),
  // §6.2 ButtonTemplate ✓ — 42 entries of (instanceNumber u8, buttonDefinition u8)
  ButtonTemplate: s2p(
    layout(0, 96, [
      u32(0, "buttonOffset"),
      u32(4, "buttonCount"),
      u32(8, "totalButtonCount"),
      list(
        12,
        "buttons",
        42,
        2,
        [u8(0, "instanceNumber"), u8(1, "buttonDefinition")] as const,
        "buttonCount",
      ),
    ] as const),
  ),
  Version: s2p(layout(0, 16, [str(0, "versionStr", 16)] as const)),
  // An older CallManager fills all 32 characters (display width) with no NUL (cm2_register).
  DisplayText: s2p(layout(0, 32, [chars(0, "text", 32)] as const)),
  ClearDisplay: emptyS2p(),
  CapabilitiesReq: s2p(EMPTY),
  RegisterReject: s2p(layout(0, 32, [str(0, "text", 32)] as const)),
  // §6.1 ServerRes ✓ — five names, five ports, five addresses (ipv4or6 from v17)
  ServerRes: s2p(
    layout(0, 280, [
      array(0, "serverName", 5, str(0, "", 48)),
      array(240, "serverTcpListenPort", 5, u32(0, "")),
      array(260, "serverIpAddr", 5, ip4(0, "")),
    ] as const),
    layout(17, 360, [
      array(0, "serverName", 5, str(0, "", 48)),
      array(240, "serverTcpListenPort", 5, u32(0, "")),
      array(260, "serverIpAddr", 5, ip46(0, "")),
    ] as const),
  ),
  Reset: s2p(layout(0, 4, [u32(0, "resetType")] as const)),
  KeepAliveAck: s2p(EMPTY),
  StartMulticastMediaReception: rawS2p(),
  StartMulticastMediaTransmission: rawS2p(),
  StopMulticastMediaReception: rawS2p(),
  StopMulticastMediaTransmission: rawS2p(),
  // §6.7 OpenReceiveChannel ✓ — 92 bytes basic, 108 from v11, 132 (ipv4or6) from v17
  OpenReceiveChannel: s2p(
    layout(0, 92, [
      u32(0, "conferenceId"),
      u32(4, "passThruPartyId"),
      u32(8, "millisecondPacketSize"),
      u32(12, "compressionType"),
      u32(16, "ecValue"),
      u32(20, "g723BitRate"),
      u32(24, "callReference"),
      struct(28, "encryptionInfo", 48, ENCRYPTION_INFO),
      u32(76, "streamPassThroughId"),
      u32(80, "associatedStreamId"),
      u32(84, "rfc2833PayloadType"),
      u32(88, "dtmfType"),
    ] as const),
    layout(11, 108, [
      u32(0, "conferenceId"),
      u32(4, "passThruPartyId"),
      u32(8, "millisecondPacketSize"),
      u32(12, "compressionType"),
      u32(16, "ecValue"),
      u32(20, "g723BitRate"),
      u32(24, "callReference"),
      struct(28, "encryptionInfo", 48, ENCRYPTION_INFO),
      u32(76, "streamPassThroughId"),
      u32(80, "associatedStreamId"),
      u32(84, "rfc2833PayloadType"),
      u32(88, "dtmfType"),
      u32(92, "mixingMode"),
      u32(96, "partyDirection"),
      ip4(100, "sourceIpAddr"),
      u32(104, "sourcePortNumber"),
    ] as const),
    layout(17, 132, [
      u32(0, "conferenceId"),
      u32(4, "passThruPartyId"),
      u32(8, "millisecondPacketSize"),
      u32(12, "compressionType"),
      u32(16, "ecValue"),
      u32(20, "g723BitRate"),
      u32(24, "callReference"),
      struct(28, "encryptionInfo", 48, ENCRYPTION_INFO),
      u32(76, "streamPassThroughId"),
      u32(80, "associatedStreamId"),
      u32(84, "rfc2833PayloadType"),
      u32(88, "dtmfType"),
      u32(92, "mixingMode"),
      u32(96, "partyDirection"),
      ip46(100, "sourceIpAddr"),
      u32(120, "sourcePortNumber"),
      u32(124, "requestedIpAddrType"),
      i32(128, "audioLevelAdjustment"),
    ] as const),
  ),
  CloseReceiveChannel: s2p(MEDIA_STOP),
  ConnectionStatisticsReq: rawS2p(),
  // §6.2 SoftKeyTemplateRes ✓ — 32 entries of (label char[16], event u32)
  SoftKeyTemplateRes: s2p(
    layout(0, 652, [
      u32(0, "softKeyOffset"),
      u32(4, "softKeyCount"),
      u32(8, "totalSoftKeyCount"),
      list(12, "softKeys", 32, 20, [str(0, "label", 16), u32(16, "event")] as const, "softKeyCount"),
    ] as const),
  ),
  // §6.2 SoftKeySetRes ✓ — 16 sets of (templateIndex u8[16], infoIndex u16[16])
  SoftKeySetRes: s2p(
    layout(0, 780, [
      u32(0, "softKeySetOffset"),
      u32(4, "softKeySetCount"),
      u32(8, "totalSoftKeySetCount"),
      list(
        12,
        "sets",
        16,
        48,
        [array(0, "templateIndex", 16, u8(0, "")), array(16, "infoIndex", 16, u16(0, ""))] as const,
        "softKeySetCount",
      ),
    ] as const),
  ),
  SelectSoftKeys: s2p(
    layout(0, 16, [
      u32(0, "lineInstance"),
      u32(4, "callReference"),
      u32(8, "softKeySetIndex"),
      u32(12, "validKeyMask"),
    ] as const),
  ),
  CallState: s2p(
    layout(0, 24, [
      u32(0, "callState"),
      u32(4, "lineInstance"),
      u32(8, "callReference"),
      u32(12, "privacy"),
      u32(16, "precedenceLevel"),
      u32(20, "precedenceDomain"),
    ] as const),
  ),
  DisplayPromptStatus: s2p(
    layout(0, 44, [
      u32(0, "timeOutValue"),
      str(4, "promptStatus", 32),
      u32(36, "lineInstance"),
      u32(40, "callReference"),
    ] as const),
  ),
  ClearPromptStatus: s2p(layout(0, 8, LINE_CALL)),
  DisplayNotify: s2p(layout(0, 36, [u32(0, "timeOutValue"), str(4, "notify", 32)] as const)),
  ClearNotify: s2p(EMPTY),
  ActivateCallPlane: s2p(layout(0, 4, [u32(0, "lineInstance")] as const)),
  DeactivateCallPlane: s2p(EMPTY),
  UnregisterAck: s2p(layout(0, 4, [u32(0, "status")] as const)),
  BackSpaceReq: s2p(layout(0, 8, LINE_CALL)),
  RegisterTokenAck: rawS2p(),
  RegisterTokenReject: rawS2p(),
  // §6.6 DialedNumber ✓ — v18 packs the 25-byte number
  DialedNumber: s2p(
    layout(0, 32, [str(0, "calledParty", 24), u32(24, "lineInstance"), u32(28, "callReference")] as const),
    layout(18, 33, [str(0, "calledParty", 25), u32(25, "lineInstance"), u32(29, "callReference")] as const),
  ),
  UserToDeviceData: s2p(USER_DATA),
  FeatureStat: s2p(
    layout(0, 52, [
      u32(0, "featureIndex"),
      u32(4, "featureID"),
      str(8, "featureTextLabel", 40),
      u32(48, "featureStatus"),
    ] as const),
  ),
  DisplayPriNotify: s2p(
    layout(0, 40, [u32(0, "timeOutValue"), u32(4, "priority"), str(8, "notify", 32)] as const),
  ),
  ClearPriNotify: s2p(layout(0, 4, [u32(0, "priority")] as const)),
  ServiceURLStat: s2p(
    layout(0, 300, [
      u32(0, "serviceURLIndex"),
      str(4, "serviceURL", 256),
      str(260, "serviceURLDisplayName", 40),
    ] as const),
  ),
  UserToDeviceDataVersion1: s2p(USER_DATA_V1),
  ConfigStatV2: rawS2p(),
  // §6.9 dynamic messages: NUL-terminated strings packed after the fixed part
  DisplayNotifyV2: s2p(layout(0, 4, [u32(0, "timeOutValue"), vstr("notify")] as const)),
  DisplayPriNotifyV2: s2p(
    layout(0, 8, [u32(0, "timeOutValue"), u32(4, "priority"), vstr("notify")] as const),
  ),
  DisplayPromptStatusV2: s2p(
    layout(0, 12, [
      u32(0, "timeOutValue"),
      u32(4, "lineInstance"),
      u32(8, "callReference"),
      vstr("promptStatus"),
    ] as const),
  ),
  FeatureStatV2: s2p(
    layout(0, 12, [
      u32(0, "featureIndex"),
      u32(4, "featureID"),
      u32(8, "featureStatus"),
      vstr("featureTextLabel"),
    ] as const),
  ),
  LineStatV2: s2p(
    layout(0, 8, [
      u32(0, "lineNumber"),
      u32(4, "lineType"),
      vstr("lineDirNumber"),
      vstr("lineFullyQualifiedDisplayName"),
      vstr("lineTextLabel"),
    ] as const),
  ),
  ServiceURLStatV2: rawS2p(),
  SpeedDialStatV2: rawS2p(),
  // §6.9 CallInfoV2 ✓ — 13 strings, 15 (hunt pilot number and name) from v16
  CallInfoV2: s2p(
    layout(0, 32, [...CALL_INFO_V2_HEAD, ...CALL_INFO_V2_STRINGS] as const),
    layout(16, 32, [
      ...CALL_INFO_V2_HEAD,
      ...CALL_INFO_V2_STRINGS,
      vstr("huntPilotNumber"),
      vstr("huntPilotName"),
    ] as const),
  ),
  SubscriptionStat: s2p(
    layout(0, 16, [u32(0, "transactionID"), u32(4, "featureID"), u32(8, "timer"), u32(12, "cause")] as const),
  ),
  // §6.4 Notification — text char[97], the struct pads the body to 112
  Notification: s2p(
    layout(0, 112, [
      u32(0, "transactionID"),
      u32(4, "featureID"),
      u32(8, "status"),
      str(12, "text", 97),
    ] as const),
  ),
  CallHistoryInfo: s2p(
    layout(0, 12, [
      u32(0, "callHistoryDisposition"),
      u32(4, "lineInstance"),
      u32(8, "callReference"),
    ] as const),
  ),
  MwiRes: rawS2p(),
} as const satisfies { readonly [K in MessageName]: MessageDef };

/** The table's type. */
export type MessageTable = typeof MESSAGE_TABLE;

/** The decoded fields of message `K`: the union of the fields of all its layouts. */
export type MessageFields<K extends MessageName> = FieldsObject<MessageTable[K]["layouts"][number]["fields"]>;
