/**
 * Variable substitution (`${VAR}`, `${VAR:offset:length}`, `${FUNC(args)}`, `$[expr]`, nested
 * freely), variable scopes (a channel's variables over the globals), and the registry of
 * dialplan functions (CALLERID, LEN, IF, ...), which later code extends (`CHANNEL(...)`).
 *
 * Substitution follows Asterisk's pbx_substitute_variables_helper: the inner `${...}` and
 * `$[...]` of a reference are substituted first, then the reference is looked up; values are
 * never substituted again. An unset variable and an unknown function give an empty string.
 */
import type { Logger } from "../../util/logger.ts";
import { splitArgs } from "./args.ts";
import type { DialplanChannel } from "./channel.ts";
import { evaluateExpression, isTrue } from "./expressions.ts";
import { pbxState } from "./pbx-state.ts";

/** Where `${NAME}` is looked up and `Set(NAME=...)` writes. */
export interface VariableScope {
  /** A variable's value; undefined when it is not set. */
  get(name: string): string | undefined;
  /** Sets a variable (undefined removes it). `_NAME` / `__NAME` mark channel variables inheritable. */
  set(name: string, value: string | undefined): void;
  /** The global variables (`[globals]`, `GLOBAL()`), shared by every channel. */
  readonly globals: Map<string, string>;
  /** The channel this scope belongs to; undefined for the globals-only scope. */
  readonly channel: DialplanChannel | undefined;
}

/** A dialplan function: `${NAME(args)}` reads it, `Set(NAME(args)=value)` writes it. */
export interface DialplanFunction {
  /** Undefined: no value (substituted as empty). */
  read?(args: string, scope: VariableScope): string | undefined;
  write?(args: string, value: string, scope: VariableScope): void;
}

/** Dialplan functions by name. Names are case-sensitive, as in Asterisk. */
export class FunctionRegistry {
  private readonly fns = new Map<string, DialplanFunction>();

  /** Registers (or replaces) function `name`. */
  register(name: string, fn: DialplanFunction): this {
    this.fns.set(name, fn);
    return this;
  }

  get(name: string): DialplanFunction | undefined {
    return this.fns.get(name);
  }

  names(): string[] {
    return [...this.fns.keys()].sort();
  }

  /** A copy that can be extended without touching this registry. */
  clone(): FunctionRegistry {
    const r = new FunctionRegistry();
    for (const [name, fn] of this.fns) r.register(name, fn);
    return r;
  }

  /** Reads `NAME(args)`; undefined (and a warning) for an unknown or write-only function. */
  read(call: string, scope: VariableScope, log?: Logger): string | undefined {
    const { name, args } = splitCall(call, log);
    const fn = this.fns.get(name);
    if (fn?.read === undefined) {
      log?.warn("dialplan function not available for reading", { function: name });
      return undefined;
    }
    return fn.read(args, scope);
  }

  /** Writes `NAME(args)`; false (and a warning) for an unknown or read-only function. */
  write(call: string, value: string, scope: VariableScope, log?: Logger): boolean {
    const { name, args } = splitCall(call, log);
    const fn = this.fns.get(name);
    if (fn?.write === undefined) {
      log?.warn("dialplan function not available for writing", { function: name });
      return false;
    }
    fn.write(args, value, scope);
    return true;
  }
}

function splitCall(call: string, log?: Logger): { name: string; args: string } {
  const open = call.indexOf("(");
  if (open < 0) return { name: call, args: "" };
  const close = call.lastIndexOf(")");
  if (close < open) log?.warn("missing ')' after function arguments", { call });
  return {
    name: call.slice(0, open),
    args: close < open ? call.slice(open + 1) : call.slice(open + 1, close),
  };
}

/** Options of {@link substitute}. */
export interface SubstituteOptions {
  log?: Logger;
}

/** Asterisk's MAX_VARIABLE_SUB_RECURSE_DEPTH. */
const MAX_DEPTH = 15;

/** Substitutes every `${...}` and `$[...]` of `text` in `scope`. */
export function substitute(
  text: string,
  scope: VariableScope,
  functions: FunctionRegistry,
  opts: SubstituteOptions = {},
): string {
  return substituteAt(text, scope, functions, opts.log, 0);
}

