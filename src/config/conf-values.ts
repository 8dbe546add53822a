/**
 * Value parsers shared by the configuration loaders. Each throws {@link ValueProblem} with a short
 * reason; the loader adds file, line and key.
 */
import { isIP } from "node:net";
import { CODECS, DEVICE_MODELS } from "./sccp-model.ts";
import type { Codec, DeviceModel, SetVar } from "./sccp-model.ts";

/** A value that does not fit its key. The message is the reason only (no location). */
export class ValueProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ValueProblem";
  }
}

const TRUE_WORDS = new Set(["yes", "true", "y", "t", "1", "on"]);
const FALSE_WORDS = new Set(["no", "false", "n", "f", "0", "off"]);

/** Asterisk's booleans: yes/true/y/t/1/on and no/false/n/f/0/off, any case. */
export function parseBool(v: string): boolean {
  const w = v.toLowerCase();
  if (TRUE_WORDS.has(w)) return true;
  if (FALSE_WORDS.has(w)) return false;
  throw new ValueProblem(`'${v}' is not a boolean (yes/no)`);
}

/** A decimal integer within [min, max]. */
export function parseIntIn(v: string, min: number, max: number): number {
  if (!/^[+-]?\d+$/.test(v)) throw new ValueProblem(`'${v}' is not a whole number`);
  const n = Number(v);
  if (n < min || n > max) throw new ValueProblem(`${n} is out of range ${min}-${max}`);
  return n;
}

/** A non-empty string. */
export function parseNonEmpty(v: string): string {
  if (v === "") throw new ValueProblem("value is empty");
  return v;
}

const DATEFORMAT_RE = /^([DMY])([./-])([DMY])\2([DMY])(A?)$/;

/**
 * The phone's RegisterAck date template (char[6]): D, M and Y once each, joined by one
 * separator among `.`, `/`, `-`, with an optional trailing `A` for a 12-hour clock. Upper-cased.
 */
export function parseDateFormat(v: string): string {
  const u = v.toUpperCase();
  const m = DATEFORMAT_RE.exec(u);
  if (!m || new Set([m[1], m[3], m[4]]).size !== 3) {
    throw new ValueProblem(
      `'${v}' is not a date template (D, M, Y once each, separated by . / or -, optional A)`,
    );
  }
  return u;
}

/** An IANA time zone name, checked (and canonicalised) by Intl. */
export function parseTimezone(v: string): string {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: v }).resolvedOptions().timeZone;
  } catch {
    throw new ValueProblem(`'${v}' is not a known time zone (use an IANA name like Europe/Paris)`);
  }
}

/** An IPv4 or IPv6 literal. */
export function parseIpAddress(v: string): string {
  if (isIP(v) === 0) throw new ValueProblem(`'${v}' is not an IP address`);
  return v;
}

function isCodec(v: string): v is Codec {
  return (CODECS as readonly string[]).includes(v);
}

/**
 * Applies one `allow` or `disallow` entry (comma-separated names or `all`) to a preference list,
 * as Asterisk does: allow appends in order (moving nothing already there), disallow removes.
 */
export function applyCodecs(list: readonly Codec[], op: "allow" | "disallow", v: string): Codec[] {
  let out = [...list];
  const names = v.split(",").map((s) => s.trim().toLowerCase());
  for (const name of names) {
    if (name === "all") {
      out = op === "allow" ? [...new Set([...out, ...CODECS])] : [];
    } else if (isCodec(name)) {
      if (op === "allow") {
        if (!out.includes(name)) out.push(name);
      } else out = out.filter((c) => c !== name);
    } else {
      throw new ValueProblem(`unknown codec '${name}' (known: ${CODECS.join(", ")}, all)`);
    }
  }
  return out;
}

/** Asterisk call/pickup group syntax: `1,3-5` → [1, 3, 4, 5] (0–63, sorted, unique). */
export function parseGroups(v: string): number[] {
  const out = new Set<number>();
  if (v.trim() === "") return [];
  for (const part of v.split(",").map((s) => s.trim())) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) throw new ValueProblem(`'${part}' is not a group number or range (e.g. 1,3-5)`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo > 63 || hi > 63 || hi < lo) throw new ValueProblem(`group '${part}' is outside 0-63 or reversed`);
    for (let g = lo; g <= hi; g++) out.add(g);
  }
  return [...out].sort((a, b) => a - b);
}

