import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { until } from "../support/linekey.ts";
import { OnOff, RingMode, SoftKeySet } from "../../src/sccp/protocol/index.ts";
import { isRequestFailure } from "../../src/core/channel-tech.ts";
import {
  CallStateCode as CS,
  DIALPLAN,
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
  [line(100, "Alice"), line(101, "Bob"), line(102, "Carol"), line(103, "Dave")],
  [device(100, [100]), device(101, [101]), device(102, [102]), device(103, [103])],
);

const PAGING = `${DIALPLAN}
exten => 700,1,Page(SCCP/101/autoanswer&SCCP/102/autoanswer,i,20)
exten => 701,1,Page(SCCP/101/autoanswer,di,20)
`;

describe("SCCP auto-answer paging", () => {
  const t = useServer(CONF, PAGING);

  it("one-way page: speaker on, microphone off, no ringer, the pager's audio reaches both", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7940"], [dev(101), "7961"], [dev(102), "7960"]);
    assert.ok(a && b && c);
    const seenB = known(b);
    a.offHook();
    a.dial("700");
    const ca = await inState(a, CS.Connected);
    const pb = await inState(b, CS.Connected, (x) => !seenB.has(x.callReference));
    const pc = await inState(c, CS.Connected);
    for (const [p, call] of [
      [b, pb],
      [c, pc],
    ] as const) {
      assert.equal(p.speaker, OnOff.On);
      assert.equal(p.micro, OnOff.Off);
      assert.equal(p.ringer, RingMode.Off);
      assert.ok(!p.received.some((r) => r.msg.type === "SetRinger" && r.msg.ringMode === RingMode.Inside));
      assert.deepEqual(call.states, [CS.RingIn, CS.OffHook, CS.Connected]);
      assert.equal(call.softKeySet, SoftKeySet.Connected);
      assert.equal(call.callInfo?.callingParty, "100");
      await rtpFlows(p, call);
    }
    assert.ok(ca.rtp !== undefined, "the pager sends to the fan-out");
    a.onHook();
    await inState(b, CS.OnHook, (x) => x.callReference === pb.callReference);
    await until(() => b.micro === OnOff.On, 3000, "microphone back on");
    await assertClean(t, a, b, c);
    a.close();
    b.close();
    c.close();
  });

  it("two-way page to one phone: a plain bridge, microphone on", async () => {
    const [a, b] = await phones(t, [dev(100), "7941"], [dev(101), "7941GE"]);
    assert.ok(a && b);
    a.offHook();
    a.dial("701");
    const pb = await inState(b, CS.Connected);
    const ca = await inState(a, CS.Connected);
    assert.equal(b.micro, 0, "SetMicroMode never sent");
    await rtpFlows(b, pb);
    await rtpFlows(a, ca);
    b.onHook();
    await assertClean(t, a, b);
    a.close();
    b.close();
  });

  it("a phone busy on a call is not paged (request refused as BUSY)", async () => {
    const [a, b, c, d] = await phones(
      t,
      [dev(100), "7940"],
      [dev(101), "7940"],
      [dev(102), "7940"],
      [dev(103), "7940"],
    );
    assert.ok(a && b && c && d);
    await connect(c, d, "103");
    const r = t.server.core.request("SCCP/102/autoanswer", undefined);
    assert.ok(isRequestFailure(r));
    assert.equal(r.fail, "BUSY");
    const seenC = known(c);
    a.offHook();
    a.dial("700");
    const pb = await inState(b, CS.Connected);
    await rtpFlows(b, pb);
    assert.equal(
      [...c.calls.keys()].some((x) => !seenC.has(x)),
      false,
      "the busy phone was left alone",
    );
    a.onHook();
    c.onHook();
    await assertClean(t, a, b, c, d);
    for (const p of [a, b, c, d]) p.close();
  });
});
