/**
 * extensions.conf → {@link Dialplan}, following Asterisk's pbx_config.
 *
 * - `[general]`: settings; `[globals]`: global variables (values may use earlier globals);
 *   every other non-template section is a context (sections of the same name merge).
 * - `exten => EXT,PRIO[(label)],App(args)`: PRIO is a number, `n`/`next` (previous + 1),
 *   `s`/`same` (previous), `hint`, or a label of the same extension, each optionally `+N`.
 *   As in Asterisk, "previous" is the last priority added in this section, whichever extension
 *   it was (a warning flags `n` continuing another extension's numbering).
 * - `same => PRIO,App(args)` continues the last `exten` of the section.
 * - Applications are written `App(args)` or `App`; args are kept raw (substituted and split
 *   when they run); the text between the first `(` and the last `)` is the argument string.
 * - `include => ctx`; `ignorepat => pattern` (kept for display).
 *
 * Errors (all collected, thrown together as a ConfigErrorList naming file, line and key): a
 * duplicate priority or label, `same` before any `exten`, `n`/`s` with no previous priority,
 * a bad pattern, a missing application, an unparsable priority, a time-conditional include.
 * Warnings (in `dialplan.warnings`): an include of a context that is not defined (Asterisk
 * allows it: another module may register it; lookups skip it), `switch`, `ignorepat`,
 * caller-id matching (`EXT/CID`, skipped), unknown keys, `_.`/`_!` patterns.
 */
import type { ConfDocument, ConfEntry, ConfSection, ParseConfOptions } from "../../config/asterisk-conf.ts";
import { parseConf, readConfFile } from "../../config/asterisk-conf.ts";
import { throwIfErrors } from "../../config/config-errors.ts";
import { ConfigError, LinekeyError } from "../../util/errors.ts";
import { HINT_PRIORITY, addContext, addInclude, addPriority, createDialplan } from "./model.ts";
import type { Dialplan, DialplanContext } from "./model.ts";
import { normalizeExtension, patternProblem } from "./pattern.ts";
import { builtinFunctions, globalScope, substitute } from "./variables.ts";

const TRUE_WORDS = new Set(["yes", "true", "y", "t", "1", "on"]);
const FALSE_WORDS = new Set(["no", "false", "n", "f", "0", "off"]);
const KNOWN_GENERAL = new Set([
  "static",
  "writeprotect",
  "autofallthrough",
  "clearglobalvars",
  "extenpatternmatchnew",
  "userscontext",
  "priorityjumping",
]);

interface Builder {
  readonly dp: Dialplan;
  readonly errors: ConfigError[];
  warn(e: { file: string; line: number }, key: string, message: string): void;
  /** Substitutes `${...}` with the globals known so far (for exten names, includes, globals). */
  expand(text: string): string;
}

/** Parses an already-read extensions.conf document. Throws a ConfigErrorList on errors. */
export function parseDialplan(doc: ConfDocument): Dialplan {
  const dp = createDialplan();
  const functions = builtinFunctions();
  const scope = globalScope(dp.globals);
  const b: Builder = {
    dp,
    errors: [],
    warn: (e, key, message) => dp.warnings.push({ file: e.file, line: e.line, key, message }),
    expand: (text) => (text.includes("$") ? substitute(text, scope, functions) : text),
  };
  const real = doc.sections.filter((s) => !s.template);
  for (const s of real) if (s.name.toLowerCase() === "globals") readGlobals(b, s);
  for (const s of real) if (s.name.toLowerCase() === "general") readGeneral(b, s);
  for (const s of real) {
    const lower = s.name.toLowerCase();
    if (lower !== "general" && lower !== "globals") readContext(b, s);
  }
  for (const ctx of dp.contexts.values()) {
    for (const inc of ctx.includes) {
      if (!dp.contexts.has(inc.name)) {
        b.warn(
          { file: inc.file ?? doc.file, line: inc.line ?? 0 },
          "include",
          `context '${inc.name}' included from '${ctx.name}' is not defined (skipped by lookups until it is)`,
        );
      }
    }
  }
  throwIfErrors(b.errors);
  return dp;
}

/** Parses extensions.conf text; `file` names it in errors and anchors `#include`s. */
export function parseDialplanText(
  text: string,
  file = "extensions.conf",
  opts: ParseConfOptions = {},
): Dialplan {
  return parseDialplan(parseConf(text, file, opts));
}

/** Reads and parses an extensions.conf file. */
export function loadDialplanFile(path: string): Dialplan {
  return parseDialplan(readConfFile(path));
}

function readGlobals(b: Builder, s: ConfSection): void {
  for (const e of s.entries) b.dp.globals.set(e.key, b.expand(e.value));
}

