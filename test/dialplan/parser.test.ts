import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDialplanText } from "../../src/core/dialplan/parser.ts";
import { HINT_PRIORITY } from "../../src/core/dialplan/model.ts";
import { configErrors } from "../../src/config/config-errors.ts";
import { ConfigError } from "../../src/util/errors.ts";

function errorsOf(
  text: string,
): Array<{ code: string; line: number | undefined; key: string | undefined; message: string }> {
  try {
    parseDialplanText(text, "extensions.conf");
  } catch (err) {
    assert.ok(err instanceof ConfigError, "a ConfigError");
    return configErrors(err).map((e) => ({ code: e.code, line: e.line, key: e.key, message: e.message }));
  }
  assert.fail("expected configuration errors");
}

test("priorities: numbers, n, n(label), N(label), s, label+N, hint", () => {
  const dp = parseDialplanText(`
[c]
exten => 100,hint,SCCP/100&SIP/100
exten => 100,1,NoOp(one)
same => n(two),NoOp(two)
same => 5(five),NoOp(five)
same => n,NoOp(six)
exten => 100,two+2,NoOp(four)
exten => 200,1,Answer()
exten => 200,n,Hangup
`);
  const ext = dp.contexts.get("c")?.extensions.find((e) => e.name === "100");
  assert.deepEqual(
    ext?.priorities.map((p) => [p.priority, p.label, p.app, p.appData]),
    [
      [HINT_PRIORITY, undefined, "SCCP/100&SIP/100", ""],
      [1, undefined, "NoOp", "one"],
      [2, "two", "NoOp", "two"],
      [4, undefined, "NoOp", "four"],
      [5, "five", "NoOp", "five"],
      [6, undefined, "NoOp", "six"],
    ],
  );
  const s200 = dp.contexts.get("c")?.extensions.find((e) => e.name === "200");
  assert.deepEqual(
    s200?.priorities.map((p) => [p.priority, p.app, p.appData]),
    [
      [1, "Answer", ""],
      [2, "Hangup", ""],
    ],
  );
  assert.equal(ext.priorities[1]?.line, 4);
  assert.equal(ext.priorities[1].file, "extensions.conf");
});

test("applications: with and without parentheses, data up to the last ')'", () => {
  const dp = parseDialplanText(`
[c]
exten => s,1,NoOp
same => n,Answer()
same => n,Set(X=\${IF($[1=1]?a:(b))})
same => n, Verbose ( 1,hi )
exten => i,1,Playback(invalid)
exten => t,1,Hangup()
exten => h,1,NoOp(bye)
exten => *98,1,VoiceMailMain()
exten => #,1,NoOp(hash)
exten => +33123,1,NoOp(e164)
`);
  const s = dp.contexts.get("c")?.extensions.find((e) => e.name === "s")?.priorities;
  assert.deepEqual(
    s?.map((p) => [p.app, p.appData]),
    [
      ["NoOp", ""],
      ["Answer", ""],
      ["Set", "X=${IF($[1=1]?a:(b))}"],
      ["Verbose", " 1,hi "],
    ],
  );
  const names = dp.contexts.get("c")?.extensions.map((e) => e.name);
  assert.deepEqual(names, ["#", "*98", "+33123", "h", "i", "s", "t"]);
});

test("[general] and [globals]: globals are variables, usable in later globals and exten names", () => {
  const dp = parseDialplanText(`
[general]
static=yes
writeprotect=no
[globals]
TRUNK=SIP/provider
OPERATOR=100
DIALOUT=\${TRUNK}/0
[c]
exten => \${OPERATOR},1,Dial(\${TRUNK})
`);
  assert.equal(dp.globals.get("TRUNK"), "SIP/provider");
  assert.equal(dp.globals.get("DIALOUT"), "SIP/provider/0");
  assert.ok(!dp.contexts.has("general"));
  assert.ok(!dp.contexts.has("globals"));
  const ext = dp.contexts.get("c")?.extensions[0];
  assert.equal(ext?.name, "100");
  assert.equal(ext.priorities[0]?.appData, "${TRUNK}"); // arguments stay raw
  assert.deepEqual(dp.warnings, []);
});

