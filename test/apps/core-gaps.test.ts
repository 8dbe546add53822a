// Regression: the interpreter marks a channel hungUp when its pbx loop ends; the channel must
// still be released (driver told, core list emptied) when its dialplan ends by itself —
// Hangup(), Busy(t), a dial that failed and fell through.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Harness, waitUntil } from "./support/harness.ts";

test("a dialplan that ends by itself hangs its channel up and removes it from the core", async () => {
  const h = await Harness.start("[default]\nexten => 1,1,Hangup(USER_BUSY)\n");
  try {
    const caller = h.call("101", "1");
    await waitUntil(() => caller.hungUp, "pbx loop ended");
    await waitUntil(() => caller.releasedWith !== undefined, "driver told", 500);
    assert.equal(caller.releasedWith, 17);
    await waitUntil(() => h.core.listChannels().length === 0, "core forgot the channel");
  } finally {
    h.tech.closeAll();
    h.core.close();
    h.pool.close();
  }
});
