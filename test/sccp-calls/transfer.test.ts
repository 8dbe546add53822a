import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { until } from "../support/linekey.ts";
import type { VirtualPhone } from "../../src/phone/virtual-phone.ts";
import { SoftKeyEvent as SK, SoftKeySet, Tone } from "../../src/sccp/protocol/index.ts";
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

const LINES = [line(100, "Alice"), line(101, "Bob"), line(102, "Carol")];
const DEVICES = [device(100, [100]), device(101, [101]), device(102, [102])];

/** B (101) talks to A (100); B presses Transfer: A is held, B gets a consultation leg. */
async function startTransfer(a: VirtualPhone, b: VirtualPhone): Promise<{ ab: number; consult: number }> {
  const { b: cb } = await connect(a, b, "101");
  const seen = known(b);
  b.softKey(SK.Transfer, cb.lineInstance, cb.callReference);
  const consult = await inState(b, CS.OffHook, (x) => !seen.has(x.callReference));
  assert.equal(cb.state, CS.Hold);
  assert.equal(consult.softKeySet, SoftKeySet.ConnectedTransfer);
  assert.equal(consult.tone, Tone.InsideDial);
  assert.equal(consult.lineInstance, cb.lineInstance);
  return { ab: cb.callReference, consult: consult.callReference };
}

/** After a completed transfer: A and C talk (RTP both ways), each shows the other; B is idle. */
async function transferred(a: VirtualPhone, b: VirtualPhone, c: VirtualPhone): Promise<void> {
  await until(() => b.liveCalls().length === 0, 5000, "B idle after the transfer");
  const ca = await a.waitForCall(
    (x) => x.state === CS.Connected && x.callInfo?.calledParty === "102",
    5000,
    "A shows C",
  );
  const cc = await c.waitForCall(
    (x) => x.state === CS.Connected && x.callInfo?.callingParty === "100",
    5000,
    "C shows A",
  );
  await rtpFlows(a, ca, a.rtpReceived(ca) + 5);
  await rtpFlows(c, cc, c.rtpReceived(cc) + 5);
  a.onHook();
  await inState(c, CS.OnHook, (x) => x.callReference === cc.callReference);
}

