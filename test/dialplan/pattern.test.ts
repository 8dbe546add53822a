import { test } from "node:test";
import assert from "node:assert/strict";
import {
  compareExtensions,
  extensionMatch,
  normalizeExtension,
  patternProblem,
} from "../../src/core/dialplan/pattern.ts";
import type { MatchMode } from "../../src/core/dialplan/pattern.ts";

test("extensionMatch: exact matches of literals and patterns", () => {
  const table: Array<[string, string, 0 | 1 | 2]> = [
    ["100", "100", 1],
    ["100", "10", 0],
    ["100", "1000", 0],
    ["1-00", "100", 1], // '-' is eye candy
    ["s", "s", 1],
    ["*98", "*98", 1],
    ["#", "#", 1],
    ["+33123", "+33123", 1],
    ["_X.", "1", 0], // '.' needs at least one more character
    ["_X.", "12", 1],
    ["_X.", "1234567", 1],
    ["_X!", "1", 2], // '!' is zero or more: an early match
    ["_X!", "", 0],
    ["_!", "", 2],
    ["_NXX", "200", 1],
    ["_NXX", "100", 0], // N is 2-9
    ["_NXX", "20", 0],
    ["_NXX", "2000", 0],
    ["_Z", "0", 0],
    ["_Z", "9", 1],
    ["_[1-5]XX", "512", 1],
    ["_[1-5]XX", "612", 0],
    ["_[a-c]", "b", 1],
    ["_[a-c]", "d", 0],
    ["_[13-5]", "4", 1],
    ["_[13-5]", "2", 0],
    ["_1NXX-XXXX", "12125551212".slice(0, 8), 1],
    ["_x.", "12", 1], // lowercase wildcards work too
  ];
  for (const [pattern, data, want] of table) {
    assert.equal(extensionMatch(pattern, data, "match"), want, `${pattern} vs '${data}'`);
  }
});

test("extensionMatch: canmatch and matchmore on partial input", () => {
  const table: Array<[string, string, MatchMode, 0 | 1 | 2]> = [
    ["100", "1", "canmatch", 1],
    ["100", "1", "matchmore", 1],
    ["100", "100", "canmatch", 1],
    ["100", "100", "matchmore", 0],
    ["100", "2", "canmatch", 0],
    ["100", "", "canmatch", 1],
    ["_1XX", "1", "matchmore", 1],
    ["_1XX", "100", "matchmore", 0],
    ["_1XX", "100", "canmatch", 1],
    ["_X.", "1", "matchmore", 1],
    ["_X.", "12", "matchmore", 1], // '.' can always take more
    ["_X!", "1", "matchmore", 2], // the caller treats 2 as "no, dial now"
  ];
  for (const [pattern, data, mode, want] of table) {
    assert.equal(extensionMatch(pattern, data, mode), want, `${pattern} vs '${data}' (${mode})`);
  }
});

test("compareExtensions: Asterisk's ordering (literals first, most specific pattern first)", () => {
  const names = [
    "_X!",
    "_.",
    "_X.",
    "s",
    "_NXX",
    "_Z",
    "_[1-5]XX",
    "100",
    "_1XX",
    "_1X.",
    "10",
    "_[a-c]",
    "_[12]XX",
  ];
  const sorted = [...names].sort(compareExtensions);
  assert.deepEqual(sorted, [
    "10",
    "100",
    "s",
    "_1XX", // first position: one character; third: a set of 10 beats '.'
    "_1X.",
    "_[12]XX", // sets by size: 2 ...
    "_[a-c]", // ... 3 ...
    "_[1-5]XX", // ... 5 ...
    "_NXX", // ... N = 8 ...
    "_Z", // ... Z = 9 ...
    "_X.", // ... X = 10
    "_X!", // '!' after '.'
    "_.",
  ]);
});

test("compareExtensions: position by position, '.' after a set and '!' after '.'", () => {
  assert.ok(compareExtensions("_1XX", "_1X.") < 0);
  assert.ok(compareExtensions("_X.", "_X!") < 0);
  assert.ok(compareExtensions("_XXX", "_XX") < 0); // the end of a pattern sorts after anything
  assert.ok(compareExtensions("_2XX", "_3XX") < 0); // same size: lower characters first
  assert.equal(compareExtensions("_[12]X", "_[21]X"), 0);
  assert.equal(compareExtensions("1-00", "100"), 0);
});

test("normalizeExtension drops spaces, and '-' unless kept; not inside a pattern's set", () => {
  assert.equal(normalizeExtension("_1 NXX-XXXX", true), "_1NXX-XXXX");
  assert.equal(normalizeExtension("_1 NXX-XXXX", false), "_1NXXXXXX");
  assert.equal(normalizeExtension("_[1-5]XX", false), "_[1-5]XX");
  assert.equal(normalizeExtension("555-1234", false), "5551234");
});

test("patternProblem flags unusable patterns only", () => {
  for (const ok of ["_X.", "_NXX", "_Z", "_[1-5]XX", "_[a-c]", "_X!", "100", "s", "*", "#", "+"]) {
    assert.equal(patternProblem(ok), undefined, ok);
  }
  assert.match(patternProblem("_[12") ?? "", /unterminated/);
  assert.match(patternProblem("_1[]X") ?? "", /empty character set/);
  assert.match(patternProblem("_X.1") ?? "", /last character/);
  assert.match(patternProblem("_!X") ?? "", /last character/);
  assert.match(patternProblem("_") ?? "", /matches nothing/);
  assert.match(patternProblem("") ?? "", /empty/);
});