function readGeneral(b: Builder, s: ConfSection): void {
  for (const e of s.entries) {
    const key = e.key.toLowerCase();
    if (!KNOWN_GENERAL.has(key)) {
      b.warn(e, e.key, "unknown [general] setting, ignored");
      continue;
    }
    if (key !== "autofallthrough") continue;
    const v = e.value.toLowerCase();
    if (TRUE_WORDS.has(v)) {
      b.dp.settings.autofallthrough = true;
    } else if (FALSE_WORDS.has(v)) {
      b.warn(e, e.key, "autofallthrough=no (wait for more digits) is not supported; behaving as yes");
    } else {
      b.errors.push(
        new ConfigError("CONFIG_ERR_VALUE", e.file, e.line, e.key, `expected yes or no, got '${e.value}'`),
      );
    }
  }
}

/** Per-section state of `n` and `same` (Asterisk resets both at each section). */
interface SectionState {
  lastExten: string | undefined;
  lastPri: number | undefined;
  lastPriExten: string | undefined;
}

function readContext(b: Builder, s: ConfSection): void {
  const ctx = addContext(b.dp, s.name);
  const st: SectionState = { lastExten: undefined, lastPri: undefined, lastPriExten: undefined };
  for (const e of s.entries) {
    const key = e.key.toLowerCase();
    if (key === "exten") {
      const [rawExt, rest] = splitExten(e.value);
      const ext = b.expand(rawExt).trim();
      st.lastExten = ext;
      addLine(b, ctx, st, e, ext, rest);
    } else if (key === "same") {
      if (st.lastExten === undefined) {
        b.errors.push(
          new ConfigError(
            "CONFIG_ERR_SYNTAX",
            e.file,
            e.line,
            e.key,
            `'same' before any 'exten' in [${s.name}]`,
          ),
        );
        continue;
      }
      addLine(b, ctx, st, e, st.lastExten, e.value);
    } else if (key === "include") {
      readInclude(b, ctx, e);
    } else if (key === "ignorepat") {
      ctx.ignorePatterns.push(e.value.trim());
      b.warn(e, e.key, "ignorepat is kept for 'dialplan show' but does not change digit collection yet");
    } else if (key === "switch" || key === "lswitch" || key === "eswitch") {
      b.warn(e, e.key, "alternative switches are not supported; ignored");
    } else {
      b.warn(e, e.key, `unknown key in context [${s.name}], ignored`);
    }
  }
}

function readInclude(b: Builder, ctx: DialplanContext, e: ConfEntry): void {
  const name = b.expand(e.value).trim();
  if (name === "") {
    b.errors.push(
      new ConfigError("CONFIG_ERR_SYNTAX", e.file, e.line, e.key, "include without a context name"),
    );
    return;
  }
  if (/[,|]/.test(name)) {
    // Including always would route calls the operator meant to restrict to some hours.
    b.errors.push(
      new ConfigError(
        "CONFIG_ERR_VALUE",
        e.file,
        e.line,
        e.key,
        `time-conditional includes are not supported: '${name}'`,
      ),
    );
    return;
  }
  if (!addInclude(ctx, { name, file: e.file, line: e.line })) {
    b.warn(e, e.key, `context '${name}' is already included in '${ctx.name}'`);
  }
}

/** Splits `EXT,rest` at the first comma outside `[...]` (a backslash protects a character). */
function splitExten(value: string): [string, string | undefined] {
  let square = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "[") square++;
    else if (c === "]" && square > 0) square--;
    else if (c === "\\") i++;
    else if (c === "," && square === 0) return [value.slice(0, i), value.slice(i + 1)];
  }
  return [value, undefined];
}

type LineErrorCode = "CONFIG_ERR_SYNTAX" | "CONFIG_ERR_VALUE" | "CONFIG_ERR_DUPLICATE";

