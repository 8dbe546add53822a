/**
 * linekey.conf → typed, validated {@link LinekeyConfig}.
 *
 * Sections (keys, defaults):
 * - `[general]`: db_url (default: linekey.db in the data folder), rtp_start (16384), rtp_end
 *   (32766), console_socket (default: derived from the config folder), rpc_bindaddr (127.0.0.1)
 *   and rpc_port (0 = JSON-RPC over HTTP off; the RPC controls SCA state, so it is opt-in and
 *   meant for loopback), sounds_dir (/usr/share/asterisk/sounds: Playback's prompts, 8 kHz
 *   16-bit mono WAV, looked up in `en/`, `en_US_f_Allison/` and the folder itself).
 * - `[sip]`: bindaddr (127.0.0.1 in the embedded defaults, 0.0.0.0 otherwise), udp_port and
 *   tcp_port (5060; 0 = any free port, the same one for both when both are 0), domain
 *   (repeatable; a Request-URI is local when its host is a domain or a listening address), t1,
 *   t2, t4 (ms, RFC 3261 defaults 500/4000/5000), auth (yes), auth_algorithms (`md5, sha-256`:
 *   the digest challenges offered, in order; MD5 first because many phones and SIPp 3.6 read
 *   only the first challenge and know only MD5; `sha-256, md5` is RFC 8760's preference),
 *   realm (the first domain, else `linekey`), min_expires (60), max_expires (3600),
 *   default_expires (3600), user_agent (Linekey).
 * - `[sca]`: Kamailio `sca` module parameters: hash_table_size (9), call_info_max_expires
 *   (3600), line_seize_max_expires (15), purge_expired_interval (120), db_url (default: the
 *   general db_url), subs_table (sca_subscriptions), db_update_interval (300), server_address
 *   (unset: the AoR; else the Contact of SUBSCRIBE replies and NOTIFYs).
 * - one section per SIP user, `type = user`: secret (required with `auth = yes`), context
 *   (default), callerid (`"Name" <number>`), sca (no).
 *
 * Same rules as sccp.conf: unknown keys are warnings naming file, line and key; invalid values
 * are errors naming file, line and key, all collected and thrown together as a ConfigErrorList.
 */
import { join } from "node:path";
import { parseConf, readConfFile } from "./asterisk-conf.ts";
import type { ConfDocument, ConfEntry, ConfSection, ParseConfOptions } from "./asterisk-conf.ts";
import { ConfLoader, applyEntries, int, type KeyHandler } from "./conf-loader.ts";
import { throwIfErrors } from "./config-errors.ts";
import type { ConfigWarning } from "./config-errors.ts";
import { EMBEDDED_DIR, resolveConfigDir } from "./config-dir.ts";
import { ValueProblem, parseBool, parseIpAddress, parseNonEmpty } from "./conf-values.ts";
import { DEFAULT_LINEKEY_CONF } from "./defaults.ts";

/** Where Debian's asterisk-core-sounds-en-wav puts Asterisk's prompts. */
export const DEFAULT_SOUNDS_DIR = "/usr/share/asterisk/sounds";

/** `[general]` of linekey.conf. */
export interface LinekeyGeneral {
  /** Database URL; undefined = `linekey.db` in the data folder. */
  dbUrl?: string;
  rtpStart: number;
  rtpEnd: number;
  /** Console socket path; undefined = derived from the config folder. */
  consoleSocket?: string;
  rpcBindaddr: string;
  /** 0 = JSON-RPC off. */
  rpcPort: number;
  /** Folder of Playback's prompts. */
  soundsDir: string;
}

/** `[sip]` of linekey.conf. */
export interface SipSettings {
  bindaddr: string;
  udpPort: number;
  tcpPort: number;
  /** Domains served (lower-case); listening addresses are always local too. */
  domains: string[];
  /** RFC 3261 timer bases, ms. */
  t1: number;
  t2: number;
  t4: number;
  auth: boolean;
  /** Digest algorithms offered, in challenge order; responses with either are accepted. */
  authAlgorithms: ("MD5" | "SHA-256")[];
  realm: string;
  minExpires: number;
  maxExpires: number;
  defaultExpires: number;
  userAgent: string;
}

