/**
 * The storage interface every subsystem uses, and `openDatabase`, which picks the adapter from
 * `db_url` (SQLite by default, PostgreSQL for larger or multi-node sites) and brings the
 * registered tables up to date.
 *
 * SQL is written once with `?` placeholders; the PostgreSQL adapter numbers them. Values are
 * strings, numbers or NULL; integers come back as numbers from both back ends (PostgreSQL int8
 * included).
 */

import type { Logger } from "../util/logger.ts";
import { silentLogger } from "../util/logger.ts";
import { parseDbUrl } from "./db-url.ts";
import type { TableSchema } from "./migrations.ts";
import { migrate } from "./migrations.ts";
import { openPostgres } from "./postgres-database.ts";
import { openSqlite } from "./sqlite-database.ts";

/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | null;

/**
 * A database connection (SQLite) or pool (PostgreSQL).
 *
 * Inside `transaction(fn)` use only the `tx` handle given to `fn`: the outer handle throws there
 * (`STORE_ERR_QUERY`). `tx.transaction()` nests with a SAVEPOINT. All failures are
 * `LinekeyError` with code `STORE_ERR_QUERY` and the driver error as `cause`.
 */
export interface Database {
  readonly kind: "sqlite" | "postgres";
  /** Runs one or more statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
  /** Runs one statement; `changes` is the number of rows inserted, updated or deleted. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /** All result rows. */
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** The first result row, if any. */
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs `fn` in a transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T>;
  /** Waits for a running transaction, then closes. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** Folder holding the default SQLite file and relative `sqlite:` paths. */
  readonly dataDir: string;
  readonly logger?: Logger;
  /**
   * SQLite only: `synchronous=FULL` instead of `NORMAL`, so a committed write also survives a
   * power loss or OS crash, not just a crash of the process. Used where an acknowledgement
   * promises persistence (SCA subscriptions).
   */
  readonly durable?: boolean;
  /** Tables to create or upgrade before the database is handed out (see `migrate`). */
  readonly tables?: readonly TableSchema[];
  /** PostgreSQL only: maximum pooled connections (default 5). */
  readonly poolSize?: number;
}

/**
 * Opens the database named by `db_url` and runs pending migrations of `tables`.
 *
 * @param url - the `db_url` setting; `undefined` selects `<dataDir>/linekey.db`
 * @throws LinekeyError `STORE_ERR_URL` (bad URL), `STORE_ERR_QUERY` (cannot open or connect),
 *   `STORE_ERR_SCHEMA` (a table has a version this code cannot use)
 */
export async function openDatabase(url: string | undefined, options: OpenDatabaseOptions): Promise<Database> {
  const logger = options.logger ?? silentLogger;
  const target = parseDbUrl(url, options.dataDir);
  const db =
    target.kind === "sqlite"
      ? openSqlite(target, { logger, durable: options.durable ?? false })
      : await openPostgres(target, { logger, poolSize: options.poolSize ?? 5 });
  logger.info("database opened", { db: target.display, durable: options.durable ?? false });
  if (options.tables && options.tables.length > 0) {
    try {
      await migrate(db, options.tables, logger);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}