/** A problem with one exten/same line; becomes a ConfigError with the line's position. */
class LineError extends Error {
  constructor(
    readonly code: LineErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function fail(code: LineErrorCode, message: string): never {
  throw new LineError(code, message);
}

/** Handles the `PRIO,App(args)` part of an `exten`/`same` line for extension `ext`. */
function addLine(
  b: Builder,
  ctx: DialplanContext,
  st: SectionState,
  e: ConfEntry,
  ext: string,
  rest: string | undefined,
): void {
  try {
    addPriorityLine(b, ctx, st, e, ext, rest);
  } catch (err) {
    if (!(err instanceof LineError)) throw err;
    b.errors.push(new ConfigError(err.code, e.file, e.line, e.key, `${err.message} in [${ctx.name}]`));
  }
}

function addPriorityLine(
  b: Builder,
  ctx: DialplanContext,
  st: SectionState,
  e: ConfEntry,
  ext: string,
  rest: string | undefined,
): void {
  if (ext === "") fail("CONFIG_ERR_SYNTAX", "missing extension");
  if (ext.includes("/")) {
    b.warn(e, e.key, `caller-id matching ('${ext}') is not supported; line skipped`);
    return;
  }
  const shown = normalizeExtension(ext, true);
  const problem = patternProblem(shown);
  if (problem !== undefined) fail("CONFIG_ERR_VALUE", `bad pattern: ${problem}`);
  if (shown === "_." || shown === "_!") {
    b.warn(e, e.key, `'${shown}' also matches h, i, t and s; use '_X${shown.slice(1)}' instead`);
  }
  if (rest === undefined) fail("CONFIG_ERR_SYNTAX", `missing priority for extension '${ext}'`);
  const comma = rest.indexOf(",");
  let pri = (comma < 0 ? rest : rest.slice(0, comma)).trim();
  const appText = comma < 0 ? "" : rest.slice(comma + 1);

  let label: string | undefined;
  const open = pri.indexOf("(");
  if (open >= 0) {
    const close = pri.indexOf(")", open);
    if (close < 0) fail("CONFIG_ERR_SYNTAX", `label missing its ')' in priority '${pri}'`);
    label = pri.slice(open + 1, close).trim();
    pri = pri.slice(0, open).trim();
  }
  let offset = 0;
  const plus = pri.indexOf("+");
  if (plus >= 0) {
    const n = pri.slice(plus + 1).trim();
    if (!/^\d+$/.test(n)) fail("CONFIG_ERR_SYNTAX", `bad priority offset '+${n}'`);
    offset = Number.parseInt(n, 10);
    pri = pri.slice(0, plus).trim();
  }

  let priority: number;
  const lower = pri.toLowerCase();
  if (lower === "hint") {
    priority = HINT_PRIORITY;
  } else if (lower === "n" || lower === "next" || lower === "s" || lower === "same") {
    if (st.lastPri === undefined) fail("CONFIG_ERR_SYNTAX", `'${pri}' priority with no previous priority`);
    if (st.lastPri === HINT_PRIORITY) {
      fail("CONFIG_ERR_SYNTAX", `'${pri}' priority right after a hint: give the first priority as 1`);
    }
    priority = lower.startsWith("n") ? st.lastPri + 1 : st.lastPri;
    const prevExten = st.lastPriExten;
    if (prevExten !== undefined && normalizeExtension(prevExten, false) !== normalizeExtension(ext, false)) {
      b.warn(
        e,
        e.key,
        `'${pri}' continues the numbering of extension '${prevExten}': '${ext}' gets priority ${priority}`,
      );
    }
  } else if (/^\d+$/.test(pri)) {
    priority = Number.parseInt(pri, 10);
    if (priority < 1) fail("CONFIG_ERR_VALUE", `invalid priority '${pri}'`);
  } else {
    const target = normalizeExtension(ext, false);
    const owner = ctx.extensions.find((x) => x.exten === target);
    const labelled = owner?.byLabel.get(pri);
    if (labelled === undefined) fail("CONFIG_ERR_SYNTAX", `invalid priority or unknown label '${pri}'`);
    priority = labelled.priority;
  }
  if (priority !== HINT_PRIORITY) priority += offset;

  let app: string;
  let appData: string;
  if (priority === HINT_PRIORITY) {
    app = appText.trim();
    appData = "";
  } else {
    const paren = appText.indexOf("(");
    const head = paren < 0 ? appText : appText.slice(0, paren);
    if (paren < 0 || head.includes("${") || head.includes("$[")) {
      app = appText.trim();
      appData = "";
    } else {
      app = head.trim();
      const tail = appText.slice(paren + 1);
      const close = tail.lastIndexOf(")");
      if (close < 0) b.warn(e, e.key, `no closing parenthesis in '${appText.trim()}'`);
      appData = close < 0 ? tail : tail.slice(0, close);
    }
  }
  if (app === "") {
    fail("CONFIG_ERR_SYNTAX", `missing ${priority === HINT_PRIORITY ? "hint" : "application"} for '${ext}'`);
  }

  try {
    addPriority(ctx, ext, { priority, label, app, appData, file: e.file, line: e.line });
  } catch (err) {
    if (!(err instanceof LinekeyError)) throw err;
    fail("CONFIG_ERR_DUPLICATE", err.message);
  }
  st.lastPri = priority;
  st.lastPriExten = ext;
}
