/**
 * `sccp_forwards`: call forward set from an SCCP phone (the CFwdAll soft key), per device and
 * line, so it survives a restart of the server as it would on a CUCM.
 */

import type { Database } from "../database.ts";
import type { TableSchema } from "../migrations.ts";

/** Table name. */
export const SCCP_FORWARDS_TABLE = "sccp_forwards";

/** The `sccp_forwards` table, version 1. */
export const sccpForwardsTable: TableSchema = {
  name: SCCP_FORWARDS_TABLE,
  versionTable: "linekey_version",
  version: 1,
  async create(db: Database): Promise<void> {
    await db.exec(`CREATE TABLE ${SCCP_FORWARDS_TABLE} (
    device TEXT NOT NULL,
    line TEXT NOT NULL,
    cfwd_all TEXT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (device, line)
);`);
  },
};
