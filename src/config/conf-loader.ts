/**
 * What the loaders of sccp.conf and linekey.conf share: errors and warnings that name the file,
 * line and key; values read through parsers that throw ValueProblem; a section's entries applied
 * through a table of key handlers, unknown keys warned about (with the sections they belong to).
 */
import { ConfigError } from "../util/errors.ts";
import type { ErrorCode } from "../util/errors.ts";
import type { ConfEntry } from "./asterisk-conf.ts";
import type { ConfigWarning } from "./config-errors.ts";
import { ValueProblem, parseIntIn } from "./conf-values.ts";

/** Collects the errors and warnings of one load. */
export class ConfLoader {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigWarning[] = [];

  fail(code: ErrorCode, at: { file: string; line: number }, key: string, detail: string): void {
    this.errors.push(new ConfigError(code, at.file, at.line, key, detail));
  }

  warn(at: { file: string; line: number }, key: string, message: string): void {
    this.warnings.push({ file: at.file, line: at.line, key, message });
  }

  /** Parses `e.value`; on a problem records CONFIG_ERR_VALUE at the entry and returns undefined. */
  value<T>(e: ConfEntry, parse: (v: string) => T): T | undefined {
    try {
      return parse(e.value);
    } catch (err) {
      if (!(err instanceof ValueProblem)) throw err;
      this.fail("CONFIG_ERR_VALUE", e, e.key, err.message);
      return undefined;
    }
  }

  /**
   * Parses `e.value` and hands the result to `assign`; a ValueProblem from either is recorded as
   * CONFIG_ERR_VALUE at the entry.
   */
  set<T>(e: ConfEntry, parse: (v: string) => T, assign: (v: T) => void): void {
    try {
      assign(parse(e.value));
    } catch (err) {
      if (!(err instanceof ValueProblem)) throw err;
      this.fail("CONFIG_ERR_VALUE", e, e.key, err.message);
    }
  }
}

/** Handles one key of a section: reads the entry into the section's draft. */
export type KeyHandler<L extends ConfLoader, D> = (ld: L, draft: D, e: ConfEntry) => void;

/** A parser of an integer in [min, max]. */
export const int =
  (min: number, max: number) =>
  (v: string): number =>
    parseIntIn(v, min, max);

/**
 * Applies a section's entries through its key table. An unknown key is warned about and ignored;
 * the warning names the sections the key belongs to, if any (`keysByKind`: every section kind
 * with its keys).
 */
export function applyEntries<L extends ConfLoader, D>(
  ld: L,
  kind: string,
  table: ReadonlyMap<string, KeyHandler<L, D>>,
  draft: D,
  entries: readonly ConfEntry[],
  keysByKind: ReadonlyMap<string, ReadonlyMap<string, unknown>>,
): void {
  for (const e of entries) {
    const key = e.key.toLowerCase();
    const handler = table.get(key);
    if (handler !== undefined) {
      handler(ld, draft, e);
      continue;
    }
    const elsewhere = [...keysByKind].filter(([, keys]) => keys.has(key)).map(([k]) => k);
    ld.warn(
      e,
      e.key,
      elsewhere.length > 0
        ? `'${e.key}' is a ${elsewhere.join("/")} key, ignored in a ${kind} section`
        : `unknown ${kind} key '${e.key}', ignored`,
    );
  }
}
