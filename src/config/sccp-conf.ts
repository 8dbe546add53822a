/**
 * sccp.conf → typed, validated {@link SccpConfig}.
 *
 * Two layouts are accepted, and may be mixed:
 * - the seed's (XiVO libsccp): `[general]`, then the marker `[lines]` followed by one section per
 *   line, then `[devices]` followed by one section per device (and, ours, `[speeddials]`
 *   followed by speed-dial sections): a marker applies until the next marker;
 * - wazo-libsccp's: each section says `type = line | device | speeddial` (this wins over markers).
 * Templates (`[name](!)`) are skipped; sections inheriting from them get their keys.
 *
 * Keys (aliases in parentheses; defaults and ranges on {@link SccpGeneral} and friends):
 * - [general]: bindaddr, port (bindport), dateformat, keepalive, authtimeout, dialtimeout,
 *   context, language, vmexten, directmedia, allow, disallow, timezone, max_protocol_version,
 *   guest, max_guests, callfwd_timeout, transfer_mode, nat, externip, tos, tos_audio, cos,
 *   cos_audio, musicclass. context, language, directmedia, allow/disallow, musicclass and
 *   tos_audio are the line defaults; dateformat, keepalive, dialtimeout, timezone, vmexten,
 *   max_protocol_version, directmedia and nat are the device defaults.
 * - line: type, cid_num, cid_name, label, context, language, voicemail (mailbox), callgroup,
 *   pickupgroup, namedcallgroup, namedpickupgroup, allow, disallow, directmedia, hotline,
 *   hotline_delay, forward_busy (cfwdbusy), forward_noanswer (cfwdnoanswer),
 *   forward_noanswer_timeout (cfwdnoanswer_timeout), setvar (repeatable), accountcode,
 *   musicclass, tos_audio.
 * - device: type, device, model (devicetype; `type = 7940` also works), line (repeatable, in
 *   instance order; a line on several devices is a shared line), voicemail, vmexten, speeddial
 *   (repeatable: `number,label[,blf]` or the name of a speed-dial section), timezone,
 *   dateformat, keepalive, dialtimeout, max_protocol_version, dnd, directmedia, nat.
 * - speed dial: type, extension, label, blf.
 *
 * Rules: every device needs at least one line (a phone without a line cannot call; the guest
 * device too). A device named `guest` is the template for unknown devices (wazo's
 * auto-provisioning) and is required when `guest = yes`. Unknown keys are warnings; invalid
 * values, unknown references and duplicates are errors, all collected and thrown together as a
 * ConfigErrorList. When a key is repeated, the last one wins (except the repeatable ones).
 */
import { createHash } from "node:crypto";
import { parseConf, readConfFile } from "./asterisk-conf.ts";
import type { ConfDocument, ConfEntry, ConfSection, ParseConfOptions } from "./asterisk-conf.ts";
import { ConfigError } from "../util/errors.ts";
import { ConfLoader, applyEntries, int, type KeyHandler } from "./conf-loader.ts";
import { throwIfErrors } from "./config-errors.ts";
import {
  ValueProblem,
  applyCodecs,
  parseBool,
  parseDateFormat,
  parseDeviceName,
  parseGroups,
  parseInlineSpeedDial,
  parseIpAddress,
  parseLineName,
  parseModel,
  parseNameList,
  parseNonEmpty,
  parseSetVar,
  parseTimezone,
  parseTos,
} from "./conf-values.ts";
import type {
  Codec,
  SccpConfig,
  SccpDeviceConfig,
  SccpGeneral,
  SccpLineConfig,
  SpeedDialConfig,
  TransferMode,
} from "./sccp-model.ts";

export type {
  Codec,
  DeviceModel,
  SccpConfig,
  SccpDeviceConfig,
  SccpGeneral,
  SccpLineConfig,
  SetVar,
  SpeedDialConfig,
  TransferMode,
} from "./sccp-model.ts";
export { CODECS, DEVICE_MODELS } from "./sccp-model.ts";
export type { ConfigWarning } from "./config-errors.ts";

