/**
 * The `sca …` console commands: the subscriptions and appearances of the SCA module, laid out in
 * columns like the other `… show …` commands.
 */
import type { CommandDef } from "./commands.ts";
import type { ScaModule } from "../sca/module.ts";
import { appearanceStateName } from "../sca/appearance-state.ts";
import { subscriptionStateValue } from "../sca/subscription-state.ts";

/** `sca show subscriptions`: one row per subscription, in hash table order. */
export function formatScaSubscriptions(sca: ScaModule): string {
  const now = sca.context.now();
  const subs = sca.context.subscriptions.all();
  const rows = [
    `${"AoR".padEnd(30)} ${"Event".padEnd(10)} ${"Subscriber".padEnd(36)} ${"Expires".padStart(7)} ${"Idx".padStart(3)} ${"CSeq".padStart(5)}  State`,
  ];
  for (const s of subs) {
    rows.push(
      `${s.aor.padEnd(30)} ${s.event.padEnd(10)} ${s.subscriber.padEnd(36)} ${String(s.expires - now).padStart(7)} ` +
        `${String(s.index).padStart(3)} ${String(s.notifyCseq + 1).padStart(5)}  ${subscriptionStateValue(s.state)}`,
    );
  }
  rows.push(`${subs.length} SCA subscription${subs.length === 1 ? "" : "s"}`);
  return `${rows.join("\n")}\n`;
}

/** `sca show appearances`: one row per appearance in use. */
export function formatScaAppearances(sca: ScaModule): string {
  const now = sca.context.now();
  const rows = [
    `${"AoR".padEnd(30)} ${"Idx".padStart(3)} ${"State".padEnd(12)} ${"Age".padStart(5)} ${"Owner".padEnd(34)} ${"Callee".padEnd(34)} Call-ID`,
  ];
  let n = 0;
  let lines = 0;
  for (const list of sca.context.appearances.all()) {
    lines++;
    for (const a of list.appearances) {
      n++;
      rows.push(
        `${list.aor.padEnd(30)} ${String(a.index).padStart(3)} ${appearanceStateName(a.state).padEnd(12)} ` +
          `${String(now - a.mtime).padStart(5)} ${(a.owner || "-").padEnd(34)} ${(a.callee || "-").padEnd(34)} ${a.dialog.callId || "-"}`,
      );
    }
  }
  rows.push(`${n} appearance${n === 1 ? "" : "s"} in use on ${lines} SCA line${lines === 1 ? "" : "s"}`);
  return `${rows.join("\n")}\n`;
}

/** The commands; `sca` undefined (SIP off) makes them say so. */
export function scaCommands(sca: () => ScaModule | undefined): CommandDef[] {
  const off = "SCA is off (no SIP server)\n";
  return [
    {
      words: ["sca", "show", "subscriptions"],
      usage: "sca show subscriptions",
      summary: "List the SCA call-info and line-seize subscriptions",
      run: () => {
        const m = sca();
        return m === undefined ? off : formatScaSubscriptions(m);
      },
    },
    {
      words: ["sca", "show", "appearances"],
      usage: "sca show appearances",
      summary: "List the SCA line appearances in use",
      run: () => {
        const m = sca();
        return m === undefined ? off : formatScaAppearances(m);
      },
    },
  ];
}
