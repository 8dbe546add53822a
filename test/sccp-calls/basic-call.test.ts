import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { until } from "../support/linekey.ts";
import { LampMode, RingMode, SoftKeySet, Stimulus, Tone } from "../../src/sccp/protocol/index.ts";
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
    line(102, "Carol", "directmedia=yes\n"),
    line(103, "Dave", "directmedia=yes\n"),
  ],
  [device(100, [100]), device(101, [101]), device(102, [102]), device(103, [103])],
);

describe("SCCP basic calls", () => {
  const t = useServer(CONF);

  it("off hook, dial, ring, answer, relayed RTP both ways, hang up", async () => {
    const [a, b] = await phones(t, [dev(100), "7940"], [dev(101), "7961"]);
    assert.ok(a && b);
    a.offHook();
    const ca = await inState(a, CS.OffHook);
    assert.equal(ca.tone, Tone.InsideDial);
    assert.equal(ca.softKeySet, SoftKeySet.OffHook);
    assert.equal(a.lamp(Stimulus.Line, 1), LampMode.On);
    a.dial("101");
    await inState(a, CS.RingOut, (c) => c.callReference === ca.callReference);
    assert.equal(ca.dialed, "101");
    assert.ok(ca.states.includes(CS.Proceed));
    assert.equal(ca.tone, Tone.Alerting);
    assert.equal(ca.callInfo?.calledParty, "101");
    assert.equal(ca.callInfo.callType, 2);
    const cb = await inState(b, CS.RingIn);
    assert.equal(cb.callInfo?.callingParty, "100");
    assert.equal(cb.callInfo.callingPartyName, "Alice");
    assert.equal(cb.callInfo.calledParty, "101");
    assert.equal(cb.callInfo.callType, 1);
    assert.equal(cb.softKeySet, SoftKeySet.RingIn);
    assert.equal(b.ringer, RingMode.Inside);
    assert.equal(b.lamp(Stimulus.Line, 1), LampMode.Blink);
    b.answer(cb);
    await inState(b, CS.Connected);
    await inState(a, CS.Connected);
    assert.equal(b.ringer, RingMode.Off);
    assert.equal(ca.tone, undefined);
    assert.equal(ca.softKeySet, SoftKeySet.Connected);
    assert.equal(cb.softKeySet, SoftKeySet.Connected);
    // The 7911 rule: OffHook before Connected when answering.
    assert.deepEqual(cb.states.slice(-2), [CS.OffHook, CS.Connected]);
    await rtpFlows(a, ca);
    await rtpFlows(b, cb);
    // Relayed: each phone sends to a server port, not to the other phone.
    assert.notEqual(ca.rtp?.target?.port, cb.rtp?.port);
    assert.notEqual(cb.rtp?.target?.port, ca.rtp?.port);
    assert.equal(t.server.rtpPool.inUse, 2);
    // The relay sends to each phone from the port that phone sends to (symmetric RTP).
    assert.deepEqual(cb.rtp?.sources, [`127.0.0.1:${cb.rtp?.target?.port}`]);
    const rows = t.server.sccpDriver.listCalls();
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => r.state === "connected" && r.media === "relay"));
    const show = await t.server.commands.run("sccp show calls");
    assert.match(
      show.output,
      new RegExp(`${dev(100)}\\s+100\\s+${ca.callReference}\\s+connected\\s+out\\s+101`),
    );
    a.onHook();
    await inState(b, CS.OnHook, (c) => c.callReference === cb.callReference);
    assert.equal(b.lamp(Stimulus.Line, 1), LampMode.Off);
    assert.equal(b.idleSoftKeySet, SoftKeySet.OnHook);
    assert.equal(ca.rtp, undefined, "receive channel closed on the caller");
    await assertClean(t, a, b);
    a.close();
    b.close();
  });

  it("callee hangs up first; caller's stray on-hook is ignored", async () => {
    const [a, b] = await phones(t, [dev(100), "7912"], [dev(101), "7941"]);
    assert.ok(a && b);
    const { a: ca, b: cb } = await connect(a, b, "101");
    b.softKey(9, cb.lineInstance, cb.callReference); // EndCall
    await inState(a, CS.OnHook, (c) => c.callReference === ca.callReference);
    a.onHook();
    await assertClean(t, a, b);
    a.close();
    b.close();
  });

  it("direct media between two directmedia lines: phone to phone, no relay port", async () => {
    const [c, d] = await phones(t, [dev(102), "7960"], [dev(103), "7941GE"]);
    assert.ok(c && d);
    const { a: cc, b: cd } = await connect(c, d, "103");
    assert.equal(cc.rtp?.target?.port, cd.rtp?.port);
    assert.equal(cd.rtp?.target?.port, cc.rtp?.port);
    assert.equal(t.server.rtpPool.inUse, 0);
    assert.deepEqual(cd.rtp?.sources, [`127.0.0.1:${cc.rtp?.port}`]);
    assert.ok(t.server.sccpDriver.listCalls().every((r) => r.media === "direct"));
    c.onHook();
    await assertClean(t, c, d);
    c.close();
    d.close();
  });

  it("caller abandons while the callee rings", async () => {
    const [a, b] = await phones(t, [dev(100), "7940"], [dev(101), "7940"]);
    assert.ok(a && b);
    const seen = known(b);
    a.offHook();
    a.dial("101");
    const cb = await inState(b, CS.RingIn, (c) => !seen.has(c.callReference));
    a.onHook();
    await inState(b, CS.OnHook, (c) => c.callReference === cb.callReference);
    assert.equal(b.ringer, RingMode.Off);
    assert.equal(b.lamp(Stimulus.Line, 1), LampMode.Off);
    await assertClean(t, a, b);
    a.close();
    b.close();
  });

  it("phone loses TCP mid-call: the other side is released and nothing is left", async () => {
    const [a, b] = await phones(t, [dev(100), "7940"], [dev(101), "7961"]);
    assert.ok(a && b);
    const { a: ca } = await connect(a, b, "101");
    b.close();
    await inState(a, CS.OnHook, (c) => c.callReference === ca.callReference);
    await until(() => t.server.registry.get(dev(101))?.state === "unregistered", 3000, "unregistered");
    await assertClean(t, a);
    a.close();
  });
});