type SectionKind = "general" | "line" | "device" | "speeddial";

const MARKERS = new Map<string, SectionKind>([
  ["lines", "line"],
  ["devices", "device"],
  ["speeddials", "speeddial"],
]);

interface SpeedDialSection {
  name: string;
  extension?: string;
  label?: string;
  blf: boolean;
  file: string;
  line: number;
}

interface GeneralDraft {
  cfg: SccpGeneral;
  guestEntry?: ConfEntry;
  codecEntry?: ConfEntry;
}
interface LineDraft {
  cfg: SccpLineConfig;
  kind: SectionKind;
  codecEntry?: ConfEntry;
}
interface DeviceDraft {
  cfg: SccpDeviceConfig;
  kind: SectionKind;
  nameEntry?: ConfEntry;
  vmexten?: string;
}
interface SpeedDialDraft {
  cfg: SpeedDialSection;
  kind: SectionKind;
}

type Handler<D> = KeyHandler<Loader, D>;

/** Collects errors and warnings and knows the sections parsed so far. */
class Loader extends ConfLoader {
  readonly lines = new Map<string, SccpLineConfig>();
  readonly speeddials = new Map<string, SpeedDialSection>();
}

function parseTransferMode(v: string): TransferMode {
  const w = v.toLowerCase();
  if (w === "attended" || w === "blind" || w === "auto") return w;
  throw new ValueProblem(`'${v}' is not attended, blind or auto`);
}

function codecHandler<D extends { cfg: { codecs: Codec[] }; codecEntry?: ConfEntry }>(
  op: "allow" | "disallow",
): Handler<D> {
  return (ld, d, e) => {
    d.codecEntry = e;
    ld.set(
      e,
      (v) => applyCodecs(d.cfg.codecs, op, v),
      (v) => (d.cfg.codecs = v),
    );
  };
}

/** `type =` inside a section already classified as `kind`: must agree. */
function typeHandler<D extends { kind: SectionKind }>(): Handler<D> {
  return (ld, d, e) => {
    if (e.value.toLowerCase() !== d.kind) {
      ld.fail("CONFIG_ERR_VALUE", e, e.key, `'${e.value}' is not line, device or speeddial`);
    }
  };
}

