/**
 * Typed access to `kv_state`: JSON values per (namespace, key). Values come back as `unknown`;
 * the owning subsystem validates their shape, since a value may have been written by an older
 * Linekey.
 */

import { LinekeyError } from "../util/errors.ts";
import type { Database } from "./database.ts";
import { KV_STATE_TABLE } from "./schema/kv-state.ts";
import { text } from "./value-checks.ts";

/** One stored entry. */
export interface KvEntry {
  readonly key: string;
  readonly value: unknown;
  /** Last write, unix seconds. */
  readonly updated: number;
}

interface Row {
  key: string;
  value: string;
  updated: number;
}

const T = KV_STATE_TABLE;

function parse(namespace: string, key: string, json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch (err) {
    throw new LinekeyError("STORE_ERR_VALUE", `kv_state ${namespace}/${key}: stored value is not JSON`, {
      cause: err,
    });
  }
}

/** Repository of generic persisted state. */
export class KvStateRepo {
  /** @param clock - milliseconds since the epoch, for `updated` */
  constructor(
    private readonly db: Database,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Stores a JSON-serialisable value.
   *
   * @throws LinekeyError `STORE_ERR_VALUE` if the value has no JSON form (undefined, a function)
   */
  async set(namespace: string, key: string, value: unknown): Promise<void> {
    const json: unknown = JSON.stringify(value);
    if (typeof json !== "string") {
      throw new LinekeyError("STORE_ERR_VALUE", `kv_state ${namespace}/${key}: value has no JSON form`);
    }
    await this.db.run(
      `INSERT INTO ${T} (namespace, key, value, updated) VALUES (?, ?, ?, ?) ` +
        "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, updated = excluded.updated",
      [text("namespace", namespace), text("key", key), text("value", json), Math.floor(this.clock() / 1000)],
    );
  }

  /** The stored value, or undefined if none. */
  async get(namespace: string, key: string): Promise<unknown> {
    const r = await this.db.get<Row>(`SELECT key, value, updated FROM ${T} WHERE namespace = ? AND key = ?`, [
      namespace,
      key,
    ]);
    return r === undefined ? undefined : parse(namespace, key, r.value);
  }

  /** Removes an entry. @returns whether it existed */
  async delete(namespace: string, key: string): Promise<boolean> {
    const r = await this.db.run(`DELETE FROM ${T} WHERE namespace = ? AND key = ?`, [namespace, key]);
    return r.changes > 0;
  }

  /** Every entry of a namespace, by key. */
  async list(namespace: string): Promise<KvEntry[]> {
    const rows = await this.db.all<Row>(
      `SELECT key, value, updated FROM ${T} WHERE namespace = ? ORDER BY key`,
      [namespace],
    );
    return rows.map((r) => ({ key: r.key, value: parse(namespace, r.key, r.value), updated: r.updated }));
  }
}
