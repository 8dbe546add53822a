import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type TestServer } from "../support/linekey.ts";
import { encodeWav } from "../../src/media/wav.ts";
import { generateTone } from "../../src/media/tone.ts";
import { CallStateCode, assertClean, device, inState, known, line, rtpFlows, sccpConf } from "./support.ts";

// Playback from the sounds folder named in linekey.conf: a phone dials the prompt extension and
// hears the prompt as G.711 RTP; the dialplan then hangs up.
describe("Playback from the configured sounds folder", () => {
  let t: TestServer;
  before(async () => {
    t = await startServer(
      sccpConf([line(100, "Bob")], [device(100, [100])]),
      {},
      "[default]\nexten => 600,1,Answer()\n same => n,Playback(linekey-test-tone)\n same => n,Hangup()\n",
      "[general]\nsounds_dir = sounds\n",
    );
    const dir = join(t.dir, "sounds", "en");
    mkdirSync(dir, { recursive: true });
    // One second of 1 kHz: 50 packets of 20 ms.
    writeFileSync(
      join(dir, "linekey-test-tone.wav"),
      encodeWav(generateTone({ frequency: 1000, durationMs: 1000 })),
    );
  });
  after(async () => {
    await t.stop();
  });

  it("plays the WAV to the phone and hangs up at the end", async () => {
    const phone = t.phone("SEP000000000100", "7940");
    await phone.register();
    const old = known(phone);
    phone.offHook();
    const call = await inState(phone, CallStateCode.OffHook, (c) => !old.has(c.callReference));
    phone.dial("600");
    await inState(phone, CallStateCode.Connected, (c) => c.callReference === call.callReference);
    await rtpFlows(phone, call, 40);
    // The dialplan hangs up once the prompt ended.
    await inState(phone, CallStateCode.OnHook, (c) => c.callReference === call.callReference);
    assert.ok(phone.rtpReceived(call) <= 52, `about 50 packets, got ${phone.rtpReceived(call)}`);
    phone.onHook();
    await assertClean(t, phone);
  });
});