const GENERAL_KEYS = new Map<string, Handler<GeneralDraft>>(
  Object.entries({
    bindaddr: (ld, d, e) => ld.set(e, parseIpAddress, (v) => (d.cfg.bindaddr = v)),
    port: (ld, d, e) => ld.set(e, int(1, 65535), (v) => (d.cfg.port = v)),
    bindport: (ld, d, e) => ld.set(e, int(1, 65535), (v) => (d.cfg.port = v)),
    dateformat: (ld, d, e) => ld.set(e, parseDateFormat, (v) => (d.cfg.dateformat = v)),
    keepalive: (ld, d, e) => ld.set(e, int(1, 600), (v) => (d.cfg.keepalive = v)),
    authtimeout: (ld, d, e) => ld.set(e, int(1, 60), (v) => (d.cfg.authtimeout = v)),
    dialtimeout: (ld, d, e) => ld.set(e, int(1, 60), (v) => (d.cfg.dialtimeout = v)),
    context: (ld, d, e) => ld.set(e, parseNonEmpty, (v) => (d.cfg.context = v)),
    language: (ld, d, e) => ld.set(e, parseNonEmpty, (v) => (d.cfg.language = v)),
    vmexten: (ld, d, e) => ld.set(e, parseNonEmpty, (v) => (d.cfg.vmexten = v)),
    directmedia: (ld, d, e) => ld.set(e, parseBool, (v) => (d.cfg.directmedia = v)),
    allow: codecHandler("allow"),
    disallow: codecHandler("disallow"),
    timezone: (ld, d, e) => ld.set(e, parseTimezone, (v) => (d.cfg.timezone = v)),
    max_protocol_version: (ld, d, e) => ld.set(e, int(3, 22), (v) => (d.cfg.maxProtocolVersion = v)),
    guest: (ld, d, e) => {
      d.guestEntry = e;
      ld.set(e, parseBool, (v) => (d.cfg.guest = v));
    },
    max_guests: (ld, d, e) => ld.set(e, int(0, 10000), (v) => (d.cfg.maxGuests = v)),
    callfwd_timeout: (ld, d, e) => ld.set(e, int(1, 60), (v) => (d.cfg.callfwdTimeout = v)),
    transfer_mode: (ld, d, e) => ld.set(e, parseTransferMode, (v) => (d.cfg.transferMode = v)),
    nat: (ld, d, e) => ld.set(e, parseBool, (v) => (d.cfg.nat = v)),
    externip: (ld, d, e) => ld.set(e, parseIpAddress, (v) => (d.cfg.externip = v)),
    tos: (ld, d, e) => ld.set(e, parseTos, (v) => (d.cfg.tos = v)),
    tos_audio: (ld, d, e) => ld.set(e, parseTos, (v) => (d.cfg.tosAudio = v)),
    cos: (ld, d, e) => ld.set(e, int(0, 7), (v) => (d.cfg.cos = v)),
    cos_audio: (ld, d, e) => ld.set(e, int(0, 7), (v) => (d.cfg.cosAudio = v)),
    musicclass: (ld, d, e) => ld.set(e, parseNonEmpty, (v) => (d.cfg.musicclass = v)),
  } satisfies Record<string, Handler<GeneralDraft>>),
);

/** An empty value clears an optional key (so a section can undo what a template set). */
function nonEmpty(v: string): string | undefined {
  return v === "" ? undefined : v;
}

const LINE_KEYS = new Map<string, Handler<LineDraft>>(
  Object.entries({
    type: typeHandler(),
    cid_num: (ld, d, e) => ld.set(e, parseNonEmpty, (v) => (d.cfg.cidNum = v)),
    cid_name: (_ld, d, e) => (d.cfg.cidName = e.value),
    label: (_ld, d, e) => setOpt(d.cfg, "label", nonEmpty(e.value)),
    context: (ld, d, e) => ld.set(e, parseNonEmpty, (v) => (d.cfg.context = v)),
    language: (ld, d, e) => ld.set(e, parseNonEmpty, (v) => (d.cfg.language = v)),
    voicemail: (_ld, d, e) => setOpt(d.cfg, "mailbox", nonEmpty(e.value)),
    mailbox: (_ld, d, e) => setOpt(d.cfg, "mailbox", nonEmpty(e.value)),
    callgroup: (ld, d, e) => ld.set(e, parseGroups, (v) => (d.cfg.callgroup = v)),
    pickupgroup: (ld, d, e) => ld.set(e, parseGroups, (v) => (d.cfg.pickupgroup = v)),
    namedcallgroup: (_ld, d, e) => (d.cfg.namedCallgroup = parseNameList(e.value)),
    namedpickupgroup: (_ld, d, e) => (d.cfg.namedPickupgroup = parseNameList(e.value)),
    allow: codecHandler("allow"),
    disallow: codecHandler("disallow"),
    directmedia: (ld, d, e) => ld.set(e, parseBool, (v) => (d.cfg.directmedia = v)),
    hotline: (_ld, d, e) => setOpt(d.cfg, "hotline", nonEmpty(e.value)),
    hotline_delay: (ld, d, e) => ld.set(e, int(0, 60), (v) => (d.cfg.hotlineDelay = v)),
    forward_busy: (_ld, d, e) => setOpt(d.cfg, "forwardBusy", nonEmpty(e.value)),
    cfwdbusy: (_ld, d, e) => setOpt(d.cfg, "forwardBusy", nonEmpty(e.value)),
    forward_noanswer: (_ld, d, e) => setOpt(d.cfg, "forwardNoAnswer", nonEmpty(e.value)),
    cfwdnoanswer: (_ld, d, e) => setOpt(d.cfg, "forwardNoAnswer", nonEmpty(e.value)),
    forward_noanswer_timeout: (ld, d, e) => ld.set(e, int(1, 600), (v) => (d.cfg.forwardNoAnswerTimeout = v)),
    cfwdnoanswer_timeout: (ld, d, e) => ld.set(e, int(1, 600), (v) => (d.cfg.forwardNoAnswerTimeout = v)),
    setvar: (ld, d, e) => ld.set(e, parseSetVar, (v) => d.cfg.setvars.push(v)),
    accountcode: (_ld, d, e) => setOpt(d.cfg, "accountcode", nonEmpty(e.value)),
    musicclass: (ld, d, e) => ld.set(e, parseNonEmpty, (v) => (d.cfg.musicclass = v)),
    tos_audio: (ld, d, e) => ld.set(e, parseTos, (v) => (d.cfg.tosAudio = v)),
  } satisfies Record<string, Handler<LineDraft>>),
);

