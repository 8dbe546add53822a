/**
 * The console command registry: Asterisk-style CLI commands made of fixed words followed by
 * arguments (`sccp reset SEP001122334455 restart`). The same registry serves the local console,
 * `linekey -r` / `-rx` and anything else that wants to run a command line.
 *
 * Matching follows Asterisk: the longest registered word sequence that is a prefix of the typed
 * words wins, words compare case-insensitively, and abbreviations are *not* expanded ("sccp sh
 * dev" is unknown); Tab completion is what makes full words cheap to type.
 */
import { LinekeyError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";

/** What a command handler receives. */
export interface CommandContext {
  /** The words after the matched command words (quotes and backslash escapes already removed). */
  readonly args: string[];
  /** The whole command line as typed, trimmed. */
  readonly line: string;
}

/** One console command. */
export interface CommandDef {
  /** The fixed words, e.g. `["sccp", "show", "device"]`. Matched case-insensitively. */
  words: string[];
  /** Syntax, e.g. `sccp reset <device> [restart]`; shown by `help <command>` and on UsageError. */
  usage: string;
  /** One line for the `help` listing. */
  summary: string;
  /** Runs the command; the returned text is the command's output. Throwing makes the outcome ok:false. */
  run(ctx: CommandContext): string | Promise<string>;
  /**
   * Argument completion. `partial` holds the arguments typed so far after the command words; its
   * last element is the word being completed (`""` after a space). Returns candidate words for
   * that last element; the registry filters them by prefix.
   */
  complete?: (partial: string[]) => string[];
}

/** Result of running one command line. */
export type CommandOutcome = { ok: true; output: string } | { ok: false; output: string };

/**
 * Thrown by a command handler when its arguments are wrong: the outcome is ok:false and its
 * output is the command's usage (preceded by the detail, when one is given), like Asterisk's
 * CLI_SHOWUSAGE.
 */
export class UsageError extends LinekeyError {
  readonly detail: string | undefined;
  constructor(detail?: string) {
    super("MGMT_ERR_COMMAND", detail ?? "invalid usage");
    this.name = "UsageError";
    this.detail = detail;
  }
}

/** A command line split into words, Asterisk `parse_args` style. */
export interface ParsedLine {
  /** Words with quotes and escapes removed. */
  readonly words: string[];
  /** True when the line ends in whitespace outside quotes (the next word has not started). */
  readonly trailingSpace: boolean;
  /** The raw text of the last word as typed (with its quotes/escapes), "" when trailingSpace. */
  readonly lastRaw: string;
  /** True when the line ends inside an unclosed double quote. */
  readonly openQuote: boolean;
}

/**
 * Splits a command line into words: blanks separate words, `"..."` groups words, a backslash
 * escapes the next character. Same rules as Asterisk's CLI so copied command lines behave alike.
 */
export function parseCommandLine(line: string): ParsedLine {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let quoted = false;
  let escaped = false;
  let rawStart = -1;
  for (let i = 0; i < line.length; i++) {
    const ch = line.charAt(i);
    if (escaped) {
      cur += ch;
      escaped = false;
      continue;
    }
    const blank = ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
    if (blank && !quoted) {
      if (inWord) {
        words.push(cur);
        cur = "";
        inWord = false;
      }
      continue;
    }
    if (!inWord) {
      inWord = true;
      rawStart = i;
    }
    if (ch === '"') quoted = !quoted;
    else if (ch === "\\") escaped = true;
    else cur += ch;
  }
  if (inWord) words.push(cur);
  return {
    words,
    trailingSpace: !inWord,
    lastRaw: inWord ? line.slice(rawStart) : "",
    openQuote: quoted,
  };
}

interface Entry {
  readonly def: CommandDef;
  /** Lower-cased words, the match key. */
  readonly words: string[];
  /** Lower-cased words joined by one space. */
  readonly full: string;
}

/** Asterisk's `help` column: `%-30s -- %s`. */
const HELP_COLUMN = 30;

/** Holds the console commands and runs, completes and documents command lines. */
export class CommandRegistry {
  private readonly entries = new Map<string, Entry>();
  private maxWords = 0;

  /** `log` receives failures of command handlers that are bugs (not LinekeyErrors). */
  constructor(private readonly log?: Logger) {
    this.register({
      words: ["help"],
      usage: "help [command]",
      summary: "Display help list, or specific help on a command",
      run: (ctx) => {
        const h = this.help(ctx.args);
        if (!h.found) throw new LinekeyError("MGMT_ERR_COMMAND", h.text);
        return h.text;
      },
      complete: (partial) => this.wordCandidates(partial.slice(0, -1), partial.at(-1) ?? ""),
    });
  }

  /**
   * Adds a command. Throws LinekeyError MGMT_ERR_COMMAND when the words are empty, contain
   * blanks or quotes, or are already registered.
   */
  register(def: CommandDef): void {
    if (def.words.length === 0)
      throw new LinekeyError("MGMT_ERR_COMMAND", "a command needs at least one word");
    for (const w of def.words) {
      if (w === "" || /[\s"\\]/.test(w)) {
        throw new LinekeyError("MGMT_ERR_COMMAND", `invalid command word ${JSON.stringify(w)}`);
      }
    }
    const words = def.words.map((w) => w.toLowerCase());
    const full = words.join(" ");
    if (this.entries.has(full)) {
      throw new LinekeyError("MGMT_ERR_COMMAND", `command '${full}' is already registered`);
    }
    this.entries.set(full, { def, words, full });
    this.maxWords = Math.max(this.maxWords, words.length);
  }

  /** Removes a command (a module being unloaded). Returns false when it was not registered. */
  unregister(words: string[]): boolean {
    const removed = this.entries.delete(words.map((w) => w.toLowerCase()).join(" "));
    if (removed) this.maxWords = Math.max(0, ...[...this.entries.values()].map((e) => e.words.length));
    return removed;
  }

  /** All commands (the built-in `help` included), sorted by their words. */
  list(): CommandDef[] {
    return this.sorted().map((e) => e.def);
  }

  /**
   * Runs one command line. Never rejects: an unknown command or a handler that throws gives
   * `ok: false` with a message, so a console can never take the server down. An empty line is a
   * no-op (`ok: true`, empty output), as in Asterisk.
   */
  async run(line: string): Promise<CommandOutcome> {
    const trimmed = line.trim();
    const { words } = parseCommandLine(trimmed);
    if (words.length === 0) return { ok: true, output: "" };
    const entry = this.match(words);
    if (!entry) return { ok: false, output: `No such command '${trimmed}' (type 'help' for help)` };
    try {
      const output = await entry.def.run({ args: words.slice(entry.words.length), line: trimmed });
      return { ok: true, output };
    } catch (err) {
      if (err instanceof UsageError) {
        const usage = formatUsage(entry.def);
        return { ok: false, output: err.detail === undefined ? usage : `${err.detail}\n${usage}` };
      }
      if (!(err instanceof LinekeyError)) {
        // A LinekeyError is an expected refusal; anything else is a bug in the handler.
        this.log?.warn("console command failed", { command: entry.full, err });
      }
      return { ok: false, output: err instanceof Error ? err.message : String(err) };
    }
  }

  /**
   * Completes `line` (the text before the cursor), in the shape node:readline's completer
   * wants: `[candidates, textBeingReplaced]`. Candidates are command words at that position
   * plus, once a full command is typed, what its `complete` offers. A single candidate gets a
   * trailing space so the next word can be typed straight away.
   */
  complete(line: string): [string[], string] {
    const parsed = parseCommandLine(line);
    const done = parsed.trailingSpace ? parsed.words : parsed.words.slice(0, -1);
    const partial = parsed.trailingSpace ? "" : (parsed.words.at(-1) ?? "");
    const raw = parsed.lastRaw;
    const found = this.wordCandidates(done, partial);
    const quoted = raw.startsWith('"');
    const escape = (t: string): string => (quoted ? t : t.replace(/([\s"\\])/g, "\\$1"));
    const out = found.map((c) =>
      // Plain word: hand back the canonical spelling; readline swaps "SH" for "show" itself.
      // Quoted/escaped word: keep the text as typed so readline can extend exactly `raw`.
      raw === partial ? escape(c) : raw + escape(c.slice(partial.length)),
    );
    if (out.length === 1) out[0] = `${out[0] ?? ""}${parsed.openQuote ? '"' : ""} `;
    return [out, raw];
  }

  /**
   * Help text, Asterisk layout. No prefix: every command as `words (padded to 30) -- summary`.
   * A prefix naming one command exactly: its usage. Otherwise the commands whose text starts
   * with the prefix (so `help sccp sh` lists the `sccp show ...` commands).
   */
  helpText(prefix: string[] = []): string {
    return this.help(prefix).text;
  }

  private help(prefix: string[]): { found: boolean; text: string } {
    if (prefix.length > 0) {
      const exact = this.entries.get(prefix.map((w) => w.toLowerCase()).join(" "));
      if (exact) return { found: true, text: formatUsage(exact.def) };
    }
    const match = prefix.join(" ").toLowerCase();
    const rows = this.sorted()
      .filter((e) => e.full.startsWith(match))
      .map((e) => `${e.full.padEnd(HELP_COLUMN)} -- ${e.def.summary || "<no description available>"}`);
    if (rows.length === 0) return { found: false, text: `No such command '${prefix.join(" ")}'.` };
    return { found: true, text: rows.join("\n") };
  }

  /** The registered command whose words are the longest prefix of `words`. */
  private match(words: string[]): Entry | undefined {
    const lower = words.map((w) => w.toLowerCase());
    for (let n = Math.min(this.maxWords, lower.length); n > 0; n--) {
      const e = this.entries.get(lower.slice(0, n).join(" "));
      if (e) return e;
    }
    return undefined;
  }

  /** Candidates for the word after `done`, starting with `partial` (case-insensitive), sorted. */
  private wordCandidates(done: string[], partial: string): string[] {
    const lowerDone = done.map((w) => w.toLowerCase());
    const lowerPartial = partial.toLowerCase();
    const out = new Set<string>();
    for (const e of this.entries.values()) {
      if (e.words.length <= lowerDone.length) continue;
      if (!lowerDone.every((w, i) => w === e.words[i])) continue;
      const next = e.words[lowerDone.length];
      if (next?.startsWith(lowerPartial)) out.add(next);
    }
    const cmd = this.match(done);
    if (cmd?.def.complete) {
      let args: string[] = [];
      try {
        args = cmd.def.complete([...done.slice(cmd.words.length), partial]);
      } catch (err) {
        // Completion is a convenience: a broken completer must not break the console.
        this.log?.warn("console completion failed", { command: cmd.full, err });
      }
      for (const a of args) if (a.toLowerCase().startsWith(lowerPartial)) out.add(a);
    }
    return [...out].sort();
  }

  private sorted(): Entry[] {
    return [...this.entries.values()].sort((a, b) => (a.full < b.full ? -1 : a.full > b.full ? 1 : 0));
  }
}

/** `Usage: <usage>` (unless the text already says so), then the summary indented below. */
function formatUsage(def: CommandDef): string {
  const usage = /^usage:/i.test(def.usage) ? def.usage : `Usage: ${def.usage}`;
  return def.summary ? `${usage}\n       ${def.summary}` : usage;
}
