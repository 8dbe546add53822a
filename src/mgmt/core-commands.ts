/**
 * Console commands of the call core: `dialplan show`, `core show channels`,
 * `channel request hangup`.
 */
import type { CommandDef } from "./commands.ts";
import { UsageError } from "./commands.ts";
import type { CallCore } from "../core/call-core.ts";
import { dialplanShow } from "../core/dialplan/index.ts";
import { Cause } from "../core/channel.ts";

function stateWord(s: string): string {
  switch (s) {
    case "up":
      return "Up";
    case "ring":
      return "Ring";
    case "ringing":
      return "Ringing";
    case "busy":
      return "Busy";
    default:
      return "Down";
  }
}

/** `core show channels` in Asterisk's layout. */
export function formatChannels(core: CallCore): string {
  const chans = core.listChannels();
  const rows = [`${"Channel".padEnd(28)} ${"Location".padEnd(24)} ${"State".padEnd(8)} Application(Data)`];
  for (const ch of chans) {
    rows.push(
      `${ch.name.padEnd(28)} ${`${ch.exten}@${ch.context}:${ch.priority}`.padEnd(24)} ${stateWord(ch.state).padEnd(8)} ${ch.application}`,
    );
  }
  rows.push(`${chans.length} active channel${chans.length === 1 ? "" : "s"}`);
  rows.push(`${core.bridgeCount} active call${core.bridgeCount === 1 ? "" : "s"}`);
  return `${rows.join("\n")}\n`;
}

/** The core command definitions. */
export function coreCommands(core: CallCore): CommandDef[] {
  return [
    {
      words: ["dialplan", "show"],
      usage: "dialplan show [[EXTEN]@][CONTEXT]",
      summary: "Show the dialplan",
      run: ({ args }) => {
        const what = args[0];
        if (args.length > 1) throw new UsageError();
        if (what === undefined) return dialplanShow(core.interpreter.dialplan);
        const at = what.indexOf("@");
        return at < 0
          ? dialplanShow(core.interpreter.dialplan, undefined, what)
          : dialplanShow(core.interpreter.dialplan, what.slice(0, at), what.slice(at + 1));
      },
    },
    {
      words: ["core", "show", "channels"],
      usage: "core show channels",
      summary: "List the active channels",
      run: () => formatChannels(core),
    },
    {
      words: ["channel", "request", "hangup"],
      usage: "channel request hangup <channel>|all",
      summary: "Hang up a channel",
      complete: () => core.listChannels().map((c) => c.name),
      run: ({ args }) => {
        const name = args[0];
        if (name === undefined || args.length > 1) throw new UsageError();
        const targets =
          name === "all" ? core.listChannels() : [core.findChannel(name)].filter((c) => c !== undefined);
        if (targets.length === 0) throw new Error(`${name} is not a known channel`);
        for (const ch of targets) ch.hangup(Cause.NormalClearing);
        return targets.map((c) => `Requested hangup on channel '${c.name}'`).join("\n") + "\n";
      },
    },
  ];
}
