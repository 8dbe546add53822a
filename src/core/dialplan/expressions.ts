/**
 * `$[ ... ]` expressions, following Asterisk's ast_expr2 grammar and value rules, and the truth
 * test applications use for conditions (pbx_checkcondition).
 *
 * Operators, loosest first: `? ::` (ternary), `|`, `&`, `= == != < > <= >=`, `+ -`,
 * `* / %`, unary `!` and `-`, then `=~` (regex, POSIX ERE approximated by JavaScript RegExp),
 * `:` (regex anchored at the start) and `~~` (concatenation); parentheses group.
 *
 * Values keep Asterisk's three kinds: numbers, numeric strings (`12`, `1.5`: compared as
 * numbers) and strings (compared as strings). A quoted token keeps its quotes, so
 * `"${A}" = "abc"` compares `"abc"` with `"abc"`. Arithmetic is floating point
 * (`$[7/2]` is 3.5). A syntax error logs a warning and yields `0`, as in Asterisk.
 */
import type { Logger } from "../../util/logger.ts";

/** Options of {@link evaluateExpression}. */
export interface ExpressionOptions {
  /**
   * Called for `NAME(args)` when NAME is not a built-in math function (Asterisk calls the
   * dialplan function of that name). `args` are the evaluated arguments joined with `,`.
   * Undefined result or no hook: an empty string.
   */
  callFunction?: (name: string, args: string) => string | undefined;
  log?: Logger;
}

type Value = { kind: "num"; n: number } | { kind: "numstr"; s: string } | { kind: "str"; s: string };

type Token = { op: string } | { value: Value };

const OPS2 = ["||", "&&", "==", "=~", "~~", ">=", "<=", "!=", "::"];
const OPS1 = new Set(["|", "&", "=", ">", "<", "+", ",", "-", "*", "/", "%", "?", "!", ":", "(", ")"]);
const NUMERIC = /^[0-9]+(\.[0-9]+)?$/;
/** Asterisk's INT_MAX result of a division by zero. */
const INT_MAX = 2147483647;

class ExprSyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? "";
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (OPS2.includes(two)) {
      out.push({ op: two });
      i += 2;
      continue;
    }
    if (OPS1.has(c)) {
      out.push({ op: c });
      i++;
      continue;
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new ExprSyntaxError("unterminated string");
      out.push({ value: { kind: "str", s: text.slice(i, end + 1) } });
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < text.length) {
      const d = text[j] ?? "";
      if (d === " " || d === "\t" || d === "\r" || d === "\n" || d === '"' || OPS1.has(d)) break;
      if (d === "~" && text[j + 1] === "~") break;
      j++;
    }
    const word = text.slice(i, j);
    out.push({ value: NUMERIC.test(word) ? { kind: "numstr", s: word } : { kind: "str", s: word } });
    i = j;
  }
  return out;
}

/** The number a value stands for, or undefined for a non-numeric string. */
function toNumber(v: Value): number | undefined {
  if (v.kind === "num") return v.n;
  if (v.kind === "str") return undefined;
  const n = Number.parseFloat(v.s);
  return Number.isNaN(n) ? undefined : n;
}

/** A computed string (function or regex result): numeric when made of digits and dots (make_str). */
function makeStr(s: string): Value {
  return /^[0-9.]+$/.test(s) ? { kind: "numstr", s } : { kind: "str", s };
}

/** Formats like C's `%.18Lg`, rounded to what a double can carry without binary noise. */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  return String(Number(n.toPrecision(15)));
}

function toText(v: Value): string {
  return v.kind === "num" ? formatNumber(v.n) : v.s;
}

function num(n: number): Value {
  return { kind: "num", n };
}

function isZeroOrNull(v: Value): boolean {
  if (v.kind === "num") return v.n === 0;
  if (v.s === "") return true;
  const n = toNumber(v);
  return n !== undefined && n === 0;
}

/** Asterisk's strip_quotes: a value both starting and ending with `"` loses all its quotes. */
function stripQuotes(s: string): string {
  return s.length >= 1 && s.startsWith('"') && s.endsWith('"') ? s.replaceAll('"', "") : s;
}

