/**
 * The tables Linekey itself defines, for `openDatabase({ tables })`.
 */

import type { TableSchema } from "./migrations.ts";
import { kvStateTable } from "./schema/kv-state.ts";
import { scaSubscriptionsTable } from "./schema/sca-subscriptions.ts";
import { sccpForwardsTable } from "./schema/sccp-forwards.ts";
import { sipRegistrationsTable } from "./schema/sip-registrations.ts";

/** Options of {@link linekeyTables}. */
export interface LinekeyTablesOptions {
  /** Name of the SCA subscriptions table (`subs_table`, default `sca_subscriptions`). */
  readonly subsTable?: string;
}

/**
 * All built-in tables: sca_subscriptions (Kamailio layout), sip_registrations, sccp_forwards,
 * kv_state.
 *
 * @throws LinekeyError `STORE_ERR_SCHEMA` for a bad `subsTable`
 */
export function linekeyTables(options: LinekeyTablesOptions = {}): TableSchema[] {
  return [scaSubscriptionsTable(options.subsTable), sipRegistrationsTable, sccpForwardsTable, kvStateTable];
}
