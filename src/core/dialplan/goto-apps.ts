/**
 * Jumps: Goto, GotoIf, Gosub and Return. Gosub keeps its return stack in the channel's pbx
 * state; its arguments are visible as ARG1..ARGn and ARGC until Return, which restores the
 * values they hid (Asterisk's stack frames) and sets GOSUB_RETVAL.
 */
import { splitArgs } from "./args.ts";
import type { AppContext, AppResult, Application, DialplanChannel } from "./channel.ts";
import { isTrue } from "./expressions.ts";
import { parseLocation, resolveLocation } from "./location.ts";
import { findPriority } from "./matcher.ts";
import { pbxState } from "./pbx-state.ts";
import type { GosubFrame } from "./pbx-state.ts";

function gotoTarget(ch: DialplanChannel, text: string, ctx: AppContext, app: string): AppResult {
  const spec = parseLocation(text, ch.priority);
  if (spec === undefined) {
    ctx.log.warn(`${app} requires an argument ([[context,]extension,]priority)`, { data: text });
    return "hangup";
  }
  // Labels are resolved by the interpreter, in the target extension, as Asterisk does.
  const target: { context?: string; exten?: string; priority: number | string } = { priority: spec.priority };
  if (spec.context !== undefined) target.context = spec.context;
  if (spec.exten !== undefined) target.exten = spec.exten;
  return { goto: target };
}

/** Goto([[context,]exten,]priority|label). */
export const goto: Application = (ch, _args, ctx) => Promise.resolve(gotoTarget(ch, ctx.data, ctx, "Goto"));

/** GotoIf(condition?[label1][:label2]): jumps to label1 when true, label2 when false, else continues. */
export const gotoIf: Application = (ch, _args, ctx) => {
  const q = ctx.data.indexOf("?");
  if (ctx.data === "") {
    ctx.log.warn("GotoIf: no condition");
    return Promise.resolve("continue");
  }
  const condition = q < 0 ? ctx.data : ctx.data.slice(0, q);
  const branches = q < 0 ? "" : ctx.data.slice(q + 1);
  const colon = branches.indexOf(":");
  const ifTrue = colon < 0 ? branches : branches.slice(0, colon);
  const ifFalse = colon < 0 ? "" : branches.slice(colon + 1);
  const branch = isTrue(condition) ? ifTrue : ifFalse;
  if (branch === "") return Promise.resolve("continue");
  return Promise.resolve(gotoTarget(ch, branch, ctx, "GotoIf"));
};

function setLocal(ch: DialplanChannel, frame: GosubFrame, name: string, value: string): void {
  if (!frame.saved.has(name)) frame.saved.set(name, ch.vars.get(name));
  ch.vars.set(name, value);
}

/**
 * Gosub([[context,]exten,]priority[(arg1[,...])]): calls a subroutine. Fails (hangs up, as
 * Asterisk) when the destination does not exist.
 */
export const gosub: Application = (ch, _args, ctx) => {
  const data = ctx.data;
  if (data === "") {
    ctx.log.error("Gosub requires an argument: Gosub([[context,]exten,]priority[(arg1[,...][,argN])])");
    return Promise.resolve("hangup");
  }
  const open = data.indexOf("(");
  const target = open < 0 ? data : data.slice(0, open);
  let subArgs: string[] = [];
  if (open >= 0) {
    const inner = data.slice(open + 1);
    const close = inner.lastIndexOf(")");
    if (close < 0) ctx.log.warn("Gosub: no closing parenthesis", { data });
    subArgs = splitArgs(close < 0 ? inner : inner.slice(0, close), { unquote: false });
  }
  const spec = parseLocation(target, ch.priority);
  const dest = spec === undefined ? "empty priority" : resolveLocation(ctx.dialplan, ch, spec);
  if (typeof dest === "string") {
    ctx.log.error("Gosub address is invalid", { data, detail: dest });
    return Promise.resolve("hangup");
  }
  if (findPriority(ctx.dialplan, dest.context, dest.exten, dest.priority) === undefined) {
    ctx.log.error("Gosub attempted to reach a non-existent destination", {
      destination: `${dest.context},${dest.exten},${dest.priority}`,
      from: `${ch.context},${ch.exten},${ch.priority}`,
    });
    return Promise.resolve("hangup");
  }
  const stack = pbxState(ch).gosub;
  // Blank the caller's extra arguments so that ARG3 of an outer call does not leak in.
  const argCount = Math.max(stack.at(-1)?.argCount ?? 0, subArgs.length);
  const frame: GosubFrame = {
    context: ch.context,
    exten: ch.exten,
    priority: ch.priority + 1,
    saved: new Map(),
    argCount,
  };
  for (let i = 0; i < argCount; i++) setLocal(ch, frame, `ARG${i + 1}`, subArgs[i] ?? "");
  setLocal(ch, frame, "ARGC", String(subArgs.length));
  stack.push(frame);
  return Promise.resolve({ goto: dest });
};

/** Return([value]): back to the priority after the last Gosub, with GOSUB_RETVAL set. */
export const gosubReturn: Application = (ch, _args, ctx) => {
  const frame = pbxState(ch).gosub.pop();
  if (frame === undefined) {
    ctx.log.error("Return without Gosub: stack is empty");
    return Promise.resolve("hangup");
  }
  for (const [name, value] of frame.saved) {
    if (value === undefined) ch.vars.delete(name);
    else ch.vars.set(name, value);
  }
  ch.vars.set("GOSUB_RETVAL", ctx.data);
  return Promise.resolve({ goto: { context: frame.context, exten: frame.exten, priority: frame.priority } });
};
