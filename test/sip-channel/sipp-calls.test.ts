/**
 * SIP ⇄ SCCP calls through a real Linekey with SIPp as the SIP phone: a registered SIP user
 * calls an SCCP phone; an SCCP phone calls a SIP user answered by SIPp; busy, decline and
 * unknown answers; CANCEL while ringing; hold from the SIP side. RTP is checked end to end:
 * SIPp echoes what reaches its media port (-rtp_echo), so the SCCP phone receiving packets
 * proves both directions through the relay.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { until, type TestServer } from "../support/linekey.ts";
import type { VirtualPhone } from "../../src/phone/virtual-phone.ts";
import { Label, label } from "../../src/sccp/protocol/index.ts";
import { CallStateCode as CS, dev, inState, known, phones, rtpFlows } from "../sccp-calls/support.ts";
import {
  assertSipClean,
  freeUdpPort,
  missing,
  run,
  sipPort,
  startOffice,
  udpBound,
  type RunResult,
} from "./support.ts";

const SCENARIOS = join(import.meta.dirname, "scenarios");
const skip = missing("sipp");

/** Runs a SIPp scenario against the server, bounded to `boundS` seconds. */
async function sipp(
  t: TestServer,
  scenario: string,
  args: string[],
  boundS = 20,
  localPort?: number,
): Promise<{ result: RunResult; port: number }> {
  const port = localPort ?? (await freeUdpPort());
  const media = await freeUdpPort(4);
  const r = run(
    "sipp",
    [
      `127.0.0.1:${sipPort(t)}`,
      "-sf",
      resolve(SCENARIOS, scenario),
      "-i",
      "127.0.0.1",
      "-p",
      String(port),
      "-mp",
      String(media),
      "-rtp_echo",
      "-m",
      "1",
      "-nostdin",
      "-timeout",
      `${boundS}s`,
      "-timeout_error",
      ...(process.env.LINEKEY_TEST_LOGS === undefined
        ? []
        : ["-trace_msg", "-message_file", `/tmp/sipp-${scenario}-${port}.log`]),
      ...args,
    ],
    (boundS + 5) * 1000,
  );
  const result = await r.done;
  if (process.env.LINEKEY_TEST_LOGS !== undefined)
    console.log(scenario, result.code, result.stdout.slice(-2000), result.stderr);
  return { result, port };
}

/** Registers SIP user `user` from a SIPp on a free port; returns that port for the UAS run. */
async function registerSipp(t: TestServer, user: string): Promise<number> {
  const { result, port } = await sipp(t, "register.xml", ["-key", "user", user], 10);
  assert.equal(result.code, 0, result.stderr + result.stdout);
  return port;
}

/** Starts a SIPp UAS for `user` (registered first) running `scenario`. */
async function sippPhone(
  t: TestServer,
  user: string,
  scenario: string,
  args: string[] = [],
): Promise<{ done: Promise<RunResult> }> {
  const port = await registerSipp(t, user);
  const done = sipp(t, scenario, args, 20, port).then((r) => r.result);
  await udpBound(port);
  // Wrapped: an async function returning the bare promise would wait for SIPp to finish.
  return { done };
}

