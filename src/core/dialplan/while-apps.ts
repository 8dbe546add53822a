/**
 * While / EndWhile / ExitWhile / ContinueWhile, with Asterisk's app_while semantics:
 * - While(cond) true: continue into the body; false: jump past the matching EndWhile (found
 *   by scanning the following priorities, counting nested While/EndWhile, until a gap);
 * - EndWhile: jump back to the While, which evaluates its condition again;
 * - ExitWhile: leave the innermost loop; ContinueWhile: back to its While.
 * Open loops are kept in the channel's pbx state (Asterisk uses WHILE_n channel variables).
 */
import type { Application, DialplanChannel } from "./channel.ts";
import { isTrue } from "./expressions.ts";
import type { ResolvedLocation } from "./location.ts";
import { findPriority } from "./matcher.ts";
import type { Dialplan } from "./model.ts";
import { pbxState } from "./pbx-state.ts";

/** The priority after the EndWhile matching the loop the channel is in, if there is one. */
function afterMatchingEndWhile(dp: Dialplan, ch: DialplanChannel): number | undefined {
  let level = 1;
  for (let p = ch.priority + 1; ; p++) {
    const found = findPriority(dp, ch.context, ch.exten, p);
    if (found === undefined) return undefined;
    const app = found.priority.app.toLowerCase();
    if (app === "while") level++;
    else if (app === "endwhile") level--;
    if (level === 0) return p + 1;
  }
}

function samePlace(a: { context: string; exten: string; priority: number }, ch: DialplanChannel): boolean {
  return a.context === ch.context && a.exten === ch.exten && a.priority === ch.priority;
}

/** While(condition). */
export const whileApp: Application = (ch, _args, ctx) => {
  const loops = pbxState(ch).whiles;
  const idx = loops.findIndex((l) => samePlace(l, ch));
  // Back at a known While: loops opened inside it and left by a jump are over.
  if (idx >= 0) loops.length = idx + 1;
  const loop = idx >= 0 ? loops[idx] : undefined;
  if (!isTrue(ctx.data)) {
    if (loop !== undefined) loops.pop();
    if (loop?.end !== undefined) return Promise.resolve({ goto: loop.end });
    const end = afterMatchingEndWhile(ctx.dialplan, ch);
    if (end === undefined) {
      ctx.log.warn("While: no matching EndWhile", {
        context: ch.context,
        exten: ch.exten,
        priority: ch.priority,
      });
      return Promise.resolve("continue");
    }
    return Promise.resolve({ goto: { priority: end } });
  }
  if (loop === undefined)
    loops.push({ context: ch.context, exten: ch.exten, priority: ch.priority, end: undefined });
  return Promise.resolve("continue");
};

/** EndWhile(): back to the innermost While. */
export const endWhile: Application = (ch) => {
  const loop = pbxState(ch).whiles.at(-1);
  if (loop === undefined) return Promise.resolve("continue");
  if (loop.end === undefined) {
    const end: ResolvedLocation = { context: ch.context, exten: ch.exten, priority: ch.priority + 1 };
    loop.end = end;
  }
  return Promise.resolve({ goto: { context: loop.context, exten: loop.exten, priority: loop.priority } });
};

/** ExitWhile(): past the EndWhile of the innermost loop. */
export const exitWhile: Application = (ch, _args, ctx) => {
  const loop = pbxState(ch).whiles.pop();
  if (loop?.end !== undefined) return Promise.resolve({ goto: loop.end });
  const end = afterMatchingEndWhile(ctx.dialplan, ch);
  if (end === undefined) {
    ctx.log.warn("ExitWhile: no matching EndWhile", {
      context: ch.context,
      exten: ch.exten,
      priority: ch.priority,
    });
    return Promise.resolve("continue");
  }
  return Promise.resolve({ goto: { priority: end } });
};

/** ContinueWhile(): back to the innermost While. */
export const continueWhile: Application = (ch) => {
  const loop = pbxState(ch).whiles.at(-1);
  if (loop === undefined) return Promise.resolve("continue");
  return Promise.resolve({ goto: { context: loop.context, exten: loop.exten, priority: loop.priority } });
};
