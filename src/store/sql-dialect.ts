/**
 * The few places where SQLite and PostgreSQL cannot share one SQL text. Everything else
 * (CREATE TABLE with TEXT/INTEGER/BIGINT/DOUBLE PRECISION, INSERT … ON CONFLICT … DO UPDATE,
 * SAVEPOINT) is written once.
 */

import { LinekeyError } from "../util/errors.ts";
import type { Database } from "./database.ts";

/**
 * An auto-numbered `id` primary key column, as Kamailio's create scripts write it:
 * `SERIAL` on PostgreSQL, a rowid alias `INTEGER PRIMARY KEY` on SQLite.
 */
export function autoIdColumn(kind: Database["kind"]): string {
  return kind === "postgres" ? "id SERIAL PRIMARY KEY NOT NULL" : "id INTEGER PRIMARY KEY NOT NULL";
}

/** Whether a table of that name is visible (PostgreSQL: on the search_path). */
export async function tableExists(db: Database, name: string): Promise<boolean> {
  const row =
    db.kind === "postgres"
      ? await db.get<{ present: boolean }>("SELECT to_regclass(?) IS NOT NULL AS present", [name])
      : await db.get<{ present: number }>(
          "SELECT count(*) AS present FROM sqlite_master WHERE type = 'table' AND name = ?",
          [name],
        );
  return Boolean(row?.present);
}

/**
 * Checks a configured table name before it is pasted into SQL (names cannot be bound as
 * parameters). Lower case only, so PostgreSQL's case folding and SQLite agree on the name.
 *
 * @throws LinekeyError `STORE_ERR_SCHEMA` when the name is not a plain identifier
 */
export function checkTableName(name: string, maxLength: number): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || name.length > maxLength) {
    throw new LinekeyError(
      "STORE_ERR_SCHEMA",
      `bad table name ${JSON.stringify(name)}: use lower-case letters, digits and _ (at most ${maxLength} characters)`,
    );
  }
  return name;
}