const DEVICE_KEYS = new Map<string, Handler<DeviceDraft>>(
  Object.entries({
    type: (ld, d, e) => {
      // `type = device` classifies; any other value is read as the model (chan-sccp habit).
      if (e.value.toLowerCase() !== "device") ld.set(e, parseModel, (v) => (d.cfg.model = v));
    },
    device: (_ld, d, e) => (d.nameEntry = e),
    model: (ld, d, e) => ld.set(e, parseModel, (v) => (d.cfg.model = v)),
    devicetype: (ld, d, e) => ld.set(e, parseModel, (v) => (d.cfg.model = v)),
    line: (ld, d, e) => {
      if (!ld.lines.has(e.value)) {
        ld.fail("CONFIG_ERR_MISSING", e, e.key, `no line named '${e.value}'`);
      } else if (d.cfg.lines.includes(e.value)) {
        ld.fail("CONFIG_ERR_DUPLICATE", e, e.key, `line '${e.value}' is already on this device`);
      } else d.cfg.lines.push(e.value);
    },
    voicemail: (_ld, d, e) => setOpt(d.cfg, "voicemail", nonEmpty(e.value)),
    vmexten: (ld, d, e) => ld.set(e, parseNonEmpty, (v) => (d.vmexten = v)),
    speeddial: (ld, d, e) => {
      const sd = speedDial(ld, e, d.cfg.speeddials.length + 1);
      if (sd !== undefined) d.cfg.speeddials.push(sd);
    },
    timezone: (ld, d, e) => ld.set(e, parseTimezone, (v) => (d.cfg.timezone = v)),
    dateformat: (ld, d, e) => ld.set(e, parseDateFormat, (v) => (d.cfg.dateformat = v)),
    keepalive: (ld, d, e) => ld.set(e, int(1, 600), (v) => (d.cfg.keepalive = v)),
    dialtimeout: (ld, d, e) => ld.set(e, int(1, 60), (v) => (d.cfg.dialtimeout = v)),
    max_protocol_version: (ld, d, e) => ld.set(e, int(3, 22), (v) => (d.cfg.maxProtocolVersion = v)),
    dnd: (ld, d, e) => ld.set(e, parseBool, (v) => (d.cfg.dnd = v)),
    directmedia: (ld, d, e) => ld.set(e, parseBool, (v) => (d.cfg.directmedia = v)),
    nat: (ld, d, e) => ld.set(e, parseBool, (v) => (d.cfg.nat = v)),
  } satisfies Record<string, Handler<DeviceDraft>>),
);

const SPEEDDIAL_KEYS = new Map<string, Handler<SpeedDialDraft>>(
  Object.entries({
    type: typeHandler(),
    extension: (ld, d, e) => ld.set(e, parseNonEmpty, (v) => (d.cfg.extension = v)),
    label: (_ld, d, e) => (d.cfg.label = e.value),
    blf: (ld, d, e) => ld.set(e, parseBool, (v) => (d.cfg.blf = v)),
  } satisfies Record<string, Handler<SpeedDialDraft>>),
);

