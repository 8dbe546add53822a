/**
 * SQLite adapter on better-sqlite3: one synchronous connection behind the async `Database`
 * interface, WAL journal, prepared statements cached by SQL text.
 *
 * better-sqlite3 cannot run an async callback inside its own `transaction()` helper, so
 * transactions are BEGIN IMMEDIATE … COMMIT by hand, and while one is open every operation on the
 * outer handle waits for it: on a single connection they would otherwise land inside it.
 */

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { LinekeyError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import type { Database, SqlValue } from "./database.ts";
import type { SqliteTarget } from "./db-url.ts";
import type { TxScope } from "./tx-scope.ts";
import { assertNotInsideTx, runInTxScope } from "./tx-scope.ts";

const STATEMENT_CACHE_SIZE = 256;
/** How long a writer waits for another process (the CLI, a backup) holding the write lock. */
const BUSY_TIMEOUT_MS = 5000;

/** Options of {@link openSqlite}. */
export interface SqliteOptions {
  readonly logger: Logger;
  /** `synchronous=FULL` (survives power loss) instead of `NORMAL` (survives a process crash). */
  readonly durable: boolean;
}

type Statement = BetterSqlite3.Statement;

function queryError(err: unknown, sql: string): LinekeyError {
  if (err instanceof LinekeyError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new LinekeyError("STORE_ERR_QUERY", `sqlite: ${msg} (in: ${sql.slice(0, 200)})`, { cause: err });
}

/**
 * better-sqlite3 binds every JS number as a double, so 5 lands in a TEXT column as '5.0'.
 * Binding integers as BigInt stores them as SQLite integers, as PostgreSQL would.
 */
function bindable(params: readonly SqlValue[]): (string | number | bigint | null)[] {
  return params.map(bindValue);
}

/** BigInts of small integers (flags, indexes, CSeqs), made once: they are immutable. */
const SMALL_BIGINTS: readonly bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

function bindValue(v: SqlValue): string | number | bigint | null {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) return v;
  return (v >= 0 && v < SMALL_BIGINTS.length ? SMALL_BIGINTS[v] : undefined) ?? BigInt(v);
}

/** The connection and what is shared by the outer handle and its transaction handles. */
class SqliteConnection {
  readonly statements = new Map<string, Statement>();
  /** Settled when the open transaction ends; undefined when none is open. */
  lock: Promise<void> | undefined;
  closed = false;
  constructor(readonly raw: BetterSqlite3.Database) {}

  statement(sql: string): Statement {
    const hit = this.statements.get(sql);
    if (hit) {
      // Re-insert: Map keeps insertion order, so the first key is the least recently used.
      this.statements.delete(sql);
      this.statements.set(sql, hit);
      return hit;
    }
    const stmt = this.raw.prepare(sql);
    this.statements.set(sql, stmt);
    if (this.statements.size > STATEMENT_CACHE_SIZE) {
      const oldest = this.statements.keys().next();
      if (oldest.done !== true) this.statements.delete(oldest.value);
    }
    return stmt;
  }
}

class SqliteHandle implements Database {
  readonly kind = "sqlite" as const;

  constructor(
    private readonly conn: SqliteConnection,
    /** Set on transaction handles: the transaction they belong to. */
    private readonly scope: TxScope | undefined,
    private readonly depth: number,
  ) {}

  /**
   * Runs a synchronous driver call once no foreign transaction is open. The last check of the
   * lock and the call happen in the same tick, so no transaction can start in between.
   */
  private async use<T>(sql: string, op: () => T): Promise<T> {
    while (!this.ready()) await this.conn.lock;
    try {
      return op();
    } catch (err) {
      throw queryError(err, sql);
    }
  }

  /**
   * {@link use} without its async frame when nothing has to wait (the usual case: the SCA
   * write-through runs two statements per changed subscription inside its transactions).
   */
  private call<T>(sql: string, op: () => T): Promise<T> {
    try {
      if (this.ready()) return Promise.resolve(op());
    } catch (err) {
      return Promise.reject(queryError(err, sql));
    }
    return this.use(sql, op);
  }

  /**
   * True when a statement may run now, false while another handle's transaction holds the
   * connection. Throws LinekeyError `STORE_ERR_QUERY` for a handle whose transaction ended or a
   * closed database.
   */
  private ready(): boolean {
    if (this.scope) {
      if (!this.scope.open) {
        throw new LinekeyError("STORE_ERR_QUERY", "transaction handle used after its transaction ended");
      }
    } else {
      assertNotInsideTx(this.conn);
      if (this.conn.lock) return false;
    }
    if (this.conn.closed) throw new LinekeyError("STORE_ERR_QUERY", "database is closed");
    return true;
  }

  exec(sql: string): Promise<void> {
    return this.use(sql, () => {
      this.conn.raw.exec(sql);
    });
  }

  // The parameters go as one array (better-sqlite3 binds an array as the anonymous
  // parameters): no spread of the arguments.
  run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.call(sql, () => ({ changes: this.conn.statement(sql).run(bindable(params)).changes }));
  }

  all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.call(sql, () => this.conn.statement(sql).all(bindable(params)) as T[]);
  }

  get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.call(sql, () => this.conn.statement(sql).get(bindable(params)) as T | undefined);
  }

  async transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    if (this.scope) return this.savepoint(fn);
    while (!this.ready()) await this.conn.lock;
    let release = (): void => {};
    this.conn.lock = new Promise<void>((resolve) => (release = resolve));
    const scope: TxScope = { owner: this.conn, open: true };
    const raw = this.conn.raw;
    try {
      try {
        // IMMEDIATE takes the write lock now: a deferred transaction that reads first and writes
        // later can fail with SQLITE_BUSY without waiting when another process wrote meanwhile.
        raw.exec("BEGIN IMMEDIATE");
      } catch (err) {
        throw queryError(err, "BEGIN IMMEDIATE");
      }
      let result: T;
      try {
        result = await runInTxScope(scope, () => fn(new SqliteHandle(this.conn, scope, 1)));
        raw.exec("COMMIT");
      } catch (err) {
        // Some errors (SQLITE_FULL, SQLITE_IOERR…) already rolled the transaction back.
        if (raw.inTransaction) raw.exec("ROLLBACK");
        throw err instanceof LinekeyError ? err : queryError(err, "COMMIT");
      }
      return result;
    } finally {
      scope.open = false;
      this.conn.lock = undefined;
      release();
    }
  }

  private async savepoint<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    const name = `linekey_sp${this.depth}`;
    await this.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn(new SqliteHandle(this.conn, this.scope, this.depth + 1));
      await this.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      await this.exec(`ROLLBACK TO ${name}`);
      await this.exec(`RELEASE ${name}`);
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.scope) throw new LinekeyError("STORE_ERR_QUERY", "a transaction handle cannot be closed");
    assertNotInsideTx(this.conn);
    while (this.conn.lock) await this.conn.lock;
    if (this.conn.closed) return;
    this.conn.closed = true;
    this.conn.statements.clear();
    this.conn.raw.close();
  }
}

