/**
 * Kamailio's `sca_subscriptions` table, version 2, column for column (Kamailio
 * `src/lib/srdb1/schema/sca.xml`, `utils/kamctl/postgres/sca-create.sql`). Recorded in
 * Kamailio's `version` table under its configured name (`subs_table`), as the sca module checks it.
 */

import type { Database } from "../database.ts";
import type { TableSchema } from "../migrations.ts";
import { autoIdColumn, checkTableName } from "../sql-dialect.ts";

/** Default table name (Kamailio's `subs_table` default). */
export const SCA_SUBSCRIPTIONS_TABLE = "sca_subscriptions";

/** Kamailio's `SCA_DB_SUBSCRIPTIONS_TABLE_VERSION`. */
export const SCA_SUBSCRIPTIONS_VERSION = 2;

/**
 * Kamailio's `version.table_name` is VARCHAR(32); index names add up to 22 characters and
 * PostgreSQL cuts identifiers at 63.
 */
const MAX_NAME = 32;

/** Checks a `subs_table` value. @throws LinekeyError `STORE_ERR_SCHEMA` */
export function checkSubsTableName(name: string): string {
  return checkTableName(name, MAX_NAME);
}

/** Column sizes of the Kamailio layout, checked before writing so both back ends behave alike. */
export const SCA_COLUMN_SIZES = {
  subscriber: 255,
  aor: 255,
  call_id: 255,
  from_tag: 64,
  to_tag: 64,
} as const;

/**
 * The `sca_subscriptions` table under a configurable name.
 *
 * @throws LinekeyError `STORE_ERR_SCHEMA` for a name that is not a plain lower-case identifier
 */
export function scaSubscriptionsTable(name: string = SCA_SUBSCRIPTIONS_TABLE): TableSchema {
  const table = checkSubsTableName(name);
  return {
    name: table,
    versionTable: "version",
    version: SCA_SUBSCRIPTIONS_VERSION,
    hint:
      "Linekey uses Kamailio's sca_subscriptions version 2 layout (with server_id); " +
      "upgrade the table with Kamailio's own scripts, or point db_url/subs_table at a fresh table",
    async create(db: Database): Promise<void> {
      // Index names follow Kamailio's generated scripts: <table>_<index name>.
      await db.exec(`CREATE TABLE ${table} (
    ${autoIdColumn(db.kind)},
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
    CONSTRAINT ${table}_sca_subscriptions_idx UNIQUE (subscriber, call_id, from_tag, to_tag)
);
CREATE INDEX ${table}_sca_expires_idx ON ${table} (server_id, expires);
CREATE INDEX ${table}_sca_subscribers_idx ON ${table} (subscriber, event);`);
    },
  };
}