describe("SIP ⇄ SCCP calls with SIPp", { skip }, () => {
  let t: TestServer;
  let carol: VirtualPhone;
  const tmp = mkdtempSync(join(tmpdir(), "linekey-sipp-"));
  before(async () => {
    t = await startOffice();
    const [c] = await phones(t, [dev(200), "7960"]);
    assert.ok(c);
    carol = c;
  });
  afterEach(async () => {
    // A SIPp that registered is gone: its binding must not get the next test's INVITE.
    const { result } = await sipp(t, "unregister.xml", ["-key", "user", "100"], 10);
    assert.equal(result.code, 0, result.stderr);
  });
  after(async () => {
    if (process.env.LINEKEY_TEST_LOGS !== undefined) {
      for (const l of t.logs) if (l.level !== "trace") console.log(l.level, l.msg, JSON.stringify(l.fields));
    }
    await t.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("a registered SIP user calls an SCCP phone that answers: RTP both ways, BYE from SIP", async () => {
    const seen = known(carol);
    const call = sipp(t, "uac-call.xml", ["-s", "200", "-key", "user", "100", "-d", "3000"]);
    const ringing = await inState(carol, CS.RingIn, (c) => !seen.has(c.callReference));
    assert.equal(ringing.callInfo?.callingParty, "100");
    assert.equal(ringing.callInfo.callingPartyName, "Alice");
    carol.answer(ringing);
    const up = await inState(carol, CS.Connected, (c) => c.callReference === ringing.callReference);
    await rtpFlows(carol, up, 10);
    const show = await t.server.commands.run("sip show channels");
    assert.match(
      show.output,
      /SIP\/100-\S+\s+100\s+in\s+confirmed\s+127\.0\.0\.1:\d+\s+127\.0\.0\.1:\d+\s+ulaw/,
    );
    // The core lists the SIP leg and the SCCP leg of the one bridged call.
    const core = await t.server.commands.run("core show channels");
    assert.match(core.output, /^SIP\/100-\S+\s+\S+@\S+:\d+\s+Up\s+Dial\(SCCP\/\S+/m);
    assert.match(core.output, /^SCCP\/\S+\s+\S+\s+Up\b/m);
    assert.match(core.output, /^2 active channels\n1 active call\n$/m);
    const { result } = await call;
    assert.equal(result.code, 0, result.stderr + result.stdout);
    await inState(carol, CS.OnHook, (c) => c.callReference === ringing.callReference);
    // The handset lifted to answer goes back down.
    carol.onHook(up.lineInstance, up.callReference);
    await assertSipClean(t);
    await until(() => carol.liveCalls().length === 0, 5000, "phone idle");
  });

  it("an SCCP phone calls a registered SIP user answered by SIPp: ringback, RTP both ways, BYE from SCCP", async () => {
    const uas = await sippPhone(t, "100", "uas-answer.xml");
    const seen = known(carol);
    carol.offHook();
    const call = await inState(carol, CS.OffHook, (c) => !seen.has(c.callReference));
    carol.dial("100");
    await inState(carol, CS.RingOut, (c) => c.callReference === call.callReference);
    await inState(carol, CS.Connected, (c) => c.callReference === call.callReference);
    // The phone's RTP reaches SIPp, whose echo comes back through the relay.
    await rtpFlows(carol, call, 10);
    assert.equal(t.server.core.bridgeCount, 1);
    carol.onHook(call.lineInstance, call.callReference);
    const r = await uas.done;
    assert.equal(r.code, 0, r.stderr + r.stdout);
    await assertSipClean(t);
  });

  for (const [status, reason, expect] of [
    ["486", "Busy Here", CS.Busy],
    // Q.850 21 (call rejected): the SCCP driver shows it as busy, as chan-sccp does.
    ["603", "Decline", CS.Busy],
    ["404", "Not Found", CS.Congestion],
  ] as const) {
    it(`a ${status} from the SIP phone shows ${expect === CS.Busy ? "busy" : "reorder"} on the SCCP phone`, async () => {
      // SIPp checks status codes when it loads a scenario: the code is written into a copy.
      const text = readFileSync(join(SCENARIOS, "uas-reject.xml"), "utf8").replace(
        "[status] [reason]",
        `${status} ${reason}`,
      );
      const file = join(tmp, `uas-reject-${status}.xml`);
      writeFileSync(file, text);
      const uas = await sippPhone(t, "100", file);
      const seen = known(carol);
      carol.offHook();
      const call = await inState(carol, CS.OffHook, (c) => !seen.has(c.callReference));
      carol.dial("100");
      await inState(carol, expect, (c) => c.callReference === call.callReference);
      const r = await uas.done;
      assert.equal(r.code, 0, r.stderr + r.stdout);
      carol.onHook(call.lineInstance, call.callReference);
      await assertSipClean(t);
      await until(() => carol.liveCalls().length === 0, 5000, "phone idle");
    });
  }

  it("the SCCP caller hangs up while the SIP phone rings: CANCEL", async () => {
    const uas = await sippPhone(t, "100", "uas-ring-cancel.xml");
    const seen = known(carol);
    carol.offHook();
    const call = await inState(carol, CS.OffHook, (c) => !seen.has(c.callReference));
    carol.dial("100");
    await inState(carol, CS.RingOut, (c) => c.callReference === call.callReference);
    carol.onHook(call.lineInstance, call.callReference);
    const r = await uas.done;
    assert.equal(r.code, 0, r.stderr + r.stdout);
    await assertSipClean(t);
  });

  it("the SIP phone holds and resumes: the SCCP phone is told, media comes back", async () => {
    const seen = known(carol);
    const call = sipp(t, "uac-hold.xml", ["-s", "200", "-key", "user", "100", "-d", "1500"]);
    const ringing = await inState(carol, CS.RingIn, (c) => !seen.has(c.callReference));
    carol.answer(ringing);
    const up = await inState(carol, CS.Connected, (c) => c.callReference === ringing.callReference);
    await rtpFlows(carol, up, 5);
    await until(() => up.prompt === label(Label.Hold), 8000, "hold shown on the SCCP phone");
    const sip = t.server.core.listChannels().find((c) => c.tech === "SIP");
    assert.ok(sip);
    await until(() => up.prompt === label(Label.Connected), 8000, "resume shown on the SCCP phone");
    const before = carol.rtpReceived(up);
    await until(() => carol.rtpReceived(up) >= before + 5, 5000, "media back after resume");
    const { result } = await call;
    assert.equal(result.code, 0, result.stderr + result.stdout);
    await inState(carol, CS.OnHook, (c) => c.callReference === up.callReference);
    carol.onHook(up.lineInstance, up.callReference);
    await assertSipClean(t);
  });
});

describe("SIP ⇄ SCCP calls with SIPp, digest authentication on", { skip }, () => {
  let t: TestServer;
  let carol: VirtualPhone;
  before(async () => {
    t = await startOffice({ auth: true });
    const [c] = await phones(t, [dev(200), "7960"]);
    assert.ok(c);
    carol = c;
  });
  after(async () => {
    await t.stop();
  });

  it("REGISTER 401 and INVITE 407 are answered with credentials; the call reaches the SCCP phone", async () => {
    const seen = known(carol);
    const call = sipp(t, "uac-call-auth.xml", [
      "-s",
      "200",
      "-key",
      "user",
      "100",
      "-au",
      "100",
      "-ap",
      "pw100",
      "-d",
      "500",
    ]);
    const ringing = await inState(carol, CS.RingIn, (c) => !seen.has(c.callReference));
    assert.equal(ringing.callInfo?.callingParty, "100");
    carol.answer(ringing);
    const up = await inState(carol, CS.Connected, (c) => c.callReference === ringing.callReference);
    const { result } = await call;
    assert.equal(result.code, 0, result.stderr + result.stdout);
    await inState(carol, CS.OnHook, (c) => c.callReference === up.callReference);
    carol.onHook(up.lineInstance, up.callReference);
    await assertSipClean(t);
  });
});
