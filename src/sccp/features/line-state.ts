/**
 * The device state of an SCCP line (`ChannelTech.state`, used by BLF lamps, hints and Page):
 * unavailable when no phone carrying it is registered, ringing while only ringing calls exist
 * on it, in use with any other call, busy when every phone of the line is in DND, else idle.
 */
import type { ResourceState } from "../../core/channel-tech.ts";
import type { DriverContext } from "../driver-context.ts";

/** State of line `name` (a line section name or caller-id number). */
export function lineState(ctx: DriverContext, name: string): ResourceState {
  const line = ctx.lines.line(name);
  if (line === undefined) return "unknown";
  const apps = ctx.lines.appearances(line.name);
  if (apps.length === 0) return ctx.lines.isConfigured(line.name) ? "unavailable" : "unknown";
  let ringing = false;
  let inUse = false;
  for (const dc of ctx.allCalls()) {
    for (const leg of dc.legs) {
      if (leg.line.name !== line.name || leg.purpose !== "call") continue;
      if (leg.state === "ringin") ringing = true;
      else inUse = true;
    }
  }
  if (inUse) return "inuse";
  if (ringing) return "ringing";
  const allDnd = apps.every(({ device }) => ctx.calls(device)?.dnd === true);
  return allDnd ? "busy" : "idle";
}
