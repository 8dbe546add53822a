/**
 * Typed access to `sip_registrations`, the registrar's bindings (RFC 3261 §10.3), keyed by
 * (AoR, Contact URI).
 */

import type { Database, SqlValue } from "./database.ts";
import { SIP_REGISTRATIONS_TABLE } from "./schema/sip-registrations.ts";
import { finite, int32, int64, text } from "./value-checks.ts";

/** One binding. */
export interface SipRegistration {
  readonly aor: string;
  readonly contact: string;
  /** Absolute expiry, unix seconds. */
  readonly expires: number;
  /** The Contact's q parameter; absent when the phone gave none. */
  readonly q?: number;
  readonly callId: string;
  readonly cseq: number;
  /** Path header values (RFC 3327), comma-separated as received. */
  readonly path?: string;
  /** Where the REGISTER came from, e.g. `udp:192.0.2.10:5060`. */
  readonly received: string;
  /** `udp`, `tcp`, `tls`, `ws`, `wss`. */
  readonly transport: string;
  readonly userAgent?: string;
  /** `+sip.instance` (RFC 5626). */
  readonly instance?: string;
  /** `reg-id` (RFC 5626). */
  readonly regId?: number;
  /** Last write, unix seconds. */
  readonly updated: number;
}

/** A binding to write; `updated` defaults to the repository clock. */
export type SipRegistrationInput = Omit<SipRegistration, "updated"> & { readonly updated?: number };

interface Row {
  aor: string;
  contact: string;
  expires: number;
  q: number | null;
  call_id: string;
  cseq: number;
  path: string | null;
  received: string;
  transport: string;
  user_agent: string | null;
  instance: string | null;
  reg_id: number | null;
  updated: number;
}

const T = SIP_REGISTRATIONS_TABLE;
const COLUMNS =
  "aor, contact, expires, q, call_id, cseq, path, received, transport, user_agent, instance, reg_id, updated";

const UPSERT =
  `INSERT INTO ${T} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ` +
  "ON CONFLICT (aor, contact) DO UPDATE SET expires = excluded.expires, q = excluded.q, " +
  "call_id = excluded.call_id, cseq = excluded.cseq, path = excluded.path, received = excluded.received, " +
  "transport = excluded.transport, user_agent = excluded.user_agent, instance = excluded.instance, " +
  "reg_id = excluded.reg_id, updated = excluded.updated";

function fromRow(r: Row): SipRegistration {
  return {
    aor: r.aor,
    contact: r.contact,
    expires: r.expires,
    ...(r.q === null ? {} : { q: r.q }),
    callId: r.call_id,
    cseq: r.cseq,
    ...(r.path === null ? {} : { path: r.path }),
    received: r.received,
    transport: r.transport,
    ...(r.user_agent === null ? {} : { userAgent: r.user_agent }),
    ...(r.instance === null ? {} : { instance: r.instance }),
    ...(r.reg_id === null ? {} : { regId: r.reg_id }),
    updated: r.updated,
  };
}

/** Repository of SIP registrations. */
export class RegistrationsRepo {
  /** @param clock - milliseconds since the epoch, for `updated` */
  constructor(
    private readonly db: Database,
    private readonly clock: () => number = Date.now,
  ) {}

  private params(r: SipRegistrationInput): SqlValue[] {
    const opt = (column: string, v: string | undefined): SqlValue =>
      v === undefined ? null : text(column, v);
    return [
      text("aor", r.aor),
      text("contact", r.contact),
      int64("expires", r.expires),
      r.q === undefined ? null : finite("q", r.q),
      text("call_id", r.callId),
      int32("cseq", r.cseq),
      opt("path", r.path),
      text("received", r.received),
      text("transport", r.transport),
      opt("user_agent", r.userAgent),
      opt("instance", r.instance),
      r.regId === undefined ? null : int32("reg_id", r.regId),
      int64("updated", r.updated ?? Math.floor(this.clock() / 1000)),
    ];
  }

  /** Inserts or replaces the binding of (aor, contact). */
  async upsert(reg: SipRegistrationInput): Promise<void> {
    await this.db.run(UPSERT, this.params(reg));
  }

  /** Inserts or replaces several bindings in one transaction (values are checked first). */
  async upsertMany(regs: readonly SipRegistrationInput[]): Promise<void> {
    if (regs.length === 0) return;
    const rows = regs.map((r) => this.params(r));
    await this.db.transaction(async (tx) => {
      for (const p of rows) await tx.run(UPSERT, p);
    });
  }

  /** Removes one binding. @returns whether it existed */
  async remove(aor: string, contact: string): Promise<boolean> {
    const r = await this.db.run(`DELETE FROM ${T} WHERE aor = ? AND contact = ?`, [aor, contact]);
    return r.changes > 0;
  }

  /** Removes every binding of an AoR (REGISTER with `Contact: *`). @returns bindings removed */
  async removeAor(aor: string): Promise<number> {
    return (await this.db.run(`DELETE FROM ${T} WHERE aor = ?`, [aor])).changes;
  }

  /** Bindings of one AoR, by contact. */
  async listByAor(aor: string): Promise<SipRegistration[]> {
    const rows = await this.db.all<Row>(`SELECT ${COLUMNS} FROM ${T} WHERE aor = ? ORDER BY contact`, [aor]);
    return rows.map(fromRow);
  }

  /**
   * Every binding, by AoR then contact.
   *
   * @param notExpiredAt - if given, only bindings with `expires > notExpiredAt` (unix seconds)
   */
  async loadAll(notExpiredAt?: number): Promise<SipRegistration[]> {
    const rows =
      notExpiredAt === undefined
        ? await this.db.all<Row>(`SELECT ${COLUMNS} FROM ${T} ORDER BY aor, contact`)
        : await this.db.all<Row>(`SELECT ${COLUMNS} FROM ${T} WHERE expires > ? ORDER BY aor, contact`, [
            notExpiredAt,
          ]);
    return rows.map(fromRow);
  }

  /** Deletes bindings with `expires <= now` (unix seconds). @returns bindings deleted */
  async deleteExpired(now: number): Promise<number> {
    return (await this.db.run(`DELETE FROM ${T} WHERE expires <= ?`, [now])).changes;
  }
}
