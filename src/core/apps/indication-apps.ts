/**
 * Answer, Busy, Congestion, Progress and Ringing: applications that only change what the
 * caller's endpoint is told. Semantics of Asterisk's pbx_builtin_* (main/pbx_builtins.c).
 */
import type { Indication } from "../channel.ts";
import { Cause } from "../channel.ts";
import { parseSeconds, type AppResult, type Application } from "../dialplan/index.ts";
import { coreChannel, isGone, waitForHangup } from "./core-channel.ts";

/**
 * Answer([delay]): answers the channel if it is not up, then waits `delay` milliseconds
 * (Asterisk: "wait this number of milliseconds before returning to the dialplan after answering").
 */
export const answer: Application = async (dch, args, ctx) => {
  const ch = coreChannel(dch, "Answer", ctx);
  if (!ch) return "continue";
  const wasUp = ch.state === "up";
  ch.answer();
  const delay = Number.parseInt((args[0] ?? "").trim(), 10);
  if (!wasUp && delay > 0) await ctx.sleep(delay);
  return isGone(ch, ctx) ? "hangup" : "continue";
};

/**
 * Busy/Congestion([timeout]): indicate, then wait for the caller to hang up or `timeout` seconds,
 * and stop the dialplan (Asterisk's wait_for_hangup, then -1). The hangup cause is set only
 * when the channel is not up: an answered caller just hears the tone in band.
 */
function indicateAndWait(what: "busy" | "congestion", cause: number, name: string): Application {
  return async (dch, args, ctx) => {
    const ch = coreChannel(dch, name, ctx);
    if (!ch) return "hangup";
    ch.indicate(what);
    if (ch.state !== "up") ctx.setHangupCause(cause);
    const text = (args[0] ?? "").trim();
    const ms = text === "" ? undefined : parseSeconds(text);
    if (text !== "" && ms === undefined) ctx.log.warn(`${name}: invalid timeout`, { timeout: text });
    if (ms !== undefined) {
      await ctx.sleep(ms);
    } else {
      const wait = waitForHangup(ch, ctx);
      try {
        await wait.promise;
      } finally {
        wait.dispose();
      }
    }
    return "hangup";
  };
}

/** Busy([timeout]). */
export const busy: Application = indicateAndWait("busy", Cause.UserBusy, "Busy");

/** Congestion([timeout]). */
export const congestion: Application = indicateAndWait("congestion", Cause.Congestion, "Congestion");

function indicateOnly(what: Indication, name: string): Application {
  return (dch, _args, ctx) => {
    const ch = coreChannel(dch, name, ctx);
    if (ch && !ch.hungUp) ch.indicate(what);
    const result: AppResult = ch && isGone(ch, ctx) ? "hangup" : "continue";
    return Promise.resolve(result);
  };
}

/** Progress(): early media / call progress (Asterisk: AST_CONTROL_PROGRESS). */
export const progress: Application = indicateOnly("progress", "Progress");

/** Ringing(): tells the caller the far end rings (AST_CONTROL_RINGING). */
export const ringing: Application = indicateOnly("ringing", "Ringing");
