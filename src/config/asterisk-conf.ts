/**
 * Reader for Asterisk-style configuration files (sccp.conf, extensions.conf, linekey.conf).
 *
 * Syntax accepted (the subset of Asterisk's `config.c` that real files use):
 * - `[name]`, optionally followed by `(options)`: `!` marks a template, `+` appends to the
 *   previous section of that name, any other word names a section whose entries are copied in
 *   first (inheritance; the parent must appear earlier, as in Asterisk);
 * - `key = value` and `key => value` (the operator is kept: extensions.conf needs it);
 * - `;` starts a comment, `\;` is a literal `;`, `;-- ... --;` is a comment that may span lines;
 * - `#include file`, `#include "file"`, `#include <file>` (relative to the including file's
 *   folder), `#tryinclude` (silently skipped when unreadable);
 * - blank lines, CRLF line ends, a leading byte-order mark.
 *
 * The reader knows nothing about what keys mean; the per-file loaders validate values.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, normalize } from "node:path";
import { ConfigError } from "../util/errors.ts";
import { throwIfErrors } from "./config-errors.ts";

/** One `key = value` / `key => value` line. `file` and `line` are where it was written. */
export interface ConfEntry {
  key: string;
  value: string;
  op: "=" | "=>";
  file: string;
  line: number;
}

/** One `[section]`: its own entries follow the entries inherited from its parents. */
export interface ConfSection {
  name: string;
  file: string;
  line: number;
  entries: ConfEntry[];
  /** Declared as `[name](!)`: not a real section, only a parent for others. */
  template: boolean;
  /** Parents named in `[name](a,b)`, in order; their entries were copied in first. */
  inherits: string[];
}

/** A parsed file with its includes spliced in. Entries before the first section are an error. */
export interface ConfDocument {
  file: string;
  sections: ConfSection[];
}

/** Options of {@link parseConf}. */
export interface ParseConfOptions {
  /** Reads an included file by path (already joined to the including file's folder). Default: disk. */
  readInclude?: (path: string) => string;
}

interface ParseState {
  readonly sections: ConfSection[];
  current: ConfSection | undefined;
  readonly errors: ConfigError[];
  /** Files being parsed, outermost first: an include of one of them is a cycle. */
  readonly stack: string[];
  readonly readInclude: (path: string) => string;
}

const SECTION_RE = /^\[([^\]]*)\]\s*(?:\(([^)]*)\))?$/;
const DIRECTIVE_RE = /^#\s*([A-Za-z]+)(?:\s+(.*))?$/;

/**
 * Parses configuration text. `file` names the text in errors and anchors relative includes.
 * Throws a ConfigErrorList (a ConfigError) listing every syntax, include and inheritance error.
 */
export function parseConf(text: string, file: string, opts: ParseConfOptions = {}): ConfDocument {
  const state: ParseState = {
    sections: [],
    current: undefined,
    errors: [],
    stack: [normalize(file)],
    readInclude: opts.readInclude ?? ((p) => readFileSync(p, "utf8")),
  };
  parseInto(state, text, file);
  throwIfErrors(state.errors);
  return { file, sections: state.sections };
}

/** Reads and parses a file from disk; an unreadable file is a CONFIG_ERR_IO naming it. */
export function readConfFile(path: string): ConfDocument {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError("CONFIG_ERR_IO", path, undefined, undefined, `cannot read: ${errorText(err)}`);
  }
  return parseConf(text, path);
}

/** The last section named `name` (Asterisk resolves parents and `(+)` to the latest one). */
export function findSection(doc: ConfDocument, name: string): ConfSection | undefined {
  return doc.sections.findLast((s) => s.name === name);
}

function parseInto(state: ParseState, text: string, file: string): void {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let blockStart: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const stripped = stripComment(lines[i] ?? "", blockStart !== undefined);
    if (stripped.blockOpen && blockStart === undefined) blockStart = lineNo;
    if (!stripped.blockOpen) blockStart = undefined;
    const content = stripped.text.trim();
    if (content === "") continue;
    if (content.startsWith("#")) directive(state, content, file, lineNo);
    else if (content.startsWith("[")) openSection(state, content, file, lineNo);
    else entry(state, content, file, lineNo);
  }
  if (blockStart !== undefined) {
    state.errors.push(
      new ConfigError("CONFIG_ERR_SYNTAX", file, blockStart, undefined, "unterminated ';--' comment"),
    );
  }
}

/**
 * Removes comments from one physical line. `inBlock` says whether a `;--` block comment is open
 * at its start; `blockOpen` whether one is still open at its end.
 */
function stripComment(raw: string, inBlock: boolean): { text: string; blockOpen: boolean } {
  let out = "";
  let i = 0;
  let open = inBlock;
  while (i < raw.length) {
    if (open) {
      const end = raw.indexOf("--;", i);
      if (end < 0) return { text: out, blockOpen: true };
      open = false;
      i = end + 3;
      continue;
    }
    const c = raw.charAt(i);
    if (c === "\\" && raw[i + 1] === ";") {
      // Asterisk drops the backslash of an escaped semicolon; other backslashes stay for the
      // dialplan (`\,` in application arguments).
      out += ";";
      i += 2;
      continue;
    }
    if (c === ";") {
      if (raw.startsWith(";--", i)) {
        open = true;
        i += 3;
        continue;
      }
      return { text: out, blockOpen: false };
    }
    out += c;
    i++;
  }
  return { text: out, blockOpen: open };
}

