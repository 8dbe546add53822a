/**
 * The `sip …` console commands: registrations, peers (the users of linekey.conf with their
 * registration state, laid out like Asterisk's `sip show peers`) and settings.
 */
import type { CommandDef } from "./commands.ts";
import type { LinekeyConfig } from "../config/linekey-conf.ts";
import type { SipServer } from "../sip/sip-server.ts";
import type { Binding } from "../sip/registrar/binding.ts";

/** What the sip commands read. */
export interface SipCommandSources {
  /** The running SIP server; undefined when SIP is off. */
  readonly sip: () => SipServer | undefined;
  readonly config: () => LinekeyConfig;
  /** Unix seconds (tests). */
  readonly now?: () => number;
}

function source(b: Binding): string {
  const t = b.source;
  return `${t.transport}:${t.address.includes(":") ? `[${t.address}]` : t.address}:${t.port}`;
}

/** `sip show registrations`: one row per binding. */
export function formatRegistrations(bindings: readonly Binding[], now: number): string {
  const rows = [
    `${"AoR".padEnd(28)} ${"Contact".padEnd(40)} ${"Expires".padStart(7)}  ${"Source".padEnd(24)} User-Agent`,
  ];
  for (const b of bindings) {
    rows.push(
      `${b.aor.padEnd(28)} ${b.contact.padEnd(40)} ${String(Math.max(0, b.expires - now)).padStart(7)}  ${source(b).padEnd(24)} ${b.userAgent ?? "-"}`,
    );
  }
  rows.push(`${bindings.length} SIP registration${bindings.length === 1 ? "" : "s"}`);
  return `${rows.join("\n")}\n`;
}

/** `sip show peers` in Asterisk's column layout (Name/username, Host, Dyn, Port, Status). */
export function formatPeers(cfg: LinekeyConfig, sip: SipServer | undefined): string {
  const rows = [
    `${"Name/username".padEnd(25)} ${"Host".padEnd(39)} ${"Dyn".padEnd(3)} ${"Port".padEnd(8)} ${"Status".padEnd(12)} Description`,
  ];
  let online = 0;
  for (const u of cfg.users.values()) {
    const found = sip?.registrar.lookup(u.name) ?? [];
    const first = found[0];
    const host = first === undefined ? "(Unspecified)" : first.target.address;
    const port = first === undefined ? "0" : String(first.target.port);
    const status = first === undefined ? "UNREACHABLE" : `OK${found.length > 1 ? ` (${found.length})` : ""}`;
    if (first !== undefined) online++;
    const desc = [u.callerid?.name, u.sca ? "SCA" : undefined].filter((x) => x !== undefined).join(" ");
    rows.push(
      `${`${u.name}/${u.name}`.padEnd(25)} ${host.padEnd(39)} ${"D".padEnd(3)} ${port.padEnd(8)} ${status.padEnd(12)} ${desc}`,
    );
  }
  const n = cfg.users.size;
  rows.push(`${n} sip peer${n === 1 ? "" : "s"} [Registered: ${online} online, ${n - online} offline]`);
  return `${rows.join("\n")}\n`;
}

/** `sip show settings`. */
export function formatSipSettings(cfg: LinekeyConfig, sip: SipServer | undefined): string {
  const s = cfg.sip;
  const listening = sip?.listening.map((l) => `${l.transport}:${l.address}:${l.port}`).join(" ");
  const rows: [string, string][] = [
    ["SIP", sip === undefined ? "off" : "on"],
    ["Listening", listening ?? "-"],
    ["Bind address", s.bindaddr],
    ["UDP port", String(s.udpPort)],
    ["TCP port", String(s.tcpPort)],
    ["Domains", s.domains.join(", ") || "(listening addresses only)"],
    [
      "Authentication",
      s.auth ? `yes (realm ${s.realm}, ${sip?.auth.algorithms.join(" + ") ?? "SHA-256 + MD5"})` : "no",
    ],
    ["Expires", `min ${s.minExpires} / default ${s.defaultExpires} / max ${s.maxExpires} s`],
    ["Timers", `T1 ${s.t1} ms, T2 ${s.t2} ms, T4 ${s.t4} ms`],
    ["User-Agent", s.userAgent],
    ["Users", String(cfg.users.size)],
    ["Registrations", String(sip?.registrar.bindings().length ?? 0)],
    ["Proxied transactions", String(sip?.proxy.pending ?? 0)],
    [
      "SCA",
      `hash_table_size ${cfg.sca.hashTableSize}, call_info_max_expires ${cfg.sca.callInfoMaxExpires}, line_seize_max_expires ${cfg.sca.lineSeizeMaxExpires}, purge_expired_interval ${cfg.sca.purgeExpiredInterval}`,
    ],
  ];
  return `${rows.map(([k, v]) => `${`${k}:`.padEnd(22)} ${v}`).join("\n")}\n`;
}

/** The sip command definitions. */
export function sipCommands(src: SipCommandSources): CommandDef[] {
  const now = src.now ?? (() => Math.floor(Date.now() / 1000));
  return [
    {
      words: ["sip", "show", "registrations"],
      usage: "sip show registrations",
      summary: "List the registered SIP contacts",
      run: () => formatRegistrations(src.sip()?.registrar.bindings() ?? [], now()),
    },
    {
      words: ["sip", "show", "peers"],
      usage: "sip show peers",
      summary: "List the SIP users of linekey.conf and their registration state",
      run: () => formatPeers(src.config(), src.sip()),
    },
    {
      words: ["sip", "show", "settings"],
      usage: "sip show settings",
      summary: "Show the SIP settings",
      run: () => formatSipSettings(src.config(), src.sip()),
    },
  ];
}
