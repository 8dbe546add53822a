import { after, describe, it, test } from "node:test";
import assert from "node:assert/strict";
import { LinekeyError } from "../../src/util/errors.ts";
import { memoryLogger } from "../../src/util/logger.ts";
import type { Database } from "../../src/store/database.ts";
import { openDatabase } from "../../src/store/database.ts";
import { POSTGRES_UNAVAILABLE } from "../support/postgres.ts";
import type { Backend } from "./backends.ts";
import { startBackends } from "./backends.ts";

const backends = await startBackends();
after(() => backends.close());

test("store back ends", (t) => {
  t.diagnostic(
    `database adapters ran on: ${backends.list.map((b) => b.name).join(", ")}` +
      (backends.postgres ? "" : ` — ${POSTGRES_UNAVAILABLE}`),
  );
  assert.ok(backends.list.length >= 1);
});

if (!backends.postgres) {
  describe("database adapter on postgres", { skip: POSTGRES_UNAVAILABLE }, () => {});
}

async function withDb(backend: Backend, fn: (db: Database) => Promise<void>): Promise<void> {
  const db = await openDatabase(await backend.freshUrl(), { dataDir: backends.dataDir });
  try {
    await db.exec(`CREATE TABLE t (k TEXT PRIMARY KEY NOT NULL, n BIGINT NOT NULL);
CREATE TABLE u (x INTEGER NOT NULL);`);
    await fn(db);
  } finally {
    await db.close();
  }
}

async function keys(db: Database): Promise<string[]> {
  return (await db.all<{ k: string }>("SELECT k FROM t ORDER BY k")).map((r) => r.k);
}

