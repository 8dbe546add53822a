/**
 * Persistence (reference §8, and beyond Kamailio: write-through before the 2xx, CSeq leases,
 * line-seize kept) on SQLite and, when installed, a real PostgreSQL.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { scaSubscriptionsTable } from "../../src/store/schema/sca-subscriptions.ts";
import { ScaSubscriptionsRepo } from "../../src/store/sca-subscriptions-repo.ts";
import { CSEQ_LEASE } from "../../src/sca/store.ts";
import { startBackends, type Backends } from "../store/backends.ts";
import { DOMAIN, ScaTestBed } from "./support/testbed.ts";

const AOR = `sip:2201@${DOMAIN}`;
const D = `<sip:${DOMAIN}>`;

let backends: Backends;
before(async () => {
  backends = await startBackends();
  const names = backends.list.map((b) => b.name).join(" and ");
  process.stdout.write(
    `SCA store tests run on: ${names}${backends.postgres === undefined ? " (PostgreSQL not installed: skipped)" : ""}\n`,
  );
});
after(async () => {
  await backends.close();
});

async function open(url: string): Promise<Database> {
  return openDatabase(url, { dataDir: backends.dataDir, durable: true, tables: [scaSubscriptionsTable()] });
}

for (const backend of ["sqlite", "postgres"] as const) {
  describe(`SCA subscriptions in ${backend}`, () => {
    it("are written before their 2xx, deleted before the 2xx of an unsubscribe", async (t) => {
      const be = backends.list.find((b) => b.name === backend);
      if (be === undefined) {
        t.skip("PostgreSQL not installed");
        return;
      }
      const db = await open(await be.freshUrl());
      const bed = new ScaTestBed({ db });
      try {
        const repo = new ScaSubscriptionsRepo(db);
        const a = bed.phone(5081, "2201");
        let rowsAt2xx = -1;
        const res = await a.send(a.subscribeRequest({ callId: "ci-a", fromTag: "fa", expires: 3600 }));
        rowsAt2xx = (await repo.loadAll()).length;
        assert.equal(res.status, 202);
        assert.equal(rowsAt2xx, 1);
        const [row] = await repo.loadAll();
        assert.deepEqual(row, {
          subscriber: a.contact,
          aor: AOR,
          event: 1,
          expires: bed.nowMs / 1000 + 3600,
          state: 0,
          appIdx: 0,
          callId: "ci-a",
          fromTag: "fa",
          toTag: res.to.tag,
          notifyCseq: 1 + CSEQ_LEASE,
          subscribeCseq: 1,
          serverId: 0,
        });
        const ls = await a.send(
          a.subscribeRequest({ event: "line-seize", callInfo: `${D};appearance-index=2`, callId: "ls-a" }),
        );
        assert.equal(ls.status, 200);
        const seize = (await repo.loadAll()).find((r) => r.event === 2);
        assert.equal(seize?.appIdx, 2);
        await a.send(
          a.subscribeRequest({ callId: "ci-a", fromTag: "fa", toTag: res.to.tag!, cseq: 2, expires: 0 }),
        );
        assert.deepEqual(
          (await repo.loadAll()).map((r) => r.event),
          [2],
          "the unsubscribed row is gone when the 2xx arrives",
        );
      } finally {
        await bed.close();
        await db.close();
      }
    });

    it("are restored by a new module: dialogs, AoRs, seized indices; NOTIFY CSeqs continue upwards", async (t) => {
      const be = backends.list.find((b) => b.name === backend);
      if (be === undefined) {
        t.skip("PostgreSQL not installed");
        return;
      }
      const url = await be.freshUrl();
      let db = await open(url);
      const first = new ScaTestBed({ db });
      const a = first.phone(5081, "2201");
      const b = first.phone(5082, "2201");
      const ra = await a.send(a.subscribeRequest({ callId: "ci-a", fromTag: "fa" }));
      await b.send(b.subscribeRequest({ callId: "ci-b", fromTag: "fb" }));
      await b.send(
        b.subscribeRequest({ event: "line-seize", callInfo: `${D};appearance-index=1`, callId: "ls-b" }),
      );
      // More NOTIFYs than one lease covers: the ceiling moves ahead before they go out.
      for (let i = 0; i < CSEQ_LEASE + 5; i++)
        first.module.rpc.call("sca.update_appearance", [AOR, 1, i % 2 === 0 ? "seized" : "alerting"]);
      await first.module.settled();
      const lastSeen = Number.parseInt(a.notifiesOn("ci-a").at(-1)?.header("CSeq") ?? "0", 10);
      assert.ok(lastSeen > CSEQ_LEASE, `many NOTIFYs sent (${lastSeen})`);
      const rowA = (await new ScaSubscriptionsRepo(db).loadAll()).find(
        (r) => r.subscriber === a.contact && r.event === 1,
      );
      assert.ok(
        rowA !== undefined && rowA.notifyCseq >= lastSeen,
        "the stored ceiling covers every CSeq sent",
      );
      // No close(): the rows must already be there (what a SIGKILL would leave).
      const nowMs = first.nowMs;
      for (const p of [a, b]) p.close();
      first.layer.close();
      db = await open(url);
      const second = new ScaTestBed({ db });
      second.nowMs = nowMs + 5000;
      try {
        await second.module.start();
        const subs = second.module.context.subscriptions.all();
        assert.deepEqual(subs.map((s) => `${s.event} ${s.subscriber}`).sort(), [
          `call-info ${a.contact}`,
          `call-info ${b.contact}`,
          `line-seize ${b.contact}`,
        ]);
        assert.equal(second.module.context.appearances.isShared(AOR), true);
        assert.equal(second.module.context.appearances.forIndex(AOR, 1)?.owner, b.contact);
        const a2 = second.phone(5081, "2201");
        second.module.rpc.call("sca.release_appearance", [AOR, 1]);
        await second.module.settled();
        const n = a2.notifies.at(-1);
        assert.ok(n !== undefined, "NOTIFY on the restored dialog");
        assert.equal(n.callId, "ci-a");
        assert.equal(n.to.tag, "fa");
        assert.equal(n.from.tag, ra.to.tag);
        assert.ok(
          Number.parseInt(n.header("CSeq") ?? "0", 10) > lastSeen,
          "CSeq continues above the last one sent",
        );
        // An in-dialog refresh on the restored dialog is recognised.
        const refresh = await a2.send(
          a2.subscribeRequest({ callId: "ci-a", fromTag: "fa", toTag: ra.to.tag!, cseq: 9 }),
        );
        assert.equal(refresh.status, 202);
      } finally {
        await second.close();
        await db.close();
      }
    });

    it("the sync deletes expired rows and rows of other nodes are left alone", async (t) => {
      const be = backends.list.find((b) => b.name === backend);
      if (be === undefined) {
        t.skip("PostgreSQL not installed");
        return;
      }
      const db = await open(await be.freshUrl());
      const bed = new ScaTestBed({ db });
      try {
        const repo = new ScaSubscriptionsRepo(db);
        const other = {
          subscriber: "sip:x@10.0.0.9",
          aor: AOR,
          event: 1,
          state: 0,
          appIdx: 0,
          callId: "o",
          fromTag: "f",
          toTag: "t",
          notifyCseq: 1,
          subscribeCseq: 1,
        };
        await repo.upsert({ ...other, expires: bed.nowMs / 1000 - 10, serverId: 7 });
        const a = bed.phone(5081, "2201");
        await a.send(a.subscribeRequest({ callId: "ci-a", expires: 60 }));
        bed.advance(61);
        await bed.module.sync();
        const rows = await repo.loadAll();
        assert.deepEqual(
          rows.map((r) => r.serverId),
          [7],
          "our expired row deleted, the other node's kept",
        );
      } finally {
        await bed.close();
        await db.close();
      }
    });
  });
}
