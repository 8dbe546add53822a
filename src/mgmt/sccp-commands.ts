/**
 * The `sccp …` console commands, printed as the seed's libsccp CLI prints them.
 */
import type { CommandDef } from "./commands.ts";
import { UsageError } from "./commands.ts";
import type { DeviceRegistry } from "../sccp/device-registry.ts";
import type { SccpConfig } from "../config/sccp-model.ts";
import type { SccpDevice } from "../sccp/device.ts";
import type { SccpCallRow } from "../sccp/driver.ts";

/** What the sccp commands read. */
export interface SccpCommandSources {
  readonly registry: DeviceRegistry;
  readonly config: () => SccpConfig;
  readonly version: string;
  readonly listening: () => { address: string; port: number } | undefined;
  /** Every call leg on every phone (`sccp show calls`); absent without a channel driver. */
  readonly calls?: () => SccpCallRow[];
}

function regState(d: SccpDevice): string {
  return d.state === "registered" ? "Registered" : "Unregistered";
}

/** `sccp show config` in the seed's layout. */
export function formatSccpConfig(cfg: SccpConfig): string {
  const g = cfg.general;
  const out = [
    "",
    `bindaddr = ${g.bindaddr}`,
    `dateformat = ${g.dateformat}`,
    `keepalive = ${g.keepalive}`,
    `authtimeout = ${g.authtimeout}`,
    `context = ${g.context}`,
  ];
  for (const d of cfg.devices.values()) {
    out.push("", `Device: [${d.name}]`);
    d.lines.forEach((line, i) => {
      out.push(`Line extension: <${cfg.lines.get(line)?.cidNum ?? line}> instance: (${i + 1})`);
    });
  }
  return `${out.join("\n")}\n`;
}

/** `sccp show devices` in the seed's layout. */
export function formatDevices(devices: readonly SccpDevice[]): string {
  const rows = ["Device            Type     Reg.state", "===============   ======   =========="];
  // Column widths of the seed's output: 18 for the device name, 9 for the model.
  for (const d of devices) rows.push(`${d.name.padEnd(18)}${d.modelName.padEnd(9)}${regState(d)}`);
  return `${rows.join("\n")}\n`;
}

function formatDevice(d: SccpDevice): string {
  const s = d.session;
  const rows: [string, string][] = [
    ["Device", d.name],
    ["Type", d.modelName + (d.deviceType === undefined ? "" : ` (deviceType ${d.deviceType})`)],
    ["Reg.state", regState(d)],
    ["Address", s ? `${s.remoteAddress}:${s.remotePort}` : d.ipAddress || "-"],
    [
      "Protocol",
      d.deviceType === undefined ? "-" : `${d.negotiatedVersion} (phone offers ${d.offeredVersion})`,
    ],
    ["Firmware", d.firmware || "-"],
    ["Keepalive", `${d.settings.keepalive} s`],
    ["Registered at", d.registeredAt === undefined ? "-" : new Date(d.registeredAt).toISOString()],
    ["Last alarm", d.lastAlarm || "-"],
    ["Codecs", d.capabilities.map((c) => c.payloadCapability).join(",") || "-"],
    ["Voicemail", d.settings.voicemail ?? "-"],
  ];
  const out = rows.map(([k, v]) => `${`${k}:`.padEnd(15)} ${v}`);
  out.push("Lines:");
  d.settings.lines.forEach((l, i) =>
    out.push(`  instance (${i + 1})  <${l.cidNum}>  ${l.cidName}  context ${l.context}`),
  );
  if (d.settings.speedDials.length > 0) {
    out.push("Speed dials:");
    d.settings.speedDials.forEach((sd, i) =>
      out.push(`  (${i + 1})  ${sd.number}  ${sd.label}${sd.blf ? "  [BLF]" : ""}`),
    );
  }
  return `${out.join("\n")}\n`;
}

