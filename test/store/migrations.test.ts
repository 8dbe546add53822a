import { after, describe, it, test } from "node:test";
import assert from "node:assert/strict";
import type { Database } from "../../src/store/database.ts";
import { openDatabase } from "../../src/store/database.ts";
import type { TableSchema } from "../../src/store/migrations.ts";
import { migrate } from "../../src/store/migrations.ts";
import { ScaSubscriptionsRepo } from "../../src/store/sca-subscriptions-repo.ts";
import { scaSubscriptionsTable } from "../../src/store/schema/sca-subscriptions.ts";
import { tableExists } from "../../src/store/sql-dialect.ts";
import { linekeyTables } from "../../src/store/tables.ts";
import { memoryLogger, silentLogger } from "../../src/util/logger.ts";
import { POSTGRES_UNAVAILABLE } from "../support/postgres.ts";
import type { Backend } from "./backends.ts";
import { startBackends } from "./backends.ts";

const backends = await startBackends();
after(() => backends.close());

test("store back ends", (t) => {
  t.diagnostic(
    `migrations ran on: ${backends.list.map((b) => b.name).join(", ")}` +
      (backends.postgres ? "" : ` — ${POSTGRES_UNAVAILABLE}`),
  );
  assert.ok(backends.list.length >= 1);
});

if (!backends.postgres) {
  describe("migrations on postgres", { skip: POSTGRES_UNAVAILABLE }, () => {});
}

/**
 * What an operator's Kamailio database looks like: kamctl's standard-create.sql and
 * sca-create.sql (PostgreSQL flavour; SQLite differs only in the id column), plus another
 * module's table, and one subscription row as the sca module writes it.
 */
async function kamailioDb(db: Database, scaVersion: number): Promise<void> {
  const id = db.kind === "postgres" ? "id SERIAL PRIMARY KEY NOT NULL" : "id INTEGER PRIMARY KEY NOT NULL";
  await db.exec(`CREATE TABLE version (
    ${id},
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
);
INSERT INTO version (table_name, table_version) values ('version','1');
CREATE TABLE location (${id}, username VARCHAR(64) NOT NULL);
INSERT INTO version (table_name, table_version) values ('location','9');
CREATE TABLE sca_subscriptions (
    ${id},
    subscriber VARCHAR(255) NOT NULL,
    aor VARCHAR(255) NOT NULL,
    event INTEGER DEFAULT 0 NOT NULL,
    expires INTEGER DEFAULT 0 NOT NULL,
    state INTEGER DEFAULT 0 NOT NULL,
    app_idx INTEGER DEFAULT 0 NOT NULL,
    call_id VARCHAR(255) NOT NULL,
    from_tag VARCHAR(64) NOT NULL,
    to_tag VARCHAR(64) NOT NULL,
    record_route TEXT,
    notify_cseq INTEGER NOT NULL,
    subscribe_cseq INTEGER NOT NULL,
    server_id INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT sca_subscriptions_sca_subscriptions_idx UNIQUE (subscriber, call_id, from_tag, to_tag)
);
CREATE INDEX sca_subscriptions_sca_expires_idx ON sca_subscriptions (server_id, expires);
CREATE INDEX sca_subscriptions_sca_subscribers_idx ON sca_subscriptions (subscriber, event);
INSERT INTO version (table_name, table_version) values ('sca_subscriptions','${scaVersion}');
INSERT INTO sca_subscriptions (subscriber, aor, event, expires, state, app_idx, call_id, from_tag, to_tag,
    record_route, notify_cseq, subscribe_cseq, server_id)
  VALUES ('sip:2107@127.0.0.1:5081', 'sip:2107@127.0.0.1', 1, 1900000000, 0, 0, 'c1', 'f1', 't1', NULL, 3, 1, 0);`);
}

