/**
 * PostgreSQL adapter on `pg`: a small connection pool behind the async `Database` interface.
 * `?` placeholders are numbered here (see placeholders.ts). int8 values (COUNT(*), BIGINT
 * columns) come back as numbers through a type parser set on this pool only, so other users of
 * `pg` in the process keep the driver's defaults.
 */

import type { PoolClient, QueryResult, QueryResultRow } from "pg";
import { Pool, types as pgTypes } from "pg";
import { LinekeyError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import type { Database, SqlValue } from "./database.ts";
import type { PostgresTarget } from "./db-url.ts";
import type { RewrittenSql } from "./placeholders.ts";
import { rewritePlaceholders } from "./placeholders.ts";
import type { TxScope } from "./tx-scope.ts";
import { assertNotInsideTx, runInTxScope } from "./tx-scope.ts";

/** Options of {@link openPostgres}. */
export interface PostgresOptions {
  readonly logger: Logger;
  readonly poolSize: number;
}

const REWRITE_CACHE_SIZE = 512;

type GetTypeParser = typeof pgTypes.getTypeParser;

/** int8 as a JS number; a value a double cannot hold exactly is an error, never a rounded number. */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new LinekeyError("STORE_ERR_VALUE", `postgres: int8 value ${text} does not fit a JS number`);
  }
  return n;
}

const getTypeParser: GetTypeParser = (id, format) =>
  id === pgTypes.builtins.INT8 && format !== "binary"
    ? parseInt8
    : (pgTypes.getTypeParser(id, format) as unknown);

function queryError(err: unknown, sql: string): LinekeyError {
  if (err instanceof LinekeyError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new LinekeyError("STORE_ERR_QUERY", `postgres: ${msg} (in: ${sql.slice(0, 200)})`, { cause: err });
}

type Queryable = Pick<PoolClient, "query">;

/** What the pool handle and its transaction handles share. */
class PgShared {
  readonly rewrites = new Map<string, RewrittenSql>();
  closed = false;
  constructor(readonly pool: Pool) {}

  rewrite(sql: string): string {
    let hit = this.rewrites.get(sql);
    if (!hit) {
      hit = rewritePlaceholders(sql);
      if (this.rewrites.size >= REWRITE_CACHE_SIZE) this.rewrites.clear();
      this.rewrites.set(sql, hit);
    }
    return hit.text;
  }
}

class PgHandle implements Database {
  readonly kind = "postgres" as const;

  constructor(
    private readonly shared: PgShared,
    /** Transaction handles: the checked-out client and its transaction. */
    private readonly tx: { readonly client: PoolClient; readonly scope: TxScope } | undefined,
    private readonly depth: number,
  ) {}

  private target(): Queryable {
    if (this.shared.closed) throw new LinekeyError("STORE_ERR_QUERY", "database is closed");
    if (this.tx) {
      if (!this.tx.scope.open) {
        throw new LinekeyError("STORE_ERR_QUERY", "transaction handle used after its transaction ended");
      }
      return this.tx.client;
    }
    assertNotInsideTx(this.shared);
    return this.shared.pool;
  }

  private async query(
    sql: string,
    params: readonly SqlValue[] | undefined,
  ): Promise<QueryResult<QueryResultRow>> {
    const target = this.target();
    try {
      // Without parameters the simple-query protocol is used, which accepts several statements.
      return params === undefined
        ? await target.query(sql)
        : await target.query(this.shared.rewrite(sql), [...params]);
    } catch (err) {
      throw queryError(err, sql);
    }
  }

  async exec(sql: string): Promise<void> {
    await this.query(sql, undefined);
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    const r = await this.query(sql, params);
    return { changes: r.rowCount ?? 0 };
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const r = await this.query(sql, params);
    return r.rows as T[];
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    const r = await this.query(sql, params);
    return r.rows[0] as T | undefined;
  }

  async transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    if (this.tx) return this.savepoint(this.tx, fn);
    this.target();
    let client: PoolClient;
    try {
      client = await this.shared.pool.connect();
    } catch (err) {
      throw queryError(err, "connect");
    }
    const scope: TxScope = { owner: this.shared, open: true };
    let broken = false;
    try {
      try {
        await client.query("BEGIN");
      } catch (err) {
        broken = true;
        throw queryError(err, "BEGIN");
      }
      try {
        const result = await runInTxScope(scope, () => fn(new PgHandle(this.shared, { client, scope }, 1)));
        await client.query("COMMIT");
        return result;
      } catch (err) {
        try {
          await client.query("ROLLBACK");
        } catch {
          // The connection is unusable: drop it from the pool instead of reusing it.
          broken = true;
        }
        throw err instanceof LinekeyError ? err : queryError(err, "COMMIT");
      }
    } finally {
      scope.open = false;
      client.release(broken);
    }
  }

  private async savepoint<T>(
    tx: { readonly client: PoolClient; readonly scope: TxScope },
    fn: (tx: Database) => Promise<T>,
  ): Promise<T> {
    const name = `linekey_sp${this.depth}`;
    await this.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn(new PgHandle(this.shared, tx, this.depth + 1));
      await this.exec(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      await this.exec(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.exec(`RELEASE SAVEPOINT ${name}`);
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.tx) throw new LinekeyError("STORE_ERR_QUERY", "a transaction handle cannot be closed");
    assertNotInsideTx(this.shared);
    if (this.shared.closed) return;
    this.shared.closed = true;
    // pool.end() waits for checked-out clients (running transactions) to be released.
    await this.shared.pool.end();
  }
}

/**
 * Connects a pool to PostgreSQL and checks the connection with one query, so a wrong URL or
 * password fails at startup rather than on the first SUBSCRIBE.
 *
 * @throws LinekeyError `STORE_ERR_QUERY` if the server cannot be reached or refuses the login
 */
export async function openPostgres(target: PostgresTarget, options: PostgresOptions): Promise<Database> {
  const pool = new Pool({
    host: target.host,
    port: target.port,
    database: target.database,
    ...(target.user === undefined ? {} : { user: target.user }),
    ...(target.password === undefined ? {} : { password: target.password }),
    max: options.poolSize,
    application_name: "linekey",
    connectionTimeoutMillis: 10_000,
    types: { getTypeParser },
  });
  // An idle pooled connection that dies (server restart) emits 'error' on the pool; unhandled,
  // that would crash the process. The pool replaces the connection on next use.
  pool.on("error", (err) => {
    options.logger.warn("postgres: idle connection failed", { db: target.display, err });
  });
  try {
    await pool.query("SELECT 1");
  } catch (err) {
    await pool.end().catch(() => undefined);
    const msg = err instanceof Error ? err.message : String(err);
    throw new LinekeyError("STORE_ERR_QUERY", `postgres: cannot connect to ${target.display}: ${msg}`, {
      cause: err,
    });
  }
  return new PgHandle(new PgShared(pool), undefined, 0);
}
