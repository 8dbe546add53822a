/**
 * Finding extensions: which priority runs for a dialled string, where a label points, and how
 * far a partly dialled number is from an extension (SCCP immediate dialing).
 *
 * The search follows Asterisk's (legacy, default) algorithm in pbx_find_extension(): walk the
 * context's extensions in sorted order (literals, then the most specific pattern first), take
 * the first that matches *and* has the wanted priority, then search the included contexts in
 * `include =>` order, depth first. Each context is searched at most once per lookup, which makes
 * include cycles harmless. A missing included context is skipped.
 */
import { HINT_PRIORITY } from "./model.ts";
import type { Dialplan, DialplanContext, DialplanExtension, DialplanPriority } from "./model.ts";
import { extensionMatch, isPattern } from "./pattern.ts";
import type { MatchMode } from "./pattern.ts";

/** A priority found by a lookup, with the context and extension it belongs to. */
export interface FoundPriority {
  readonly context: DialplanContext;
  readonly extension: DialplanExtension;
  readonly priority: DialplanPriority;
}

/**
 * Where a partly dialled number stands (drives digit collection):
 * - `exact-final`: an extension matches and no longer number can: dial now;
 * - `exact-more`: an extension matches but a longer one could: wait for the dial timeout or `#`;
 * - `prefix`: nothing matches yet but more digits could: keep collecting;
 * - `none`: nothing can match whatever follows: play reorder now.
 */
export type MatchState = "exact-final" | "exact-more" | "prefix" | "none";

/** Asterisk's AST_PBX_MAX_STACK: a lookup visits at most this many contexts. */
const MAX_CONTEXTS_PER_LOOKUP = 128;

type Wanted = { priority: number } | { label: string };

function pick(ext: DialplanExtension, wanted: Wanted): DialplanPriority | undefined {
  return "label" in wanted ? ext.byLabel.get(wanted.label) : ext.byPriority.get(wanted.priority);
}

function searchContext(
  dp: Dialplan,
  name: string,
  data: string,
  mode: MatchMode,
  wanted: Wanted,
  visited: Set<string>,
): FoundPriority | undefined {
  // Asterisk compares the include stack case-insensitively.
  const key = name.toLowerCase();
  if (visited.has(key) || visited.size >= MAX_CONTEXTS_PER_LOOKUP) return undefined;
  const ctx = dp.contexts.get(name);
  if (ctx === undefined) return undefined;
  visited.add(key);

  let start = 0;
  if (mode === "match" && !isPattern(data)) {
    // Only one literal can equal `data`, and literals sort before every pattern.
    const lit = ctx.literals.get(data.replaceAll("-", ""));
    const p = lit === undefined ? undefined : pick(lit, wanted);
    if (lit !== undefined && p !== undefined) return { context: ctx, extension: lit, priority: p };
    start = ctx.literals.size;
  }
  for (let i = start; i < ctx.extensions.length; i++) {
    const ext = ctx.extensions[i];
    if (ext === undefined) continue;
    const m = extensionMatch(ext.exten, data, mode);
    if (m === 0) continue;
    // A `!` pattern matched: "can more digits help?" is answered "no" for this whole context.
    if (m === 2 && mode === "matchmore") return undefined;
    const p = pick(ext, wanted);
    if (p !== undefined) return { context: ctx, extension: ext, priority: p };
  }
  for (const inc of ctx.includes) {
    const found = searchContext(dp, inc.name, data, mode, wanted, visited);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The extension of `context` (or of a context it includes) that `exten` matches in `mode`,
 * and that has `priority`. Undefined when none.
 */
export function findExtension(
  dp: Dialplan,
  context: string,
  exten: string,
  mode: MatchMode = "match",
  priority = 1,
): FoundPriority | undefined {
  return searchContext(dp, context, exten, mode, { priority }, new Set());
}

/** The priority that runs at `context`, `exten`, `priority`; undefined when there is none. */
export function findPriority(
  dp: Dialplan,
  context: string,
  exten: string,
  priority: number,
): FoundPriority | undefined {
  return searchContext(dp, context, exten, "match", { priority }, new Set());
}

/** The priority labelled `label` in the extension `exten` matches; undefined when there is none. */
export function findLabel(
  dp: Dialplan,
  context: string,
  exten: string,
  label: string,
): FoundPriority | undefined {
  return searchContext(dp, context, exten, "match", { label }, new Set());
}

/** The hint of `exten` in `context` (`exten => 100,hint,SCCP/100`), if any. */
export function findHint(dp: Dialplan, context: string, exten: string): string | undefined {
  return findPriority(dp, context, exten, HINT_PRIORITY)?.priority.app;
}

/** True when `exten` exists in `context` at `priority` (default 1), includes followed. */
export function extensionExists(dp: Dialplan, context: string, exten: string, priority = 1): boolean {
  return findPriority(dp, context, exten, priority) !== undefined;
}

/**
 * Classifies a partly dialled number, as chan_sccp does after each digit with
 * ast_exists_extension / ast_matchmore_extension / ast_canmatch_extension at priority 1.
 */
export function matchState(dp: Dialplan, context: string, digits: string): MatchState {
  const exists = findExtension(dp, context, digits, "match") !== undefined;
  const more = findExtension(dp, context, digits, "matchmore") !== undefined;
  if (exists) return more ? "exact-more" : "exact-final";
  return findExtension(dp, context, digits, "canmatch") !== undefined ? "prefix" : "none";
}
