import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { until } from "../support/linekey.ts";
import { SoftKeyEvent as SK, Tone } from "../../src/sccp/protocol/index.ts";
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
  sccpConf,
  useServer,
} from "./support.ts";

const CONF = sccpConf(
  [line(100, "Alice"), line(101, "Bob"), line(102, "Carol"), line(109, "Nobody")],
  [device(100, [100]), device(101, [101]), device(102, [102]), device(109, [109])],
);

describe("SCCP busy, congestion, DND", () => {
  const t = useServer(CONF);

  it("Busy() and Congestion(): tones, CallState and prompt until the caller hangs up", async () => {
    const [a] = await phones(t, [dev(100), "7940"]);
    assert.ok(a);
    let seen = known(a);
    a.offHook();
    a.dial("555");
    const busy = await inState(a, CS.Busy, (x) => !seen.has(x.callReference));
    assert.equal(busy.tone, Tone.LineBusy);
    assert.equal(busy.prompt, "\u0080\u0019");
    a.onHook();
    await assertClean(t, a);
    seen = known(a);
    a.offHook();
    a.dial("666");
    const cong = await inState(a, CS.Congestion, (x) => !seen.has(x.callReference));
    assert.equal(cong.tone, Tone.Reorder);
    assert.equal(cong.prompt, "\u0080\u0023");
    a.softKey(SK.EndCall, cong.lineInstance, cong.callReference);
    await assertClean(t, a);
    a.close();
  });

  it("a line whose phone is not registered: the caller hears reorder", async () => {
    const [a] = await phones(t, [dev(100), "7961"]);
    assert.ok(a);
    a.offHook();
    a.dial("109");
    const c = await inState(a, CS.Congestion);
    assert.equal(c.tone, Tone.Reorder);
    a.onHook();
    await assertClean(t, a);
    a.close();
  });

  it("DND: the soft key toggles the banner; calls are refused as busy", async () => {
    const [a, b] = await phones(t, [dev(100), "7940"], [dev(101), "7941"]);
    assert.ok(a && b);
    b.softKey(SK.DND, 0, 0);
    await until(() => b.notify === "\u0080\u003f", 3000, "DND banner");
    assert.equal(t.server.sccpDriver.state("101"), "busy");
    const seenB = known(b);
    a.offHook();
    a.dial("101");
    const c = await inState(a, CS.Busy);
    assert.equal(c.tone, Tone.LineBusy);
    assert.equal(
      [...b.calls.keys()].some((r) => !seenB.has(r)),
      false,
      "B never rang",
    );
    a.onHook();
    await assertClean(t, a, b);
    const cur = b.cursor;
    b.softKey(SK.DND, 0, 0);
    await b.waitFor("ClearNotify", undefined, 3000, cur);
    assert.equal(t.server.sccpDriver.state("101"), "idle");
    // 79x0 firmware shows "UNDEFINED!" for the DND label (chan-sccp #502): plain text there.
    a.softKey(SK.DND, 0, 0);
    await until(() => a.notify === "DND", 3000, "plain DND banner on a 7940");
    a.softKey(SK.DND, 0, 0);
    await until(() => a.notify === "", 3000, "banner cleared");
    a.close();
    b.close();
  });

  it("all call instances of the line busy: the caller hears busy", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7940"], [dev(101), "7960"], [dev(102), "7941"]);
    assert.ok(a && b && c);
    t.server.sccpDriver.maxCallsPerLine = 1;
    try {
      await connect(a, b, "101");
      const seenB = known(b);
      c.offHook();
      c.dial("101");
      const cc = await inState(c, CS.Busy);
      assert.equal(cc.tone, Tone.LineBusy);
      assert.equal(
        [...b.calls.keys()].some((r) => !seenB.has(r)),
        false,
        "no call waiting beyond the limit",
      );
      c.onHook();
      a.onHook();
      await assertClean(t, a, b, c);
    } finally {
      t.server.sccpDriver.maxCallsPerLine = 6;
    }
    a.close();
    b.close();
    c.close();
  });
});