const KEYS_BY_KIND: ReadonlyMap<SectionKind, ReadonlyMap<string, unknown>> = new Map<
  SectionKind,
  ReadonlyMap<string, unknown>
>([
  ["general", GENERAL_KEYS],
  ["line", LINE_KEYS],
  ["device", DEVICE_KEYS],
  ["speeddial", SPEEDDIAL_KEYS],
]);

/** Sets or deletes an optional property (exactOptionalPropertyTypes forbids `= undefined`). */
function setOpt<T extends object, K extends keyof T>(obj: T, key: K, v: T[K] | undefined): void {
  if (v === undefined) Reflect.deleteProperty(obj, key);
  else obj[key] = v;
}

function speedDial(ld: Loader, e: ConfEntry, index: number): SpeedDialConfig | undefined {
  const at = { file: e.file, line: e.line };
  if (!e.value.includes(",")) {
    const sec = ld.speeddials.get(e.value);
    if (sec === undefined) {
      ld.fail(
        "CONFIG_ERR_MISSING",
        e,
        e.key,
        `no speed-dial section named '${e.value}' (inline form is number,label[,blf])`,
      );
      return undefined;
    }
    if (sec.extension === undefined) return undefined; // reported on the section itself
    return {
      index,
      extension: sec.extension,
      label: sec.label ?? sec.extension,
      blf: sec.blf,
      section: sec.name,
      ...at,
    };
  }
  const inline = ld.value(e, parseInlineSpeedDial);
  return inline === undefined ? undefined : { index, ...inline, ...at };
}

interface Classified {
  general: ConfEntry[];
  lines: ConfSection[];
  devices: ConfSection[];
  speeddials: ConfSection[];
}

function classify(ld: Loader, doc: ConfDocument): Classified {
  const out: Classified = { general: [], lines: [], devices: [], speeddials: [] };
  let mode: SectionKind | undefined;
  for (const s of doc.sections) {
    if (s.template) continue;
    const lname = s.name.toLowerCase();
    if (lname === "general") {
      out.general.push(...s.entries);
      continue;
    }
    const marker = MARKERS.get(lname);
    if (marker !== undefined) {
      mode = marker;
      for (const e of s.entries) ld.warn(e, e.key, `entries in the [${s.name}] marker section are ignored`);
      continue;
    }
    const typed = s.entries.findLast((e) => e.key.toLowerCase() === "type" && isKindWord(e.value));
    const kind = typed === undefined ? mode : typed.value.toLowerCase();
    if (kind === "line") out.lines.push(s);
    else if (kind === "device") out.devices.push(s);
    else if (kind === "speeddial") out.speeddials.push(s);
    else {
      ld.fail(
        "CONFIG_ERR_MISSING",
        s,
        `[${s.name}]`,
        "section is not under [lines], [devices] or [speeddials] and has no type = line|device|speeddial",
      );
    }
  }
  return out;
}

function isKindWord(v: string): boolean {
  const w = v.toLowerCase();
  return w === "line" || w === "device" || w === "speeddial";
}

function defaultGeneral(): SccpGeneral {
  return {
    bindaddr: "0.0.0.0",
    port: 2000,
    dateformat: "D.M.Y",
    keepalive: 10,
    authtimeout: 5,
    dialtimeout: 2,
    context: "default",
    language: "en_US",
    vmexten: "*98",
    directmedia: false,
    codecs: ["ulaw", "alaw"],
    maxProtocolVersion: 11,
    guest: false,
    maxGuests: 100,
    callfwdTimeout: 5,
    transferMode: "attended",
    nat: false,
    tos: 104,
    tosAudio: 184,
    cos: 3,
    cosAudio: 5,
    musicclass: "default",
  };
}

