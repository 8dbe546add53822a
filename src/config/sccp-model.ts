/**
 * The typed shape of a loaded sccp.conf. Values are fully resolved: a line or device carries the
 * [general] default when it does not set a key itself, so consumers never fall back on their own.
 */
import type { ConfigWarning } from "./config-errors.ts";

/** Codec names accepted by `allow` / `disallow` (mapped to SCCP payload capability ids elsewhere). */
export const CODECS = ["ulaw", "alaw", "g729", "g722", "g723", "g728", "gsm", "ilbc", "opus"] as const;
/** One codec name. */
export type Codec = (typeof CODECS)[number];

/** Phone models a device may declare with `model =` (canonical spelling; see sccp-protocol §9.1). */
export const DEVICE_MODELS = [
  "7902",
  "7905",
  "7906",
  "7910",
  "7911",
  "7912",
  "7920",
  "7921",
  "7925",
  "7931",
  "7935",
  "7936",
  "7937",
  "7940",
  "7941",
  "7941GE",
  "7942",
  "7945",
  "7960",
  "7961",
  "7961GE",
  "7962",
  "7965",
  "7970",
  "7971",
  "7971GE",
  "7975",
  "8941",
  "8945",
  "6901",
  "6911",
  "6921",
  "6941",
  "6945",
  "6961",
  "CIPC",
  "ATA186",
  "ATA188",
] as const;
/** One canonical model name. */
export type DeviceModel = (typeof DEVICE_MODELS)[number];

/**
 * How the Transfer soft key completes: `attended` = consult, then press Transfer again;
 * `blind` = complete as soon as the target number is dialled; `auto` = attended, but hanging up
 * during the consultation (ringing or answered) also completes it (chan-sccp's transfer_on_hangup).
 */
export type TransferMode = "attended" | "blind" | "auto";

/** The `[general]` section, defaults applied. */
export interface SccpGeneral {
  /** Listen address (`0.0.0.0`). */
  bindaddr: string;
  /** Listen TCP port (2000); `bindport` is accepted as an alias. */
  port: number;
  /** RegisterAck date template, e.g. `D.M.Y`, `M/D/YA` (default `D.M.Y`, the seed's). */
  dateformat: string;
  /** Keepalive interval in seconds sent in RegisterAck (10, 1–600); session dies after 2×. */
  keepalive: number;
  /** Seconds a new connection has to send Register (5, 1–60). */
  authtimeout: number;
  /** Inter-digit timeout in seconds (2, 1–60). */
  dialtimeout: number;
  /** Default dialplan context of lines (`default`). */
  context: string;
  /** Default line language (`en_US`). */
  language: string;
  /** Number the Messages key dials when the device sets none (`*98`). */
  vmexten: string;
  /** Default for direct RTP between phones (no). */
  directmedia: boolean;
  /** Default codec preference of lines (`ulaw`, `alaw`). */
  codecs: Codec[];
  /** IANA time zone for DefineTimeDate; absent = the server's local time. */
  timezone?: string;
  /** Highest SCCP protocol version offered in RegisterAck (11, 3–22). */
  maxProtocolVersion: number;
  /** Accept unknown devices as guests using the `[guest]` device (no). */
  guest: boolean;
  /** Cap on simultaneous guest devices (100, 0–10000). */
  maxGuests: number;
  /** Seconds of digit entry allowed after CfwdAll (5, 1–60). */
  callfwdTimeout: number;
  /** Transfer soft key behaviour (`attended`). */
  transferMode: TransferMode;
  /** Send media to the phone's TCP source address rather than the address it reports (no). */
  nat: boolean;
  /** Public address announced in media when behind NAT. */
  externip?: string;
  /** TOS byte for SCCP signalling (`tos`, default AF31 = 104). Names CS0–7, AF11–43, EF or 0–255. */
  tos: number;
  /** Default TOS byte for RTP (`tos_audio`, default EF = 184). */
  tosAudio: number;
  /** 802.1p class of signalling (`cos`, 3, 0–7). */
  cos: number;
  /** 802.1p class of RTP (`cos_audio`, 5, 0–7). */
  cosAudio: number;
  /** Default music-on-hold class of lines (`default`). */
  musicclass: string;
}

