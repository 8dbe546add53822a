/**
 * The decoded SCCP message types: a discriminated union on `type` (the catalogue name), with the
 * fields of the message table's layouts (all versions merged; fields a version lacks read as 0,
 * "" or []). Numbers are numbers, `char[n]` strings, addresses dotted IPv4 / IPv6 text, opaque
 * bytes Buffers and repeated structures arrays of objects.
 */
import type { MessageName } from "./message-ids.ts";
import type { MessageFields } from "./message-table.ts";

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Every message type name. */
export type SccpMessageType = MessageName;

/** The message object of type `K`. */
export type MessageObject<K extends SccpMessageType> = Simplify<{ type: K } & MessageFields<K>>;

/** Any catalogue message. */
export type SccpMessage = { [K in SccpMessageType]: MessageObject<K> }[SccpMessageType];

/** The message type named `T`. */
export type MessageOf<T extends SccpMessageType> = Extract<SccpMessage, { type: T }>;

type InitValue<V> = V extends Buffer
  ? V
  : V extends readonly (infer E)[]
    ? (E extends Buffer ? E : E extends object ? InitObject<E> : E)[]
    : V extends object
      ? InitObject<V>
      : V;
type InitObject<O> = { [K in keyof O]?: InitValue<O[K]> };

/**
 * What `makeMessage` accepts for message `T`: any subset of its fields, list entries and nested
 * structures also partial.
 */
export type MessageInit<T extends SccpMessageType> = InitObject<Omit<MessageOf<T>, "type">>;

/** A message whose id is outside the catalogue. Unknown ids decode to this, never throw. */
export interface UnknownMessage {
  type: "Unknown";
  id: number;
  body: Buffer;
}

