/**
 * Option strings of Asterisk applications (`Dial(…,tTr)`, `Page(…,di)`, `A(beep)`): single
 * letters, case-sensitive, a letter optionally followed by a parenthesised argument
 * (Asterisk's `ast_app_parse_options`). Whitespace is ignored, so the seed's `di ` works.
 */

/** Parsed options: letter → argument (`undefined` when the option has none). */
export type AppOptions = ReadonlyMap<string, string | undefined>;

/** Parses an option string; an unclosed `(` takes the rest of the text as the argument. */
export function parseAppOptions(text: string): AppOptions {
  const out = new Map<string, string | undefined>();
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (/\s/.test(c)) continue;
    if (text[i + 1] !== "(") {
      out.set(c, undefined);
      continue;
    }
    let depth = 1;
    let j = i + 2;
    for (; j < text.length && depth > 0; j++) {
      if (text[j] === "(") depth++;
      else if (text[j] === ")") depth--;
    }
    const closed = depth === 0;
    out.set(c, text.slice(i + 2, closed ? j - 1 : j));
    i = j - 1;
  }
  return out;
}
