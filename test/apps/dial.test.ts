// Dial(): answer, busy, no answer, cancel, unavailable, forking; DIALSTATUS and the bridge.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Cause } from "../../src/core/channel.ts";
import { Harness, waitUntil } from "./support/harness.ts";

// Every failed dial ends in Busy(), which waits for the caller to hang up: the tests hang the
// caller up themselves, as a phone would, once they have looked at the variables.
const CONF = `
[default]
exten => 107,1,Dial(SCCP/107)
same => n,Set(AFTER=\${DIALSTATUS})
same => n,Busy()

exten => 108,1,Dial(SCCP/107,0.2)
same => n,Set(AFTER=\${DIALSTATUS})
same => n,Busy()

exten => 300,1,Dial(SCCP/301&SCCP/302&SCCP/303,,tT)
same => n,Set(AFTER=\${DIALSTATUS})
same => n,Busy()

exten => 400,1,Dial(NOPE/1)
same => n,Set(AFTER=\${DIALSTATUS})
same => n,Busy()

exten => 500,1,Dial(SCCP/501&SCCP/502)
same => n,Set(AFTER=\${DIALSTATUS})
same => n,Busy()

exten => 600,1,Dial(SCCP/107,,r)
same => n,Busy()
`;

test("answered: ringing forwarded, caller answered, media relayed both ways, callee hangup ends it", async () => {
  const h = await Harness.start(CONF);
  try {
    h.tech.script("107", { ringAfterMs: 2, answerAfterMs: 30 });
    const caller = h.call("101", "107");
    assert.equal(await h.varOf(caller, "DIALSTATUS"), "ANSWER");
    const callee = h.callee("107");
    assert.equal(callee.callerIdNum, "101", "caller id copied to the callee");
    assert.equal(callee.callerIdName, "Line 101");
    assert.deepEqual(caller.indications, ["ringing"]);
    assert.equal(caller.state, "up");
    assert.equal(caller.answers, 1);
    assert.equal(h.core.bridgeCount, 1);

    await waitUntil(
      () => caller.mediaTarget !== undefined && callee.mediaTarget !== undefined,
      "relay set up",
    );
    assert.notEqual(caller.mediaTarget?.port, callee.mediaTarget?.port, "each side has its own relay port");
    caller.sendRtp(5, 0x11);
    callee.sendRtp(3, 0x22);
    await waitUntil(() => callee.received.length >= 5 && caller.received.length >= 3, "relayed RTP");
    assert.ok(callee.received.every((r) => r.msg[12] === 0x11));
    assert.ok(caller.received.every((r) => r.msg[12] === 0x22));

    callee.remoteHangup(Cause.NormalClearing);
    await waitUntil(() => caller.hungUp, "caller hung up with the callee");
    assert.equal(caller.releasedWith, Cause.NormalClearing);
    assert.equal(caller.vars.has("AFTER"), false, "the dialplan stops after an answered call");
    await waitUntil(() => caller.vars.has("ANSWEREDTIME"), "ANSWEREDTIME");
    assert.match(caller.vars.get("ANSWEREDTIME") ?? "", /^\d+$/);
    assert.match(caller.vars.get("DIALEDTIME") ?? "", /^\d+$/);
    assert.equal(caller.vars.get("DIALEDPEERNUMBER"), "107");
    assert.deepEqual(h.dialEvents, [
      { kind: "begin", callee: callee.name },
      { kind: "end", callee: callee.name, status: "ANSWER" },
    ]);
  } finally {
    await h.finish();
  }
});

test("answered: the caller hanging up ends the bridge and hangs the callee up", async () => {
  const h = await Harness.start(CONF);
  try {
    h.tech.script("107", { answerAfterMs: 5 });
    const caller = h.call("101", "107");
    await h.varOf(caller, "DIALSTATUS");
    const callee = h.callee("107");
    caller.remoteHangup(Cause.NormalClearing);
    await waitUntil(() => callee.hungUp, "callee hung up");
    assert.equal(callee.releasedWith, Cause.NormalClearing);
    assert.equal(caller.vars.has("AFTER"), false);
  } finally {
    await h.finish();
  }
});

