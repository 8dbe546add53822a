/**
 * A real SIP client against a real Linekey: headless baresip (ecosystem.md §5 recipe: aubridge
 * as the null sound device, aufile playing a 1 kHz tone, sndfile recording, g711) registers as
 * SIP user 100, calls an SCCP phone that answers, and is called by it (answermode=auto). RTP
 * must reach both ends: the SCCP phone counts baresip's packets, baresip's statistics count the
 * phone's.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { until, type TestServer } from "../support/linekey.ts";
import type { VirtualPhone } from "../../src/phone/virtual-phone.ts";
import { encodeWav } from "../../src/media/wav.ts";
import { generateTone } from "../../src/media/tone.ts";
import { CallStateCode as CS, dev, inState, known, phones, rtpFlows } from "../sccp-calls/support.ts";
import { assertSipClean, freeUdpPort, missing, run, sipPort, startOffice, type Running } from "./support.ts";

const skip = missing("baresip");

/** Writes baresip's config folder for user 100 (ecosystem.md §5, step 2-3). */
async function baresipHome(root: string, linekeyPort: number, toneFile: string): Promise<string> {
  const home = join(root, "baresip");
  mkdirSync(join(home, "rec"), { recursive: true });
  const sip = await freeUdpPort(3);
  const rtp = await freeUdpPort(21);
  writeFileSync(
    join(home, "config"),
    [
      "poll_method epoll",
      `sip_listen 127.0.0.1:${sip}`,
      "net_interface 127.0.0.1",
      "audio_player aubridge,a",
      `audio_source aufile,${toneFile}`,
      "audio_alert aubridge,a",
      `rtp_ports ${rtp}-${rtp + 20}`,
      "module_path /usr/lib/baresip/modules",
      "module g711.so",
      "module aufile.so",
      "module aubridge.so",
      "module sndfile.so",
      "module_tmp uuid.so",
      "module_tmp account.so",
      "module_app menu.so",
      `snd_path ${join(home, "rec")}`,
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(home, "accounts"),
    `<sip:100@127.0.0.1:${linekeyPort};transport=udp>;regint=60;answermode=auto;audio_codecs=PCMU;outbound="sip:127.0.0.1:${linekeyPort}"\n`,
  );
  return home;
}

/**
 * True once baresip's status line shows received audio (`audio=TX/RX (bit/s)` with RX > 0): the
 * phone's RTP reached it and was decoded.
 */
function receiving(output: string): boolean {
  return /audio=\d+\/[1-9]\d*\s*\(bit\/s\)/.test(output);
}

describe("SIP ⇄ SCCP calls with baresip", { skip }, () => {
  let t: TestServer;
  let carol: VirtualPhone;
  let dir: string;
  let home: string;
  let bare: Running | undefined;
  before(async () => {
    t = await startOffice();
    const [c] = await phones(t, [dev(200), "7960"]);
    assert.ok(c);
    carol = c;
    dir = mkdtempSync(join(tmpdir(), "linekey-baresip-"));
    const tone = join(dir, "tone.wav");
    writeFileSync(tone, encodeWav(generateTone({ frequency: 1000, durationMs: 4000, amplitude: 12000 })));
    home = await baresipHome(dir, sipPort(t), tone);
  });
  after(async () => {
    bare?.kill();
    await bare?.done;
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("baresip calls an SCCP phone that answers: RTP both ways; baresip hangs up when its tone ends", async () => {
    const seen = known(carol);
    bare = run("baresip", ["-f", home, "-e", `/dial sip:200@127.0.0.1:${sipPort(t)}`, "-t", "12"], 20_000);
    const ringing = await inState(carol, CS.RingIn, (c) => !seen.has(c.callReference));
    assert.equal(ringing.callInfo?.callingParty, "100");
    carol.answer(ringing);
    const up = await inState(carol, CS.Connected, (c) => c.callReference === ringing.callReference);
    // baresip's 4 s tone reaches the phone through the relay.
    await rtpFlows(carol, up, 50);
    const b = bare;
    await until(() => receiving(b.output()), 8000, "baresip receiving the phone's RTP");
    // The tone ends: baresip hangs up (BYE), the phone goes on hook.
    await inState(carol, CS.OnHook, (c) => c.callReference === up.callReference);
    carol.onHook(up.lineInstance, up.callReference);
    const r = await bare.done;
    bare = undefined;
    const log = r.stdout + r.stderr;
    assert.match(log, /180 Ringing/, log);
    await assertSipClean(t);
  });

  it("an SCCP phone calls baresip, which answers by itself: RTP both ways, the SCCP phone hangs up", async () => {
    bare = run("baresip", ["-f", home, "-t", "12"], 20_000);
    await until(() => t.server.sip?.registrar.isRegistered("100") === true, 8000, "baresip registered");
    const seen = known(carol);
    carol.offHook();
    const call = await inState(carol, CS.OffHook, (c) => !seen.has(c.callReference));
    carol.dial("100");
    await carol.waitForCallState(CS.Connected, (c) => c.callReference === call.callReference, 8000);
    await rtpFlows(carol, call, 50);
    // The phone's RTP reaches baresip: its decoder recording grows.
    const b = bare;
    await until(() => receiving(b.output()), 8000, "baresip receiving the phone's RTP");
    carol.onHook(call.lineInstance, call.callReference);
    await assertSipClean(t);
    bare.kill();
    const r = await bare.done;
    bare = undefined;
    const log = r.stdout + r.stderr;
    assert.match(log, /answering call on line 1 from sip:200@/, log);
  });
});
