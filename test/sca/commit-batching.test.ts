/**
 * Group commit of the SCA store: a lone change waits the commit window; under a steady stream
 * of changes commits are at least COMMIT_INTERVAL_MS apart, so they carry more rows each; every
 * waiter is released by the commit that wrote its change.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { COMMIT_INTERVAL_MS, COMMIT_WINDOW_MS, ScaSubscriptionStore } from "../../src/sca/store.ts";
import { Outbox } from "../../src/sca/outbox.ts";
import type { Subscription } from "../../src/sca/subscriptions.ts";
import type { Database, SqlValue } from "../../src/store/database.ts";
import { silentLogger } from "../../src/util/logger.ts";

/** A database that only records when each transaction started and how many upserts it ran. */
function recordingDb(): { db: Database; commits: { at: number; rows: number }[] } {
  const commits: { at: number; rows: number }[] = [];
  let current: { at: number; rows: number } | undefined;
  const db: Database = {
    kind: "sqlite",
    exec: () => Promise.resolve(),
    run: (sql: string, _params?: readonly SqlValue[]) => {
      if (current !== undefined && sql.startsWith("INSERT")) current.rows++;
      return Promise.resolve({ changes: 1 });
    },
    all: <T>() => Promise.resolve([] as T[]),
    get: <T>() => Promise.resolve(undefined as T | undefined),
    transaction: async <T>(fn: (tx: Database) => Promise<T>): Promise<T> => {
      const outer = current === undefined;
      if (outer) current = { at: performance.now(), rows: 0 };
      try {
        return await fn(db);
      } finally {
        if (outer && current !== undefined) {
          commits.push(current);
          current = undefined;
        }
      }
    },
    close: () => Promise.resolve(),
  };
  return { db, commits };
}

function subscription(i: number): Subscription {
  return {
    subscriber: `sip:p${i}@h`,
    aor: `sip:${i}@d`,
    event: "call-info",
    expires: 2_000_000_000,
    state: "active",
    index: 0,
    dialog: { callId: `c${i}`, fromTag: "f", toTag: "t" },
    recordRoute: "",
    notifyCseq: 0,
    subscribeCseq: 0,
    serverId: 0,
    slot: 0,
    outbox: new Outbox(silentLogger),
    cseqCeiling: Number.POSITIVE_INFINITY,
    dirty: false,
  };
}

test("a lone change is committed after the commit window", async () => {
  const { db, commits } = recordingDb();
  const store = new ScaSubscriptionStore(db, { table: "sca_subscriptions", serverId: 0, log: silentLogger });
  const t0 = performance.now();
  await store.save(subscription(1));
  assert.equal(commits.length, 1);
  assert.ok((commits[0]?.at ?? 0) - t0 >= COMMIT_WINDOW_MS - 1.5, "waited the window");
  await store.close();
});

test("under a steady stream of changes commits are COMMIT_INTERVAL_MS apart and carry them all", async () => {
  const { db, commits } = recordingDb();
  const store = new ScaSubscriptionStore(db, { table: "sca_subscriptions", serverId: 0, log: silentLogger });
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 60; i++) {
    waits.push(store.save(subscription(i)));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(waits);
  assert.equal(
    commits.reduce((n, c) => n + c.rows, 0),
    60,
    "every change written once",
  );
  for (let i = 1; i < commits.length; i++) {
    const gap = (commits[i]?.at ?? 0) - (commits[i - 1]?.at ?? 0);
    // Timers fire on the event loop's millisecond clock: allow for its granularity.
    assert.ok(gap >= COMMIT_INTERVAL_MS - 1.5, `commits ${i - 1} and ${i} are ${gap.toFixed(2)} ms apart`);
  }
  assert.ok(commits.length < 60 / 2, `${commits.length} commits for 60 changes`);
  await store.close();
});
