/**
 * Typed access to `sccp_forwards`: the forward-all target a user set with the phone's CFwdAll
 * soft key, per device and line.
 */

import type { Database } from "./database.ts";
import { SCCP_FORWARDS_TABLE } from "./schema/sccp-forwards.ts";
import { text } from "./value-checks.ts";

/** One forward setting. */
export interface SccpForward {
  /** Device name, e.g. `SEP001122334455`. */
  readonly device: string;
  /** Line (directory number) on that device. */
  readonly line: string;
  /** Number every call to the line is forwarded to. */
  readonly cfwdAll: string;
  /** Last change, unix seconds. */
  readonly updated: number;
}

interface Row {
  device: string;
  line: string;
  cfwd_all: string;
  updated: number;
}

const T = SCCP_FORWARDS_TABLE;

function fromRow(r: Row): SccpForward {
  return { device: r.device, line: r.line, cfwdAll: r.cfwd_all, updated: r.updated };
}

/** Repository of SCCP call-forward settings. */
export class ForwardsRepo {
  /** @param clock - milliseconds since the epoch, for `updated` */
  constructor(
    private readonly db: Database,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Sets (or replaces) the forward-all target of a line. */
  async set(device: string, line: string, target: string): Promise<void> {
    await this.db.run(
      `INSERT INTO ${T} (device, line, cfwd_all, updated) VALUES (?, ?, ?, ?) ` +
        "ON CONFLICT (device, line) DO UPDATE SET cfwd_all = excluded.cfwd_all, updated = excluded.updated",
      [text("device", device), text("line", line), text("cfwd_all", target), Math.floor(this.clock() / 1000)],
    );
  }

  /** Removes the forward of a line. @returns whether one was set */
  async clear(device: string, line: string): Promise<boolean> {
    const r = await this.db.run(`DELETE FROM ${T} WHERE device = ? AND line = ?`, [device, line]);
    return r.changes > 0;
  }

  /** The forward of one line, if set. */
  async get(device: string, line: string): Promise<SccpForward | undefined> {
    const r = await this.db.get<Row>(
      `SELECT device, line, cfwd_all, updated FROM ${T} WHERE device = ? AND line = ?`,
      [device, line],
    );
    return r === undefined ? undefined : fromRow(r);
  }

  /** Forwards of one device, by line. */
  async listByDevice(device: string): Promise<SccpForward[]> {
    const rows = await this.db.all<Row>(
      `SELECT device, line, cfwd_all, updated FROM ${T} WHERE device = ? ORDER BY line`,
      [device],
    );
    return rows.map(fromRow);
  }

  /** Every forward, by device then line (restored at start-up). */
  async loadAll(): Promise<SccpForward[]> {
    const rows = await this.db.all<Row>(
      `SELECT device, line, cfwd_all, updated FROM ${T} ORDER BY device, line`,
    );
    return rows.map(fromRow);
  }
}
