import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { until } from "../support/linekey.ts";
import {
  LampMode,
  RingMode,
  SoftKeyEvent as SK,
  SoftKeySet,
  Stimulus,
  Tone,
} from "../../src/sccp/protocol/index.ts";
import {
  CallStateCode as CS,
  assertClean,
  connect,
  dev,
  device,
  inState,
  known,
  line,
  phones,
  rtpFlows,
  sccpConf,
  useServer,
} from "./support.ts";

const CONF = sccpConf(
  [
    line(100, "Alice"),
    line(101, "Bob"),
    line(102, "Carol"),
    line(110, "Bob second line"),
    line(130, "Shared"),
  ],
  [device(100, [100]), device(101, [101, 110]), device(102, [102]), device(130, [130]), device(131, [130])],
);

describe("SCCP hold, call waiting, multi-instance and multi-line", () => {
  const t = useServer(CONF);

  it("hold closes both sides' media and resume reopens it", async () => {
    const [a, b] = await phones(t, [dev(100), "7940"], [dev(101), "7960"]);
    assert.ok(a && b);
    const { a: ca, b: cb } = await connect(a, b, "101");
    b.softKey(SK.Hold, cb.lineInstance, cb.callReference);
    await inState(b, CS.Hold, (c) => c.callReference === cb.callReference);
    assert.equal(cb.softKeySet, SoftKeySet.OnHold);
    assert.equal(b.lamp(Stimulus.Line, 1), LampMode.Wink);
    await until(() => ca.rtp === undefined && cb.rtp === undefined, 3000, "receive channels closed");
    await until(() => t.server.rtpPool.inUse === 0, 3000, "relay released while held");
    // The held party stays connected on its display and is told about the hold.
    assert.equal(ca.state, CS.Connected);
    assert.equal(ca.prompt, "\u0080\u0003");
    const before = a.rtpReceived(ca);
    b.softKey(SK.Resume, cb.lineInstance, cb.callReference);
    await inState(b, CS.Connected, (c) => c.callReference === cb.callReference);
    assert.equal(b.lamp(Stimulus.Line, 1), LampMode.On);
    await rtpFlows(a, ca, before + 5);
    await rtpFlows(b, cb, 10);
    assert.equal(cb.streams.length, 2, "a new receive channel after resume");
    a.onHook();
    await assertClean(t, a, b);
    a.close();
    b.close();
  });

  it("call waiting: tone on the active call, answering holds it, switching with Resume", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7941"], [dev(101), "7961"], [dev(102), "7911"]);
    assert.ok(a && b && c);
    const { a: ca, b: cb } = await connect(a, b, "101");
    const seen = known(b);
    c.offHook();
    c.dial("101");
    const waiting = await inState(b, CS.RingIn, (x) => !seen.has(x.callReference));
    assert.equal(waiting.lineInstance, 1);
    assert.deepEqual(cb.tones.slice(-1), [Tone.CallWaiting]);
    assert.equal(b.ringer, RingMode.Off, "no ringer while busy on a call");
    assert.equal(waiting.callInfo?.callingParty, "102");
    b.answer(waiting, "softkey");
    await inState(b, CS.Connected, (x) => x.callReference === waiting.callReference);
    assert.equal(cb.state, CS.Hold);
    const cc = await inState(c, CS.Connected);
    await rtpFlows(c, cc);
    await rtpFlows(b, waiting);
    // Back to A: Resume on the held call holds the active one.
    b.softKey(SK.Resume, cb.lineInstance, cb.callReference);
    await inState(b, CS.Connected, (x) => x.callReference === cb.callReference);
    assert.equal(waiting.state, CS.Hold);
    await rtpFlows(a, ca, a.rtpReceived(ca) + 5);
    c.onHook();
    await inState(b, CS.OnHook, (x) => x.callReference === waiting.callReference);
    a.onHook();
    await assertClean(t, a, b, c);
    a.close();
    b.close();
    c.close();
  });

  it("NewCall while a call is held, then the line button resumes it", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7940"], [dev(101), "7960"], [dev(102), "7940"]);
    assert.ok(a && b && c);
    const { b: cb } = await connect(a, b, "101");
    const seen = known(b);
    b.softKey(SK.NewCall, 1, 0);
    const second = await inState(b, CS.OffHook, (x) => !seen.has(x.callReference));
    assert.equal(cb.state, CS.Hold);
    assert.equal(second.lineInstance, 1);
    assert.equal(second.tone, Tone.InsideDial);
    b.dial("102");
    const ringing = await inState(c, CS.RingIn);
    c.answer(ringing);
    await inState(b, CS.Connected, (x) => x.callReference === second.callReference);
    assert.equal(b.liveCalls().length, 2);
    b.onHook(second.lineInstance, second.callReference);
    await inState(c, CS.OnHook, (x) => x.callReference === ringing.callReference);
    b.stimulus(Stimulus.Line, 1);
    await inState(b, CS.Connected, (x) => x.callReference === cb.callReference);
    await rtpFlows(b, cb, b.rtpReceived(cb) + 5);
    b.onHook();
    await assertClean(t, a, b, c);
    a.close();
    b.close();
    c.close();
  });

  it("shared line: both phones ring, the one that answers keeps the call, the other stops", async () => {
    const [a, s1, s2] = await phones(t, [dev(100), "7940"], [dev(130), "7961"], [dev(131), "7941"]);
    assert.ok(a && s1 && s2);
    a.offHook();
    a.dial("130");
    const r1 = await inState(s1, CS.RingIn);
    const r2 = await inState(s2, CS.RingIn);
    assert.equal(t.server.sccpDriver.state("130"), "ringing");
    s2.answer(r2, "softkey");
    await inState(s2, CS.Connected, (x) => x.callReference === r2.callReference);
    await inState(s1, CS.OnHook, (x) => x.callReference === r1.callReference);
    const ca = await inState(a, CS.Connected);
    await rtpFlows(a, ca);
    a.onHook();
    await assertClean(t, a, s1, s2);
    for (const p of [a, s1, s2]) p.close();
  });

  it("a reload that changes a phone on a call resets it only when its last call ends", async () => {
    const [a, b] = await phones(t, [dev(100), "7940"], [dev(101), "7960"]);
    assert.ok(a && b);
    await connect(a, b, "101");
    t.writeConfig(CONF.replace("cid_name=Bob\n", "cid_name=Robert\n"));
    const report = t.server.reload();
    assert.match(report, new RegExp(`Reset when idle: ${dev(101)}`));
    assert.equal(t.server.registry.get(dev(101))?.pendingReset, true);
    const cur = b.cursor;
    a.onHook();
    const reset = await b.waitFor("Reset", undefined, 5000, cur);
    assert.equal(reset.resetType, 2);
    await assertClean(t, a);
    t.writeConfig(CONF);
    t.server.reload();
    a.close();
    b.close();
  });

  it("multi-line: a call to the second line rings line 2; its button answers; an outgoing call on line 2", async () => {
    const [a, b] = await phones(t, [dev(100), "7940"], [dev(101), "7960"]);
    assert.ok(a && b);
    let seen = known(b);
    a.offHook();
    a.dial("110");
    const r = await inState(b, CS.RingIn, (x) => !seen.has(x.callReference));
    assert.equal(r.lineInstance, 2);
    assert.equal(b.lamp(Stimulus.Line, 2), LampMode.Blink);
    assert.equal(b.lamp(Stimulus.Line, 1), LampMode.Off);
    assert.equal(r.callInfo?.calledParty, "110");
    b.stimulus(Stimulus.Line, 2);
    await inState(b, CS.Connected, (x) => x.callReference === r.callReference);
    assert.equal(b.speaker, 1, "line button answers hands-free");
    const ca = await inState(a, CS.Connected);
    await rtpFlows(a, ca);
    a.onHook();
    await inState(b, CS.OnHook, (x) => x.callReference === r.callReference);
    // Outgoing on line 2: the line button takes the phone off hook on that line.
    seen = known(b);
    b.stimulus(Stimulus.Line, 2);
    const out = await inState(b, CS.OffHook, (x) => !seen.has(x.callReference));
    assert.equal(out.lineInstance, 2);
    const seenA = known(a);
    b.dial("100");
    const ra = await inState(a, CS.RingIn, (x) => !seenA.has(x.callReference));
    assert.equal(ra.callInfo?.callingParty, "110");
    assert.equal(ra.callInfo.callingPartyName, "Bob second line");
    b.onHook();
    await assertClean(t, a, b);
    a.close();
    b.close();
  });
});