/** `[sca]` of linekey.conf: the parameters of Kamailio's `sca` module. */
export interface ScaSettings {
  /** Power of two of the hash table size (9 → 512 slots). */
  hashTableSize: number;
  callInfoMaxExpires: number;
  lineSeizeMaxExpires: number;
  purgeExpiredInterval: number;
  /** Undefined = the general db_url. */
  dbUrl?: string;
  subsTable: string;
  dbUpdateInterval: number;
  /** Kamailio's `server_address`: the Contact of SUBSCRIBE replies and NOTIFYs when set. */
  serverAddress?: string;
}

/** A caller id `"Name" <number>`. */
export interface CallerId {
  name?: string;
  number?: string;
}

/** One `type = user` section. */
export interface SipUserConfig {
  /** The section name: the SIP user part (`sip:NAME@domain`) and the digest username. */
  name: string;
  secret?: string;
  context: string;
  callerid?: CallerId;
  /** Member of a Shared Call Appearance group (subscribes to call-info/line-seize). */
  sca: boolean;
  file: string;
  line: number;
}

/** The whole of linekey.conf. */
export interface LinekeyConfig {
  file: string;
  general: LinekeyGeneral;
  sip: SipSettings;
  sca: ScaSettings;
  users: Map<string, SipUserConfig>;
  warnings: ConfigWarning[];
}

type Handler<D> = KeyHandler<Loader, D>;

class Loader extends ConfLoader {}

// An address to bind: an IP literal, or `localhost`-style names are refused (bind needs an IP).
function parseBindAddress(v: string): string {
  return parseIpAddress(v);
}

// A domain: a host name or IP address, no scheme, no port.
function parseDomain(v: string): string {
  const d = v.trim().toLowerCase();
  if (!/^(?:[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?|\[[0-9a-f:.]+\])$/.test(d) && !/^[0-9a-f:]+$/.test(d)) {
    throw new ValueProblem(`'${v}' is not a domain (host name or IP address, without port)`);
  }
  return d;
}

function parseDbUrl(v: string): string {
  if (!/^(?:sqlite:.+|postgres(?:ql)?:\/\/.+)$/i.test(v)) {
    throw new ValueProblem(`'${v}' is not a database URL (sqlite:///path, sqlite::memory: or postgres://…)`);
  }
  return v;
}

function parseAlgorithms(v: string): ("MD5" | "SHA-256")[] {
  const out: ("MD5" | "SHA-256")[] = [];
  for (const w of v.split(",").map((x) => x.trim().toUpperCase())) {
    const a = w === "MD5" ? "MD5" : w === "SHA-256" || w === "SHA256" ? "SHA-256" : undefined;
    if (a === undefined) throw new ValueProblem(`'${w}' is not a digest algorithm (md5, sha-256)`);
    if (!out.includes(a)) out.push(a);
  }
  return out;
}

function parseTableName(v: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(v)) throw new ValueProblem(`'${v}' is not a table name`);
  return v;
}

function parseSipUriText(v: string): string {
  // Written as it stands into Contact (Kamailio copies the string): one sip:/sips: URI, nothing
  // that would end or split a header value.
  if (!/^sips?:[^\s<>",;]+(?:;[^\s<>",;]+)*$/i.test(v)) {
    throw new ValueProblem(`'${v}' is not a SIP URI (sip:host[:port] or sip:user@host[:port])`);
  }
  return v;
}

function parseHeaderText(v: string): string {
  if (/[\r\n]/.test(v) || v.trim() === "") throw new ValueProblem("value must be one non-empty line");
  return v.trim();
}