function substituteAt(
  text: string,
  scope: VariableScope,
  functions: FunctionRegistry,
  log: Logger | undefined,
  depth: number,
): string {
  if (depth >= MAX_DEPTH) {
    log?.error("variable substitution nested too deeply", { text });
    return "";
  }
  if (!text.includes("$")) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf("$", i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    const kind = text[dollar + 1];
    if (kind !== "{" && kind !== "[") {
      out += text.slice(i, dollar + 1);
      i = dollar + 1;
      continue;
    }
    out += text.slice(i, dollar);
    const open = kind;
    const close = open === "{" ? "}" : "]";
    const otherOpen = open === "{" ? "[" : "{";
    let j = dollar + 2;
    let depthCount = 1;
    let needsSub = false;
    while (depthCount > 0 && j < text.length) {
      const c = text[j];
      if (c === "$" && text[j + 1] === open) {
        needsSub = true;
        depthCount++;
        j++;
      } else if (c === open) {
        depthCount++;
      } else if (c === close) {
        depthCount--;
      } else if (c === "$" && text[j + 1] === otherOpen) {
        needsSub = true;
        j++;
      }
      j++;
    }
    let inner: string;
    if (depthCount > 0) {
      log?.warn(`missing '${close}' in dialplan expression`, { text });
      inner = text.slice(dollar + 2);
    } else {
      inner = text.slice(dollar + 2, j - 1);
    }
    i = j;
    const expanded = needsSub ? substituteAt(inner, scope, functions, log, depth + 1) : inner;
    if (open === "[") {
      out += evaluateExpression(expanded, {
        callFunction: (name, args) => functions.read(`${name}(${args})`, scope, log),
        ...(log === undefined ? {} : { log }),
      });
    } else {
      out += lookup(expanded, scope, functions, log);
    }
  }
  return out;
}

/** `NAME[:offset[:length]]` or `FUNC(args)[:offset[:length]]` → its (sub)value. */
function lookup(
  ref: string,
  scope: VariableScope,
  functions: FunctionRegistry,
  log: Logger | undefined,
): string {
  const { name, offset, length, isFunction } = parseReference(ref);
  const value = isFunction ? functions.read(name, scope, log) : scope.get(name);
  if (value === undefined) return "";
  return offset === 0 && length === undefined ? value : substring(value, offset, length);
}

function parseReference(ref: string): {
  name: string;
  offset: number;
  length: number | undefined;
  isFunction: boolean;
} {
  let parens = 0;
  let isFunction = false;
  for (let i = 0; i < ref.length; i++) {
    const c = ref[i];
    if (c === "(") {
      isFunction = true;
      parens++;
    } else if (c === ")") {
      parens--;
    } else if (c === ":" && parens === 0) {
      // sscanf("%d:%d"): a part that is not a number ends the parse, leaving the defaults.
      const m = /^\s*([+-]?\d+)(?::\s*([+-]?\d+))?/.exec(ref.slice(i + 1));
      const offset = m?.[1] === undefined ? 0 : Number.parseInt(m[1], 10);
      const length = m?.[2] === undefined ? undefined : Number.parseInt(m[2], 10);
      return { name: ref.slice(0, i), offset, length, isFunction };
    }
  }
  return { name: ref, offset: 0, length: undefined, isFunction };
}

/**
 * Asterisk's substring rules: a negative offset counts from the end; a negative length leaves
 * that many characters off the end; an offset past the end gives an empty string.
 */
export function substring(value: string, offset: number, length: number | undefined): string {
  const len = value.length;
  let start = offset;
  if (start < 0) start = Math.max(0, len + start);
  if (start >= len) return "";
  const rest = value.slice(start);
  if (length === undefined) return rest;
  if (length >= 0) return rest.slice(0, length);
  return rest.length > -length ? rest.slice(0, rest.length + length) : "";
}

function stripInheritance(name: string): { name: string; level: 0 | 1 | 2 } {
  if (name.startsWith("__")) return { name: name.slice(2), level: 2 };
  if (name.startsWith("_")) return { name: name.slice(1), level: 1 };
  return { name, level: 0 };
}

/**
 * The scope of a channel: built-ins (EXTEN, CONTEXT, PRIORITY, CHANNEL, HANGUPCAUSE, EPOCH) are
 * read first, as in Asterisk, then the channel's variables, then `globals`.
 */
export function channelScope(ch: DialplanChannel, globals: Map<string, string>): VariableScope {
  return {
    globals,
    channel: ch,
    get(name: string): string | undefined {
      switch (name) {
        case "EXTEN":
          return ch.exten;
        case "CONTEXT":
          return ch.context;
        case "PRIORITY":
          return String(ch.priority);
        case "CHANNEL":
          return ch.name;
        case "HANGUPCAUSE":
          return String(pbxState(ch).hangupCause);
        case "EPOCH":
          return String(Math.floor(Date.now() / 1000));
        default:
          return ch.vars.get(name) ?? globals.get(name);
      }
    },
    set(raw: string, value: string | undefined): void {
      const { name, level } = stripInheritance(raw);
      const inherit = pbxState(ch).inherit;
      if (value === undefined) {
        ch.vars.delete(name);
        inherit.delete(name);
        return;
      }
      ch.vars.set(name, value);
      if (level === 0) inherit.delete(name);
      else inherit.set(name, level);
    },
  };
}