async function versions(db: Database, table: "version" | "linekey_version"): Promise<[string, number][]> {
  const rows = await db.all<{ table_name: string; table_version: number }>(
    `SELECT table_name, table_version FROM ${table} ORDER BY table_name`,
  );
  return rows.map((r) => [r.table_name, r.table_version]);
}

function migrationSuite(backend: Backend): void {
  describe(`migrations on ${backend.name}`, () => {
    it("creates every table once; opening again changes nothing", async () => {
      const url = await backend.freshUrl();
      const { logger, records } = memoryLogger();
      const first = await openDatabase(url, { dataDir: backends.dataDir, logger, tables: linekeyTables() });
      try {
        assert.deepEqual(await versions(first, "version"), [
          ["sca_subscriptions", 2],
          ["version", 1],
        ]);
        assert.deepEqual(await versions(first, "linekey_version"), [
          ["kv_state", 1],
          ["sccp_forwards", 1],
          ["sip_registrations", 1],
        ]);
        assert.deepEqual(
          records.filter((r) => r.msg === "table created").map((r) => r.fields["table"]),
          ["sca_subscriptions", "sip_registrations", "sccp_forwards", "kv_state"],
        );
      } finally {
        await first.close();
      }
      const second = await openDatabase(url, { dataDir: backends.dataDir, tables: linekeyTables() });
      try {
        assert.deepEqual(await migrate(second, linekeyTables(), silentLogger), []);
        assert.equal((await versions(second, "version")).length, 2);
        assert.equal((await versions(second, "linekey_version")).length, 3);
      } finally {
        await second.close();
      }
    });

    it("accepts an existing Kamailio database whose version table says sca_subscriptions 2", async () => {
      const url = await backend.freshUrl();
      const setup = await openDatabase(url, { dataDir: backends.dataDir });
      await kamailioDb(setup, 2);
      await setup.close();
      const db = await openDatabase(url, { dataDir: backends.dataDir, tables: linekeyTables() });
      try {
        // Kamailio's version table is reused as it is, with Linekey's own tables recorded apart.
        assert.deepEqual(await versions(db, "version"), [
          ["location", 9],
          ["sca_subscriptions", 2],
          ["version", 1],
        ]);
        assert.equal((await versions(db, "linekey_version")).length, 3);
        const repo = new ScaSubscriptionsRepo(db);
        const rows = await repo.loadAll({ serverId: 0, notExpiredAt: 1_800_000_000 });
        assert.deepEqual(rows, [
          {
            subscriber: "sip:2107@127.0.0.1:5081",
            aor: "sip:2107@127.0.0.1",
            event: 1,
            expires: 1900000000,
            state: 0,
            appIdx: 0,
            callId: "c1",
            fromTag: "f1",
            toTag: "t1",
            notifyCseq: 3,
            subscribeCseq: 1,
            serverId: 0,
          },
        ]);
        // Our upsert works against Kamailio's own unique constraint.
        await repo.upsert({ ...rows[0]!, notifyCseq: 4 });
        assert.equal((await repo.loadAll())[0]?.notifyCseq, 4);
      } finally {
        await db.close();
      }
    });

    it("refuses a Kamailio database whose version table says sca_subscriptions 1, changing nothing", async () => {
      const url = await backend.freshUrl();
      const setup = await openDatabase(url, { dataDir: backends.dataDir });
      await kamailioDb(setup, 1);
      await setup.close();
      await assert.rejects(
        openDatabase(url, { dataDir: backends.dataDir, tables: linekeyTables() }),
        (err: unknown) => {
          assert.ok(err instanceof Error && "code" in err);
          assert.equal(err.code, "STORE_ERR_SCHEMA");
          assert.match(err.message, /sca_subscriptions/);
          assert.match(err.message, /version 1/);
          assert.match(err.message, /version 2/);
          return true;
        },
      );
      const db = await openDatabase(url, { dataDir: backends.dataDir });
      try {
        // One transaction: the refusal rolled back the other tables too.
        assert.equal(await tableExists(db, "sip_registrations"), false);
        assert.equal(await tableExists(db, "linekey_version"), false);
      } finally {
        await db.close();
      }
    });

    it("refuses a table that exists without a version row", async () => {
      const url = await backend.freshUrl();
      const setup = await openDatabase(url, { dataDir: backends.dataDir });
      await setup.exec("CREATE TABLE sccp_forwards (device TEXT)");
      await setup.close();
      await assert.rejects(openDatabase(url, { dataDir: backends.dataDir, tables: linekeyTables() }), {
        code: "STORE_ERR_SCHEMA",
        message: /sccp_forwards.*no row/,
      });
    });

    it("creates sca_subscriptions under a configured name and records that name", async () => {
      const db = await openDatabase(await backend.freshUrl(), {
        dataDir: backends.dataDir,
        tables: [scaSubscriptionsTable("subs_b")],
      });
      try {
        assert.deepEqual(await versions(db, "version"), [
          ["subs_b", 2],
          ["version", 1],
        ]);
        assert.equal(await tableExists(db, "sca_subscriptions"), false);
      } finally {
        await db.close();
      }
    });

    it("upgrades step by step, and refuses unknown or newer versions", async () => {
      const db = await openDatabase(await backend.freshUrl(), { dataDir: backends.dataDir });
      try {
        const v1: TableSchema = {
          name: "widgets",
          versionTable: "linekey_version",
          version: 1,
          create: (d) => d.exec("CREATE TABLE widgets (a TEXT)"),
        };
        assert.deepEqual(await migrate(db, [v1], silentLogger), [
          { table: "widgets", from: undefined, to: 1 },
        ]);
        const v3: TableSchema = {
          ...v1,
          version: 3,
          upgrades: {
            1: (d) => d.exec("ALTER TABLE widgets ADD COLUMN b TEXT"),
            2: (d) => d.exec("ALTER TABLE widgets ADD COLUMN c TEXT"),
          },
        };
        assert.deepEqual(await migrate(db, [v3], silentLogger), [{ table: "widgets", from: 1, to: 3 }]);
        await db.run("INSERT INTO widgets (a, b, c) VALUES (?, ?, ?)", ["x", "y", "z"]);
        assert.deepEqual(await versions(db, "linekey_version"), [["widgets", 3]]);
        await assert.rejects(migrate(db, [v1], silentLogger), {
          code: "STORE_ERR_SCHEMA",
          message: /version 3, newer/,
        });
        const v4NoPath: TableSchema = { ...v1, version: 4 };
        await assert.rejects(migrate(db, [v4NoPath], silentLogger), {
          code: "STORE_ERR_SCHEMA",
          message: /cannot upgrade it from version 3/,
        });
      } finally {
        await db.close();
      }
    });
  });
}

for (const backend of backends.list) migrationSuite(backend);

describe("table registration", () => {
  it("refuses bad, reserved and duplicate table names", async () => {
    assert.throws(() => scaSubscriptionsTable("Sca-Subs"), { code: "STORE_ERR_SCHEMA" });
    assert.throws(() => scaSubscriptionsTable("sca; DROP TABLE version"), { code: "STORE_ERR_SCHEMA" });
    assert.throws(() => scaSubscriptionsTable("x".repeat(33)), { code: "STORE_ERR_SCHEMA" });
    const db = await openDatabase("sqlite::memory:", { dataDir: backends.dataDir });
    try {
      await assert.rejects(migrate(db, [scaSubscriptionsTable("version")], silentLogger), {
        code: "STORE_ERR_SCHEMA",
        message: /reserved/,
      });
      await assert.rejects(migrate(db, [scaSubscriptionsTable(), scaSubscriptionsTable()], silentLogger), {
        code: "STORE_ERR_SCHEMA",
        message: /twice/,
      });
    } finally {
      await db.close();
    }
  });
});
