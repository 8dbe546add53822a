import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { until } from "../support/linekey.ts";
import { LinekeyServer } from "../../src/server.ts";
import { VirtualPhone } from "../../src/phone/virtual-phone.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { SoftKeyEvent as SK, Stimulus } from "../../src/sccp/protocol/index.ts";
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
  start,
  useServer,
} from "./support.ts";

const CONF = sccpConf(
  [
    line(100, "Alice"),
    line(101, "Bob"),
    line(102, "Carol"),
    line(103, "Dave", "forward_busy=102\n"),
    line(104, "Erin", "forward_noanswer=102\nforward_noanswer_timeout=1\n"),
  ],
  [
    device(100, [100]),
    device(101, [101], "speeddial=102,Carol\n"),
    device(102, [102]),
    device(103, [103]),
    device(104, [104]),
  ],
  "callfwd_timeout=1\n",
);

describe("SCCP call forward", () => {
  const t = useServer(CONF);

  it("CFwdAll from the phone: entry, ForwardStat, banner; calls go to the target; cleared again", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7940"], [dev(101), "7941"], [dev(102), "7960"]);
    assert.ok(a && b && c);
    b.softKey(SK.CfwdAll, 0, 0);
    const entry = await inState(b, CS.OffHook);
    assert.equal(b.speaker, 1);
    b.dial("102#");
    await inState(b, CS.OnHook, (x) => x.callReference === entry.callReference);
    await until(() => b.forwards.get(1)?.forwardAllActive === 1, 3000, "ForwardStat");
    assert.equal(b.forwards.get(1)?.forwardAllDirnum, "102");
    assert.equal(b.notify, "\u0080\u0005: 102");
    const seenB = known(b);
    const { a: ca, b: cc } = await connect(a, c, "101");
    assert.equal(cc.callInfo?.callType, 3, "forwarded");
    assert.equal(cc.callInfo.originalCalledParty, "101");
    assert.equal(cc.callInfo.callingParty, "100");
    assert.equal(
      [...b.calls.keys()].some((r) => !seenB.has(r)),
      false,
      "B never rang",
    );
    // The forward's stand-ins are gone once A and C talk directly.
    await until(() => t.server.core.listChannels().length === 2, 3000, "two channels left");
    await rtpFlows(a, ca, a.rtpReceived(ca) + 5);
    c.onHook();
    await assertClean(t, a, b, c);
    const cur = b.cursor;
    b.softKey(SK.CfwdAll, 0, 0);
    await b.waitFor("ClearNotify", undefined, 3000, cur);
    assert.equal(b.forwards.get(1)?.forwardAllActive, 0);
    a.close();
    b.close();
    c.close();
  });

  it("CFwdAll entry ended by a speed dial, and an empty entry cancels", async () => {
    const [b] = await phones(t, [dev(101), "7961"]);
    assert.ok(b);
    b.softKey(SK.CfwdAll, 0, 0);
    const first = await inState(b, CS.OffHook);
    // callfwd_timeout (1 s here) ends an entry left without '#'.
    b.dial("100");
    await inState(b, CS.OnHook, (x) => x.callReference === first.callReference);
    await until(() => b.forwards.get(1)?.forwardAllDirnum === "100", 3000, "forward after the entry timeout");
    b.softKey(SK.CfwdAll, 0, 0);
    await until(() => b.forwards.get(1)?.forwardAllActive === 0, 3000, "cleared");
    const seen0 = known(b);
    b.softKey(SK.CfwdAll, 0, 0);
    await inState(b, CS.OffHook, (x) => !seen0.has(x.callReference));
    b.stimulus(Stimulus.SpeedDial, 1);
    await until(() => b.forwards.get(1)?.forwardAllDirnum === "102", 3000, "forward to the speed dial");
    b.softKey(SK.CfwdAll, 0, 0);
    await until(() => b.forwards.get(1)?.forwardAllActive === 0, 3000, "cleared");
    const seen = known(b);
    b.softKey(SK.CfwdAll, 0, 0);
    const entry = await inState(b, CS.OffHook, (x) => !seen.has(x.callReference));
    b.softKey(SK.CfwdAll, entry.lineInstance, entry.callReference);
    await inState(b, CS.OnHook, (x) => x.callReference === entry.callReference);
    assert.equal(b.forwards.get(1)?.forwardAllActive, 0, "nothing set");
    await assertClean(t, b);
    b.close();
  });

  it("forward on busy (from sccp.conf) instead of call waiting", async () => {
    const [a, d, c, b] = await phones(
      t,
      [dev(100), "7940"],
      [dev(103), "7940"],
      [dev(102), "7941"],
      [dev(101), "7940"],
    );
    assert.ok(a && d && c && b);
    await connect(b, d, "103");
    const seenD = known(d);
    const { b: cc } = await connect(a, c, "103");
    assert.equal(cc.callInfo?.originalCalledParty, "103");
    assert.equal(
      [...d.calls.keys()].some((r) => !seenD.has(r)),
      false,
      "no call waiting on D",
    );
    await rtpFlows(c, cc);
    a.onHook();
    await inState(c, CS.OnHook, (x) => x.callReference === cc.callReference);
    b.onHook();
    await assertClean(t, a, b, c, d);
    for (const p of [a, b, c, d]) p.close();
  });

  it("forward on no answer after forward_noanswer_timeout", async () => {
    const [a, e, c] = await phones(t, [dev(100), "7961"], [dev(104), "7960"], [dev(102), "7940"]);
    assert.ok(a && e && c);
    a.offHook();
    a.dial("104");
    const re = await inState(e, CS.RingIn);
    const rc = await inState(c, CS.RingIn);
    assert.equal(e.calls.get(re.callReference)?.state, CS.OnHook, "E stopped ringing");
    assert.equal(rc.callInfo?.originalCalledParty, "104");
    c.answer(rc);
    const cc = await inState(c, CS.Connected);
    await rtpFlows(c, cc);
    c.onHook();
    await assertClean(t, a, e, c);
    a.close();
    e.close();
    c.close();
  });
});

describe("SCCP call forward persistence", () => {
  it("a CFwdAll set from the phone survives a server restart", async () => {
    const t = await start(CONF);
    const b = t.phone(dev(101), "7940");
    await b.register();
    b.softKey(SK.CfwdAll, 0, 0);
    await inState(b, CS.OffHook);
    b.dial("102#");
    await until(() => b.forwards.get(1)?.forwardAllActive === 1, 3000, "set");
    b.close();
    await t.server.close();
    const again = await LinekeyServer.start({
      configDir: t.dir,
      dataDir: join(t.dir, "data"),
      log: silentLogger,
      sccpPort: 0,
      sccpBindaddr: "127.0.0.1",
      consoleSocket: false,
    });
    const p = new VirtualPhone({
      host: "127.0.0.1",
      port: again.sccpListening.port,
      device: dev(101),
      model: "7961",
    });
    try {
      await p.register();
      // 79x1 firmware does not ask ForwardStatReq: the server pushes it after registration.
      await until(() => p.forwards.get(1)?.forwardAllDirnum === "102", 3000, "restored ForwardStat");
      await until(() => p.notify === "\u0080\u0005: 102", 3000, "restored banner");
      assert.equal(again.sccpDriver.forwards.get(dev(101), "101"), "102");
    } finally {
      p.close();
      await again.close();
      await t.stop();
    }
  });
});