/** One `setvar = NAME=VALUE` channel variable. */
export interface SetVar {
  name: string;
  value: string;
}

/** One line (directory number) section. */
export interface SccpLineConfig {
  /** Section name: the name used in `Dial(SCCP/<name>)` and in devices' `line =`. */
  name: string;
  /** Caller-id number (default: the section name). */
  cidNum: string;
  /** Caller-id name (default: empty). */
  cidName: string;
  /** Text next to the line key, when set (`label`). */
  label?: string;
  context: string;
  language: string;
  /** Mailbox whose MWI lights the lamp (`voicemail` or `mailbox`, e.g. `100` or `100@default`). */
  mailbox?: string;
  /** `callgroup = 1,3-5` expanded (0–63). */
  callgroup: number[];
  /** Groups this line may pick up from (`pickupgroup`). */
  pickupgroup: number[];
  namedCallgroup: string[];
  namedPickupgroup: string[];
  /** Codec preference after applying allow/disallow to the general list. */
  codecs: Codec[];
  directmedia: boolean;
  /** Number dialled automatically on off-hook (private line automatic ringdown). */
  hotline?: string;
  /** Seconds of dial tone before the hotline number is dialled (0 = at once, 0–60). */
  hotlineDelay: number;
  /** Forward destination when the line is busy (`forward_busy`). */
  forwardBusy?: string;
  /** Forward destination when unanswered (`forward_noanswer`). */
  forwardNoAnswer?: string;
  /** Seconds of ringing before the no-answer forward (`forward_noanswer_timeout`, 20, 1–600). */
  forwardNoAnswerTimeout: number;
  /** Channel variables, in file order. */
  setvars: SetVar[];
  accountcode?: string;
  musicclass: string;
  /** TOS byte for this line's RTP. */
  tosAudio: number;
  /** Where the section starts. */
  file: string;
  line: number;
}

/** One speed-dial button, in the device's button order. */
export interface SpeedDialConfig {
  /** 1-based speed-dial index on the device (the SpeedDialStat index). */
  index: number;
  extension: string;
  label: string;
  /** Busy-lamp field: show the extension's state. */
  blf: boolean;
  /** Hint to watch (`exten@context`) when given in chan_skinny's inline form. */
  hint?: string;
  /** Name of the `type = speeddial` section it came from, if any. */
  section?: string;
  /** Where the `speeddial =` entry is. */
  file: string;
  line: number;
}

/** One device (phone) section. */
export interface SccpDeviceConfig {
  /** Device name as sent in Register (`SEP` + 12 upper-case hex digits for most phones). */
  name: string;
  /** Declared model, when given. */
  model?: DeviceModel;
  /** Line names in instance order: instance 1 is the first `line =`. */
  lines: string[];
  /** `voicemail` as written: a number to dial (seed) or a mailbox `box@context` (wazo). */
  voicemail?: string;
  /** Number the Messages key dials: `vmexten`, else `voicemail` when it is a plain number, else general's. */
  vmexten: string;
  speeddials: SpeedDialConfig[];
  timezone?: string;
  dateformat: string;
  keepalive: number;
  dialtimeout: number;
  maxProtocolVersion: number;
  /** Do-not-disturb state at start-up (no). */
  dnd: boolean;
  directmedia: boolean;
  nat: boolean;
  /** True for the `[guest]` template device. */
  guest: boolean;
  /** Where the section starts. */
  file: string;
  line: number;
}

/** A loaded sccp.conf. */
export interface SccpConfig {
  file: string;
  general: SccpGeneral;
  lines: Map<string, SccpLineConfig>;
  /** Real devices by name (the guest template is not among them). */
  devices: Map<string, SccpDeviceConfig>;
  /** The device named `guest`, used for unknown devices when `general.guest` is on. */
  guest?: SccpDeviceConfig;
  warnings: ConfigWarning[];
}
