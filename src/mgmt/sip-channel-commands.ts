/**
 * `sip show channels`: the SIP legs of the call core (B2BUA dialogs) with their media, in the
 * spirit of Asterisk's `sip show channels`. Calls relayed by the proxy are not channels and do
 * not appear here.
 */
import type { CommandDef } from "./commands.ts";
import { UsageError } from "./commands.ts";
import type { SipChannelRow } from "../sip/channel/sip-tech.ts";

/** What the command reads: the SIP technology's legs, undefined when SIP is off. */
export interface SipChannelSource {
  listChannels(): SipChannelRow[];
}

/** The table of `sip show channels`. */
export function formatSipChannels(rows: readonly SipChannelRow[]): string {
  const out = [
    `${"Channel".padEnd(28)} ${"User".padEnd(12)} ${"Dir".padEnd(3)} ${"Dialog".padEnd(10)} ${"Peer RTP".padEnd(22)} ${"Local RTP".padEnd(22)} ${"Codec".padEnd(5)} ${"Hold".padEnd(6)} Call-ID`,
  ];
  for (const r of rows) {
    out.push(
      `${r.channel.padEnd(28)} ${r.user.padEnd(12)} ${r.direction.padEnd(3)} ${r.dialog.padEnd(10)} ${r.peerMedia.padEnd(22)} ${r.localMedia.padEnd(22)} ${r.codec.padEnd(5)} ${r.hold.padEnd(6)} ${r.callId}`,
    );
  }
  out.push(`${rows.length} active SIP channel${rows.length === 1 ? "" : "s"}`);
  return `${out.join("\n")}\n`;
}

/** The command definitions. */
export function sipChannelCommands(source: () => SipChannelSource | undefined): CommandDef[] {
  return [
    {
      words: ["sip", "show", "channels"],
      usage: "sip show channels",
      summary: "List the SIP legs of the call core (dialogs, media, hold)",
      run: ({ args }) => {
        if (args.length > 0) throw new UsageError();
        return formatSipChannels(source()?.listChannels() ?? []);
      },
    },
  ];
}
