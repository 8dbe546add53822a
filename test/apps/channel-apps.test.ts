// Answer, Busy, Congestion, Progress, Ringing, Echo and Pickup.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Cause, type Channel } from "../../src/core/channel.ts";
import { isRequestFailure } from "../../src/core/channel-tech.ts";
import type { PickupTarget } from "../../src/core/apps/index.ts";
import { Harness, settle, waitUntil } from "./support/harness.ts";
import type { TestChannel } from "./support/test-channel.ts";

const CONF = `
[default]
exten => 1,1,Progress()
same => n,Ringing()
same => n,Answer()
same => n,Set(UP=1)
same => n,Busy()
exten => 2,1,Busy(0.05)
exten => 3,1,Congestion(0.05)
exten => 4,1,Answer()
same => n,Congestion(0.05)
exten => 5,1,Echo()
same => n,Set(ECHO_DONE=1)
same => n,Busy()
exten => 6,1,Pickup(107&108@other)
same => n,Set(PICKUP_FAILED=1)
same => n,Busy()
exten => 7,1,Pickup()
same => n,Set(NEVER=1)
`;

test("Progress, Ringing, Answer: indications in order, then the channel is up", async () => {
  const h = await Harness.start(CONF);
  try {
    const caller = h.call("101", "1");
    await h.varOf(caller, "UP");
    assert.deepEqual(caller.indications.slice(0, 2), ["progress", "ringing"]);
    assert.equal(caller.state, "up");
    assert.equal(caller.answers, 1);
    assert.equal(caller.indications[2], "busy", "Busy() on an answered channel indicates in band");
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("Busy(t) / Congestion(t): indicate, wait, stop the dialplan with cause 17 / 34 (only if not up)", async () => {
  const h = await Harness.start(CONF);
  const chs: TestChannel[] = [];
  try {
    const busy = h.runDirect("101", "2");
    chs.push(busy.ch);
    const out = await busy.done;
    assert.equal(out.reason, "hangup");
    assert.equal(out.hangupCause, Cause.UserBusy);
    assert.deepEqual(busy.ch.indications, ["busy"]);

    const cong = h.runDirect("101", "3");
    chs.push(cong.ch);
    assert.equal((await cong.done).hangupCause, Cause.Congestion);
    assert.deepEqual(cong.ch.indications, ["congestion"]);

    const up = h.runDirect("101", "4");
    chs.push(up.ch);
    assert.equal(
      (await up.done).hangupCause,
      Cause.NormalClearing,
      "an answered caller keeps normal clearing",
    );
  } finally {
    for (const ch of chs) ch.dispose();
    await h.finish();
  }
});

test("Echo: every packet comes back to the phone; # ends it and the dialplan continues", async () => {
  const h = await Harness.start(CONF);
  try {
    const caller = h.call("101", "5");
    await waitUntil(() => caller.mediaTarget !== undefined, "echo media");
    assert.equal(caller.state, "up");
    caller.sendRtp(5, 0x5a);
    await waitUntil(() => caller.received.length >= 5, "echoed packets");
    assert.ok(caller.received.every((r) => r.msg[12] === 0x5a && r.port === caller.mediaTarget?.port));
    caller.remoteDtmf("1");
    await settle();
    assert.equal(caller.vars.has("ECHO_DONE"), false, "other digits are echoed, not acted on");
    caller.remoteDtmf("#");
    assert.equal(await h.varOf(caller, "ECHO_DONE"), "1");
    assert.equal(caller.mediaStops, 1);
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("Pickup without a provider, or with nothing ringing, continues", async () => {
  const h = await Harness.start(CONF);
  try {
    const first = h.call("101", "6");
    assert.equal(await h.varOf(first, "PICKUP_FAILED"), "1");
    first.remoteHangup();

    const seen: PickupTarget[][] = [];
    h.apps.setPickupProvider((_picker, targets) => {
      seen.push([...targets]);
      return Promise.resolve(false);
    });
    const second = h.call("102", "6");
    assert.equal(await h.varOf(second, "PICKUP_FAILED"), "1");
    assert.deepEqual(seen, [
      [
        { exten: "107", context: "default" },
        { exten: "108", context: "other" },
      ],
    ]);
    second.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("Pickup through the provider: the picker stays with the picked call until it ends", async () => {
  const h = await Harness.start(CONF);
  try {
    let picked: Channel | undefined;
    h.apps.setPickupProvider((picker, targets) => {
      assert.deepEqual(targets, [], "no argument: group pickup");
      // What a driver would do: take the ringing call over and bridge it to the picker.
      const r = h.core.request("SCCP/300", picker);
      if (isRequestFailure(r)) return Promise.resolve(false);
      picked = r;
      r.remoteAnswered();
      picker.answer();
      h.core.bridge(picker, r);
      return Promise.resolve(true);
    });
    const picker = h.call("102", "7");
    await waitUntil(() => h.core.bridgeCount === 1, "picked call bridged");
    picked?.remoteHangup();
    await waitUntil(() => picker.hungUp, "the picker hung up with the picked call");
    assert.equal(picker.vars.has("NEVER"), false, "a successful pickup ends the dialplan");
  } finally {
    await h.finish();
  }
});
