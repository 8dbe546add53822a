/**
 * Splitting application arguments, Asterisk style (`__ast_app_separate_args`). The interpreter
 * substitutes variables in the whole argument string first and splits afterwards, as Asterisk
 * does, so a variable whose value holds a comma yields two arguments; write `\,` to keep one.
 */

/** Options of {@link splitArgs}. */
export interface SplitArgsOptions {
  /** Separator character. Default `,`. */
  delimiter?: string;
  /**
   * Remove the quoting: `"` characters are dropped and `\x` becomes `x` (Asterisk's
   * AST_STANDARD_APP_ARGS). With false the text is kept verbatim (AST_STANDARD_RAW_ARGS).
   * Default true.
   */
  unquote?: boolean;
  /** Stop after this many arguments: the last one keeps the rest of the text. Default: no limit. */
  limit?: number;
}

/**
 * Splits `data` on the delimiter where it is not inside `"..."`, `(...)`, `[...]` or `${...}`,
 * and not escaped by a backslash. Empty data gives no arguments; a trailing delimiter gives a
 * trailing empty argument (`a,` → `["a", ""]`). Whitespace is kept: `Verbose(2, hi)` passes
 * `" hi"`, as in Asterisk.
 */
export function splitArgs(data: string, opts: SplitArgsOptions = {}): string[] {
  const delim = opts.delimiter ?? ",";
  const unquote = opts.unquote ?? true;
  const limit = opts.limit ?? Infinity;
  if (data === "") return [];
  const out: string[] = [];
  let cur = "";
  let paren = 0;
  let bracket = 0;
  let brace = 0;
  let quote = false;
  for (let i = 0; i < data.length; i++) {
    const c = data[i] ?? "";
    if (c === "\\") {
      const next = data[i + 1];
      if (!unquote) cur += c;
      if (next !== undefined) cur += next;
      i++;
      continue;
    }
    if (c === '"' && delim !== '"') {
      quote = !quote;
      if (!unquote) cur += c;
      continue;
    }
    if (!quote) {
      if (c === delim && paren === 0 && bracket === 0 && brace === 0 && out.length + 1 < limit) {
        out.push(cur);
        cur = "";
        continue;
      }
      if (c === "(") paren++;
      else if (c === ")" && paren > 0) paren--;
      else if (c === "[") bracket++;
      else if (c === "]" && bracket > 0) bracket--;
      else if (c === "$" && data[i + 1] === "{") {
        // Only `${` opens a brace group: a lone `{` in a value must not swallow commas.
        brace++;
        cur += "${";
        i++;
        continue;
      } else if (c === "}" && brace > 0) brace--;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}