/** Message `KeepAlive`. */
export type KeepAlive = MessageOf<"KeepAlive">;
/** Message `Register`. */
export type Register = MessageOf<"Register">;
/** Message `IpPort`. */
export type IpPort = MessageOf<"IpPort">;
/** Message `KeypadButton`. */
export type KeypadButton = MessageOf<"KeypadButton">;
/** Message `EnblocCall`. */
export type EnblocCall = MessageOf<"EnblocCall">;
/** Message `Stimulus`. */
export type Stimulus = MessageOf<"Stimulus">;
/** Message `OffHook`. */
export type OffHook = MessageOf<"OffHook">;
/** Message `OnHook`. */
export type OnHook = MessageOf<"OnHook">;
/** Message `HookFlash`. */
export type HookFlash = MessageOf<"HookFlash">;
/** Message `ForwardStatReq`. */
export type ForwardStatReq = MessageOf<"ForwardStatReq">;
/** Message `SpeedDialStatReq`. */
export type SpeedDialStatReq = MessageOf<"SpeedDialStatReq">;
/** Message `LineStatReq`. */
export type LineStatReq = MessageOf<"LineStatReq">;
/** Message `ConfigStatReq`. */
export type ConfigStatReq = MessageOf<"ConfigStatReq">;
/** Message `TimeDateReq`. */
export type TimeDateReq = MessageOf<"TimeDateReq">;
/** Message `ButtonTemplateReq`. */
export type ButtonTemplateReq = MessageOf<"ButtonTemplateReq">;
/** Message `VersionReq`. */
export type VersionReq = MessageOf<"VersionReq">;
/** Message `CapabilitiesRes`. */
export type CapabilitiesRes = MessageOf<"CapabilitiesRes">;
/** Message `ServerReq`. */
export type ServerReq = MessageOf<"ServerReq">;
/** Message `Alarm`. */
export type Alarm = MessageOf<"Alarm">;
/** Message `MulticastMediaReceptionAck`. */
export type MulticastMediaReceptionAck = MessageOf<"MulticastMediaReceptionAck">;
/** Message `OpenReceiveChannelAck`. */
export type OpenReceiveChannelAck = MessageOf<"OpenReceiveChannelAck">;
/** Message `ConnectionStatisticsRes`. */
export type ConnectionStatisticsRes = MessageOf<"ConnectionStatisticsRes">;
/** Message `OffHookWithCallingPartyNumber`. */
export type OffHookWithCallingPartyNumber = MessageOf<"OffHookWithCallingPartyNumber">;
/** Message `SoftKeySetReq`. */
export type SoftKeySetReq = MessageOf<"SoftKeySetReq">;
/** Message `SoftKeyEvent`. */
export type SoftKeyEvent = MessageOf<"SoftKeyEvent">;
/** Message `Unregister`. */
export type Unregister = MessageOf<"Unregister">;
/** Message `SoftKeyTemplateReq`. */
export type SoftKeyTemplateReq = MessageOf<"SoftKeyTemplateReq">;
/** Message `RegisterTokenReq`. */
export type RegisterTokenReq = MessageOf<"RegisterTokenReq">;
/** Message `MediaTransmissionFailure`. */
export type MediaTransmissionFailure = MessageOf<"MediaTransmissionFailure">;
/** Message `HeadsetStatus`. */
export type HeadsetStatus = MessageOf<"HeadsetStatus">;
/** Message `MediaResourceNotification`. */
export type MediaResourceNotification = MessageOf<"MediaResourceNotification">;
/** Message `RegisterAvailableLines`. */
export type RegisterAvailableLines = MessageOf<"RegisterAvailableLines">;
/** Message `DeviceToUserData`. */
export type DeviceToUserData = MessageOf<"DeviceToUserData">;
/** Message `DeviceToUserDataResponse`. */
export type DeviceToUserDataResponse = MessageOf<"DeviceToUserDataResponse">;
/** Message `UpdateCapabilities`. */
export type UpdateCapabilities = MessageOf<"UpdateCapabilities">;
/** Message `ServiceURLStatReq`. */
export type ServiceURLStatReq = MessageOf<"ServiceURLStatReq">;
/** Message `FeatureStatReq`. */
export type FeatureStatReq = MessageOf<"FeatureStatReq">;
/** Message `DeviceToUserDataVersion1`. */
export type DeviceToUserDataVersion1 = MessageOf<"DeviceToUserDataVersion1">;
/** Message `DeviceToUserDataResponseVersion1`. */
export type DeviceToUserDataResponseVersion1 = MessageOf<"DeviceToUserDataResponseVersion1">;
/** Message `CapabilitiesV2Res`. */
export type CapabilitiesV2Res = MessageOf<"CapabilitiesV2Res">;
/** Message `CapabilitiesV3Res`. */
export type CapabilitiesV3Res = MessageOf<"CapabilitiesV3Res">;
/** Message `SubscriptionStatReq`. */
export type SubscriptionStatReq = MessageOf<"SubscriptionStatReq">;
/** Message `MediaPathEvent`. */
export type MediaPathEvent = MessageOf<"MediaPathEvent">;
/** Message `MediaPathCapability`. */
export type MediaPathCapability = MessageOf<"MediaPathCapability">;
/** Message `MwiNotification`. */
export type MwiNotification = MessageOf<"MwiNotification">;
/** Message `StartMediaTransmissionAck`. */
export type StartMediaTransmissionAck = MessageOf<"StartMediaTransmissionAck">;
/** Message `AddOnDeviceCapabilities`. */
export type AddOnDeviceCapabilities = MessageOf<"AddOnDeviceCapabilities">;
/** Message `EnhancedAlarm`. */
export type EnhancedAlarm = MessageOf<"EnhancedAlarm">;
/** Message `RegisterAck`. */
export type RegisterAck = MessageOf<"RegisterAck">;
/** Message `StartTone`. */
export type StartTone = MessageOf<"StartTone">;
/** Message `StopTone`. */
export type StopTone = MessageOf<"StopTone">;
/** Message `SetRinger`. */
export type SetRinger = MessageOf<"SetRinger">;
/** Message `SetLamp`. */
export type SetLamp = MessageOf<"SetLamp">;
/** Message `SetHookFlashDetect`. */
export type SetHookFlashDetect = MessageOf<"SetHookFlashDetect">;
/** Message `SetSpeakerMode`. */
export type SetSpeakerMode = MessageOf<"SetSpeakerMode">;
/** Message `SetMicroMode`. */
export type SetMicroMode = MessageOf<"SetMicroMode">;
/** Message `StartMediaTransmission`. */
export type StartMediaTransmission = MessageOf<"StartMediaTransmission">;
/** Message `StopMediaTransmission`. */
export type StopMediaTransmission = MessageOf<"StopMediaTransmission">;
/** Message `StartMediaReception`. */
export type StartMediaReception = MessageOf<"StartMediaReception">;
/** Message `StopMediaReception`. */
export type StopMediaReception = MessageOf<"StopMediaReception">;
/** Message `CallInfo`. */
export type CallInfo = MessageOf<"CallInfo">;
/** Message `ForwardStat`. */
export type ForwardStat = MessageOf<"ForwardStat">;
/** Message `SpeedDialStat`. */
export type SpeedDialStat = MessageOf<"SpeedDialStat">;
/** Message `LineStat`. */
export type LineStat = MessageOf<"LineStat">;
/** Message `ConfigStat`. */
export type ConfigStat = MessageOf<"ConfigStat">;
/** Message `DefineTimeDate`. */
export type DefineTimeDate = MessageOf<"DefineTimeDate">;
/** Message `ButtonTemplate`. */
export type ButtonTemplate = MessageOf<"ButtonTemplate">;
/** Message `Version`. */
export type Version = MessageOf<"Version">;
/** Message `DisplayText`. */
export type DisplayText = MessageOf<"DisplayText">;
/** Message `ClearDisplay`. */
export type ClearDisplay = MessageOf<"ClearDisplay">;
/** Message `CapabilitiesReq`. */
export type CapabilitiesReq = MessageOf<"CapabilitiesReq">;
/** Message `RegisterReject`. */
export type RegisterReject = MessageOf<"RegisterReject">;
/** Message `ServerRes`. */
export type ServerRes = MessageOf<"ServerRes">;
/** Message `Reset`. */
export type Reset = MessageOf<"Reset">;
/** Message `KeepAliveAck`. */
export type KeepAliveAck = MessageOf<"KeepAliveAck">;
/** Message `StartMulticastMediaReception`. */
export type StartMulticastMediaReception = MessageOf<"StartMulticastMediaReception">;
/** Message `StartMulticastMediaTransmission`. */
export type StartMulticastMediaTransmission = MessageOf<"StartMulticastMediaTransmission">;
/** Message `StopMulticastMediaReception`. */
export type StopMulticastMediaReception = MessageOf<"StopMulticastMediaReception">;
/** Message `StopMulticastMediaTransmission`. */
export type StopMulticastMediaTransmission = MessageOf<"StopMulticastMediaTransmission">;
/** Message `OpenReceiveChannel`. */
export type OpenReceiveChannel = MessageOf<"OpenReceiveChannel">;
/** Message `CloseReceiveChannel`. */
export type CloseReceiveChannel = MessageOf<"CloseReceiveChannel">;
/** Message `ConnectionStatisticsReq`. */
export type ConnectionStatisticsReq = MessageOf<"ConnectionStatisticsReq">;
/** Message `SoftKeyTemplateRes`. */
export type SoftKeyTemplateRes = MessageOf<"SoftKeyTemplateRes">;
/** Message `SoftKeySetRes`. */
export type SoftKeySetRes = MessageOf<"SoftKeySetRes">;
/** Message `SelectSoftKeys`. */
export type SelectSoftKeys = MessageOf<"SelectSoftKeys">;
/** Message `CallState`. */
export type CallState = MessageOf<"CallState">;
/** Message `DisplayPromptStatus`. */
export type DisplayPromptStatus = MessageOf<"DisplayPromptStatus">;
/** Message `ClearPromptStatus`. */
export type ClearPromptStatus = MessageOf<"ClearPromptStatus">;
/** Message `DisplayNotify`. */
export type DisplayNotify = MessageOf<"DisplayNotify">;
/** Message `ClearNotify`. */
export type ClearNotify = MessageOf<"ClearNotify">;
/** Message `ActivateCallPlane`. */
export type ActivateCallPlane = MessageOf<"ActivateCallPlane">;
/** Message `DeactivateCallPlane`. */
export type DeactivateCallPlane = MessageOf<"DeactivateCallPlane">;
/** Message `UnregisterAck`. */
export type UnregisterAck = MessageOf<"UnregisterAck">;
/** Message `BackSpaceReq`. */
export type BackSpaceReq = MessageOf<"BackSpaceReq">;
/** Message `RegisterTokenAck`. */
export type RegisterTokenAck = MessageOf<"RegisterTokenAck">;
/** Message `RegisterTokenReject`. */
export type RegisterTokenReject = MessageOf<"RegisterTokenReject">;
/** Message `DialedNumber`. */
export type DialedNumber = MessageOf<"DialedNumber">;
/** Message `UserToDeviceData`. */
export type UserToDeviceData = MessageOf<"UserToDeviceData">;
/** Message `FeatureStat`. */
export type FeatureStat = MessageOf<"FeatureStat">;
/** Message `DisplayPriNotify`. */
export type DisplayPriNotify = MessageOf<"DisplayPriNotify">;
/** Message `ClearPriNotify`. */
export type ClearPriNotify = MessageOf<"ClearPriNotify">;
/** Message `ServiceURLStat`. */
export type ServiceURLStat = MessageOf<"ServiceURLStat">;
/** Message `UserToDeviceDataVersion1`. */
export type UserToDeviceDataVersion1 = MessageOf<"UserToDeviceDataVersion1">;
/** Message `ConfigStatV2`. */
export type ConfigStatV2 = MessageOf<"ConfigStatV2">;
/** Message `DisplayNotifyV2`. */
export type DisplayNotifyV2 = MessageOf<"DisplayNotifyV2">;
/** Message `DisplayPriNotifyV2`. */
export type DisplayPriNotifyV2 = MessageOf<"DisplayPriNotifyV2">;
/** Message `DisplayPromptStatusV2`. */
export type DisplayPromptStatusV2 = MessageOf<"DisplayPromptStatusV2">;
/** Message `FeatureStatV2`. */
export type FeatureStatV2 = MessageOf<"FeatureStatV2">;
/** Message `LineStatV2`. */
export type LineStatV2 = MessageOf<"LineStatV2">;
/** Message `ServiceURLStatV2`. */
export type ServiceURLStatV2 = MessageOf<"ServiceURLStatV2">;
/** Message `SpeedDialStatV2`. */
export type SpeedDialStatV2 = MessageOf<"SpeedDialStatV2">;
/** Message `CallInfoV2`. */
export type CallInfoV2 = MessageOf<"CallInfoV2">;
/** Message `SubscriptionStat`. */
export type SubscriptionStat = MessageOf<"SubscriptionStat">;
/** Message `Notification`. */
export type Notification = MessageOf<"Notification">;
/** Message `CallHistoryInfo`. */
export type CallHistoryInfo = MessageOf<"CallHistoryInfo">;
/** Message `MwiRes`. */
export type MwiRes = MessageOf<"MwiRes">;