/** The scope without a channel: reads and writes the globals (used for `[globals]` values). */
export function globalScope(globals: Map<string, string>): VariableScope {
  return {
    globals,
    channel: undefined,
    get: (name) => globals.get(name),
    set(name, value) {
      if (value === undefined) globals.delete(name);
      else globals.set(name, value);
    },
  };
}

/**
 * Sets `name` to `value` as Set() does: a name ending in `)` writes a function
 * (`CALLERID(name)`), anything else a variable. Returns false when a function refused.
 */
export function setVariable(
  scope: VariableScope,
  functions: FunctionRegistry,
  name: string,
  value: string,
  log?: Logger,
): boolean {
  if (name.endsWith(")")) return functions.write(name, value, scope, log);
  scope.set(name, value);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Built-in functions.

/** `"Name" <number>` → its parts (Asterisk's ast_callerid_split, simplified). */
function splitCallerId(all: string): { name: string; num: string } {
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(all);
  if (m !== null) return { name: m[1] ?? m[2] ?? "", num: m[3] ?? "" };
  const t = all.trim();
  return /^[0-9*#+]+$/.test(t) ? { name: "", num: t } : { name: t, num: "" };
}

const callerId: DialplanFunction = {
  read(args, scope) {
    const ch = scope.channel;
    if (ch === undefined) return undefined;
    const what = (splitArgs(args)[0] ?? "").trim().toLowerCase();
    if (what === "name") return ch.callerIdName;
    if (what.startsWith("num")) return ch.callerIdNum;
    if (what === "all")
      return ch.callerIdName === "" ? `<${ch.callerIdNum}>` : `"${ch.callerIdName}" <${ch.callerIdNum}>`;
    return undefined;
  },
  write(args, value, scope) {
    const ch = scope.channel;
    if (ch === undefined) return;
    const what = (splitArgs(args)[0] ?? "").trim().toLowerCase();
    if (what === "name") ch.callerIdName = value;
    else if (what.startsWith("num")) ch.callerIdNum = value;
    else if (what === "all") {
      const parts = splitCallerId(value);
      ch.callerIdName = parts.name;
      ch.callerIdNum = parts.num;
    }
  },
};

const ifFunction: DialplanFunction = {
  read(args) {
    // IF(<expr>?[<true>][:<false>]): split at the first top-level '?', then the first ':'.
    const data = args.length >= 2 && args.startsWith('"') && args.endsWith('"') ? args.slice(1, -1) : args;
    const [expr = "", rest] = splitArgs(data, { delimiter: "?", limit: 2 });
    if (rest === undefined || expr.trim() === "") return undefined;
    const [ifTrue = "", ifFalse = ""] = splitArgs(rest, { delimiter: ":", limit: 2 });
    return isTrue(expr.trim()) ? ifTrue.trim() : ifFalse.trim();
  },
};

/** LOCAL(name): a variable that belongs to the current Gosub frame and is restored on Return. */
const localFunction: DialplanFunction = {
  read: (args, scope) => scope.get(args.trim()),
  write(args, value, scope) {
    const name = args.trim();
    const ch = scope.channel;
    const frame = ch === undefined ? undefined : pbxState(ch).gosub.at(-1);
    if (ch !== undefined && frame !== undefined && !frame.saved.has(name))
      frame.saved.set(name, ch.vars.get(name));
    scope.set(name, value);
  },
};

/**
 * A registry holding the built-in functions: CALLERID(name|num|all), LEN(text),
 * IF(cond?true:false), ISNULL(text), EXISTS(text), GLOBAL(name), LOCAL(name).
 */
export function builtinFunctions(): FunctionRegistry {
  return new FunctionRegistry()
    .register("CALLERID", callerId)
    .register("LEN", { read: (args) => String(args.length) })
    .register("IF", ifFunction)
    .register("ISNULL", { read: (args) => (args === "" ? "1" : "0") })
    .register("EXISTS", { read: (args) => (args === "" ? "0" : "1") })
    .register("GLOBAL", {
      read: (args, scope) => scope.globals.get(args.trim()),
      write: (args, value, scope) => {
        scope.globals.set(args.trim(), value);
      },
    })
    .register("LOCAL", localFunction);
}
