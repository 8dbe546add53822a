import { after, describe, it, test } from "node:test";
import assert from "node:assert/strict";
import type { Database } from "../../src/store/database.ts";
import { openDatabase } from "../../src/store/database.ts";
import { ForwardsRepo } from "../../src/store/forwards-repo.ts";
import { KvStateRepo } from "../../src/store/kv-state-repo.ts";
import { RegistrationsRepo } from "../../src/store/registrations-repo.ts";
import type { ScaSubscriptionRecord } from "../../src/store/sca-subscriptions-repo.ts";
import {
  SCA_EVENT_CALL_INFO,
  SCA_EVENT_LINE_SEIZE,
  ScaSubscriptionsRepo,
} from "../../src/store/sca-subscriptions-repo.ts";
import { linekeyTables } from "../../src/store/tables.ts";
import { POSTGRES_UNAVAILABLE } from "../support/postgres.ts";
import type { Backend } from "./backends.ts";
import { startBackends } from "./backends.ts";

const backends = await startBackends();
after(() => backends.close());

test("store back ends", (t) => {
  const names = backends.list.map((b) => b.name);
  t.diagnostic(
    `repositories ran on: ${names.join(", ")}` +
      (backends.postgres ? ` (PostgreSQL ${backends.postgres.major})` : ` — ${POSTGRES_UNAVAILABLE}`),
  );
  assert.ok(names.includes("sqlite"));
});

if (!backends.postgres) {
  describe("repositories on postgres", { skip: POSTGRES_UNAVAILABLE }, () => {});
}

const NOW = 1_800_000_000;

function sub(over: Partial<ScaSubscriptionRecord> = {}): ScaSubscriptionRecord {
  return {
    subscriber: "sip:2107@192.0.2.7:5081",
    aor: "sip:2107@pbx.example",
    event: SCA_EVENT_CALL_INFO,
    expires: NOW + 3600,
    state: 0,
    appIdx: 0,
    callId: "call-1@192.0.2.7",
    fromTag: "ft1",
    toTag: "tt1",
    notifyCseq: 1,
    subscribeCseq: 1,
    serverId: 0,
    ...over,
  };
}

async function open(backend: Backend, subsTable?: string): Promise<Database> {
  return openDatabase(await backend.freshUrl(), {
    dataDir: backends.dataDir,
    tables: linekeyTables(subsTable === undefined ? {} : { subsTable }),
  });
}

