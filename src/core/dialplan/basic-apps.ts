/**
 * Applications that need no media and no other channel: NoOp, Verbose, Set, Hangup, Wait.
 */
import type { Application } from "./channel.ts";
import { parseHangupCause } from "./hangup-causes.ts";
import { CAUSE_NORMAL_CLEARING, pbxState } from "./pbx-state.ts";
import { setVariable } from "./variables.ts";

/** NoOp(...): does nothing (its arguments were substituted, which is how it is used to log). */
export const noOp: Application = (_ch, _args, ctx) => {
  ctx.log.debug("NoOp", { data: ctx.data });
  return Promise.resolve("continue");
};

/** Asterisk verbose levels at or below this are logged at info, deeper ones at debug. */
const VERBOSE_INFO_LEVEL = 2;

/** Verbose([level,]message): logs the message (level 0-4, default 0). */
export const verbose: Application = (_ch, args, ctx) => {
  if (args.length === 0) return Promise.resolve("continue");
  let level = 0;
  let msg = args[0] ?? "";
  if (args.length > 1) {
    const m = /^\s*(\d+)/.exec(args[0] ?? "");
    if (m === null) ctx.log.warn("Verbose: level is not a number", { level: args[0] });
    else level = Math.min(4, Number.parseInt(m[1] ?? "0", 10));
    // The message is everything after the level, commas included (Verbose(1,a,b) logs "a,b").
    msg = args.slice(1).join(",");
  }
  const fields = { verbose: level, context: ctx.context, exten: ctx.exten, priority: ctx.priority };
  if (level <= VERBOSE_INFO_LEVEL) ctx.log.info(msg, fields);
  else ctx.log.debug(msg, fields);
  return Promise.resolve("continue");
};

/**
 * Set(name=value): sets a channel variable (`_name`/`__name`: inherited by channels this one
 * creates) or writes a function (`CALLERID(name)=...`, `GLOBAL(x)=...`). The value is the whole
 * text after the first `=`, commas included.
 */
export const set: Application = (_ch, _args, ctx) => {
  const eq = ctx.data.indexOf("=");
  if (ctx.data === "" || eq < 0) {
    ctx.log.warn("Set requires a name=value pair", { data: ctx.data });
    return Promise.resolve("continue");
  }
  const name = ctx.data.slice(0, eq);
  const value = ctx.data.slice(eq + 1);
  if (name.includes(" ")) ctx.log.warn("Set: avoid spaces around the variable name", { name });
  setVariable(ctx.scope, ctx.functions, name, value, ctx.log);
  return Promise.resolve("continue");
};

/** Hangup([cause]): ends the call with a Q.850 cause (name or number; default normal clearing). */
export const hangup: Application = (ch, args, ctx) => {
  const text = args[0] ?? "";
  let cause = text === "" ? undefined : parseHangupCause(text);
  if (text !== "" && cause === undefined) ctx.log.warn("Hangup: invalid cause", { cause: text });
  cause ??= pbxState(ch).hangupCause > 0 ? pbxState(ch).hangupCause : CAUSE_NORMAL_CLEARING;
  ctx.setHangupCause(cause);
  return Promise.resolve("hangup");
};

const UNIT_MS: Record<string, number> = {
  ms: 1,
  msec: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

/** `2`, `1.5`, `500ms`, `2s`, `1m` → milliseconds (Asterisk's ast_app_parse_timelen, seconds). */
export function parseSeconds(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$/i.exec(text);
  if (m === null) return undefined;
  const unit = (m[2] ?? "").toLowerCase();
  const scale = unit === "" ? 1000 : UNIT_MS[unit];
  if (scale === undefined) return undefined;
  return Math.round(Number.parseFloat(m[1] ?? "0") * scale);
}

/** Wait(seconds): pauses; hangs up at once when the channel is hung up meanwhile. */
export const wait: Application = async (ch, args, ctx) => {
  const ms = parseSeconds(args[0] ?? "");
  if (ms === undefined) ctx.log.warn("Wait: invalid duration", { duration: args[0] ?? "" });
  else if (ms > 0) await ctx.sleep(ms);
  return ch.hungUp || ctx.signal.aborted ? "hangup" : "continue";
};
