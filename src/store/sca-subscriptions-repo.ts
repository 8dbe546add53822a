/**
 * Typed access to Kamailio's `sca_subscriptions` table (any configured name), so the SCA module
 * can write subscriptions through on every SUBSCRIBE and restore them at start-up, and an
 * operator can reuse the table of an existing Kamailio.
 *
 * A subscription is identified by (subscriber, aor, event), as in the module's hash table. The
 * table's unique index is on the dialog (subscriber, call_id, from_tag, to_tag), so an upsert whose
 * dialog changed (phone rebooted, new SUBSCRIBE dialog) first removes the row of the old dialog;
 * Kamailio instead updates "WHERE subscriber = …", which also overwrites that contact's
 * subscriptions to other AoRs.
 */

import type { Database, SqlValue } from "./database.ts";
import { SCA_COLUMN_SIZES, SCA_SUBSCRIPTIONS_TABLE, checkSubsTableName } from "./schema/sca-subscriptions.ts";
import { int32, text } from "./value-checks.ts";

/** `event` column value for call-info (Kamailio's code; its schema comment saying 0 is wrong). */
export const SCA_EVENT_CALL_INFO = 1;
/** `event` column value for line-seize. */
export const SCA_EVENT_LINE_SEIZE = 2;
/** `state` column value of an active subscription. */
export const SCA_STATE_ACTIVE = 0;

/** What identifies one subscription. */
export interface ScaSubscriptionKey {
  /** Contact URI of the SUBSCRIBE. */
  readonly subscriber: string;
  /** Target AoR. */
  readonly aor: string;
  /** {@link SCA_EVENT_CALL_INFO} or {@link SCA_EVENT_LINE_SEIZE}. */
  readonly event: number;
}

/** One row of `sca_subscriptions`. */
export interface ScaSubscriptionRecord extends ScaSubscriptionKey {
  /** Absolute expiry, unix seconds. */
  readonly expires: number;
  readonly state: number;
  /** Seized appearance index (line-seize), else 0. */
  readonly appIdx: number;
  readonly callId: string;
  /** The subscriber's tag. */
  readonly fromTag: string;
  /** Our tag. */
  readonly toTag: string;
  /** Route set from the SUBSCRIBE's Record-Route, as one string. */
  readonly recordRoute?: string;
  readonly notifyCseq: number;
  readonly subscribeCseq: number;
  /** Core `server_id` of the node owning the subscription. */
  readonly serverId: number;
}

/** Filter of {@link ScaSubscriptionsRepo.loadAll}. */
export interface ScaLoadFilter {
  /** Only rows of this node. */
  readonly serverId?: number;
  /** Only rows with `expires >= notExpiredAt` (unix seconds). */
  readonly notExpiredAt?: number;
}

interface Row {
  subscriber: string;
  aor: string;
  event: number;
  expires: number;
  state: number;
  app_idx: number;
  call_id: string;
  from_tag: string;
  to_tag: string;
  record_route: string | null;
  notify_cseq: number;
  subscribe_cseq: number;
  server_id: number;
}

const COLUMNS =
  "subscriber, aor, event, expires, state, app_idx, call_id, from_tag, to_tag, record_route, " +
  "notify_cseq, subscribe_cseq, server_id";

function fromRow(r: Row): ScaSubscriptionRecord {
  return {
    subscriber: r.subscriber,
    aor: r.aor,
    event: r.event,
    expires: r.expires,
    state: r.state,
    appIdx: r.app_idx,
    callId: r.call_id,
    fromTag: r.from_tag,
    toTag: r.to_tag,
    ...(r.record_route === null ? {} : { recordRoute: r.record_route }),
    notifyCseq: r.notify_cseq,
    subscribeCseq: r.subscribe_cseq,
    serverId: r.server_id,
  };
}