function checkCodecs(ld: Loader, codecs: readonly Codec[], last: ConfEntry | undefined): void {
  if (codecs.length === 0 && last !== undefined) {
    ld.fail("CONFIG_ERR_VALUE", last, last.key, "no codec left after allow/disallow");
  }
}

function loadLine(ld: Loader, g: SccpGeneral, s: ConfSection): void {
  const name = ld.value(
    { key: `[${s.name}]`, value: s.name, op: "=", file: s.file, line: s.line },
    parseLineName,
  );
  if (name === undefined) return;
  if (ld.lines.has(name)) {
    ld.fail("CONFIG_ERR_DUPLICATE", s, `[${s.name}]`, `line '${name}' is defined twice`);
    return;
  }
  const d: LineDraft = {
    kind: "line",
    cfg: {
      name,
      cidNum: name,
      cidName: "",
      context: g.context,
      language: g.language,
      callgroup: [],
      pickupgroup: [],
      namedCallgroup: [],
      namedPickupgroup: [],
      codecs: [...g.codecs],
      directmedia: g.directmedia,
      hotlineDelay: 0,
      forwardNoAnswerTimeout: 20,
      setvars: [],
      musicclass: g.musicclass,
      tosAudio: g.tosAudio,
      file: s.file,
      line: s.line,
    },
  };
  applyEntries(ld, "line", LINE_KEYS, d, s.entries, KEYS_BY_KIND);
  checkCodecs(ld, d.cfg.codecs, d.codecEntry);
  ld.lines.set(name, d.cfg);
}

function loadSpeedDialSection(ld: Loader, s: ConfSection): void {
  if (ld.speeddials.has(s.name)) {
    ld.fail("CONFIG_ERR_DUPLICATE", s, `[${s.name}]`, `speed dial '${s.name}' is defined twice`);
    return;
  }
  const d: SpeedDialDraft = {
    kind: "speeddial",
    cfg: { name: s.name, blf: false, file: s.file, line: s.line },
  };
  applyEntries(ld, "speeddial", SPEEDDIAL_KEYS, d, s.entries, KEYS_BY_KIND);
  if (d.cfg.extension === undefined) {
    ld.fail("CONFIG_ERR_MISSING", s, "extension", `speed dial '${s.name}' has no extension`);
  }
  ld.speeddials.set(s.name, d.cfg);
}

function loadDevice(ld: Loader, g: SccpGeneral, s: ConfSection): SccpDeviceConfig | undefined {
  const d: DeviceDraft = {
    kind: "device",
    cfg: {
      name: s.name,
      lines: [],
      vmexten: g.vmexten,
      speeddials: [],
      dateformat: g.dateformat,
      keepalive: g.keepalive,
      dialtimeout: g.dialtimeout,
      maxProtocolVersion: g.maxProtocolVersion,
      dnd: false,
      directmedia: g.directmedia,
      nat: g.nat,
      guest: false,
      file: s.file,
      line: s.line,
    },
  };
  if (g.timezone !== undefined) d.cfg.timezone = g.timezone;
  applyEntries(ld, "device", DEVICE_KEYS, d, s.entries, KEYS_BY_KIND);

  const nameEntry = d.nameEntry ?? { key: `[${s.name}]`, value: s.name, op: "=", file: s.file, line: s.line };
  if (nameEntry.value.toLowerCase() === "guest") {
    d.cfg.name = "guest";
    d.cfg.guest = true;
  } else {
    const name = ld.value(nameEntry, parseDeviceName);
    if (name === undefined) return undefined;
    d.cfg.name = name;
  }
  // The Messages key: vmexten wins; a seed-style `voicemail = 200` is itself the number to dial,
  // while a wazo-style `voicemail = 1002@ctx` names a mailbox and leaves the general vmexten.
  const vm = d.cfg.voicemail;
  d.cfg.vmexten = d.vmexten ?? (vm !== undefined && !vm.includes("@") ? vm : g.vmexten);
  if (d.cfg.lines.length === 0) {
    ld.fail("CONFIG_ERR_MISSING", s, "line", `device '${d.cfg.name}' has no line`);
  }
  return d.cfg;
}