/** A comma-separated list of names (named call/pickup groups); empty items dropped. */
export function parseNameList(v: string): string[] {
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * A TOS byte: a DiffServ name (CS0–CS7, AF11–AF43, EF → DSCP shifted into the TOS byte, as
 * Asterisk does), or a number 0–255 (decimal or 0x hex) taken as the byte itself.
 */
export function parseTos(v: string): number {
  const u = v.toUpperCase();
  let dscp: number | undefined;
  const cs = /^CS([0-7])$/.exec(u);
  const af = /^AF([1-4])([1-3])$/.exec(u);
  if (u === "EF") dscp = 46;
  else if (cs) dscp = Number(cs[1]) * 8;
  else if (af) dscp = Number(af[1]) * 8 + Number(af[2]) * 2;
  if (dscp !== undefined) return dscp << 2;
  if (/^(0x[0-9a-f]+|\d+)$/i.test(v)) {
    const n = Number(v);
    if (n <= 255) return n;
  }
  throw new ValueProblem(`'${v}' is not a TOS value (CS0-CS7, AF11-AF43, EF or 0-255)`);
}

function isModel(v: string): v is DeviceModel {
  return (DEVICE_MODELS as readonly string[]).includes(v);
}

/**
 * A model name, tolerant of Cisco spellings: `7941G-GE` and `7941GE` → `7941GE`, `7960G` → `7960`,
 * `CP-7912G` → `7912`, `IP Communicator` → `CIPC`, `ATA 186` → `ATA186`.
 */
export function parseModel(v: string): DeviceModel {
  let s = v.toUpperCase().replace(/[\s_-]/g, "");
  s = s.replace(/^CISCO/, "").replace(/^CP(?=\d)/, "");
  if (s === "IPCOMMUNICATOR" || s === "COMMUNICATOR") s = "CIPC";
  const m = /^(\d{4})G?(GE)?$/.exec(s);
  if (m) s = `${m[1] ?? ""}${m[2] === undefined ? "" : "GE"}`;
  if (isModel(s)) return s;
  throw new ValueProblem(`unknown phone model '${v}'`);
}

/**
 * A device name as phones send it in Register (char[16]): `SEP`/`ATA`/`VGC` + 12 hex digits
 * (upper-cased, since phones send upper case), or any other 1–15 letters and digits (IP
 * Communicator accepts a free device name).
 */
export function parseDeviceName(v: string): string {
  const u = v.toUpperCase();
  if (/^(SEP|ATA|VGC)/.test(u)) {
    if (/^(SEP|ATA|VGC)[0-9A-F]{12}$/.test(u)) return u;
    throw new ValueProblem(`'${v}' is not a device name: ${u.slice(0, 3)} must be followed by 12 hex digits`);
  }
  if (/^[A-Za-z0-9]{1,15}$/.test(v)) return v;
  throw new ValueProblem(`'${v}' is not a device name (SEP + 12 hex digits, or 1-15 letters and digits)`);
}

/** A line name usable in `Dial(SCCP/<name>)`: letters, digits and `_ . + * # -`. */
export function parseLineName(v: string): string {
  if (/^[A-Za-z0-9_.+*#-]+$/.test(v)) return v;
  throw new ValueProblem(`'${v}' is not a line name (letters, digits and _ . + * # - only)`);
}

/** `NAME=VALUE` of `setvar` (value may be empty, may contain `=`). */
export function parseSetVar(v: string): SetVar {
  const eq = v.indexOf("=");
  const name = eq < 0 ? "" : v.slice(0, eq).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ValueProblem(`'${v}' is not NAME=VALUE`);
  return { name, value: v.slice(eq + 1).trim() };
}

/** The inline speed dial `number,label[,blf|yes|no|exten@context]`. */
export function parseInlineSpeedDial(v: string): {
  extension: string;
  label: string;
  blf: boolean;
  hint?: string;
} {
  const parts = v.split(",").map((s) => s.trim());
  const [extension, label, third, ...rest] = parts;
  if (extension === undefined || extension === "" || label === undefined || rest.length > 0) {
    throw new ValueProblem(`'${v}' is not number,label[,blf]`);
  }
  const out = { extension, label: label === "" ? extension : label, blf: false };
  if (third === undefined || third === "") return out;
  if (third.toLowerCase() === "blf") return { ...out, blf: true };
  if (third.includes("@")) return { ...out, blf: true, hint: third };
  try {
    return { ...out, blf: parseBool(third) };
  } catch {
    throw new ValueProblem(`third field '${third}' of speeddial must be blf, yes/no or exten@context`);
  }
}