test("sections of the same name merge; templates are not contexts", () => {
  const dp = parseDialplanText(`
[base](!)
exten => 1,1,NoOp(from template)
[c](base)
exten => 2,1,NoOp
[c]
exten => 3,1,NoOp
`);
  assert.deepEqual([...dp.contexts.keys()], ["c"]);
  assert.deepEqual(
    dp.contexts.get("c")?.extensions.map((e) => e.name),
    ["1", "2", "3"],
  );
});

test("errors are collected with file, line and key", () => {
  const errs = errorsOf(`
[c]
same => n,NoOp(before any exten)
exten => 100,n,NoOp(n first)
exten => 100,1,NoOp
exten => 100,1,NoOp(duplicate)
exten => _1[23,1,NoOp(bad pattern)
exten => _X.9,1,NoOp(dot not last)
exten => 101,1
exten => 102
exten => 103,x7,NoOp(bad priority)
exten => 104,1(lbl,NoOp
exten => 105,1(a),NoOp
exten => 105,2(a),NoOp(duplicate label)
exten => 106,hint,SCCP/106
exten => 106,n,NoOp(n after hint)
include => office,08:00-18:00,mon-fri,*,*
`);
  assert.deepEqual(
    errs.map((e) => [e.line, e.code, e.key]),
    [
      [3, "CONFIG_ERR_SYNTAX", "same"],
      [4, "CONFIG_ERR_SYNTAX", "exten"],
      [6, "CONFIG_ERR_DUPLICATE", "exten"],
      [7, "CONFIG_ERR_VALUE", "exten"],
      [8, "CONFIG_ERR_VALUE", "exten"],
      [9, "CONFIG_ERR_SYNTAX", "exten"],
      [10, "CONFIG_ERR_SYNTAX", "exten"],
      [11, "CONFIG_ERR_SYNTAX", "exten"],
      [12, "CONFIG_ERR_SYNTAX", "exten"],
      [14, "CONFIG_ERR_DUPLICATE", "exten"],
      [16, "CONFIG_ERR_SYNTAX", "exten"],
      [17, "CONFIG_ERR_VALUE", "include"],
    ],
  );
  assert.match(errs[0]?.message ?? "", /^extensions\.conf:3: same: 'same' before any 'exten' in \[c\]$/);
  assert.match(errs[2]?.message ?? "", /already has priority 1/);
  assert.match(errs[3]?.message ?? "", /unterminated '\['/);
  assert.match(errs[9]?.message ?? "", /label 'a'.*already used at priority 1/);
});

test("warnings: unknown include, switch, ignorepat, caller-id match, _. , n across extensions", () => {
  const dp = parseDialplanText(`
[c]
include => not-defined-here
switch => DUNDi/e164
ignorepat => 9
exten => 100/200,1,NoOp
exten => _.,1,NoOp
exten => 300,1,NoOp
exten => 301,n,NoOp
frobnicate => yes
`);
  const byLine = dp.warnings.map((w) => [w.line, w.key]);
  assert.deepEqual(byLine, [
    [4, "switch"],
    [5, "ignorepat"],
    [6, "exten"],
    [7, "exten"],
    [9, "exten"],
    [10, "frobnicate"],
    [3, "include"],
  ]);
  assert.match(dp.warnings[4]?.message ?? "", /'301' gets priority 2/);
  assert.deepEqual(dp.contexts.get("c")?.ignorePatterns, ["9"]);
  assert.ok(!dp.contexts.get("c")?.extensions.some((e) => e.name.includes("/")));
  assert.equal(dp.contexts.get("c")?.extensions.find((e) => e.name === "301")?.priorities[0]?.priority, 2);
});