function directive(state: ParseState, content: string, file: string, lineNo: number): void {
  const m = DIRECTIVE_RE.exec(content);
  const name = m?.[1]?.toLowerCase();
  const arg = unquote(m?.[2]?.trim() ?? "");
  if (name !== "include" && name !== "tryinclude") {
    const what = name === "exec" ? "#exec is not supported" : `unknown directive '${content}'`;
    state.errors.push(new ConfigError("CONFIG_ERR_SYNTAX", file, lineNo, undefined, what));
    return;
  }
  if (arg === "") {
    state.errors.push(
      new ConfigError("CONFIG_ERR_SYNTAX", file, lineNo, undefined, `#${name} without a file`),
    );
    return;
  }
  const path = isAbsolute(arg) ? normalize(arg) : join(dirname(file), arg);
  if (state.stack.includes(path)) {
    const chain = [...state.stack, path].join(" -> ");
    state.errors.push(
      new ConfigError("CONFIG_ERR_INCLUDE", file, lineNo, undefined, `include cycle: ${chain}`),
    );
    return;
  }
  let text: string;
  try {
    text = state.readInclude(path);
  } catch (err) {
    if (name === "tryinclude") return;
    state.errors.push(
      new ConfigError(
        "CONFIG_ERR_INCLUDE",
        file,
        lineNo,
        undefined,
        `cannot read ${path}: ${errorText(err)}`,
      ),
    );
    return;
  }
  // Textual splice, as in Asterisk: the included file's entries continue the current section
  // and a section it opens stays current after it.
  state.stack.push(path);
  parseInto(state, text, path);
  state.stack.pop();
}

function unquote(s: string): string {
  if (s.length >= 2 && ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("<") && s.endsWith(">")))) {
    return s.slice(1, -1).trim();
  }
  return s;
}

function openSection(state: ParseState, content: string, file: string, lineNo: number): void {
  const m = SECTION_RE.exec(content);
  const name = m?.[1]?.trim() ?? "";
  if (!m || name === "") {
    state.errors.push(
      new ConfigError("CONFIG_ERR_SYNTAX", file, lineNo, undefined, `malformed section header '${content}'`),
    );
    // Entries up to the next good header belong to no known section: drop them quietly
    // rather than reporting each as "outside of any section".
    state.current = { name: "", file, line: lineNo, entries: [], template: false, inherits: [] };
    return;
  }
  const options = m[2] === undefined ? [] : m[2].split(",").map((o) => o.trim());
  let template = false;
  let append = false;
  const inherits: string[] = [];
  for (const o of options) {
    if (o === "!") template = true;
    else if (o === "+") append = true;
    else if (o === "") {
      state.errors.push(
        new ConfigError("CONFIG_ERR_SYNTAX", file, lineNo, `[${name}]`, "empty section option"),
      );
    } else inherits.push(o);
  }
  if (append) {
    const existing = state.sections.findLast((s) => s.name === name);
    if (template || inherits.length > 0 || existing === undefined) {
      const why = existing === undefined ? "no earlier section to append to" : "(+) cannot be combined";
      state.errors.push(new ConfigError("CONFIG_ERR_SYNTAX", file, lineNo, `[${name}]`, why));
    }
    state.current = existing ?? { name, file, line: lineNo, entries: [], template: false, inherits: [] };
    return;
  }
  const section: ConfSection = { name, file, line: lineNo, entries: [], template, inherits };
  for (const parentName of inherits) {
    const parent = state.sections.findLast((s) => s.name === parentName);
    if (parent === undefined) {
      state.errors.push(
        new ConfigError(
          "CONFIG_ERR_MISSING",
          file,
          lineNo,
          `[${name}]`,
          `inherits from '${parentName}', which is not defined above`,
        ),
      );
      continue;
    }
    for (const e of parent.entries) section.entries.push({ ...e });
  }
  state.sections.push(section);
  state.current = section;
}

function entry(state: ParseState, content: string, file: string, lineNo: number): void {
  const eq = content.indexOf("=");
  const key = eq < 0 ? "" : content.slice(0, eq).trim();
  if (key === "") {
    const what =
      eq < 0 ? `expected [section], key = value or #include, got '${content}'` : "missing key before '='";
    state.errors.push(new ConfigError("CONFIG_ERR_SYNTAX", file, lineNo, undefined, what));
    return;
  }
  const arrow = content[eq + 1] === ">";
  const value = content.slice(eq + (arrow ? 2 : 1)).trim();
  if (state.current === undefined) {
    state.errors.push(
      new ConfigError("CONFIG_ERR_SYNTAX", file, lineNo, key, "entry outside of any [section]"),
    );
    return;
  }
  state.current.entries.push({ key, value, op: arrow ? "=>" : "=", file, line: lineNo });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