/**
 * Opens (creating if needed, with its folder) a SQLite database.
 *
 * @throws LinekeyError `STORE_ERR_QUERY` if the file cannot be opened or is not a database
 */
export function openSqlite(target: SqliteTarget, options: SqliteOptions): Database {
  let raw: BetterSqlite3.Database | undefined;
  try {
    if (target.path !== ":memory:") mkdirSync(dirname(target.path), { recursive: true });
    raw = new BetterSqlite3(target.path);
    raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const mode = raw.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal" && target.path !== ":memory:") {
      options.logger.warn("sqlite: WAL journal not available", { db: target.display, journal_mode: mode });
    }
    // In WAL mode NORMAL loses no committed transaction when the process dies (the WAL is in
    // the OS page cache); FULL also syncs the WAL on every commit, for power loss and OS crashes.
    raw.pragma(`synchronous = ${options.durable ? "FULL" : "NORMAL"}`);
    raw.pragma("foreign_keys = ON");
  } catch (err) {
    raw?.close();
    const msg = err instanceof Error ? err.message : String(err);
    throw new LinekeyError("STORE_ERR_QUERY", `sqlite: cannot open ${target.display}: ${msg}`, {
      cause: err,
    });
  }
  return new SqliteHandle(new SqliteConnection(raw), undefined, 0);
}