/** Builds the typed configuration from a parsed document; throws a ConfigErrorList on errors. */
export function sccpConfigFromDocument(doc: ConfDocument): SccpConfig {
  const ld = new Loader();
  const sections = classify(ld, doc);

  const gd: GeneralDraft = { cfg: defaultGeneral() };
  applyEntries(ld, "general", GENERAL_KEYS, gd, sections.general, KEYS_BY_KIND);
  checkCodecs(ld, gd.cfg.codecs, gd.codecEntry);
  const general = gd.cfg;

  for (const s of sections.lines) loadLine(ld, general, s);
  for (const s of sections.speeddials) loadSpeedDialSection(ld, s);

  const devices = new Map<string, SccpDeviceConfig>();
  let guest: SccpDeviceConfig | undefined;
  for (const s of sections.devices) {
    const dev = loadDevice(ld, general, s);
    if (dev === undefined) continue;
    if ((dev.guest ? guest : devices.get(dev.name)) !== undefined) {
      const where = s.entries.findLast((e) => e.key.toLowerCase() === "device") ?? s;
      const key = where === s ? `[${s.name}]` : "device";
      ld.fail("CONFIG_ERR_DUPLICATE", where, key, `device '${dev.name}' is defined twice`);
      continue;
    }
    if (dev.guest) guest = dev;
    else devices.set(dev.name, dev);
  }
  if (general.guest && guest === undefined) {
    const at = gd.guestEntry ?? { file: doc.file, line: 1 };
    ld.fail("CONFIG_ERR_MISSING", at, "guest", "guest = yes needs a device section named [guest]");
  }

  throwIfErrors(ld.errors);
  const cfg: SccpConfig = { file: doc.file, general, lines: ld.lines, devices, warnings: ld.warnings };
  if (guest !== undefined) cfg.guest = guest;
  return cfg;
}

/**
 * Parses sccp.conf text. `file` names it in errors and warnings; `opts.readInclude` resolves
 * `#include` (default: from disk). Throws a ConfigErrorList (a ConfigError) listing every error.
 */
export function parseSccpConf(text: string, file: string, opts: ParseConfOptions = {}): SccpConfig {
  return sccpConfigFromDocument(parseConf(text, file, opts));
}

/** Reads and parses an sccp.conf file (CONFIG_ERR_IO when unreadable). */
export function loadSccpConf(path: string): SccpConfig {
  return sccpConfigFromDocument(readConfFile(path));
}

/** Names of the devices carrying `line`, in file order (more than one = a shared line). */
export function devicesForLine(cfg: SccpConfig, line: string): string[] {
  return [...cfg.devices.values()].filter((d) => d.lines.includes(line)).map((d) => d.name);
}

/**
 * A stable fingerprint of everything a device shows or uses: its own resolved keys (general
 * defaults included) and those of its lines, without source positions. `reload` compares the old
 * and new fingerprints to reset only the phones whose configuration changed.
 */
export function deviceFingerprint(cfg: SccpConfig, device: string): string {
  const dev = device === "guest" ? cfg.guest : cfg.devices.get(device);
  if (dev === undefined) {
    throw new ConfigError("CONFIG_ERR_MISSING", cfg.file, undefined, device, "no such device");
  }
  const lines = dev.lines.map((name) => cfg.lines.get(name));
  return createHash("sha256")
    .update(canonicalJson({ device: dev, lines }))
    .digest("hex");
}

/** JSON with sorted object keys and source positions (`file`, `line` numbers) left out. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x)).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const fields = Object.entries(v)
      .filter(([k, x]) => k !== "file" && !(k === "line" && typeof x === "number"))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`);
    return `{${fields.join(",")}}`;
  }
  return v === undefined ? "null" : JSON.stringify(v);
}
