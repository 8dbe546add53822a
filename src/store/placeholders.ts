/**
 * Rewrites `?` placeholders (SQLite style, used by every query in Linekey) to PostgreSQL's
 * numbered `$1, $2, …`. A `?` is left alone inside anything that is not SQL code: '…' strings
 * (including E'…' with backslash escapes), "…" identifiers, $tag$…$tag$ bodies, -- and /* *\/
 * comments. PostgreSQL's jsonb `?` operators therefore cannot be written; use the function forms
 * (jsonb_exists) instead.
 */

/** Result of a rewrite: the PostgreSQL text and how many placeholders it had. */
export interface RewrittenSql {
  readonly text: string;
  readonly count: number;
}

/** Rewrites `?` placeholders outside literals, identifiers and comments to `$1…$n`. */
export function rewritePlaceholders(sql: string): RewrittenSql {
  let out = "";
  let n = 0;
  let i = 0;
  const len = sql.length;
  while (i < len) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === "?") {
      out += `$${++n}`;
      i++;
    } else if (c === "'") {
      // E'…' strings take backslash escapes; standard strings only double the quote.
      const prev = i > 0 ? sql[i - 1] : undefined;
      const escapes = (prev === "E" || prev === "e") && !isIdentChar(sql[i - 2]);
      const end = skipQuoted(sql, i, "'", escapes);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"', false);
      out += sql.slice(i, end);
      i = end;
    } else if (c === "-" && next === "-") {
      const nl = sql.indexOf("\n", i);
      const end = nl === -1 ? len : nl;
      out += sql.slice(i, end);
      i = end;
    } else if (c === "/" && next === "*") {
      const end = skipBlockComment(sql, i);
      out += sql.slice(i, end);
      i = end;
    } else if (c === "$" && !isIdentChar(sql[i - 1])) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const end = close === -1 ? len : close + tag[0].length;
        out += sql.slice(i, end);
        i = end;
      } else {
        out += c;
        i++;
      }
    } else {
      out += c;
      i++;
    }
  }
  return { text: out, count: n };
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$]/.test(c);
}

/** Index just past the closing quote (a doubled quote is an escaped one). */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === "\\") {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** Index just past the end of a (possibly nested, as PostgreSQL allows) block comment. */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === "/" && sql[i + 1] === "*") {
      depth++;
      i += 2;
    } else if (sql[i] === "*" && sql[i + 1] === "/") {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}
