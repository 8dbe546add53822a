import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateExpression, isTrue } from "../../src/core/dialplan/expressions.ts";
import { memoryLogger } from "../../src/util/logger.ts";

test("expression table", () => {
  const table: Array<[string, string]> = [
    ["1 + 2", "3"],
    ["2+3*4", "14"],
    ["(2+3)*4", "20"],
    ["7 / 2", "3.5"],
    ["7 % 3", "1"],
    ["10 - 4 - 3", "3"],
    ["-5 + 2", "-3"],
    ["1.5 * 2", "3"],
    ["3 = 3", "1"],
    ["3 == 4", "0"],
    ["3 != 4", "1"],
    ["10 > 9", "1"], // numeric strings compare as numbers
    ["abc < abd", "1"], // strings compare as strings
    ["10 < abc", "1"],
    ["2 <= 2", "1"],
    ["2 >= 3", "0"],
    ["007 = 7", "1"],
    ['"abc" = "abc"', "1"],
    ['"abc" = abc', "0"], // a quoted token keeps its quotes
    ["1 & 0", "0"],
    ["5 & 6", "5"], // & returns its left operand when both are true
    ["0 | 7", "7"],
    ["3 | 7", "3"],
    [" | x", "0"], // syntax error
    ["!0", "1"],
    ["!5", "0"],
    ["!abc", "1"], // atoi("abc") is 0
    ["1 = 1 & 2 = 2", "1"],
    ["1 = 2 | 3 = 3", "1"],
    ["1 ? yes :: no", "yes"],
    ["0 ? yes :: no", "no"],
    ['abc =~ "b(c)"', "c"], // quoted: unquoted, b(c) would be a function call
    ['a5 =~ "a([0-9])" + 1', "6"], // a captured number is numeric
    ["abcd =~ bc", "2"],
    ["abc =~ z", "0"],
    ["abc : b", "0"], // ':' is anchored at the start
    ["abc : ab", "2"],
    ["foo ~~ bar", "foobar"],
    ["", ""],
    ["hello", "hello"],
    ["5 / 0", "2147483647"],
    ["FLOOR(7 / 2)", "3"],
  ];
  for (const [expr, want] of table) assert.equal(evaluateExpression(expr), want, `$[${expr}]`);
});

test("a syntax error logs a warning and yields 0", () => {
  const { logger, records } = memoryLogger();
  assert.equal(evaluateExpression("1 +", { log: logger }), "0");
  assert.equal(evaluateExpression("(1", { log: logger }), "0");
  assert.equal(records.filter((r) => r.level === "warn").length, 2);
});

test("unknown functions in expressions go to the dialplan function hook", () => {
  const seen: string[] = [];
  const out = evaluateExpression("LEN(abc, 1+1) + 1", {
    callFunction: (name, args) => {
      seen.push(`${name}(${args})`);
      return "41";
    },
  });
  assert.equal(out, "42");
  assert.deepEqual(seen, ["LEN(abc,2)"]);
});

test("isTrue is Asterisk's pbx_checkcondition", () => {
  const table: Array<[string | undefined, boolean]> = [
    [undefined, false],
    ["", false],
    ["0", false],
    ["00", false],
    [" 0", false],
    ["-0", false],
    ["0.5", false], // sscanf %d reads 0
    ["1", true],
    ["-1", true],
    ["12abc", true],
    ["abc", true],
    [" ", true],
  ];
  for (const [cond, want] of table) assert.equal(isTrue(cond), want, JSON.stringify(cond));
});
