import { test } from "node:test";
import assert from "node:assert/strict";
import { splitArgs } from "../../src/core/dialplan/args.ts";

test("splitArgs table (Asterisk's standard app args)", () => {
  const table: Array<[string, string[]]> = [
    ["", []],
    ["a", ["a"]],
    ["a,b,c", ["a", "b", "c"]],
    ["a,", ["a", ""]],
    [",a", ["", "a"]],
    ["a,,b", ["a", "", "b"]],
    [" a , b ", [" a ", " b "]], // whitespace is kept
    ["SCCP/107,30,tT", ["SCCP/107", "30", "tT"]],
    ['"a,b",c', ["a,b", "c"]], // quotes protect and are removed
    ["a\\,b,c", ["a,b", "c"]], // \, is a literal comma
    ["f(a,b),c", ["f(a,b)", "c"]],
    ["$[1,2],c", ["$[1,2]", "c"]],
    ["${X,Y},c", ["${X,Y}", "c"]],
    ["{a,b}", ["{a", "b}"]], // a lone brace is text
    ['say \\"hi\\"', ['say "hi"']],
  ];
  for (const [data, want] of table) assert.deepEqual(splitArgs(data), want, data);
});

test("splitArgs raw mode keeps quotes and backslashes; other delimiters; limit", () => {
  assert.deepEqual(splitArgs('"a,b",c\\,d', { unquote: false }), ['"a,b"', "c\\,d"]);
  assert.deepEqual(splitArgs("a&b&c", { delimiter: "&" }), ["a", "b", "c"]);
  assert.deepEqual(splitArgs("x?y?z", { delimiter: "?", limit: 2 }), ["x", "y?z"]);
});
