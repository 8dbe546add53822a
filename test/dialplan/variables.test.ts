import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FunctionRegistry,
  builtinFunctions,
  channelScope,
  globalScope,
  setVariable,
  substitute,
  substring,
} from "../../src/core/dialplan/variables.ts";
import type { DialplanChannel } from "../../src/core/dialplan/channel.ts";
import { inheritVariables } from "../../src/core/dialplan/pbx-state.ts";
import { memoryLogger } from "../../src/util/logger.ts";

function channel(vars: Record<string, string> = {}): DialplanChannel {
  return {
    name: "SCCP/101-00000001",
    context: "default",
    exten: "0612345678",
    priority: 3,
    vars: new Map(Object.entries(vars)),
    callerIdNum: "101",
    callerIdName: "Alice",
    hungUp: false,
  };
}

test("substitution table", () => {
  const globals = new Map([
    ["TRUNK", "SIP/provider"],
    ["SHADOWED", "global"],
  ]);
  const ch = channel({
    A: "hello",
    B: "A",
    SHADOWED: "channel",
    NUM: "0612345678",
    EMPTY: "",
    DIALSTATUS: "BUSY",
    COUNT: "4",
    WITHCOMMA: "x,y",
  });
  const scope = channelScope(ch, globals);
  const fns = builtinFunctions();
  const table: Array<[string, string]> = [
    ["plain text", "plain text"],
    ["${A}", "hello"],
    ["<${A}>-<${UNSET}>", "<hello>-<>"],
    ["${${B}}", "hello"], // nested: the name is built first
    ["${A:1}", "ello"],
    ["${A:1:3}", "ell"],
    ["${A:-3}", "llo"],
    ["${A:-3:2}", "ll"],
    ["${A:0:-1}", "hell"],
    ["${A:10}", ""],
    ["${NUM:1}", "612345678"],
    ["${NUM:${COUNT}:2}", "34"],
    ["${SHADOWED}", "channel"],
    ["${TRUNK}/${NUM}", "SIP/provider/0612345678"],
    ["${EXTEN}", "0612345678"],
    ["${EXTEN:1}", "612345678"],
    ["${CONTEXT}", "default"],
    ["${PRIORITY}", "3"],
    ["${CHANNEL}", "SCCP/101-00000001"],
    ["${DIALSTATUS}", "BUSY"],
    ["${CALLERID(num)}", "101"],
    ["${CALLERID(name)}", "Alice"],
    ["${CALLERID(all)}", '"Alice" <101>'],
    ["${CALLERID(num):0:2}", "10"],
    ["${LEN(${A})}", "5"],
    ["${LEN()}", "0"],
    ["${IF($[${COUNT} > 3]?big:small)}", "big"],
    ["${IF($[${COUNT} > 9]?big:small)}", "small"],
    ["${IF(${EMPTY}?yes:no)}", ""], // an empty condition is an error in Asterisk: no value
    ['${IF($["${EMPTY}" != ""]?yes:no)}', "no"],
    ["${IF(1?yes)}", "yes"],
    ["${IF(0?yes)}", ""],
    ["${ISNULL(${EMPTY})}${EXISTS(${A})}", "11"],
    ["${GLOBAL(SHADOWED)}", "global"],
    ["$[1 + 2]", "3"],
    ["$[${COUNT} * 2]", "8"],
    ["n=$[${COUNT} + $[1 + 1]]", "n=6"],
    ["${A:$[1+1]:2}", "ll"],
    ["cost: $5", "cost: $5"], // a lone '$' is text
    ["${WITHCOMMA}", "x,y"],
    ["${NOSUCHFUNC(x)}", ""],
  ];
  for (const [input, want] of table) assert.equal(substitute(input, scope, fns), want, input);
});

test("an unknown function logs a warning and substitutes nothing", () => {
  const { logger, records } = memoryLogger();
  const out = substitute("[${FOO(1)}]", globalScope(new Map()), builtinFunctions(), { log: logger });
  assert.equal(out, "[]");
  assert.equal(records[0]?.level, "warn");
});

test("a missing '}' takes the rest of the text as the name, with a warning", () => {
  const { logger, records } = memoryLogger();
  const scope = globalScope(new Map([["A", "1"]]));
  assert.equal(substitute("x${A", scope, builtinFunctions(), { log: logger }), "x1");
  assert.ok(records.some((r) => r.level === "warn"));
});

test("substring follows Asterisk's offset/length rules", () => {
  assert.equal(substring("abcdef", 0, undefined), "abcdef");
  assert.equal(substring("abcdef", 2, 2), "cd");
  assert.equal(substring("abcdef", -2, undefined), "ef");
  assert.equal(substring("abcdef", -10, 2), "ab");
  assert.equal(substring("abcdef", 1, -2), "bcd");
  assert.equal(substring("abcdef", 4, -3), "");
  assert.equal(substring("abcdef", 6, undefined), "");
});

test("setVariable writes variables and functions; underscores mark inheritance", () => {
  const globals = new Map<string, string>();
  const parent = channel();
  const scope = channelScope(parent, globals);
  const fns = builtinFunctions();
  setVariable(scope, fns, "CALLERID(name)", "Reception");
  setVariable(scope, fns, "CALLERID(num)", "100");
  setVariable(scope, fns, "GLOBAL(NIGHT)", "1");
  setVariable(scope, fns, "_ONE", "one generation");
  setVariable(scope, fns, "__ALL", "all generations");
  setVariable(scope, fns, "LOCALONLY", "mine");
  assert.equal(parent.callerIdName, "Reception");
  assert.equal(parent.callerIdNum, "100");
  assert.equal(globals.get("NIGHT"), "1");
  assert.equal(substitute("${ONE}|${ALL}", scope, fns), "one generation|all generations");
  assert.equal(setVariable(scope, fns, "NOPE(x)", "1"), false);

  const child = channel();
  inheritVariables(parent, child);
  assert.equal(child.vars.get("ONE"), "one generation");
  assert.equal(child.vars.get("ALL"), "all generations");
  assert.equal(child.vars.has("LOCALONLY"), false);
  const grandchild = channel();
  inheritVariables(child, grandchild);
  assert.equal(grandchild.vars.has("ONE"), false);
  assert.equal(grandchild.vars.get("ALL"), "all generations");
});

test("CALLERID(all) can be written", () => {
  const ch = channel();
  const scope = channelScope(ch, new Map());
  setVariable(scope, builtinFunctions(), "CALLERID(all)", '"Front Desk" <200>');
  assert.equal(ch.callerIdName, "Front Desk");
  assert.equal(ch.callerIdNum, "200");
});

test("the function registry is pluggable (later code adds CHANNEL())", () => {
  const fns = builtinFunctions().register("CHANNEL", {
    read: (args, scope) => (args === "name" ? scope.channel?.name : undefined),
  });
  const scope = channelScope(channel(), new Map());
  assert.equal(substitute("${CHANNEL(name)}", scope, fns), "SCCP/101-00000001");
  assert.ok(fns.names().includes("CHANNEL"));
  assert.equal(new FunctionRegistry().get("LEN"), undefined);
  // Names are case-sensitive, as in Asterisk.
  assert.equal(substitute("${len(abc)}", scope, fns), "");
});
