/**
 * The per-subscription send queue (outbox.ts): order, gates, and an outbox whose gate settled
 * before it was used.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Outbox } from "../../src/sca/outbox.ts";
import { silentLogger } from "../../src/util/logger.ts";

test("steps run in order, each after its gate; an outbox without work is idle", async () => {
  const box = new Outbox(silentLogger);
  const ran: string[] = [];
  let open = (): void => undefined;
  const gate = new Promise<void>((r) => (open = r));
  box.push(() => ran.push("gated"), gate);
  box.push(() => ran.push("after"));
  assert.equal(ran.length, 0);
  assert.equal(box.idle, false);
  open();
  await box.settled();
  assert.deepEqual([...ran], ["gated", "after"]);
  assert.equal(box.idle, true);
  box.push(() => ran.push("now"));
  assert.deepEqual(ran, ["gated", "after", "now"], "no gate, nothing queued: at once");
});

test("a gate another outbox already waited for does not leave this one stuck", async () => {
  const gate = Promise.resolve();
  const first = new Outbox(silentLogger);
  first.push(() => undefined, gate);
  await first.settled();
  // The gate is known to have settled: this step runs at once, without a drain left behind.
  const box = new Outbox(silentLogger);
  const ran: string[] = [];
  box.push(() => ran.push("b1"), gate);
  box.push(() => ran.push("b2"));
  await box.settled();
  assert.deepEqual(ran, ["b1", "b2"]);
  assert.equal(box.idle, true);
});
