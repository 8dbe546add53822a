// The dialplan examples of the libsccp README (shared seed 000): parsed verbatim, and
// `dialplan show 107@` printed exactly as the README shows Asterisk printing it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDialplanText } from "../../src/core/dialplan/parser.ts";
import { dialplanShow } from "../../src/core/dialplan/show.ts";
import { splitArgs } from "../../src/core/dialplan/args.ts";
import { findPriority } from "../../src/core/dialplan/matcher.ts";

// Asterisk lists contexts newest first (each new context is prepended to its list), so the
// README's output, with 'xivo-callme' above 'default', comes from a file defining 'default'
// first. The two Page() examples are written exactly as in the README (leading space before
// `same`, space before the closing parenthesis); they both use 1000,1 so each gets a context.
const EXTENSIONS_CONF = `
[default]
exten => 107,1,Dial(SCCP/107)

[xivo-callme]
exten => _X.,1,Gosub(xivo-pickup,0,1)
same => n,While(1)
same => n,Playback(hello-world)
same => n,Wait(2)
same => n,EndWhile()

[page-half-duplex]
exten => 1000,1,Verbose(2, Paging to external cisco phone)
 same => n,Page(sccp/100/autoanswer&sccp/101/autoanswer,i,120 )

[page-full-duplex]
exten => 1000,1,Verbose(2, Paging to external cisco phone)
 same => n,Page(sccp/100/autoanswer&sccp/101/autoanswer,di,120 )
`;

// Copied from the README, its 3-space code-block indent removed (no trailing spaces in it).
const SEED_SHOW_107 = [
  "[ Context 'xivo-callme' created by 'pbx_config' ]",
  "  '_X.' =>          1. Gosub(xivo-pickup,0,1)                     [pbx_config]",
  "                    2. While(1)                                   [pbx_config]",
  "                    3. Playback(hello-world)                      [pbx_config]",
  "                    4. Wait(2)                                    [pbx_config]",
  "                    5. EndWhile()                                 [pbx_config]",
  "",
  "[ Context 'default' created by 'pbx_config' ]",
  "  '107' =>          1. Dial(SCCP/107)                             [pbx_config]",
  "",
  "-= 2 extensions (6 priorities) in 2 contexts. =-",
];

test("seed: the README contexts parse into the expected priorities", () => {
  const dp = parseDialplanText(EXTENSIONS_CONF);
  assert.deepEqual(
    [...dp.contexts.keys()],
    ["default", "xivo-callme", "page-half-duplex", "page-full-duplex"],
  );
  const callme = dp.contexts.get("xivo-callme")?.extensions[0];
  assert.equal(callme?.name, "_X.");
  assert.deepEqual(
    callme.priorities.map((p) => [p.priority, p.app, p.appData]),
    [
      [1, "Gosub", "xivo-pickup,0,1"],
      [2, "While", "1"],
      [3, "Playback", "hello-world"],
      [4, "Wait", "2"],
      [5, "EndWhile", ""],
    ],
  );
  assert.deepEqual(dp.warnings, []);
});

test("seed: the Page() examples keep their arguments raw, trailing space included", () => {
  const dp = parseDialplanText(EXTENSIONS_CONF);
  const half = dp.contexts.get("page-half-duplex")?.extensions[0]?.priorities;
  const full = dp.contexts.get("page-full-duplex")?.extensions[0]?.priorities;
  assert.deepEqual(
    half?.map((p) => [p.priority, p.app, p.appData]),
    [
      [1, "Verbose", "2, Paging to external cisco phone"],
      [2, "Page", "sccp/100/autoanswer&sccp/101/autoanswer,i,120 "],
    ],
  );
  assert.equal(full?.[1]?.appData, "sccp/100/autoanswer&sccp/101/autoanswer,di,120 ");
  // Split the Asterisk way: whitespace is kept, so Page sees a timeout of "120 ".
  assert.deepEqual(splitArgs(full[1].appData), ["sccp/100/autoanswer&sccp/101/autoanswer", "di", "120 "]);
  assert.deepEqual(splitArgs(half[0]?.appData ?? ""), ["2", " Paging to external cisco phone"]);
});

test("seed: dialplan show 107@ prints the README's output line for line", () => {
  const dp = parseDialplanText(EXTENSIONS_CONF);
  const text = dialplanShow(dp, "107", undefined);
  assert.ok(text.endsWith("\n"));
  const lines = text.slice(0, -1).split("\n");
  assert.equal(lines.length, SEED_SHOW_107.length);
  SEED_SHOW_107.forEach((want, i) => assert.equal(lines[i], want, `line ${i + 1}`));
});

test("seed: 107 dialled in 'default' reaches Dial, in 'xivo-callme' the _X. loop", () => {
  const dp = parseDialplanText(EXTENSIONS_CONF);
  assert.equal(findPriority(dp, "default", "107", 1)?.priority.app, "Dial");
  assert.equal(findPriority(dp, "xivo-callme", "107", 2)?.priority.app, "While");
  assert.equal(findPriority(dp, "default", "108", 1), undefined);
});
