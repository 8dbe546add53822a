// Expected lines were produced with C's printf("  %-17s %-45s [%s]") (Asterisk's format).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDialplanText } from "../../src/core/dialplan/parser.ts";
import { dialplanShow } from "../../src/core/dialplan/show.ts";

const CONF = `
[internal]
exten => 100,hint,SCCP/100
exten => 100,1,Dial(SCCP/100,20)
same => n(vm),VoiceMail(100@default)
include => outgoing
ignorepat => 0

[outgoing]
exten => _0X.,1,Dial(SIP/trunk/\${EXTEN:1})
exten => s,1,NoOp(a-very-long-argument-list-that-is-wider-than-the-column)
`;

function lines(text: string): string[] {
  assert.ok(text.endsWith("\n"), "every line ends with a newline");
  return text.slice(0, -1).split("\n");
}

test("dialplan show: every context, newest first, with hint, labels, includes and ignore patterns", () => {
  const dp = parseDialplanText(CONF);
  assert.deepEqual(lines(dialplanShow(dp)), [
    "[ Context 'outgoing' created by 'pbx_config' ]",
    "  's' =>            1. NoOp(a-very-long-argument-list-that-is-wider-than-the-column) [pbx_config]",
    "  '_0X.' =>         1. Dial(SIP/trunk/${EXTEN:1})                 [pbx_config]",
    "",
    "[ Context 'internal' created by 'pbx_config' ]",
    "  '100' =>          hint: SCCP/100                                [pbx_config]",
    "                    1. Dial(SCCP/100,20)                          [pbx_config]",
    "     [vm]           2. VoiceMail(100@default)                     [pbx_config]",
    "  Include =>        'outgoing'                                    [pbx_config]",
    "  Ignore pattern => '0'                                           [pbx_config]",
    "",
    "-= 3 extensions (5 priorities) in 2 contexts. =-",
  ]);
});

test("dialplan show <context>: that context only; singular counters", () => {
  const dp = parseDialplanText(CONF);
  const text = dialplanShow(dp, undefined, "outgoing");
  assert.equal(lines(text).at(-1), "-= 2 extensions (2 priorities) in 1 context. =-");
  const one = parseDialplanText("[solo]\nexten => 1,1,NoOp\n");
  assert.equal(lines(dialplanShow(one)).at(-1), "-= 1 extension (1 priority) in 1 context. =-");
});

test("dialplan show exten@context: searches includes, printed as 'Included context'", () => {
  const dp = parseDialplanText(CONF);
  // Asterisk prints the matching ignore pattern of 'internal' without a header for it.
  assert.deepEqual(lines(dialplanShow(dp, "012", "internal")), [
    "[ Included context 'outgoing' created by 'pbx_config' ]",
    "  '_0X.' =>         1. Dial(SIP/trunk/${EXTEN:1})                 [pbx_config]",
    "",
    "  Ignore pattern => '0'                                           [pbx_config]",
    "-= 1 extension (1 priority) in 1 context. =-",
  ]);
});

test("dialplan show exten@: every context where it matches, includes searched too", () => {
  const dp = parseDialplanText(CONF);
  assert.deepEqual(lines(dialplanShow(dp, "012")), [
    "[ Context 'outgoing' created by 'pbx_config' ]",
    "  '_0X.' =>         1. Dial(SIP/trunk/${EXTEN:1})                 [pbx_config]",
    "",
    "[ Included context 'outgoing' created by 'pbx_config' ]",
    "  '_0X.' =>         1. Dial(SIP/trunk/${EXTEN:1})                 [pbx_config]",
    "",
    "  Ignore pattern => '0'                                           [pbx_config]",
    "-= 2 extensions (2 priorities) in 2 contexts. =-",
  ]);
});

test("dialplan show: the 'no existence' answers", () => {
  const dp = parseDialplanText(CONF);
  assert.equal(dialplanShow(dp, undefined, "nope"), "There is no existence of 'nope' context\n");
  assert.equal(dialplanShow(dp, "999"), "There is no existence of '999' extension in all contexts\n");
  assert.equal(dialplanShow(dp, "999", "internal"), "There is no existence of 999@internal extension\n");
});
