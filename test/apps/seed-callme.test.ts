// The seed's `xivo-callme` context, verbatim: Gosub(xivo-pickup,0,1), then While(1) Playback
// Wait EndWhile, until the caller hangs up. xivo-pickup is wazo's answering subroutine; the
// test defines a minimal one. The loop runs twice, so the test takes about Wait(2)'s 2 s.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateTone } from "../../src/media/tone.ts";
import { parseRtp } from "../../src/media/rtp-packet.ts";
import { Harness, waitUntil } from "./support/harness.ts";

const CONF = `
[xivo-pickup]
exten => 0,1,Set(XIVO_PICKEDUP=1)
same => n,Answer()
same => n,Return()

[xivo-callme]
exten => _X.,1,Gosub(xivo-pickup,0,1)
same => n,While(1)
same => n,Playback(hello-world)
same => n,Wait(2)
same => n,EndWhile()
`;

test("seed xivo-callme: answered by the Gosub, hello-world played again and again until hangup", async () => {
  const h = await Harness.start(CONF);
  try {
    // 3 packets per playback.
    await h.writeSound("en/hello-world", generateTone({ frequency: 440, durationMs: 60 }));
    const caller = h.call("101", "107", "xivo-callme");
    await waitUntil(() => caller.received.length >= 3, "first playback");
    assert.equal(caller.vars.get("XIVO_PICKEDUP"), "1");
    assert.equal(caller.answers, 1);
    await waitUntil(() => caller.received.length >= 6, "second playback, after Wait(2)", 10_000);
    assert.equal(caller.vars.get("PLAYBACKSTATUS"), "SUCCESS");
    assert.equal(caller.mediaOpens, 2, "one media session per Playback");
    const markers = caller.received.map((r) => parseRtp(r.msg)?.marker);
    assert.deepEqual(markers.slice(0, 6), [true, false, false, true, false, false]);
    caller.remoteHangup();
    await waitUntil(() => h.core.listChannels().length === 0, "caller gone");
  } finally {
    await h.finish();
  }
});
