// Page(): the seed's one-way and two-way pages, busy destinations, `s`, the timeout.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Cause } from "../../src/core/channel.ts";
import type { PageCallOptions } from "../../src/core/apps/index.ts";
import { Harness, settle, waitUntil } from "./support/harness.ts";
import type { TestChannel } from "./support/test-channel.ts";

// The seed's two Page() lines verbatim (options `i` and `di`, timeout "120 " with its space),
// plus variants with three destinations, an `s` page and a short timeout.
const CONF = `
[default]
exten => 1000,1,Verbose(2, Paging to external cisco phone)
 same => n,Page(sccp/100/autoanswer&sccp/101/autoanswer,i,120 )
exten => 2000,1,Verbose(2, Paging to external cisco phone)
 same => n,Page(sccp/100/autoanswer&sccp/101/autoanswer,di,120 )
exten => 2001,1,Page(sccp/100/autoanswer,d,120)
exten => 3000,1,Page(sccp/100/autoanswer&sccp/101/autoanswer&sccp/102/autoanswer,i)
exten => 3001,1,Page(sccp/100/autoanswer&sccp/101/autoanswer,s)
exten => 4000,1,Page(sccp/100/autoanswer&sccp/101/autoanswer,,0.3)
same => n,Set(PAGE_DONE=1)
same => n,Busy()
`;

async function mediaUp(...chs: TestChannel[]): Promise<void> {
  await waitUntil(() => chs.every((c) => c.mediaTarget !== undefined), "media set up");
}

test("one-way page (seed, option i): the caller's packets reach every callee, nothing comes back", async () => {
  const h = await Harness.start(CONF);
  try {
    const caller = h.call("200", "1000");
    await waitUntil(() => h.tech.outbound("100").length + h.tech.outbound("101").length === 2, "callees");
    const p100 = h.callee("100");
    const p101 = h.callee("101");
    for (const c of [p100, p101]) {
      const opts: PageCallOptions | undefined = c.calls[0];
      assert.deepEqual(opts, { autoAnswer: true, oneWay: true, ignoreForward: true, timeout: 120 });
      assert.equal(c.callerIdNum, "200");
    }
    assert.equal(caller.state, "up", "the pager is answered");
    await mediaUp(caller, p100, p101);
    caller.sendRtp(10, 0x33);
    await waitUntil(() => p100.received.length >= 10 && p101.received.length >= 10, "fan-out");
    assert.ok([...p100.received, ...p101.received].every((r) => r.msg[12] === 0x33));
    p100.sendRtp(10);
    p101.sendRtp(10);
    await settle();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(caller.received.length, 0, "a one-way page sends nothing back to the caller");
    assert.equal(p100.received.length, 10, "nor to the other callees");

    caller.remoteHangup();
    await waitUntil(() => p100.hungUp && p101.hungUp, "callees hung up");
  } finally {
    await h.finish();
  }
});

test("one-way page: a callee leaving does not disturb the others; a busy destination is skipped", async () => {
  const h = await Harness.start(CONF);
  try {
    h.tech.script("102", { fail: "BUSY" });
    const caller = h.call("200", "3000");
    await waitUntil(() => h.tech.outbound("100").length + h.tech.outbound("101").length === 2, "callees");
    assert.deepEqual(h.tech.outbound("102"), [], "the busy line is not called");
    const p100 = h.callee("100");
    const p101 = h.callee("101");
    await mediaUp(caller, p100, p101);
    const before = h.pool.inUse;
    p100.remoteHangup(Cause.NormalClearing);
    await waitUntil(() => h.pool.inUse === before - 1, "the leaver's port returned");
    caller.sendRtp(4);
    await waitUntil(() => p101.received.length >= 4, "the others still hear the page");
    assert.equal(caller.hungUp, false, "the page goes on");
    caller.remoteHangup();
    await waitUntil(() => p101.hungUp, "remaining callee hung up");
  } finally {
    await h.finish();
  }
});

test("two-way page (seed, option d) with two callees mixes: each hears the others, not himself", async () => {
  const h = await Harness.start(CONF);
  try {
    const caller = h.call("200", "2000");
    await waitUntil(() => h.tech.outbound("100").length + h.tech.outbound("101").length === 2, "callees");
    const p100 = h.callee("100");
    const p101 = h.callee("101");
    assert.equal(p100.calls[0]?.oneWay, false, "microphones stay on");
    await mediaUp(caller, p100, p101);
    assert.equal(h.core.bridgeCount, 0, "a mixer, not a bridge");
    caller.startTalking(1000);
    p100.startTalking(4000);
    p101.startTalking(2000);
    const near = (levels: number[], want: number): boolean =>
      levels.some((l) => Math.abs(l - want) < want * 0.08);
    await waitUntil(
      () =>
        near(p100.receivedLevels(), 3000) &&
        near(p101.receivedLevels(), 5000) &&
        near(caller.receivedLevels(), 6000),
      "mixed audio",
    );
    // Nobody ever hears his own voice: levels are sums of the *others* only.
    const max = (levels: number[]): number => Math.max(...levels);
    assert.ok(max(p100.receivedLevels()) < 3000 * 1.08, "100 hears 1000 + 2000 at most");
    assert.ok(max(p101.receivedLevels()) < 5000 * 1.08, "101 hears 1000 + 4000 at most");
    assert.ok(max(caller.receivedLevels()) < 6000 * 1.08, "the caller hears 4000 + 2000 at most");

    caller.remoteHangup();
    await waitUntil(() => p100.hungUp && p101.hungUp, "callees hung up");
  } finally {
    await h.finish();
  }
});

test("two-way page with one callee is an ordinary bridge", async () => {
  const h = await Harness.start(CONF);
  try {
    const caller = h.call("200", "2001");
    await waitUntil(() => h.tech.outbound("100").length === 1, "callee");
    const p100 = h.callee("100");
    await mediaUp(caller, p100);
    assert.equal(h.core.bridgeCount, 1);
    caller.sendRtp(3, 0x44);
    p100.sendRtp(2, 0x45);
    await waitUntil(() => p100.received.length >= 3 && caller.received.length >= 2, "both ways");
    p100.remoteHangup();
    await waitUntil(() => caller.hungUp, "the bridge ends the page");
  } finally {
    await h.finish();
  }
});

test("option s pages only idle devices", async () => {
  const h = await Harness.start(CONF);
  try {
    h.tech.script("101", { state: "inuse" });
    const caller = h.call("200", "3001");
    await waitUntil(() => h.tech.outbound("100").length === 1, "idle callee");
    await settle();
    assert.deepEqual(h.tech.outbound("101"), []);
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("the timeout ends the page: callees hung up, ports returned, the caller continues", async () => {
  const h = await Harness.start(CONF);
  try {
    const caller = h.call("200", "4000");
    assert.equal(await h.varOf(caller, "PAGE_DONE"), "1");
    const p100 = h.callee("100");
    const p101 = h.callee("101");
    assert.equal(p100.releasedWith, Cause.NormalClearing);
    assert.equal(p101.hungUp, true);
    assert.equal(caller.hungUp, false);
    assert.equal(h.pool.inUse, 0, "fan-out ports returned when the page ended");
    assert.ok(caller.mediaStops >= 1, "the caller's media was stopped");
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("a page whose every destination is busy continues at once", async () => {
  const h = await Harness.start(CONF);
  try {
    h.tech.script("100", { fail: "BUSY" });
    h.tech.script("101", { fail: "CHANUNAVAIL" });
    const caller = h.call("200", "4000");
    assert.equal(await h.varOf(caller, "PAGE_DONE"), "1");
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});
