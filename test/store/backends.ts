/**
 * The back ends the store tests run against: SQLite (a temporary file per database) always, and a
 * real PostgreSQL (a fresh role and schema per call on one throw-away server) when the server binaries
 * are installed. Each test file that imports this starts at most one server.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "../../src/store/database.ts";
import { openDatabase } from "../../src/store/database.ts";
import type { TestPostgres } from "../support/postgres.ts";
import { startPostgres } from "../support/postgres.ts";

/** One back end. */
export interface Backend {
  readonly name: "sqlite" | "postgres";
  /** URL of a new, empty database (PostgreSQL: a new role whose search_path is its own schema). */
  freshUrl(): Promise<string>;
}

/** The back ends available to one test file. */
export interface Backends {
  readonly list: readonly Backend[];
  /** The PostgreSQL server, if one could be used. */
  readonly postgres: TestPostgres | undefined;
  /** Data folder for relative SQLite paths. */
  readonly dataDir: string;
  close(): Promise<void>;
}

/** Starts what is available. Call once per test file, close in `after`. */
export async function startBackends(): Promise<Backends> {
  const dataDir = mkdtempSync(join(tmpdir(), "linekey-store-"));
  let n = 0;
  const sqlite: Backend = {
    name: "sqlite",
    freshUrl: () => Promise.resolve(`sqlite://${join(dataDir, `db${++n}.db`)}`),
  };
  const pg = await startPostgres();
  let admin: Database | undefined;
  const list: Backend[] = [sqlite];
  if (pg) {
    admin = await openDatabase(pg.url, { dataDir, poolSize: 1 });
    const adminDb = admin;
    let m = 0;
    list.push({
      name: "postgres",
      async freshUrl() {
        // CREATE DATABASE costs ~0.5 s; a role whose search_path is its own empty schema gives the
        // same isolation in milliseconds, and covers tables outside "public".
        const name = `linekey_test_${++m}`;
        await adminDb.exec(
          `CREATE ROLE ${name} LOGIN; CREATE SCHEMA ${name} AUTHORIZATION ${name}; ` +
            `ALTER ROLE ${name} SET search_path = ${name}`,
        );
        return pg.url.replace("postgres://postgres@", `postgres://${name}@`);
      },
    });
  }
  return {
    list,
    postgres: pg,
    dataDir,
    async close() {
      await admin?.close();
      await pg?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