function compare(a: Value, b: Value): number {
  if (a.kind === "str" || b.kind === "str") {
    const x = toText(a);
    const y = toText(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = toNumber(a) ?? 0;
  const y = toNumber(b) ?? 0;
  return x < y ? -1 : x > y ? 1 : 0;
}

const MATH: Record<string, (args: number[]) => number> = {
  SQRT: (a) => Math.sqrt(a[0] ?? 0),
  FLOOR: (a) => Math.floor(a[0] ?? 0),
  CEIL: (a) => Math.ceil(a[0] ?? 0),
  ROUND: (a) => Math.sign(a[0] ?? 0) * Math.round(Math.abs(a[0] ?? 0)),
  TRUNC: (a) => Math.trunc(a[0] ?? 0),
  EXP: (a) => Math.exp(a[0] ?? 0),
  LOG: (a) => Math.log(a[0] ?? 0),
  LOG2: (a) => Math.log2(a[0] ?? 0),
  LOG10: (a) => Math.log10(a[0] ?? 0),
  POW: (a) => Math.pow(a[0] ?? 0, a[1] ?? 0),
};

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly opts: ExpressionOptions,
  ) {}

  parse(): Value {
    if (this.tokens.length === 0) return { kind: "str", s: "" };
    const v = this.ternary();
    if (this.pos < this.tokens.length) throw new ExprSyntaxError(`unexpected '${this.describe()}'`);
    return v;
  }

  private describe(): string {
    const t = this.tokens[this.pos];
    if (t === undefined) return "end of expression";
    return "op" in t ? t.op : toText(t.value);
  }

  private peekOp(...ops: string[]): string | undefined {
    const t = this.tokens[this.pos];
    return t !== undefined && "op" in t && ops.includes(t.op) ? t.op : undefined;
  }

  private ternary(): Value {
    let left = this.or();
    while (this.peekOp("?") !== undefined) {
      this.pos++;
      const yes = this.ternary();
      if (this.peekOp("::") === undefined) throw new ExprSyntaxError("'?' without '::'");
      this.pos++;
      const no = this.or();
      left = this.truthForCond(left) ? yes : no;
    }
    return left;
  }

  /** op_cond's truth: strings other than "", `""` and "0" are true; numbers when non-zero. */
  private truthForCond(v: Value): boolean {
    if (v.kind === "str") return v.s !== "" && v.s !== '""' && v.s !== "0";
    return (toNumber(v) ?? 0) !== 0;
  }

  private or(): Value {
    let left = this.and();
    while (this.peekOp("|", "||") !== undefined) {
      this.pos++;
      const right = this.and();
      left = isZeroOrNull(left) ? right : left;
    }
    return left;
  }

  private and(): Value {
    let left = this.comparison();
    while (this.peekOp("&", "&&") !== undefined) {
      this.pos++;
      const right = this.comparison();
      left = isZeroOrNull(left) || isZeroOrNull(right) ? num(0) : left;
    }
    return left;
  }

  private comparison(): Value {
    let left = this.additive();
    for (;;) {
      const op = this.peekOp("=", "==", "!=", "<", ">", "<=", ">=");
      if (op === undefined) return left;
      this.pos++;
      const c = compare(left, this.additive());
      const r =
        op === "=" || op === "=="
          ? c === 0
          : op === "!="
            ? c !== 0
            : op === "<"
              ? c < 0
              : op === ">"
                ? c > 0
                : op === "<="
                  ? c <= 0
                  : c >= 0;
      left = num(r ? 1 : 0);
    }
  }

  private additive(): Value {
    let left = this.multiplicative();
    for (;;) {
      const op = this.peekOp("+", "-");
      if (op === undefined) return left;
      this.pos++;
      const right = this.multiplicative();
      const a = toNumber(left);
      const b = toNumber(right);
      this.warnNonNumeric(a, b);
      if (op === "+")
        left = a === undefined ? (b === undefined ? num(0) : right) : b === undefined ? left : num(a + b);
      else
        left = a === undefined ? (b === undefined ? num(0) : num(-b)) : b === undefined ? left : num(a - b);
    }
  }

  private multiplicative(): Value {
    let left = this.unary();
    for (;;) {
      const op = this.peekOp("*", "/", "%");
      if (op === undefined) return left;
      this.pos++;
      const right = this.unary();
      const a = toNumber(left);
      const b = toNumber(right);
      this.warnNonNumeric(a, b);
      if (op === "*") {
        left = num(a === undefined || b === undefined ? 0 : a * b);
      } else if (op === "/") {
        if (a === undefined) left = num(0);
        else if (b === undefined) left = num(INT_MAX);
        else if (b === 0) {
          this.opts.log?.warn("expression: division by zero");
          left = num(INT_MAX);
        } else left = num(a / b);
      } else if (a === undefined || b === undefined) {
        left = num(0);
      } else if (b === 0) {
        this.opts.log?.warn("expression: division by zero");
        left = right;
      } else {
        left = num(a % b);
      }
    }
  }

  private warnNonNumeric(a: number | undefined, b: number | undefined): void {
    if (a === undefined || b === undefined) this.opts.log?.warn("expression: non-numeric argument");
  }

  private unary(): Value {
    const op = this.peekOp("!", "-");
    if (op === undefined) return this.match();
    this.pos++;
    const v = this.unary();
    if (op === "-") {
      const n = toNumber(v);
      return num(n === undefined ? 0 : -n);
    }
    return num(this.complTruth(v) ? 0 : 1);
  }

  /** op_compl's truth: strings go through atoi, so `!abc` is 1 and `!5` is 0. */
  private complTruth(v: Value): boolean {
    if (v.kind === "num") return v.n !== 0;
    if (v.s === "" || v.s === "0") return false;
    const n = Number.parseInt(v.s, 10);
    return !Number.isNaN(n) && n !== 0;
  }

  private match(): Value {
    let left = this.primary();
    for (;;) {
      const op = this.peekOp("=~", ":", "~~");
      if (op === undefined) return left;
      this.pos++;
      const right = this.primary();
      const a = stripQuotes(toText(left));
      const b = stripQuotes(toText(right));
      left = op === "~~" ? makeStr(a + b) : this.regex(a, b, op === ":");
    }
  }

  private regex(subject: string, pattern: string, anchored: boolean): Value {
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch (err) {
      this.opts.log?.warn("expression: bad regular expression", { pattern, err });
      return { kind: "str", s: "" };
    }
    const groups = (new RegExp(`${pattern}|`).exec("")?.length ?? 1) - 1;
    const m = re.exec(subject);
    if (m !== null && (!anchored || m.index === 0)) {
      const g = m[1];
      if (groups > 0 && g !== undefined) return makeStr(g);
      return num(m[0].length);
    }
    return groups > 0 ? { kind: "str", s: "" } : num(0);
  }

  private primary(): Value {
    const t = this.tokens[this.pos];
    if (t === undefined) throw new ExprSyntaxError("unexpected end of expression");
    if ("op" in t) {
      if (t.op !== "(") throw new ExprSyntaxError(`unexpected '${t.op}'`);
      this.pos++;
      const v = this.ternary();
      if (this.peekOp(")") === undefined) throw new ExprSyntaxError("missing ')'");
      this.pos++;
      return v;
    }
    this.pos++;
    if (t.value.kind === "str" && this.peekOp("(") !== undefined) return this.call(t.value.s);
    return t.value;
  }

  private call(name: string): Value {
    this.pos++; // '('
    const args: Value[] = [];
    if (this.peekOp(")") === undefined) {
      for (;;) {
        args.push(this.peekOp(",", ")") !== undefined ? { kind: "str", s: "" } : this.ternary());
        if (this.peekOp(",") === undefined) break;
        this.pos++;
      }
    }
    if (this.peekOp(")") === undefined) throw new ExprSyntaxError(`missing ')' after ${name}(`);
    this.pos++;
    const math = MATH[name];
    if (math !== undefined) return num(math(args.map((a) => toNumber(a) ?? 0)));
    const result = this.opts.callFunction?.(name, args.map(toText).join(","));
    if (result === undefined) this.opts.log?.warn("expression: unknown function", { function: name });
    return makeStr(result ?? "");
  }
}

/**
 * Evaluates the text of a `$[ ... ]` (variables already substituted) and returns the result as
 * the dialplan sees it: numbers formatted (`3`, `3.5`), strings as they are.
 */
export function evaluateExpression(expr: string, opts: ExpressionOptions = {}): string {
  try {
    return toText(new Parser(tokenize(expr), opts).parse());
  } catch (err) {
    if (!(err instanceof ExprSyntaxError)) throw err;
    opts.log?.warn("expression: syntax error", { expr, detail: err.message });
    return "0";
  }
}

/**
 * Asterisk's pbx_checkcondition: empty is false; text starting with an integer is that
 * integer's truth (`0`, `00`, ` 0x` are false); any other text is true.
 */
export function isTrue(condition: string | undefined): boolean {
  if (condition === undefined || condition === "") return false;
  const m = /^\s*[+-]?\d+/.exec(condition);
  if (m !== null) return Number.parseInt(m[0], 10) !== 0;
  return true;
}
