/**
 * Versioned tables, in the spirit of Kamailio's `version` table: every table has one row
 * (table_name, table_version) in a version table, and code refuses to use a table whose recorded
 * version it does not know.
 *
 * Linekey's own tables are recorded in `linekey_version`. Tables shared with Kamailio
 * (`sca_subscriptions`) are recorded in Kamailio's own `version` table, so an operator can point
 * Linekey at an existing Kamailio database: if `version` exists it is read, never recreated.
 *
 * Each subsystem describes its tables as {@link TableSchema} values and passes them to
 * {@link migrate} (directly, or through `openDatabase({ tables })`). Migrating is idempotent; all
 * pending steps of one call run in one transaction, serialised between nodes on PostgreSQL.
 */

import { LinekeyError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import type { Database } from "./database.ts";
import { autoIdColumn, tableExists } from "./sql-dialect.ts";

/** The two version tables. */
export type VersionTable = "linekey_version" | "version";

/** One versioned table. */
export interface TableSchema {
  /** Table name, as recorded in the version table. */
  readonly name: string;
  /** Which version table records it. */
  readonly versionTable: VersionTable;
  /** The version this code reads and writes. */
  readonly version: number;
  /** Creates the table (and its indexes) at `version` on an empty database. */
  create(db: Database): Promise<void>;
  /**
   * Upgrade steps: `upgrades[n]` turns version n into n + 1. A recorded version below `version`
   * without a complete chain of steps is refused.
   */
  readonly upgrades?: Readonly<Record<number, (db: Database) => Promise<void>>>;
  /** Appended to refusal messages: what the operator can do about it. */
  readonly hint?: string;
}

/** What {@link migrate} did to one table. */
export interface MigrationStep {
  readonly table: string;
  /**
   * Recorded version before, or undefined when the table was created. Equal to `to` when the
   * version row existed but the table did not, and it was recreated.
   */
  readonly from: number | undefined;
  readonly to: number;
}

/** Reserved: these names are the version tables themselves. */
const VERSION_TABLES: readonly string[] = ["linekey_version", "version"];

/** Key of the PostgreSQL advisory lock that serialises migrations of several nodes. */
const MIGRATION_LOCK_KEY = 0x4c4b5631; // "LKV1"

function schemaError(table: TableSchema, detail: string): LinekeyError {
  return new LinekeyError(
    "STORE_ERR_SCHEMA",
    `table ${table.name}: ${detail}${table.hint === undefined ? "" : `. ${table.hint}`}`,
  );
}

async function ensureVersionTable(db: Database, which: VersionTable): Promise<void> {
  if (await tableExists(db, which)) return;
  if (which === "version") {
    // Kamailio's standard-create.sql, so Kamailio itself accepts this database later.
    await db.exec(
      `CREATE TABLE version (
    ${autoIdColumn(db.kind)},
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
);`,
    );
    await db.run("INSERT INTO version (table_name, table_version) VALUES (?, ?)", ["version", 1]);
  } else {
    await db.exec(
      `CREATE TABLE linekey_version (
    table_name VARCHAR(64) PRIMARY KEY NOT NULL,
    table_version INTEGER NOT NULL
);`,
    );
  }
}

async function recordedVersion(db: Database, table: TableSchema): Promise<number | undefined> {
  const row = await db.get<{ table_version: number | string }>(
    `SELECT table_version FROM ${table.versionTable} WHERE table_name = ?`,
    [table.name],
  );
  return row === undefined ? undefined : Number(row.table_version);
}

async function migrateOne(db: Database, table: TableSchema): Promise<MigrationStep | undefined> {
  const recorded = await recordedVersion(db, table);
  const exists = await tableExists(db, table.name);
  if (recorded === undefined) {
    if (exists) {
      throw schemaError(
        table,
        `the table exists but ${table.versionTable} has no row for it, so its layout is unknown; ` +
          `if it has the version ${table.version} layout, record it with ` +
          `INSERT INTO ${table.versionTable} (table_name, table_version) VALUES ('${table.name}', ${table.version})`,
      );
    }
    await table.create(db);
    await db.run(`INSERT INTO ${table.versionTable} (table_name, table_version) VALUES (?, ?)`, [
      table.name,
      table.version,
    ]);
    return { table: table.name, from: undefined, to: table.version };
  }
  if (recorded > table.version) {
    throw schemaError(
      table,
      `${table.versionTable} says version ${recorded}, newer than the version ${table.version} this Linekey uses`,
    );
  }
  if (recorded === table.version) {
    if (!exists) {
      // The version row survived a DROP TABLE: recreate rather than fail on every query.
      await table.create(db);
      return { table: table.name, from: recorded, to: table.version };
    }
    return undefined;
  }
  for (let v = recorded; v < table.version; v++) {
    if (table.upgrades?.[v] === undefined) {
      throw schemaError(
        table,
        `${table.versionTable} says version ${recorded}, but Linekey needs version ${table.version} ` +
          `and cannot upgrade it from version ${v}`,
      );
    }
  }
  for (let v = recorded; v < table.version; v++) {
    await table.upgrades?.[v]?.(db);
  }
  await db.run(`UPDATE ${table.versionTable} SET table_version = ? WHERE table_name = ?`, [
    table.version,
    table.name,
  ]);
  return { table: table.name, from: recorded, to: table.version };
}

/**
 * Creates missing tables and upgrades old ones. Safe to call again (each subsystem may call it
 * for its own tables at start-up) and from several nodes at once.
 *
 * @returns the tables created or upgraded (empty when everything was current)
 * @throws LinekeyError `STORE_ERR_SCHEMA` when a recorded version is unknown or newer, or a
 *   table exists without a version row; nothing is changed then
 */
export async function migrate(
  db: Database,
  tables: readonly TableSchema[],
  logger: Logger,
): Promise<MigrationStep[]> {
  const names = new Set<string>();
  for (const t of tables) {
    if (VERSION_TABLES.includes(t.name)) {
      throw schemaError(t, "this name is reserved for a version table");
    }
    if (names.has(t.name)) throw schemaError(t, "registered twice");
    names.add(t.name);
  }
  const steps = await db.transaction(async (tx) => {
    if (tx.kind === "postgres") {
      await tx.get("SELECT pg_advisory_xact_lock(?)", [MIGRATION_LOCK_KEY]);
    }
    const steps: MigrationStep[] = [];
    for (const which of new Set(tables.map((t) => t.versionTable))) {
      await ensureVersionTable(tx, which);
    }
    for (const t of tables) {
      const step = await migrateOne(tx, t);
      if (step) steps.push(step);
    }
    return steps;
  });
  // Logged after COMMIT, so the log never reports a change that was rolled back.
  for (const s of steps) {
    if (s.from === undefined) logger.info("table created", { table: s.table, version: s.to });
    else if (s.from === s.to) logger.warn("table was recorded but missing: recreated", { table: s.table });
    else logger.info("table upgraded", { table: s.table, from: s.from, to: s.to });
  }
  return steps;
}