describe("SCCP attended transfer", () => {
  const t = useServer(sccpConf(LINES, DEVICES));

  it("consult C, then Transfer again joins A with C and refreshes both displays", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7940"], [dev(101), "7961"], [dev(102), "7960"]);
    assert.ok(a && b && c);
    const { consult } = await startTransfer(a, b);
    b.dial("102");
    const rc = await inState(c, CS.RingIn);
    c.answer(rc);
    const bc = await inState(b, CS.Connected, (x) => x.callReference === consult);
    assert.equal(bc.softKeySet, SoftKeySet.ConnectedTransfer);
    await rtpFlows(b, bc);
    b.softKey(SK.Transfer, bc.lineInstance, consult);
    await transferred(a, b, c);
    await assertClean(t, a, b, c);
    a.close();
    b.close();
    c.close();
  });

  it("the transferring phone placed the first call: A and C still end up together", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7961"], [dev(101), "7940"], [dev(102), "7941"]);
    assert.ok(a && b && c);
    const { a: cb } = await connect(b, a, "100");
    const seen = known(b);
    b.softKey(SK.Transfer, cb.lineInstance, cb.callReference);
    const consult = await inState(b, CS.OffHook, (x) => !seen.has(x.callReference));
    b.dial("102");
    const rc = await inState(c, CS.RingIn);
    c.answer(rc);
    await inState(b, CS.Connected, (x) => x.callReference === consult.callReference);
    b.softKey(SK.Transfer, consult.lineInstance, consult.callReference);
    await until(() => b.liveCalls().length === 0, 5000, "B idle after the transfer");
    const ca = await a.waitForCall(
      (x) => x.state === CS.Connected && x.callInfo?.callingParty === "102",
      5000,
      "A shows C",
    );
    const cc = await c.waitForCall(
      (x) => x.state === CS.Connected && x.callInfo?.callingParty === "100",
      5000,
      "C shows A",
    );
    await rtpFlows(a, ca, a.rtpReceived(ca) + 5);
    await rtpFlows(c, cc, c.rtpReceived(cc) + 5);
    assert.ok(consult.rtp === undefined, "B's media closed");
    c.onHook();
    await assertClean(t, a, b, c);
    a.close();
    b.close();
    c.close();
  });

  it("Transfer pressed while C still rings: completes when C answers", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7941"], [dev(101), "7940"], [dev(102), "7961"]);
    assert.ok(a && b && c);
    const { consult } = await startTransfer(a, b);
    b.dial("102");
    const rc = await inState(c, CS.RingIn);
    await inState(b, CS.RingOut, (x) => x.callReference === consult);
    b.softKey(SK.Transfer, 1, consult);
    await until(() => b.liveCalls().length === 0, 5000, "B left the call");
    c.answer(rc);
    await transferred(a, b, c);
    await assertClean(t, a, b, c);
    a.close();
    b.close();
    c.close();
  });

  it("transfer to a busy target: the consultation shows busy, EndCall and Resume get A back", async () => {
    const [a, b] = await phones(t, [dev(100), "7960"], [dev(101), "7941"]);
    assert.ok(a && b);
    const { ab, consult } = await startTransfer(a, b);
    b.dial("555");
    const cons = await inState(b, CS.Busy, (x) => x.callReference === consult);
    assert.equal(cons.tone, Tone.LineBusy);
    b.softKey(SK.Transfer, 1, consult);
    b.softKey(SK.EndCall, 1, consult);
    await inState(b, CS.OnHook, (x) => x.callReference === consult);
    const held = b.calls.get(ab);
    assert.equal(held?.state, CS.Hold);
    b.softKey(SK.Resume, 1, ab);
    const back = await inState(b, CS.Connected, (x) => x.callReference === ab);
    await rtpFlows(b, back, b.rtpReceived(back) + 5);
    b.onHook();
    await assertClean(t, a, b);
    a.close();
    b.close();
  });

  it("the held party hangs up during the consultation: the consultation goes on alone", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7940"], [dev(101), "7960"], [dev(102), "7940"]);
    assert.ok(a && b && c);
    const { ab, consult } = await startTransfer(a, b);
    b.dial("102");
    const rc = await inState(c, CS.RingIn);
    c.answer(rc);
    await inState(b, CS.Connected, (x) => x.callReference === consult);
    a.onHook();
    await inState(b, CS.OnHook, (x) => x.callReference === ab);
    const bc = b.calls.get(consult);
    assert.ok(bc);
    await until(() => bc.softKeySet === SoftKeySet.Connected, 3000, "an ordinary call's keys");
    assert.equal(bc.state, CS.Connected);
    await rtpFlows(b, bc, b.rtpReceived(bc) + 5);
    c.onHook();
    await assertClean(t, a, b, c);
    a.close();
    b.close();
    c.close();
  });
});

describe("SCCP transfer on hang-up (transfer_mode = auto)", () => {
  const t = useServer(sccpConf(LINES, DEVICES, "transfer_mode=auto\n"));

  it("hanging up during the consultation completes the transfer", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7940"], [dev(101), "7961"], [dev(102), "7940"]);
    assert.ok(a && b && c);
    const { consult } = await startTransfer(a, b);
    b.dial("102");
    const rc = await inState(c, CS.RingIn);
    c.answer(rc);
    await inState(b, CS.Connected, (x) => x.callReference === consult);
    b.onHook();
    await transferred(a, b, c);
    await assertClean(t, a, b, c);
    a.close();
    b.close();
    c.close();
  });
});

describe("SCCP blind transfer (transfer_mode = blind)", () => {
  const t = useServer(sccpConf(LINES, DEVICES, "transfer_mode=blind\n"));

  it("completes as soon as the target rings", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7961"], [dev(101), "7941"], [dev(102), "7940"]);
    assert.ok(a && b && c);
    await startTransfer(a, b);
    b.dial("102");
    const rc = await inState(c, CS.RingIn);
    await until(() => b.liveCalls().length === 0, 5000, "B left the call once C rang");
    assert.equal(rc.callInfo?.callingParty, "101", "C was called by B's consultation");
    c.answer(rc);
    await transferred(a, b, c);
    await assertClean(t, a, b, c);
    a.close();
    b.close();
    c.close();
  });

  it("C never answers after a blind transfer: A is released", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7940"], [dev(101), "7941"], [dev(102), "7940"]);
    assert.ok(a && b && c);
    await startTransfer(a, b);
    b.dial("102");
    const rc = await inState(c, CS.RingIn);
    await until(() => b.liveCalls().length === 0, 5000, "B left the call once C rang");
    c.softKey(SK.EndCall, rc.lineInstance, rc.callReference);
    await a.waitForCall((x) => x.state === CS.OnHook, 5000, "A released");
    await assertClean(t, a, b, c);
    a.close();
    b.close();
    c.close();
  });
});
