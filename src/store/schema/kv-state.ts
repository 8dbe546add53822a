/**
 * `kv_state`: small JSON documents a subsystem must not lose on restart and that do not merit a
 * table of their own (per namespace, per key).
 */

import type { Database } from "../database.ts";
import type { TableSchema } from "../migrations.ts";

/** Table name. */
export const KV_STATE_TABLE = "kv_state";

/** The `kv_state` table, version 1. */
export const kvStateTable: TableSchema = {
  name: KV_STATE_TABLE,
  versionTable: "linekey_version",
  version: 1,
  async create(db: Database): Promise<void> {
    // value is JSON text, not a json/jsonb column: one representation on both back ends, and
    // pg would otherwise hand back parsed objects for PostgreSQL only.
    await db.exec(`CREATE TABLE ${KV_STATE_TABLE} (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (namespace, key)
);`);
  },
};
