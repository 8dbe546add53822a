/**
 * The in-memory dialplan: contexts holding extensions holding priorities, kept in Asterisk's
 * order so that lookups and `dialplan show` behave like Asterisk's. Built by the parser from
 * extensions.conf, and by code that registers contexts of its own (parking, features).
 */
import type { ConfigWarning } from "../../config/config-errors.ts";
import { LinekeyError } from "../../util/errors.ts";
import { compareExtensions, isPattern, normalizeExtension, patternProblem } from "./pattern.ts";

/** Priority number under which an extension's `hint` is stored (Asterisk's PRIORITY_HINT). */
export const HINT_PRIORITY = -1;

/** Registrar of contexts and extensions read from extensions.conf (shown by `dialplan show`). */
export const CONFIG_REGISTRAR = "pbx_config";

/** One step of an extension: `exten => 100,2(label),App(data)`. */
export interface DialplanPriority {
  /** 1, 2, ... or {@link HINT_PRIORITY}. */
  readonly priority: number;
  readonly label: string | undefined;
  /** Application name as written (`Dial`); for a hint, the hinted device string. */
  readonly app: string;
  /** Raw argument text, not yet substituted nor split (`SCCP/107,30`). Empty without `()`. */
  readonly appData: string;
  readonly registrar: string;
  readonly file: string | undefined;
  readonly line: number | undefined;
}

/** An extension (literal or pattern) and its priorities, ascending (a hint comes first). */
export interface DialplanExtension {
  /** The name as written, spaces removed, `-` kept (what `dialplan show` prints). */
  readonly name: string;
  /** The name used for matching (without `-` separators). */
  readonly exten: string;
  readonly pattern: boolean;
  readonly priorities: DialplanPriority[];
  readonly byPriority: Map<number, DialplanPriority>;
  readonly byLabel: Map<string, DialplanPriority>;
}

/** An `include => name` line. The named context may not exist (yet). */
export interface DialplanInclude {
  readonly name: string;
  readonly file: string | undefined;
  readonly line: number | undefined;
}

/** A `[context]`. */
export interface DialplanContext {
  readonly name: string;
  readonly registrar: string;
  /** Sorted in Asterisk's search order: literals, then patterns from most to least specific. */
  readonly extensions: DialplanExtension[];
  /** Literal extensions by matching name: the fast path of an exact lookup. */
  readonly literals: Map<string, DialplanExtension>;
  readonly includes: DialplanInclude[];
  readonly ignorePatterns: string[];
}

/** `[general]` settings that change how the dialplan runs. */
export interface DialplanSettings {
  /** Running off the end of an extension hangs up (Asterisk's default, and the only mode here). */
  autofallthrough: boolean;
}

/** A whole dialplan. */
export interface Dialplan {
  /** Contexts in creation order. `dialplan show` lists them newest first, as Asterisk does. */
  readonly contexts: Map<string, DialplanContext>;
  /** `[globals]`, as loaded. Running interpreters keep their own mutable copy. */
  readonly globals: Map<string, string>;
  readonly settings: DialplanSettings;
  /** Problems found while loading that did not stop it. */
  readonly warnings: ConfigWarning[];
}

/** An empty dialplan. */
export function createDialplan(): Dialplan {
  return { contexts: new Map(), globals: new Map(), settings: { autofallthrough: true }, warnings: [] };
}

/** The context named `name`, created (empty) when missing. */
export function addContext(
  dp: Dialplan,
  name: string,
  registrar: string = CONFIG_REGISTRAR,
): DialplanContext {
  let ctx = dp.contexts.get(name);
  if (ctx === undefined) {
    ctx = { name, registrar, extensions: [], literals: new Map(), includes: [], ignorePatterns: [] };
    dp.contexts.set(name, ctx);
  }
  return ctx;
}

/** What {@link addPriority} needs to know about the new priority. */
export interface NewPriority {
  priority: number;
  label?: string | undefined;
  app: string;
  appData: string;
  registrar?: string;
  file?: string | undefined;
  line?: number | undefined;
}

/**
 * Adds one priority to extension `name` of `ctx`, creating the extension in its sorted place.
 * Throws a LinekeyError (CORE_ERR_DIALPLAN) for a bad pattern, a priority that is already
 * used, or a label already used by another priority of the same extension.
 */
export function addPriority(ctx: DialplanContext, name: string, p: NewPriority): DialplanPriority {
  const shown = normalizeExtension(name, true);
  const problem = patternProblem(shown);
  if (problem !== undefined) throw new LinekeyError("CORE_ERR_DIALPLAN", problem);
  if (p.priority < 1 && p.priority !== HINT_PRIORITY) {
    throw new LinekeyError("CORE_ERR_DIALPLAN", `invalid priority ${p.priority} for '${shown}'`);
  }
  const exten = normalizeExtension(shown, false);
  let ext = findExact(ctx, exten);
  const label = p.label === undefined || p.label === "" ? undefined : p.label;
  if (ext?.byPriority.has(p.priority)) {
    const what = p.priority === HINT_PRIORITY ? "a hint" : `priority ${p.priority}`;
    throw new LinekeyError("CORE_ERR_DIALPLAN", `extension '${shown}' in '${ctx.name}' already has ${what}`);
  }
  if (label !== undefined && ext?.byLabel.has(label)) {
    const other = ext.byLabel.get(label)?.priority ?? 0;
    throw new LinekeyError(
      "CORE_ERR_DIALPLAN",
      `label '${label}' of extension '${shown}' in '${ctx.name}' is already used at priority ${other}`,
    );
  }
  if (ext === undefined) {
    ext = {
      name: shown,
      exten,
      pattern: isPattern(exten),
      priorities: [],
      byPriority: new Map(),
      byLabel: new Map(),
    };
    insertSorted(ctx, ext);
  }
  const entry: DialplanPriority = {
    priority: p.priority,
    label,
    app: p.app,
    appData: p.appData,
    registrar: p.registrar ?? ctx.registrar,
    file: p.file,
    line: p.line,
  };
  const at = ext.priorities.findIndex((q) => q.priority > p.priority);
  if (at < 0) ext.priorities.push(entry);
  else ext.priorities.splice(at, 0, entry);
  ext.byPriority.set(entry.priority, entry);
  if (label !== undefined) ext.byLabel.set(label, entry);
  return entry;
}

/** Adds `include => name` unless already there; returns false for a duplicate. */
export function addInclude(ctx: DialplanContext, include: DialplanInclude): boolean {
  if (ctx.includes.some((i) => i.name === include.name)) return false;
  ctx.includes.push(include);
  return true;
}

function findExact(ctx: DialplanContext, exten: string): DialplanExtension | undefined {
  if (!isPattern(exten)) return ctx.literals.get(exten);
  // Patterns that sort equal are one extension to Asterisk (`_[12]X` and `_[21]X`).
  return ctx.extensions.find((e) => e.pattern && compareExtensions(e.exten, exten) === 0);
}

function insertSorted(ctx: DialplanContext, ext: DialplanExtension): void {
  // Binary search for the first extension sorting after the new one.
  let lo = 0;
  let hi = ctx.extensions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const other = ctx.extensions[mid];
    if (other !== undefined && compareExtensions(other.exten, ext.exten) <= 0) lo = mid + 1;
    else hi = mid;
  }
  ctx.extensions.splice(lo, 0, ext);
  if (!ext.pattern) ctx.literals.set(ext.exten, ext);
}
