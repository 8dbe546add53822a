import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAppOptions } from "../../src/core/apps/index.ts";
import { hasAutoAnswer } from "../../src/core/apps/dial.ts";

test("option letters, arguments in parentheses, whitespace ignored", () => {
  assert.deepEqual(
    [...parseAppOptions("di ")],
    [
      ["d", undefined],
      ["i", undefined],
    ],
  );
  assert.deepEqual(
    [...parseAppOptions("A(beep)tT")],
    [
      ["A", "beep"],
      ["t", undefined],
      ["T", undefined],
    ],
  );
  assert.deepEqual(
    [...parseAppOptions("M(macro(x))g")],
    [
      ["M", "macro(x)"],
      ["g", undefined],
    ],
  );
  assert.deepEqual([...parseAppOptions("A(open")], [["A", "open"]]);
  assert.equal(parseAppOptions("").size, 0);
});

test("the autoanswer option of a dial string", () => {
  assert.equal(hasAutoAnswer("SCCP/100/autoanswer"), true);
  assert.equal(hasAutoAnswer("sccp/100/AutoAnswer"), true);
  assert.equal(hasAutoAnswer("SCCP/100"), false);
  assert.equal(hasAutoAnswer("SCCP/autoanswer"), false, "a line may be named so");
});