function adapterSuite(backend: Backend): void {
  describe(`database adapter on ${backend.name}`, () => {
    it("reports changes, returns rows, and gives integers (int8 included) as numbers", async () => {
      await withDb(backend, async (db) => {
        assert.equal(db.kind, backend.name);
        assert.deepEqual(await db.run("INSERT INTO t (k, n) VALUES (?, ?)", ["a", 2 ** 40]), { changes: 1 });
        await db.run("INSERT INTO t (k, n) VALUES (?, ?)", ["b", 7]);
        assert.deepEqual(await db.run("UPDATE t SET n = n + 1", []), { changes: 2 });
        // count() is int8 on PostgreSQL, which pg returns as a string unless told otherwise.
        assert.deepEqual(await db.get("SELECT count(*) AS c FROM t WHERE n > ?", [0]), { c: 2 });
        assert.deepEqual(await db.get("SELECT n FROM t WHERE k = ?", ["a"]), { n: 2 ** 40 + 1 });
        assert.equal(await db.get("SELECT n FROM t WHERE k = ?", ["zz"]), undefined);
        assert.deepEqual(await db.all("SELECT k FROM t WHERE k = ?", ["zz"]), []);
      });
    });

    it("binds integers to TEXT columns as integers, as both back ends spell them", async () => {
      await withDb(backend, async (db) => {
        await db.run("INSERT INTO t (k, n) VALUES (CAST(? AS TEXT), ?)", [5, 1]);
        assert.deepEqual(await keys(db), ["5"]);
      });
    });

    it("leaves ? inside quoted strings alone", async () => {
      await withDb(backend, async (db) => {
        const row = await db.get<{ s: string; v: number; w: string }>(
          "SELECT 'is it? ''yes?''' AS s, CAST(? AS INTEGER) AS v, CAST(? AS TEXT) AS w",
          [5, "q?"],
        );
        assert.deepEqual(row, { s: "is it? 'yes?'", v: 5, w: "q?" });
      });
    });

    it("commits a transaction and returns its result", async () => {
      await withDb(backend, async (db) => {
        const r = await db.transaction(async (tx) => {
          await tx.run("INSERT INTO t (k, n) VALUES (?, ?)", ["a", 1]);
          await tx.run("INSERT INTO t (k, n) VALUES (?, ?)", ["b", 2]);
          return (await tx.get<{ c: number }>("SELECT count(*) AS c FROM t"))?.c;
        });
        assert.equal(r, 2);
        assert.deepEqual(await keys(db), ["a", "b"]);
      });
    });

    it("rolls back everything when the callback throws, including on a constraint error", async () => {
      await withDb(backend, async (db) => {
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.run("INSERT INTO t (k, n) VALUES (?, ?)", ["a", 1]);
            throw new Error("boom");
          }),
          /boom/,
        );
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.run("INSERT INTO t (k, n) VALUES (?, ?)", ["b", 1]);
            await tx.run("INSERT INTO t (k, n) VALUES (?, ?)", ["b", 2]);
          }),
          (err: unknown) =>
            err instanceof LinekeyError && err.code === "STORE_ERR_QUERY" && err.cause !== undefined,
        );
        assert.deepEqual(await keys(db), []);
        // The connection is usable after a failed transaction.
        await db.run("INSERT INTO t (k, n) VALUES (?, ?)", ["c", 1]);
        assert.deepEqual(await keys(db), ["c"]);
      });
    });

    it("nests transactions as savepoints", async () => {
      await withDb(backend, async (db) => {
        await db.transaction(async (tx) => {
          await tx.run("INSERT INTO t (k, n) VALUES (?, ?)", ["outer", 1]);
          await assert.rejects(
            tx.transaction(async (inner) => {
              await inner.run("INSERT INTO t (k, n) VALUES (?, ?)", ["inner", 1]);
              throw new Error("inner failed");
            }),
            /inner failed/,
          );
          await tx.transaction(async (inner) => {
            await inner.run("INSERT INTO t (k, n) VALUES (?, ?)", ["inner2", 1]);
          });
        });
        assert.deepEqual(await keys(db), ["inner2", "outer"]);
      });
    });

    it("refuses the outer handle inside a transaction and a tx handle after it ended", async () => {
      await withDb(backend, async (db) => {
        let leaked: Database | undefined;
        await db.transaction(async (tx) => {
          leaked = tx;
          await assert.rejects(db.run("INSERT INTO t (k, n) VALUES (?, ?)", ["x", 1]), {
            code: "STORE_ERR_QUERY",
            message: /tx handle/,
          });
          await tx.run("INSERT INTO t (k, n) VALUES (?, ?)", ["y", 1]);
        });
        await assert.rejects(leaked!.get("SELECT 1 AS one"), { code: "STORE_ERR_QUERY", message: /ended/ });
        await assert.rejects(leaked!.close(), { code: "STORE_ERR_QUERY" });
        assert.deepEqual(await keys(db), ["y"]);
      });
    });

    it("still refuses the outer handle in later transactions, one after another and side by side", async () => {
      await withDb(backend, async (db) => {
        // The scope tracking is switched off between transactions (tx-scope.ts); each new
        // transaction must switch it on again, also while another one is still running.
        for (let round = 0; round < 3; round++) {
          await db.transaction(async (tx) => {
            await assert.rejects(db.get("SELECT 1 AS one"), {
              code: "STORE_ERR_QUERY",
              message: /tx handle/,
            });
            await tx.run("INSERT INTO t (k, n) VALUES (?, ?)", [`r${round}`, round]);
          });
          // Outside any transaction the outer handle works.
          assert.equal((await db.get<{ one: number }>("SELECT 1 AS one"))?.one, 1);
        }
        let release = (): void => undefined;
        const held = new Promise<void>((r) => (release = r));
        const first = db.transaction(async (tx) => {
          await held;
          await assert.rejects(db.get("SELECT 1 AS one"), { code: "STORE_ERR_QUERY", message: /tx handle/ });
          await tx.run("INSERT INTO t (k, n) VALUES (?, ?)", ["held", 9]);
        });
        // A chain started outside the transaction is not blamed while it runs.
        const outside = db.get<{ one: number }>("SELECT 1 AS one");
        release();
        await first;
        assert.equal((await outside)?.one, 1);
        assert.deepEqual((await keys(db)).sort(), ["held", "r0", "r1", "r2"]);
      });
    });

    it("lets outside work proceed while a transaction waits, without deadlock", async () => {
      await withDb(backend, async (db) => {
        let release = (): void => {};
        const gate = new Promise<void>((r) => (release = r));
        let entered = (): void => {};
        const inside = new Promise<void>((r) => (entered = r));
        const txDone = db.transaction(async (tx) => {
          await tx.run("INSERT INTO u (x) VALUES (?)", [1]);
          entered();
          await gate;
          await tx.run("INSERT INTO u (x) VALUES (?)", [2]);
        });
        await inside;
        const outside = db.run("INSERT INTO t (k, n) VALUES (?, ?)", ["outside", 1]);
        release();
        await Promise.all([txDone, outside]);
        assert.deepEqual(
          (await db.all<{ x: number }>("SELECT x FROM u ORDER BY x")).map((r) => r.x),
          [1, 2],
        );
        assert.deepEqual(await keys(db), ["outside"]);
      });
    });

    it("runs several statements with exec and reports SQL errors as STORE_ERR_QUERY", async () => {
      await withDb(backend, async (db) => {
        await db.exec("INSERT INTO u (x) VALUES (1); INSERT INTO u (x) VALUES (2);");
        assert.deepEqual(await db.get("SELECT count(*) AS c FROM u"), { c: 2 });
        await assert.rejects(db.all("SELECT nope FROM u"), (err: unknown) => {
          assert.ok(err instanceof LinekeyError);
          assert.equal(err.code, "STORE_ERR_QUERY");
          assert.match(err.message, new RegExp(`^${backend.name}: .*SELECT nope FROM u`));
          return true;
        });
      });
    });

    it("closes idempotently and refuses use afterwards", async () => {
      const db = await openDatabase(await backend.freshUrl(), { dataDir: backends.dataDir });
      await db.close();
      await db.close();
      await assert.rejects(db.get("SELECT 1 AS one"), { code: "STORE_ERR_QUERY", message: /closed/ });
      await assert.rejects(
        db.transaction(() => Promise.resolve()),
        { code: "STORE_ERR_QUERY" },
      );
    });
  });
}

