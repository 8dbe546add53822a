/**
 * `sip_registrations`: the registrar's bindings (RFC 3261 §10), one row per (AoR, Contact), so
 * SIP phones stay reachable across a restart without re-registering.
 */

import type { Database } from "../database.ts";
import type { TableSchema } from "../migrations.ts";

/** Table name. */
export const SIP_REGISTRATIONS_TABLE = "sip_registrations";

/** The `sip_registrations` table, version 1. */
export const sipRegistrationsTable: TableSchema = {
  name: SIP_REGISTRATIONS_TABLE,
  versionTable: "linekey_version",
  version: 1,
  async create(db: Database): Promise<void> {
    // TEXT rather than VARCHAR(n): SQLite ignores lengths, PostgreSQL enforces them, and SIP puts
    // no limit on URIs; one rule for both back ends. Times are BIGINT unix seconds (past 2038).
    await db.exec(`CREATE TABLE ${SIP_REGISTRATIONS_TABLE} (
    aor TEXT NOT NULL,
    contact TEXT NOT NULL,
    expires BIGINT NOT NULL,
    q DOUBLE PRECISION,
    call_id TEXT NOT NULL,
    cseq INTEGER NOT NULL,
    path TEXT,
    received TEXT NOT NULL,
    transport TEXT NOT NULL,
    user_agent TEXT,
    instance TEXT,
    reg_id INTEGER,
    updated BIGINT NOT NULL,
    PRIMARY KEY (aor, contact)
);
CREATE INDEX ${SIP_REGISTRATIONS_TABLE}_expires_idx ON ${SIP_REGISTRATIONS_TABLE} (expires);`);
  },
};