/** The same behaviour, asserted on each back end. */
function repositorySuite(backend: Backend): void {
  describe(`sca_subscriptions on ${backend.name}`, () => {
    it("round-trips every column, with and without a Record-Route", async () => {
      const db = await open(backend);
      try {
        const repo = new ScaSubscriptionsRepo(db);
        const a = sub();
        const b = sub({
          subscriber: "sip:2108@192.0.2.8",
          recordRoute: "<sip:192.0.2.1;lr>",
          event: SCA_EVENT_LINE_SEIZE,
          appIdx: 2,
          state: 1,
          notifyCseq: 7,
          subscribeCseq: 3,
          serverId: 4,
        });
        await repo.upsertMany([a, b]);
        assert.deepEqual(await repo.loadAll(), [a, b]);
      } finally {
        await db.close();
      }
    });

    it("updates the row of the same dialog in place", async () => {
      const db = await open(backend);
      try {
        const repo = new ScaSubscriptionsRepo(db);
        await repo.upsert(sub());
        const refreshed = sub({ expires: NOW + 7200, notifyCseq: 2, recordRoute: "<sip:p;lr>" });
        await repo.upsert(refreshed);
        assert.deepEqual(await repo.loadAll(), [refreshed]);
      } finally {
        await db.close();
      }
    });

    it("replaces the old dialog of the same subscription but keeps the contact's other AoRs", async () => {
      const db = await open(backend);
      try {
        const repo = new ScaSubscriptionsRepo(db);
        const other = sub({ aor: "sip:2200@pbx.example", callId: "call-9" });
        await repo.upsertMany([sub(), other]);
        const rebooted = sub({ callId: "call-2@192.0.2.7", fromTag: "ft2", toTag: "tt2" });
        await repo.upsert(rebooted);
        const rows = await repo.loadAll();
        assert.equal(rows.length, 2);
        assert.deepEqual(rows.map((r) => [r.aor, r.callId]).sort(), [
          ["sip:2107@pbx.example", "call-2@192.0.2.7"],
          ["sip:2200@pbx.example", "call-9"],
        ]);
      } finally {
        await db.close();
      }
    });

    it("deletes by (subscriber, aor, event)", async () => {
      const db = await open(backend);
      try {
        const repo = new ScaSubscriptionsRepo(db);
        const seize = sub({ event: SCA_EVENT_LINE_SEIZE, callId: "seize-1" });
        await repo.upsertMany([sub(), seize]);
        assert.equal(
          await repo.delete({ subscriber: seize.subscriber, aor: seize.aor, event: SCA_EVENT_CALL_INFO }),
          1,
        );
        assert.equal(
          await repo.delete({ subscriber: seize.subscriber, aor: seize.aor, event: SCA_EVENT_CALL_INFO }),
          0,
        );
        assert.deepEqual(await repo.loadAll(), [seize]);
      } finally {
        await db.close();
      }
    });

    it("filters by server and expiry, and deletes expired rows of one server", async () => {
      const db = await open(backend);
      try {
        const repo = new ScaSubscriptionsRepo(db);
        const live0 = sub({ subscriber: "sip:a@h", expires: NOW + 10 });
        const dead0 = sub({ subscriber: "sip:b@h", expires: NOW - 1 });
        const dead1 = sub({ subscriber: "sip:c@h", expires: NOW - 1, serverId: 1 });
        const edge0 = sub({ subscriber: "sip:d@h", expires: NOW });
        await repo.upsertMany([live0, dead0, dead1, edge0]);
        assert.deepEqual(await repo.loadAll({ serverId: 0, notExpiredAt: NOW }), [live0, edge0]);
        assert.deepEqual(await repo.loadAll({ serverId: 1 }), [dead1]);
        assert.equal(await repo.deleteExpired(NOW, 0), 1);
        assert.deepEqual(
          (await repo.loadAll()).map((r) => r.subscriber),
          ["sip:a@h", "sip:c@h", "sip:d@h"],
        );
        assert.equal(await repo.deleteExpired(NOW + 5), 2);
        assert.deepEqual(await repo.loadAll(), [live0]);
      } finally {
        await db.close();
      }
    });

    it("honours a configured table name (subs_table)", async () => {
      const db = await open(backend, "office_sca_subs");
      try {
        const repo = new ScaSubscriptionsRepo(db, "office_sca_subs");
        await repo.upsert(sub());
        assert.equal((await repo.loadAll()).length, 1);
        const v = await db.get<{ table_version: number }>(
          "SELECT table_version FROM version WHERE table_name = ?",
          ["office_sca_subs"],
        );
        assert.equal(v?.table_version, 2);
        const row = await db.get<{ n: number }>("SELECT count(*) AS n FROM office_sca_subs");
        assert.equal(row?.n, 1);
      } finally {
        await db.close();
      }
    });

    it("refuses values that do not fit Kamailio's columns, writing nothing of the batch", async () => {
      const db = await open(backend);
      try {
        const repo = new ScaSubscriptionsRepo(db);
        const tooLong = sub({ subscriber: `sip:${"x".repeat(260)}@h` });
        await assert.rejects(repo.upsertMany([sub({ subscriber: "sip:ok@h" }), tooLong]), {
          code: "STORE_ERR_VALUE",
        });
        await assert.rejects(repo.upsert(sub({ expires: 1.5 })), { code: "STORE_ERR_VALUE" });
        await assert.rejects(repo.upsert(sub({ fromTag: "t".repeat(65) })), { code: "STORE_ERR_VALUE" });
        assert.deepEqual(await repo.loadAll(), []);
      } finally {
        await db.close();
      }
    });
  });

  describe(`sip_registrations on ${backend.name}`, () => {
    const base = {
      aor: "sip:300@pbx.example",
      contact: "sip:300@192.0.2.30:5060",
      expires: NOW + 3600,
      callId: "reg-1",
      cseq: 5,
      received: "udp:192.0.2.30:5060",
      transport: "udp",
    } as const;

    it("round-trips required and optional fields", async () => {
      const db = await open(backend);
      try {
        const repo = new RegistrationsRepo(db, () => NOW * 1000 + 999);
        const full = {
          ...base,
          contact: "sip:300@192.0.2.31:5060;transport=tcp",
          q: 0.5,
          path: "<sip:edge.example;lr>,<sip:core.example;lr>",
          transport: "tcp",
          userAgent: "Cisco-CP7960G/8.0",
          instance: "<urn:uuid:00000000-0000-1000-8000-000000000001>",
          regId: 1,
        };
        await repo.upsertMany([base, full]);
        assert.deepEqual(await repo.listByAor(base.aor), [
          { ...base, updated: NOW },
          { ...full, updated: NOW },
        ]);
      } finally {
        await db.close();
      }
    });

    it("replaces the binding of the same (aor, contact) and keeps others", async () => {
      const db = await open(backend);
      try {
        const repo = new RegistrationsRepo(db);
        await repo.upsert({ ...base, updated: NOW, q: 1 });
        await repo.upsert({ ...base, cseq: 6, expires: NOW + 60, updated: NOW + 1 });
        await repo.upsert({ ...base, aor: "sip:301@pbx.example", updated: NOW });
        assert.deepEqual(await repo.listByAor(base.aor), [
          { ...base, cseq: 6, expires: NOW + 60, updated: NOW + 1 },
        ]);
        assert.equal((await repo.loadAll()).length, 2);
      } finally {
        await db.close();
      }
    });

    it("removes bindings and expires them", async () => {
      const db = await open(backend);
      try {
        const repo = new RegistrationsRepo(db);
        await repo.upsertMany([
          { ...base, contact: "sip:a@h", expires: NOW - 1 },
          { ...base, contact: "sip:b@h", expires: NOW },
          { ...base, contact: "sip:c@h", expires: NOW + 1 },
          { ...base, aor: "sip:301@pbx.example", contact: "sip:d@h", expires: NOW + 1 },
        ]);
        assert.deepEqual(
          (await repo.loadAll(NOW)).map((r) => r.contact),
          ["sip:c@h", "sip:d@h"],
        );
        assert.equal(await repo.deleteExpired(NOW), 2);
        assert.equal(await repo.remove(base.aor, "sip:c@h"), true);
        assert.equal(await repo.remove(base.aor, "sip:c@h"), false);
        assert.equal(await repo.removeAor("sip:301@pbx.example"), 1);
        assert.deepEqual(await repo.loadAll(), []);
      } finally {
        await db.close();
      }
    });

    it("stores expiry times past 2038 (BIGINT)", async () => {
      const db = await open(backend);
      try {
        const repo = new RegistrationsRepo(db);
        const far = 2 ** 40;
        await repo.upsert({ ...base, expires: far, updated: far });
        const [r] = await repo.loadAll();
        assert.equal(r?.expires, far);
        assert.equal(typeof r.updated, "number");
      } finally {
        await db.close();
      }
    });
  });

  describe(`sccp_forwards on ${backend.name}`, () => {
    it("sets, replaces, lists and clears forwards", async () => {
      const db = await open(backend);
      try {
        let now = NOW * 1000;
        const repo = new ForwardsRepo(db, () => now);
        await repo.set("SEP001122334455", "101", "200");
        await repo.set("SEP001122334455", "102", "201");
        now += 5000;
        await repo.set("SEP001122334455", "101", "0123456789");
        await repo.set("SEPAABBCCDDEEFF", "103", "300");
        assert.deepEqual(await repo.get("SEP001122334455", "101"), {
          device: "SEP001122334455",
          line: "101",
          cfwdAll: "0123456789",
          updated: NOW + 5,
        });
        assert.deepEqual(
          (await repo.listByDevice("SEP001122334455")).map((f) => [f.line, f.cfwdAll]),
          [
            ["101", "0123456789"],
            ["102", "201"],
          ],
        );
        assert.equal(await repo.clear("SEP001122334455", "102"), true);
        assert.equal(await repo.clear("SEP001122334455", "102"), false);
        assert.equal(await repo.get("SEP001122334455", "102"), undefined);
        assert.deepEqual(
          (await repo.loadAll()).map((f) => f.device),
          ["SEP001122334455", "SEPAABBCCDDEEFF"],
        );
      } finally {
        await db.close();
      }
    });
  });

  describe(`kv_state on ${backend.name}`, () => {
    it("stores JSON values per namespace", async () => {
      const db = await open(backend);
      try {
        const repo = new KvStateRepo(db, () => NOW * 1000);
        const doc = { parked: [{ slot: 701, call: "c1" }], note: "it's ?", n: null };
        await repo.set("park", "slots", doc);
        await repo.set("park", "count", 3);
        await repo.set("other", "slots", "x");
        assert.deepEqual(await repo.get("park", "slots"), doc);
        assert.deepEqual(await repo.list("park"), [
          { key: "count", value: 3, updated: NOW },
          { key: "slots", value: doc, updated: NOW },
        ]);
        await repo.set("park", "count", 4);
        assert.equal(await repo.get("park", "count"), 4);
        assert.equal(await repo.delete("park", "count"), true);
        assert.equal(await repo.get("park", "count"), undefined);
        await assert.rejects(repo.set("park", "u", undefined), { code: "STORE_ERR_VALUE" });
      } finally {
        await db.close();
      }
    });
  });
}

for (const backend of backends.list) repositorySuite(backend);
