import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { until } from "../support/linekey.ts";
import { dissect, startCapture, tsharkUnavailable } from "../support/tshark.ts";
import { MessageId, SoftKeyEvent as SK } from "../../src/sccp/protocol/index.ts";
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
  [line(100, "Alice"), line(101, "Bob"), line(102, "Carol")],
  [device(100, [100], "speeddial=101,Bob,blf\n"), device(101, [101]), device(102, [102])],
);

describe("Wireshark's SCCP dissector on call flows", { skip: tsharkUnavailable() }, () => {
  const t = useServer(CONF);

  it("decodes every frame of a call, hold, transfer, forward and DND between a 7912, a 7940 and a 7961", async () => {
    const cap = await startCapture(t.port);
    const [a, b, c] = await (async () => {
      try {
        const ps = await phones(t, [dev(100), "7912"], [dev(101), "7940"], [dev(102), "7961"]);
        const [pa, pb, pc] = ps;
        assert.ok(pa && pb && pc);
        const { b: cb } = await connect(pa, pb, "101");
        pb.softKey(SK.Hold, cb.lineInstance, cb.callReference);
        await inState(pb, CS.Hold, (x) => x.callReference === cb.callReference);
        pb.softKey(SK.Resume, cb.lineInstance, cb.callReference);
        await inState(pb, CS.Connected, (x) => x.callReference === cb.callReference);
        const seen = known(pb);
        pb.softKey(SK.Transfer, cb.lineInstance, cb.callReference);
        const consult = await inState(pb, CS.OffHook, (x) => !seen.has(x.callReference));
        pb.dial("102");
        const rc = await inState(pc, CS.RingIn);
        pc.answer(rc);
        await inState(pb, CS.Connected, (x) => x.callReference === consult.callReference);
        pb.softKey(SK.Transfer, consult.lineInstance, consult.callReference);
        await until(() => pb.liveCalls().length === 0, 5000, "transferred");
        // The transfer re-opens C's media towards A: hang up only once it flows again, or a loaded
        // machine sees the on-hook before the StartMediaTransmission this test asserts on.
        await until(() => pc.calls.get(rc.callReference)?.rtp?.target !== undefined, 5000, "C sending to A");
        pc.onHook();
        await assertClean(t, pa, pb, pc);
        pb.softKey(SK.CfwdAll, 0, 0);
        await inState(pb, CS.OffHook);
        pb.dial("102#");
        await until(() => pb.forwards.get(1)?.forwardAllActive === 1, 3000, "forward set");
        pb.softKey(SK.CfwdAll, 0, 0);
        pb.softKey(SK.DND, 0, 0);
        pb.softKey(SK.DND, 0, 0);
        await until(() => pb.notify === "", 3000, "banner cleared");
        return ps;
      } finally {
        await cap.stop();
      }
    })();
    try {
      const { pdus, malformed, raw } = dissect(cap.file, t.port);
      assert.deepEqual(malformed, [], `Wireshark flagged frames as malformed:\n${raw}`);
      for (const p of [a, b, c]) {
        assert.ok(p);
        const local = p.localPort;
        const seen = pdus.filter((x) => x.srcPort === t.port && x.dstPort === local).map((x) => x.messageId);
        const expected = p.received.map((r) => (r.msg.type === "Unknown" ? r.msg.id : MessageId[r.msg.type]));
        assert.deepEqual(seen, expected, `server→${p.options.device} ids differ`);
        assert.ok(
          seen.includes(MessageId.OpenReceiveChannel),
          `no ORC to ${p.options.device}: ids ${expected.join(",")}`,
        );
        assert.ok(
          seen.includes(MessageId.StartMediaTransmission),
          `no SMT to ${p.options.device}: ids ${expected.join(",")}`,
        );
        assert.ok(seen.includes(MessageId.CallInfo));
      }
    } finally {
      cap.cleanup();
      for (const p of [a, b, c]) p?.close();
    }
  });
});