function toParams(s: ScaSubscriptionRecord): SqlValue[] {
  return [
    text("subscriber", s.subscriber, SCA_COLUMN_SIZES.subscriber),
    text("aor", s.aor, SCA_COLUMN_SIZES.aor),
    int32("event", s.event),
    int32("expires", s.expires),
    int32("state", s.state),
    int32("app_idx", s.appIdx),
    text("call_id", s.callId, SCA_COLUMN_SIZES.call_id),
    text("from_tag", s.fromTag, SCA_COLUMN_SIZES.from_tag),
    text("to_tag", s.toTag, SCA_COLUMN_SIZES.to_tag),
    s.recordRoute === undefined ? null : text("record_route", s.recordRoute),
    int32("notify_cseq", s.notifyCseq),
    int32("subscribe_cseq", s.subscribeCseq),
    int32("server_id", s.serverId),
  ];
}

/** Repository of SCA subscriptions. */
export class ScaSubscriptionsRepo {
  private readonly table: string;
  private readonly upsertSql: string;
  private readonly dropOldDialogSql: string;

  /**
   * @param table - the `subs_table` setting
   * @throws LinekeyError `STORE_ERR_SCHEMA` for a bad table name
   */
  constructor(
    private readonly db: Database,
    table: string = SCA_SUBSCRIPTIONS_TABLE,
  ) {
    this.table = checkSubsTableName(table);
    this.upsertSql =
      `INSERT INTO ${this.table} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ` +
      "ON CONFLICT (subscriber, call_id, from_tag, to_tag) DO UPDATE SET " +
      "aor = excluded.aor, event = excluded.event, expires = excluded.expires, state = excluded.state, " +
      "app_idx = excluded.app_idx, record_route = excluded.record_route, notify_cseq = excluded.notify_cseq, " +
      "subscribe_cseq = excluded.subscribe_cseq, server_id = excluded.server_id";
    this.dropOldDialogSql =
      `DELETE FROM ${this.table} WHERE subscriber = ? AND aor = ? AND event = ? ` +
      "AND NOT (call_id = ? AND from_tag = ? AND to_tag = ?)";
  }

  /**
   * Inserts or updates subscriptions, all in one transaction.
   *
   * @throws LinekeyError `STORE_ERR_VALUE` (value does not fit the Kamailio column; nothing
   *   written), `STORE_ERR_QUERY`
   */
  async upsertMany(subs: readonly ScaSubscriptionRecord[]): Promise<void> {
    if (subs.length === 0) return;
    const rows = subs.map(toParams);
    await this.db.transaction(async (tx) => {
      for (const [i, s] of subs.entries()) {
        await tx.run(this.dropOldDialogSql, [s.subscriber, s.aor, s.event, s.callId, s.fromTag, s.toTag]);
        await tx.run(this.upsertSql, rows[i] ?? []);
      }
    });
  }

  /** Inserts or updates one subscription (see {@link ScaSubscriptionsRepo.upsertMany}). */
  upsert(sub: ScaSubscriptionRecord): Promise<void> {
    return this.upsertMany([sub]);
  }

  /** Deletes one subscription (every dialog of it). @returns rows deleted */
  async delete(key: ScaSubscriptionKey): Promise<number> {
    const r = await this.db.run(`DELETE FROM ${this.table} WHERE subscriber = ? AND aor = ? AND event = ?`, [
      key.subscriber,
      key.aor,
      key.event,
    ]);
    return r.changes;
  }

  /** Rows in table order (Kamailio restores in this order), optionally filtered. */
  async loadAll(filter: ScaLoadFilter = {}): Promise<ScaSubscriptionRecord[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.serverId !== undefined) {
      where.push("server_id = ?");
      params.push(filter.serverId);
    }
    if (filter.notExpiredAt !== undefined) {
      where.push("expires >= ?");
      params.push(filter.notExpiredAt);
    }
    const rows = await this.db.all<Row>(
      `SELECT ${COLUMNS} FROM ${this.table}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id`,
      params,
    );
    return rows.map(fromRow);
  }

  /**
   * Deletes rows with `expires < now`, as Kamailio's sync does.
   *
   * @param now - unix seconds
   * @param serverId - only rows of this node (Kamailio deletes only its own)
   * @returns rows deleted
   */
  async deleteExpired(now: number, serverId?: number): Promise<number> {
    const r =
      serverId === undefined
        ? await this.db.run(`DELETE FROM ${this.table} WHERE expires < ?`, [now])
        : await this.db.run(`DELETE FROM ${this.table} WHERE expires < ? AND server_id = ?`, [now, serverId]);
    return r.changes;
  }
}
