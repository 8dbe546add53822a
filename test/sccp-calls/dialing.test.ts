import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SoftKeyEvent as SK, SoftKeySet, Stimulus, Tone } from "../../src/sccp/protocol/index.ts";
import {
  CallStateCode as CS,
  assertClean,
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
  [
    line(100, "Alice"),
    line(101, "Bob"),
    line(120, "Lobby", "hotline=101\n"),
    line(121, "Door", "hotline=101\nhotline_delay=1\n"),
  ],
  [
    device(100, [100], "speeddial=101,Bob\nvoicemail=*98\n"),
    device(101, [101]),
    device(120, [120]),
    device(121, [121]),
  ],
);

// 1234 may grow into 12345: it waits for '#' or the inter-digit timeout; 9 matches nothing.
const DIALPLAN = `[default]
exten => _1XX,1,Dial(SCCP/\${EXTEN},20)
exten => 1234,1,Dial(SCCP/101,20)
exten => 12345,1,Dial(SCCP/101,20)
exten => *98,1,Busy()
`;

describe("SCCP placing calls", () => {
  const t = useServer(CONF, DIALPLAN);

  /** Waits for 101 to ring, checks the caller id, rejects the call and waits for everything to end. */
  async function ringsBob(
    a: import("../../src/phone/virtual-phone.ts").VirtualPhone,
    b: import("../../src/phone/virtual-phone.ts").VirtualPhone,
    seen: Set<number>,
    from = "100",
  ): Promise<void> {
    const r = await inState(b, CS.RingIn, (x) => !seen.has(x.callReference));
    assert.equal(r.callInfo?.callingParty, from);
    b.softKey(SK.EndCall, r.lineInstance, r.callReference);
    await inState(b, CS.OnHook, (x) => x.callReference === r.callReference);
  }

  it("NewCall soft key: speaker on, dial tone, immediate dial on an exact final match", async () => {
    const [a, b] = await phones(t, [dev(100), "7941"], [dev(101), "7940"]);
    assert.ok(a && b);
    const seen = known(b);
    a.softKey(SK.NewCall, 0, 0);
    const c = await inState(a, CS.OffHook);
    assert.equal(a.speaker, 1);
    assert.equal(c.tone, Tone.InsideDial);
    const cur = a.cursor;
    a.dial("1");
    await a.waitFor("StopTone", undefined, 5000, cur);
    assert.equal(c.softKeySet, SoftKeySet.DigitsFollowing);
    a.dial("01");
    await ringsBob(a, b, seen);
    // Rejected by the callee (EndCall while ringing): the caller hears busy until it hangs up.
    await inState(a, CS.Busy, (x) => x.callReference === c.callReference);
    assert.equal(c.tone, Tone.LineBusy);
    a.onHook();
    await assertClean(t, a, b);
    a.close();
    b.close();
  });

  it("'#' dials a number that could still grow; the timeout dials it too", async () => {
    const [a, b] = await phones(t, [dev(100), "7960"], [dev(101), "7961"]);
    assert.ok(a && b);
    let seen = known(b);
    a.offHook();
    a.dial("1234#");
    await ringsBob(a, b, seen);
    a.onHook();
    await assertClean(t, a, b);
    seen = known(b);
    const seenA = known(a);
    a.offHook();
    a.dial("1234");
    const c = await inState(a, CS.Proceed, (x) => !seenA.has(x.callReference));
    assert.equal(c.dialed, "1234");
    await ringsBob(a, b, seen);
    a.onHook();
    await assertClean(t, a, b);
    a.close();
    b.close();
  });

  it("reorder at once when nothing can match; BackSpace erases a digit", async () => {
    const [a] = await phones(t, [dev(100), "7940"]);
    assert.ok(a);
    a.offHook();
    const c = await inState(a, CS.OffHook);
    a.dial("1");
    await a.waitFor("StopTone", undefined, 5000, 0);
    const cur = a.cursor;
    a.softKey(SK.BackSpace, c.lineInstance, c.callReference);
    await a.waitFor("BackSpaceReq", undefined, 5000, cur);
    // Every digit erased: dial tone again.
    await a.waitFor("StartTone", (m) => m.tone === Tone.InsideDial, 5000, cur);
    a.dial("9");
    await inState(a, CS.InvalidNumber, (x) => x.callReference === c.callReference);
    assert.equal(c.tone, Tone.Reorder);
    assert.equal(c.prompt, "\u00808");
    assert.equal(t.server.core.listChannels().length, 0, "no call placed");
    a.onHook();
    await assertClean(t, a);
    a.close();
  });

  it("EnblocCall, Redial, speed dial and the Messages key dial at once", async () => {
    const [a, b] = await phones(t, [dev(100), "7941"], [dev(101), "7960"]);
    assert.ok(a && b);
    let seen = known(b);
    a.enbloc("101#");
    await ringsBob(a, b, seen);
    a.onHook();
    await assertClean(t, a, b);
    seen = known(b);
    a.softKey(SK.Redial, 0, 0);
    await ringsBob(a, b, seen);
    a.onHook();
    await assertClean(t, a, b);
    seen = known(b);
    a.stimulus(Stimulus.SpeedDial, 1);
    await ringsBob(a, b, seen);
    assert.equal(a.speaker, 1);
    a.onHook();
    await assertClean(t, a, b);
    const seenA = known(a);
    a.stimulus(Stimulus.Voicemail, 0);
    const vm = await inState(a, CS.Busy, (x) => !seenA.has(x.callReference));
    assert.equal(vm.dialed, "*98");
    a.onHook();
    await assertClean(t, a, b);
    a.close();
    b.close();
  });

  it("hotline lines dial on off hook: at once, or after hotline_delay", async () => {
    const [h, d, b] = await phones(t, [dev(120), "7911"], [dev(121), "7912"], [dev(101), "7940"]);
    assert.ok(h && d && b);
    let seen = known(b);
    h.offHook();
    const hc = await inState(h, CS.Proceed);
    assert.equal(hc.dialed, "101");
    assert.equal(hc.tones.includes(Tone.InsideDial), false, "no dial tone before a hotline");
    await ringsBob(h, b, seen, "120");
    h.onHook();
    await assertClean(t, h, b);
    seen = known(b);
    d.offHook();
    const dc = await inState(d, CS.OffHook);
    assert.equal(dc.tone, Tone.InsideDial);
    await ringsBob(d, b, seen, "121");
    d.onHook();
    await assertClean(t, d, b);
    h.close();
    d.close();
    b.close();
  });
});
