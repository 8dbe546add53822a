/**
 * Dialplan locations as Goto, GotoIf and Gosub write them: `[[context,]exten,]priority`, where
 * priority is a number, `+N`/`-N` (relative to the current priority) or a label.
 */
import type { DialplanChannel } from "./channel.ts";
import { findLabel } from "./matcher.ts";
import type { Dialplan } from "./model.ts";

/** A parsed location; missing parts mean "the channel's current one". */
export interface LocationSpec {
  context?: string;
  exten?: string;
  /** A priority number or a label. */
  priority: number | string;
}

/** A location with every part known. */
export interface ResolvedLocation {
  context: string;
  exten: string;
  priority: number;
}

/**
 * Parses `[[context,]exten,]priority` (Asterisk's pbx_parseable_goto): one part is a priority,
 * two are exten and priority, three are context, exten and priority; text after a third comma
 * is ignored. `+N` / `-N` are turned into a number relative to `current`. Undefined when the
 * priority part is empty.
 */
export function parseLocation(text: string, current: number): LocationSpec | undefined {
  const parts = text.split(",");
  let context: string | undefined;
  let exten: string | undefined;
  let pri: string;
  if (parts.length === 1) {
    pri = parts[0] ?? "";
  } else if (parts.length === 2) {
    exten = parts[0];
    pri = parts[1] ?? "";
  } else {
    context = parts[0];
    exten = parts[1];
    pri = parts[2] ?? "";
  }
  pri = pri.trim();
  if (pri === "") return undefined;
  let priority: number | string = pri;
  const rel = /^([+-])(\d+)$/.exec(pri);
  if (rel !== null) {
    const n = Number.parseInt(rel[2] ?? "0", 10);
    priority = rel[1] === "+" ? current + n : current - n;
  } else if (/^\d+$/.test(pri)) {
    priority = Number.parseInt(pri, 10);
  }
  const spec: LocationSpec = { priority };
  // Asterisk treats an empty context or exten as "keep the current one".
  if (context !== undefined && context.trim() !== "") spec.context = context.trim();
  if (exten !== undefined && exten.trim() !== "") spec.exten = exten.trim();
  return spec;
}

/**
 * Completes `spec` from the channel's position and resolves a label (or a number written as
 * text) in the target extension. Returns a message instead when the label does not exist or
 * the priority is not positive.
 */
export function resolveLocation(
  dp: Dialplan,
  ch: DialplanChannel,
  spec: LocationSpec,
): ResolvedLocation | string {
  const context = spec.context ?? ch.context;
  const exten = spec.exten ?? ch.exten;
  let priority: number;
  if (typeof spec.priority === "number") {
    priority = spec.priority;
  } else if (/^\d+$/.test(spec.priority.trim())) {
    priority = Number.parseInt(spec.priority, 10);
  } else {
    const found = findLabel(dp, context, exten, spec.priority.trim());
    if (found === undefined) return `priority '${spec.priority}' must be a number > 0, or a valid label`;
    priority = found.priority.priority;
  }
  if (priority < 1) return `priority ${priority} must be a number > 0, or a valid label`;
  return { context, exten, priority };
}