for (const backend of backends.list) adapterSuite(backend);

describe("sqlite adapter", () => {
  it("opens in WAL mode with synchronous NORMAL, or FULL when durable", async () => {
    const url = await backends.list[0]!.freshUrl();
    const normal = await openDatabase(url, { dataDir: backends.dataDir });
    try {
      assert.deepEqual(await normal.get("PRAGMA journal_mode"), { journal_mode: "wal" });
      assert.deepEqual(await normal.get("PRAGMA synchronous"), { synchronous: 1 });
    } finally {
      await normal.close();
    }
    const durable = await openDatabase(url, { dataDir: backends.dataDir, durable: true });
    try {
      assert.deepEqual(await durable.get("PRAGMA synchronous"), { synchronous: 2 });
    } finally {
      await durable.close();
    }
  });

  it("creates the data folder and the default linekey.db in it", async () => {
    const { logger, records } = memoryLogger();
    const dataDir = `${backends.dataDir}/nested/data`;
    const db = await openDatabase(undefined, { dataDir, logger });
    try {
      await db.exec("CREATE TABLE z (a INTEGER)");
      assert.deepEqual(await db.get("SELECT file FROM pragma_database_list WHERE name = 'main'"), {
        file: `${dataDir}/linekey.db`,
      });
      assert.ok(
        records.some((r) => r.msg === "database opened" && r.fields["db"] === `${dataDir}/linekey.db`),
      );
    } finally {
      await db.close();
    }
  });

  it("reports a file that is not a database as STORE_ERR_QUERY", async () => {
    const { writeFileSync } = await import("node:fs");
    const path = `${backends.dataDir}/garbage.db`;
    writeFileSync(path, "this is not a database file, just text that is long enough".repeat(20));
    await assert.rejects(openDatabase(`sqlite://${path}`, { dataDir: backends.dataDir }), {
      code: "STORE_ERR_QUERY",
    });
  });
});

describe("postgres adapter", { skip: backends.postgres ? false : POSTGRES_UNAVAILABLE }, () => {
  it("fails at open, with STORE_ERR_QUERY and no password in the message, when the login fails", async () => {
    const port = backends.postgres!.port;
    // The database name does not exist: the server answers, the login fails.
    await assert.rejects(
      openDatabase(`postgres://postgres:s3cret@127.0.0.1:${port}/no_such_db`, { dataDir: backends.dataDir }),
      (err: unknown) => {
        assert.ok(err instanceof LinekeyError);
        assert.equal(err.code, "STORE_ERR_QUERY");
        assert.match(err.message, /no_such_db/);
        assert.doesNotMatch(err.message, /s3cret/);
        return true;
      },
    );
  });
});
