import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDialplanText } from "../../src/core/dialplan/parser.ts";
import {
  extensionExists,
  findExtension,
  findHint,
  findLabel,
  findPriority,
  matchState,
} from "../../src/core/dialplan/matcher.ts";
import type { MatchState } from "../../src/core/dialplan/matcher.ts";

function dp(text: string): ReturnType<typeof parseDialplanText> {
  return parseDialplanText(text, "extensions.conf");
}

test("matchState: _1XX alone", () => {
  const plan = dp("[c]\nexten => _1XX,1,NoOp(three digits)\n");
  const table: Array<[string, MatchState]> = [
    ["", "prefix"],
    ["1", "prefix"],
    ["10", "prefix"],
    ["100", "exact-final"],
    ["1000", "none"],
    ["2", "none"],
  ];
  for (const [digits, want] of table) assert.equal(matchState(plan, "c", digits), want, `'${digits}'`);
});

test("matchState: literal 1 and 10 next to _1XX wait for more digits", () => {
  const plan = dp("[c]\nexten => 1,1,NoOp\nexten => 10,1,NoOp\nexten => _1XX,1,NoOp\n");
  const table: Array<[string, MatchState]> = [
    ["1", "exact-more"],
    ["10", "exact-more"],
    ["100", "exact-final"],
    ["1000", "none"],
    ["11", "prefix"],
  ];
  for (const [digits, want] of table) assert.equal(matchState(plan, "c", digits), want, `'${digits}'`);
});

test("matchState: _X. waits for the dial timeout, _X! dials at once", () => {
  const dot = dp("[c]\nexten => _X.,1,NoOp\n");
  assert.equal(matchState(dot, "c", "1"), "prefix");
  assert.equal(matchState(dot, "c", "12"), "exact-more");
  assert.equal(matchState(dot, "c", "123456"), "exact-more");
  assert.equal(matchState(dot, "c", "*"), "none");
  const bang = dp("[c]\nexten => _X!,1,NoOp\n");
  assert.equal(matchState(bang, "c", ""), "prefix");
  assert.equal(matchState(bang, "c", "1"), "exact-final");
  assert.equal(matchState(bang, "c", "123"), "exact-final");
  // A '!' answers "no more" for its whole context, even when a later pattern could go on.
  const both = dp("[c]\nexten => _1!,1,NoOp\nexten => _X.,1,NoOp\n");
  assert.equal(matchState(both, "c", "12"), "exact-final");
});

test("matchState follows includes, and an unknown context is 'none'", () => {
  const plan = dp(`
[phones]
exten => 100,1,NoOp
include => outside
[outside]
exten => _0X.,1,NoOp
`);
  assert.equal(matchState(plan, "phones", "100"), "exact-final");
  assert.equal(matchState(plan, "phones", "0"), "prefix");
  assert.equal(matchState(plan, "phones", "01"), "prefix");
  assert.equal(matchState(plan, "phones", "012"), "exact-more");
  assert.equal(matchState(plan, "phones", "9"), "none");
  assert.equal(matchState(plan, "nowhere", "100"), "none");
});

test("lookup order: exact literal, then the most specific pattern", () => {
  const plan = dp(`
[c]
exten => _X.,1,NoOp(any)
exten => _1XX,1,NoOp(1xx)
exten => _[1-5]XX,1,NoOp(1-5xx)
exten => _NXX,1,NoOp(nxx)
exten => 150,1,NoOp(literal)
exten => _X!,1,NoOp(bang)
`);
  const which = (exten: string): string | undefined => findPriority(plan, "c", exten, 1)?.priority.appData;
  assert.equal(which("150"), "literal");
  assert.equal(which("151"), "1xx");
  assert.equal(which("251"), "1-5xx");
  assert.equal(which("951"), "nxx");
  assert.equal(which("9512"), "any");
  assert.equal(which("0"), "bang");
  assert.equal(which("*"), undefined);
});

test("a matching extension without the priority passes the lookup on to the next match", () => {
  const plan = dp("[c]\nexten => 100,1,NoOp(literal)\nexten => _1XX,1,NoOp(p1)\nsame => n,NoOp(p2)\n");
  assert.equal(findPriority(plan, "c", "100", 1)?.priority.appData, "literal");
  assert.equal(findPriority(plan, "c", "100", 2)?.priority.appData, "p2");
});

test("includes: depth first, in order; local patterns beat included literals", () => {
  const plan = dp(`
[a]
exten => _X.,1,NoOp(a-pattern)
include => b
include => c
[b]
exten => 200,1,NoOp(b-literal)
include => d
[c]
exten => 300,1,NoOp(c-literal)
exten => 400,1,NoOp(c-400)
[d]
exten => 400,1,NoOp(d-400)
exten => 5,1,NoOp(d-5)
`);
  const which = (exten: string): string | undefined => findPriority(plan, "a", exten, 1)?.priority.appData;
  assert.equal(which("200"), "a-pattern"); // the including context is searched first
  assert.equal(which("5"), "d-5"); // b, then b's include d
  assert.equal(which("400"), "a-pattern");
  assert.equal(findPriority(plan, "b", "400", 1)?.priority.appData, "d-400");
  assert.equal(findPriority(plan, "b", "400", 1)?.context.name, "d");
});

test("include cycles are harmless", () => {
  const plan = dp(`
[a]
include => b
exten => 1,1,NoOp(a)
[b]
include => a
include => b
exten => 2,1,NoOp(b)
`);
  assert.equal(findPriority(plan, "a", "2", 1)?.context.name, "b");
  assert.equal(findPriority(plan, "b", "1", 1)?.context.name, "a");
  assert.equal(findPriority(plan, "a", "3", 1), undefined);
  assert.equal(matchState(plan, "a", "3"), "none");
});

test("labels, hints and existence", () => {
  const plan = dp(`
[c]
exten => 100,hint,SCCP/100
exten => 100,1,NoOp
same => n(dial),NoOp(dial)
exten => _2XX,1,NoOp
same => n(again),NoOp
`);
  assert.equal(findLabel(plan, "c", "100", "dial")?.priority.priority, 2);
  assert.equal(findLabel(plan, "c", "250", "again")?.priority.priority, 2);
  assert.equal(findLabel(plan, "c", "100", "nope"), undefined);
  assert.equal(findHint(plan, "c", "100"), "SCCP/100");
  assert.equal(findHint(plan, "c", "250"), undefined);
  assert.ok(extensionExists(plan, "c", "100"));
  assert.ok(!extensionExists(plan, "c", "100", 3));
  assert.equal(findExtension(plan, "c", "2", "canmatch")?.extension.name, "_2XX");
});