function formatLines(cfg: SccpConfig, registry: DeviceRegistry): string {
  const rows = [
    "Line        Name                  Context           Devices",
    "==========  ====================  ================  =======",
  ];
  for (const l of cfg.lines.values()) {
    const devices = registry
      .list()
      .filter((d) => d.settings.lines.some((x) => x.name === l.name))
      .map((d) => `${d.name}${d.state === "registered" ? "" : "(unreg)"}`);
    rows.push(
      `${l.name.padEnd(10)}  ${l.cidName.padEnd(20)}  ${l.context.padEnd(16)}  ${devices.join(", ") || "-"}`,
    );
  }
  return `${rows.join("\n")}\n`;
}

/** `sccp show calls`: one row per call on a phone. */
export function formatCalls(rows: readonly SccpCallRow[]): string {
  const head = ["Device", "Line", "CallRef", "State", "Dir", "Remote", "Media", "Channel"];
  const table = [
    head,
    ...rows.map((r) => [
      r.device,
      r.line,
      String(r.callReference),
      r.state,
      r.direction === "incoming" ? "in" : "out",
      r.remote,
      r.media,
      r.channel,
    ]),
  ];
  const widths = head.map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]): string =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const out = table.map(line);
  out.splice(1, 0, widths.map((w) => "=".repeat(w)).join("  "));
  out.push(`${rows.length} active call${rows.length === 1 ? "" : "s"}`);
  return `${out.join("\n")}\n`;
}

/** The sccp command definitions. */
export function sccpCommands(src: SccpCommandSources): CommandDef[] {
  const deviceNames = (): string[] => src.registry.list().map((d) => d.name);
  return [
    {
      words: ["sccp", "show", "version"],
      usage: "sccp show version",
      summary: "Show the SCCP driver version",
      run: () =>
        `Linekey SCCP driver ${src.version} (protocol cap ${src.config().general.maxProtocolVersion})\n`,
    },
    {
      words: ["sccp", "show", "config"],
      usage: "sccp show config",
      summary: "Show the loaded sccp.conf",
      run: () => formatSccpConfig(src.config()),
    },
    {
      words: ["sccp", "show", "devices"],
      usage: "sccp show devices",
      summary: "List devices and their registration state",
      run: () => formatDevices(src.registry.list()),
    },
    {
      words: ["sccp", "show", "device"],
      usage: "sccp show device <device>",
      summary: "Show one device in detail",
      complete: () => deviceNames(),
      run: ({ args }) => {
        const name = args[0];
        if (!name || args.length > 1) throw new UsageError();
        const d = src.registry.get(name);
        if (!d) throw new Error(`No such device '${name}'`);
        return formatDevice(d);
      },
    },
    {
      words: ["sccp", "show", "lines"],
      usage: "sccp show lines",
      summary: "List lines and the devices that carry them",
      run: () => formatLines(src.config(), src.registry),
    },
    {
      words: ["sccp", "show", "calls"],
      usage: "sccp show calls",
      summary: "List the calls on the phones: device, line, call reference, state, remote party, media",
      run: () => formatCalls(src.calls?.() ?? []),
    },
    {
      words: ["sccp", "reset"],
      usage: "sccp reset <device> [restart]",
      summary: "Cause a SCCP device to reset itself, optionally with a full restart",
      complete: (partial) => (partial.length <= 1 ? deviceNames() : ["restart"]),
      run: ({ args }) => {
        const [name, mode, extra] = args;
        if (!name || extra !== undefined || (mode !== undefined && mode !== "restart"))
          throw new UsageError();
        const d = src.registry.get(name);
        if (!d) throw new Error(`No such device '${name}'`);
        if (!d.reset(mode === "restart" ? "reset" : "restart"))
          throw new Error(`Device '${d.name}' is not registered`);
        return `Device '${d.name}' ${mode === "restart" ? "restarting (full reboot)" : "resetting"}\n`;
      },
    },
  ];
}