test("busy: the callee reports busy -> DIALSTATUS BUSY, dialplan continues", async () => {
  const h = await Harness.start(CONF);
  try {
    h.tech.script("107", { ringAfterMs: 1, busyAfterMs: 10 });
    const caller = h.call("101", "107");
    assert.equal(await h.varOf(caller, "AFTER"), "BUSY");
    const callee = h.callee("107");
    assert.equal(callee.releasedWith, Cause.UserBusy);
    assert.deepEqual(h.dialEvents.at(-1), { kind: "end", callee: callee.name, status: "BUSY" });
    assert.equal(caller.state, "ring", "a failed dial does not answer the caller");
    assert.ok(caller.indications.includes("busy"), "then Busy() tells the caller");
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("busy at request time (line in use) -> BUSY without creating a channel", async () => {
  const h = await Harness.start(CONF);
  try {
    h.tech.script("107", { fail: "BUSY" });
    const caller = h.call("101", "107");
    assert.equal(await h.varOf(caller, "AFTER"), "BUSY");
    assert.deepEqual(h.tech.outbound("107"), []);
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("no answer: the timeout passes -> NOANSWER, the callee is hung up", async () => {
  const h = await Harness.start(CONF);
  try {
    h.tech.script("107", { ringAfterMs: 1 });
    const caller = h.call("101", "108");
    assert.equal(await h.varOf(caller, "AFTER"), "NOANSWER");
    const callee = h.callee("107");
    assert.equal(callee.hungUp, true);
    assert.deepEqual(callee.calls, [{ timeout: 1 }]);
    assert.deepEqual(h.dialEvents.at(-1), { kind: "end", callee: callee.name, status: "NOANSWER" });
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("cancel: the caller hangs up while it rings -> CANCEL, every target hung up", async () => {
  const h = await Harness.start(CONF);
  try {
    const caller = h.call("101", "500");
    await waitUntil(
      () => h.tech.outbound("501").length === 1 && h.tech.outbound("502").length === 1,
      "targets",
    );
    await waitUntil(() => caller.indications.includes("ringing"), "ringing");
    caller.remoteHangup(Cause.NormalClearing);
    assert.equal(await h.varOf(caller, "DIALSTATUS"), "CANCEL");
    const targets = [...h.tech.outbound("501"), ...h.tech.outbound("502")];
    assert.ok(targets.every((c) => c.hungUp));
    assert.deepEqual(
      h.dialEvents.filter((e) => e.kind === "end").map((e) => e.status),
      ["CANCEL", "CANCEL"],
    );
    assert.equal(caller.vars.has("AFTER"), false);
  } finally {
    await h.finish();
  }
});

test("unknown technology -> CHANUNAVAIL", async () => {
  const h = await Harness.start(CONF);
  try {
    const caller = h.call("101", "400");
    assert.equal(await h.varOf(caller, "AFTER"), "CHANUNAVAIL");
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("every target rejects the call -> CHANUNAVAIL", async () => {
  const h = await Harness.start(CONF);
  try {
    h.tech.script("501", { rejectAfterMs: 5, rejectCause: 27 });
    h.tech.script("502", { rejectAfterMs: 5, rejectCause: 27 });
    const caller = h.call("101", "500");
    assert.equal(await h.varOf(caller, "AFTER"), "CHANUNAVAIL");
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("one target rejects, the other is busy -> BUSY (busy wins, as in app_dial)", async () => {
  const h = await Harness.start(CONF);
  try {
    h.tech.script("501", { rejectAfterMs: 5, rejectCause: 27 });
    h.tech.script("502", { busyAfterMs: 10 });
    const caller = h.call("101", "500");
    assert.equal(await h.varOf(caller, "AFTER"), "BUSY");
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("forking with &: the first to answer wins, the others are hung up with cause 26", async () => {
  const h = await Harness.start(CONF);
  try {
    h.tech.script("301", { ringAfterMs: 1 });
    h.tech.script("302", { ringAfterMs: 1, answerAfterMs: 20 });
    h.tech.script("303", { ringAfterMs: 1, answerAfterMs: 400 });
    const caller = h.call("101", "300");
    assert.equal(await h.varOf(caller, "DIALSTATUS"), "ANSWER");
    const c301 = h.callee("301");
    const c302 = h.callee("302");
    const c303 = h.callee("303");
    assert.equal(c301.releasedWith, Cause.AnsweredElsewhere);
    assert.equal(c303.releasedWith, Cause.AnsweredElsewhere);
    assert.equal(c302.hungUp, false);
    assert.equal(c302.bridgeId, caller.bridgeId);
    assert.equal(caller.indications.filter((i) => i === "ringing").length, 1, "ringing told once");
    const ends = h.dialEvents.filter((e) => e.kind === "end");
    assert.deepEqual(
      ends.map((e) => [e.callee, e.status]).sort(),
      [
        [c301.name, "CANCEL"],
        [c302.name, "ANSWER"],
        [c303.name, "CANCEL"],
      ].sort(),
    );
    caller.remoteHangup();
    await waitUntil(() => c302.hungUp, "winner hung up with the caller");
  } finally {
    await h.finish();
  }
});

test("option r tells the caller it rings before any target does", async () => {
  const h = await Harness.start(CONF);
  try {
    h.tech.script("107", { ringAfterMs: 10_000 });
    const caller = h.call("101", "600");
    await waitUntil(() => h.tech.outbound("107").length === 1, "target");
    assert.deepEqual(caller.indications, ["ringing"]);
    assert.equal(h.tech.outbound("107")[0]?.state, "down", "the target itself does not ring yet");
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});