function parseRealm(v: string): string {
  if (v === "" || /["\\\r\n]/.test(v))
    throw new ValueProblem(`'${v}' is not a realm (no quotes or backslashes)`);
  return v;
}

/** `"Bob" <300>`, `Bob <300>`, `<300>` or `300`. */
export function parseCallerId(v: string): CallerId {
  const s = v.trim();
  const m = /^(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<([^<>]*)>$/.exec(s);
  if (m) {
    const name = m[1] === undefined ? (m[2] ?? "").trim() : m[1].replace(/\\(.)/g, "$1");
    const num = (m[3] ?? "").trim();
    return { ...(name === "" ? {} : { name }), ...(num === "" ? {} : { number: num }) };
  }
  if (/^[^<>"]+$/.test(s)) return /^[0-9*#+]+$/.test(s) ? { number: s } : { name: s };
  throw new ValueProblem(`'${v}' is not a caller id ("Name" <number>)`);
}

// A user name usable as a SIP user part and digest username.
function parseUserName(v: string): string {
  if (/^[A-Za-z0-9_.!~*'()&=+$,;?/-]+$/.test(v)) return v;
  throw new ValueProblem(`'${v}' is not a SIP user name (letters, digits and -_.!~*'()&=+$,;?/ only)`);
}

const GENERAL_KEYS = new Map<string, Handler<LinekeyGeneral>>(
  Object.entries({
    db_url: (ld, g, e) => ld.set(e, parseDbUrl, (v) => (g.dbUrl = v)),
    rtp_start: (ld, g, e) => ld.set(e, int(1024, 65534), (v) => (g.rtpStart = v)),
    rtp_end: (ld, g, e) => ld.set(e, int(1025, 65535), (v) => (g.rtpEnd = v)),
    console_socket: (ld, g, e) => ld.set(e, parseNonEmpty, (v) => (g.consoleSocket = v)),
    rpc_bindaddr: (ld, g, e) => ld.set(e, parseBindAddress, (v) => (g.rpcBindaddr = v)),
    rpc_port: (ld, g, e) => ld.set(e, int(0, 65535), (v) => (g.rpcPort = v)),
    sounds_dir: (ld, g, e) => ld.set(e, parseNonEmpty, (v) => (g.soundsDir = v)),
  } satisfies Record<string, Handler<LinekeyGeneral>>),
);

interface SipDraft {
  cfg: SipSettings;
  realmSet: boolean;
  entries: Partial<Record<"t2" | "default_expires" | "max_expires", ConfEntry>>;
}

const SIP_KEYS = new Map<string, Handler<SipDraft>>(
  Object.entries({
    bindaddr: (ld, d, e) => ld.set(e, parseBindAddress, (v) => (d.cfg.bindaddr = v)),
    udp_port: (ld, d, e) => ld.set(e, int(0, 65535), (v) => (d.cfg.udpPort = v)),
    tcp_port: (ld, d, e) => ld.set(e, int(0, 65535), (v) => (d.cfg.tcpPort = v)),
    domain: (ld, d, e) =>
      ld.set(e, parseDomain, (v) => {
        if (!d.cfg.domains.includes(v)) d.cfg.domains.push(v);
      }),
    t1: (ld, d, e) => ld.set(e, int(50, 10_000), (v) => (d.cfg.t1 = v)),
    t2: (ld, d, e) => {
      d.entries.t2 = e;
      ld.set(e, int(100, 60_000), (v) => (d.cfg.t2 = v));
    },
    t4: (ld, d, e) => ld.set(e, int(100, 60_000), (v) => (d.cfg.t4 = v)),
    auth: (ld, d, e) => ld.set(e, parseBool, (v) => (d.cfg.auth = v)),
    auth_algorithms: (ld, d, e) => ld.set(e, parseAlgorithms, (v) => (d.cfg.authAlgorithms = v)),
    realm: (ld, d, e) =>
      ld.set(e, parseRealm, (v) => {
        d.cfg.realm = v;
        d.realmSet = true;
      }),
    min_expires: (ld, d, e) => ld.set(e, int(1, 86_400), (v) => (d.cfg.minExpires = v)),
    max_expires: (ld, d, e) => {
      d.entries.max_expires = e;
      ld.set(e, int(1, 604_800), (v) => (d.cfg.maxExpires = v));
    },
    default_expires: (ld, d, e) => {
      d.entries.default_expires = e;
      ld.set(e, int(1, 604_800), (v) => (d.cfg.defaultExpires = v));
    },
    user_agent: (ld, d, e) => ld.set(e, parseHeaderText, (v) => (d.cfg.userAgent = v)),
  } satisfies Record<string, Handler<SipDraft>>),
);

const SCA_KEYS = new Map<string, Handler<ScaSettings>>(
  Object.entries({
    hash_table_size: (ld, s, e) => ld.set(e, int(1, 20), (v) => (s.hashTableSize = v)),
    call_info_max_expires: (ld, s, e) => ld.set(e, int(1, 86_400), (v) => (s.callInfoMaxExpires = v)),
    line_seize_max_expires: (ld, s, e) => ld.set(e, int(1, 3600), (v) => (s.lineSeizeMaxExpires = v)),
    purge_expired_interval: (ld, s, e) => ld.set(e, int(1, 86_400), (v) => (s.purgeExpiredInterval = v)),
    db_url: (ld, s, e) => ld.set(e, parseDbUrl, (v) => (s.dbUrl = v)),
    subs_table: (ld, s, e) => ld.set(e, parseTableName, (v) => (s.subsTable = v)),
    db_update_interval: (ld, s, e) => ld.set(e, int(1, 86_400), (v) => (s.dbUpdateInterval = v)),
    server_address: (ld, s, e) => ld.set(e, parseSipUriText, (v) => (s.serverAddress = v)),
  } satisfies Record<string, Handler<ScaSettings>>),
);

const USER_KEYS = new Map<string, Handler<SipUserConfig>>(
  Object.entries({
    // Checked when the section is classified.
    type: () => undefined,
    secret: (ld, u, e) => ld.set(e, parseNonEmpty, (v) => (u.secret = v)),
    context: (ld, u, e) => ld.set(e, parseNonEmpty, (v) => (u.context = v)),
    callerid: (ld, u, e) => ld.set(e, parseCallerId, (v) => (u.callerid = v)),
    sca: (ld, u, e) => ld.set(e, parseBool, (v) => (u.sca = v)),
  } satisfies Record<string, Handler<SipUserConfig>>),
);

const KEYS_BY_SECTION: ReadonlyMap<string, ReadonlyMap<string, unknown>> = new Map<
  string,
  ReadonlyMap<string, unknown>
>([
  ["general", GENERAL_KEYS],
  ["sip", SIP_KEYS],
  ["sca", SCA_KEYS],
  ["user", USER_KEYS],
]);

function defaultGeneral(): LinekeyGeneral {
  return {
    rtpStart: 16384,
    rtpEnd: 32766,
    rpcBindaddr: "127.0.0.1",
    rpcPort: 0,
    soundsDir: DEFAULT_SOUNDS_DIR,
  };
}

function defaultSip(embedded: boolean): SipSettings {
  return {
    bindaddr: embedded ? "127.0.0.1" : "0.0.0.0",
    udpPort: 5060,
    tcpPort: 5060,
    domains: [],
    t1: 500,
    t2: 4000,
    t4: 5000,
    auth: true,
    authAlgorithms: ["MD5", "SHA-256"],
    realm: "linekey",
    minExpires: 60,
    maxExpires: 3600,
    defaultExpires: 3600,
    userAgent: "Linekey",
  };
}

/** Kamailio's `sca` defaults (reference §2). */
export function defaultScaSettings(): ScaSettings {
  return {
    hashTableSize: 9,
    callInfoMaxExpires: 3600,
    lineSeizeMaxExpires: 15,
    purgeExpiredInterval: 120,
    subsTable: "sca_subscriptions",
    dbUpdateInterval: 300,
  };
}

/** Options of {@link linekeyConfigFromDocument}. */
export interface LinekeyConfOptions {
  /** The embedded defaults are being read: SIP binds loopback unless told otherwise. */
  readonly embedded?: boolean;
}

/** Builds the typed configuration from a parsed document; throws a ConfigErrorList on errors. */
export function linekeyConfigFromDocument(doc: ConfDocument, opts: LinekeyConfOptions = {}): LinekeyConfig {
  const ld = new Loader();
  const general = defaultGeneral();
  const sip: SipDraft = { cfg: defaultSip(opts.embedded ?? false), realmSet: false, entries: {} };
  const sca = defaultScaSettings();
  const users = new Map<string, SipUserConfig>();
  const userSections: ConfSection[] = [];
  let generalEnd: ConfEntry | undefined;
  for (const s of doc.sections) {
    if (s.template) continue;
    const lname = s.name.toLowerCase();
    if (lname === "general") {
      applyEntries(ld, "general", GENERAL_KEYS, general, s.entries, KEYS_BY_SECTION);
      generalEnd = s.entries.findLast((e) => e.key.toLowerCase() === "rtp_end") ?? generalEnd;
    } else if (lname === "sip") applyEntries(ld, "sip", SIP_KEYS, sip, s.entries, KEYS_BY_SECTION);
    else if (lname === "sca") applyEntries(ld, "sca", SCA_KEYS, sca, s.entries, KEYS_BY_SECTION);
    else userSections.push(s);
  }
  for (const s of userSections) {
    const typed = s.entries.findLast((e) => e.key.toLowerCase() === "type");
    if (typed === undefined) {
      ld.fail(
        "CONFIG_ERR_MISSING",
        s,
        `[${s.name}]`,
        "section is not [general], [sip], [sca] or type = user",
      );
      continue;
    }
    if (typed.value.toLowerCase() !== "user") {
      ld.fail("CONFIG_ERR_VALUE", typed, typed.key, `'${typed.value}' is not user`);
      continue;
    }
    let name: string;
    try {
      name = parseUserName(s.name);
    } catch (err) {
      if (!(err instanceof ValueProblem)) throw err;
      ld.fail("CONFIG_ERR_VALUE", s, `[${s.name}]`, err.message);
      continue;
    }
    if (users.has(name)) {
      ld.fail("CONFIG_ERR_DUPLICATE", s, `[${s.name}]`, `user '${name}' is defined twice`);
      continue;
    }
    const user: SipUserConfig = { name, context: "default", sca: false, file: s.file, line: s.line };
    applyEntries(ld, "user", USER_KEYS, user, s.entries, KEYS_BY_SECTION);
    users.set(name, user);
  }
  const c = sip.cfg;
  if (general.rtpEnd <= general.rtpStart) {
    const at = generalEnd ?? { file: doc.file, line: 1 };
    ld.fail(
      "CONFIG_ERR_VALUE",
      at,
      "rtp_end",
      `rtp_end ${general.rtpEnd} must be above rtp_start ${general.rtpStart}`,
    );
  }
  if (c.t2 < c.t1) {
    const at = sip.entries.t2 ?? { file: doc.file, line: 1 };
    ld.fail("CONFIG_ERR_VALUE", at, "t2", `t2 ${c.t2} must not be below t1 ${c.t1}`);
  }
  if (c.maxExpires < c.minExpires) {
    const at = sip.entries.max_expires ?? { file: doc.file, line: 1 };
    ld.fail(
      "CONFIG_ERR_VALUE",
      at,
      "max_expires",
      `max_expires ${c.maxExpires} is below min_expires ${c.minExpires}`,
    );
  }
  if (c.defaultExpires < c.minExpires || c.defaultExpires > c.maxExpires) {
    const at = sip.entries.default_expires ?? sip.entries.max_expires ?? { file: doc.file, line: 1 };
    ld.fail(
      "CONFIG_ERR_VALUE",
      at,
      sip.entries.default_expires === undefined ? "max_expires" : "default_expires",
      `default_expires ${c.defaultExpires} is outside min_expires-max_expires (${c.minExpires}-${c.maxExpires})`,
    );
  }
  if (c.auth) {
    for (const u of users.values()) {
      if (u.secret === undefined) {
        ld.fail("CONFIG_ERR_MISSING", u, "secret", `user '${u.name}' has no secret (needed with auth = yes)`);
      }
    }
  }
  if (!sip.realmSet && c.domains[0] !== undefined) c.realm = c.domains[0];
  throwIfErrors(ld.errors);
  return { file: doc.file, general, sip: c, sca, users, warnings: ld.warnings };
}

/**
 * Parses linekey.conf text. `file` names it in errors and warnings. Throws a ConfigErrorList (a
 * ConfigError) listing every error.
 */
export function parseLinekeyConf(
  text: string,
  file: string,
  opts: ParseConfOptions & LinekeyConfOptions = {},
): LinekeyConfig {
  return linekeyConfigFromDocument(parseConf(text, file, opts), opts);
}

/**
 * Loads linekey.conf from `dir`, or the embedded default when `dir` is undefined. A folder
 * without linekey.conf gives the built-in defaults (and no SIP users); `present` tells which.
 */
export function loadLinekeyConfig(dir?: string): LinekeyConfig & { present: boolean } {
  const cd = resolveConfigDir(dir);
  if (cd.embedded || cd.dir === undefined) {
    const cfg = parseLinekeyConf(DEFAULT_LINEKEY_CONF, `${EMBEDDED_DIR}/linekey.conf`, {
      embedded: true,
      readInclude: (p) => {
        throw new Error(`#include of ${p} is not available in the embedded configuration`);
      },
    });
    return { ...cfg, present: true };
  }
  if (cd.linekeyConfPath !== undefined) {
    return { ...linekeyConfigFromDocument(readConfFile(cd.linekeyConfPath)), present: true };
  }
  return { ...parseLinekeyConf("", join(cd.dir, "linekey.conf")), present: false };
}
