/**
 * Parses the `db_url` setting. Accepted forms:
 *
 * - absent or empty: SQLite file `linekey.db` in the data folder
 * - `sqlite::memory:`: a private in-memory SQLite database
 * - `sqlite:///abs/path.db` (Kamailio's form) or `sqlite:/abs/path.db`: absolute path
 * - `sqlite:relative.db`: relative to the data folder
 * - `postgres://user:pass@host:port/db` and `postgresql://…`, optionally `?host=/socket/dir`
 *   (Unix socket, empty host part) and `?sslmode=disable`
 *
 * `sqlite://x` is refused: in URL syntax `x` would be a host name, and guessing whether the
 * operator meant a relative or an absolute path is how databases get created in the wrong place.
 * Kamailio's `mysql://` is recognised and refused with a clear message.
 */

import { isAbsolute, join } from "node:path";
import { LinekeyError } from "../util/errors.ts";

/** Where a SQLite database lives. */
export interface SqliteTarget {
  readonly kind: "sqlite";
  /** Absolute file path, or `:memory:`. */
  readonly path: string;
  /** Printable form (same as the path). */
  readonly display: string;
}

/** How to reach a PostgreSQL database. */
export interface PostgresTarget {
  readonly kind: "postgres";
  /** Host name or IP address (IPv6 without brackets), or a Unix socket directory. */
  readonly host: string;
  readonly port: number;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly database: string;
  /** Printable form, password replaced by `***`. */
  readonly display: string;
}

/** A parsed `db_url`. */
export type DbTarget = SqliteTarget | PostgresTarget;

/** File name of the default database inside the data folder. */
export const DEFAULT_SQLITE_FILE = "linekey.db";

const DEFAULT_PG_PORT = 5432;

function urlError(url: string, detail: string): LinekeyError {
  return new LinekeyError("STORE_ERR_URL", `db_url ${JSON.stringify(redact(url))}: ${detail}`);
}

/** Hides the password of a URL-shaped string, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, "$1***@");
}

/**
 * Parses a `db_url` value.
 *
 * @param url - the configured value; `undefined` or blank selects the default SQLite file
 * @param dataDir - folder for the default file and for relative SQLite paths
 * @throws LinekeyError `STORE_ERR_URL` for unknown schemes, unsupported back ends and malformed URLs
 */
export function parseDbUrl(url: string | undefined, dataDir: string): DbTarget {
  if (url === undefined || url.trim() === "") {
    const path = join(dataDir, DEFAULT_SQLITE_FILE);
    return { kind: "sqlite", path, display: path };
  }
  const text = url.trim();
  const m = /^([a-z][a-z0-9+._-]*):/i.exec(text);
  if (!m?.[1]) {
    throw urlError(text, "missing scheme (expected sqlite:… or postgres://…)");
  }
  const scheme = m[1].toLowerCase();
  switch (scheme) {
    case "sqlite":
      return parseSqlite(text, text.slice(m[0].length), dataDir);
    case "postgres":
    case "postgresql":
      return parsePostgres(text);
    case "mysql":
      throw urlError(
        text,
        "MySQL is not supported; use PostgreSQL (postgres://…) or SQLite (sqlite:…). " +
          "Kamailio's sca_subscriptions table has the same layout on PostgreSQL",
      );
    default:
      throw urlError(text, `unsupported scheme "${scheme}" (supported: sqlite, postgres, postgresql)`);
  }
}

function parseSqlite(url: string, rest: string, dataDir: string): SqliteTarget {
  if (rest === ":memory:") return { kind: "sqlite", path: ":memory:", display: ":memory:" };
  let path: string;
  if (rest.startsWith("///")) {
    // sqlite:///x -> /x (Kamailio's db_sqlite form: empty authority, absolute path).
    path = rest.slice(2);
  } else if (rest.startsWith("//")) {
    throw urlError(
      url,
      "ambiguous SQLite URL; write sqlite:///absolute/path.db or sqlite:relative.db (relative to the data folder)",
    );
  } else if (rest.startsWith("/")) {
    path = rest;
  } else {
    if (rest === "") throw urlError(url, "missing SQLite file path");
    path = join(dataDir, rest);
  }
  if (path === "/" || path.endsWith("/")) throw urlError(url, "SQLite path names a folder, not a file");
  if (!isAbsolute(path)) {
    // dataDir itself was relative: resolve against the working directory once, here, so later
    // chdir() calls cannot move the database.
    path = join(process.cwd(), path);
  }
  return { kind: "sqlite", path, display: path };
}

function decode(url: string, what: string, s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw urlError(url, `bad percent-encoding in ${what}`);
  }
}

function parsePostgres(url: string): PostgresTarget {
  // WHATWG URL refuses credentials without a host (postgres://user@/db?host=/socket), which libpq
  // accepts: parse with a stand-in host and remember that the host part was empty.
  const emptyHost = /^[a-z]+:\/\/([^/?#]*@)?(?=[/?#]|$)/i.exec(url);
  const STAND_IN = "empty-host.invalid";
  let u: URL;
  try {
    u = new URL(emptyHost ? url.replace(emptyHost[0], `${emptyHost[0]}${STAND_IN}`) : url);
  } catch {
    throw urlError(url, "malformed URL (expected postgres://user:pass@host:port/database)");
  }
  const database = decode(url, "database name", u.pathname.replace(/^\//, ""));
  if (database === "" || database.includes("/")) {
    throw urlError(url, "missing or invalid database name (postgres://user:pass@host:port/database)");
  }
  const port = u.port === "" ? DEFAULT_PG_PORT : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw urlError(url, `bad port "${u.port}"`);
  let host = emptyHost ? "" : u.hostname.replace(/^\[(.*)\]$/, "$1");
  for (const [key, value] of u.searchParams) {
    if (key === "host") {
      // libpq's way to reach a Unix socket: postgres://user@/db?host=/var/run/postgresql
      if (!value.startsWith("/")) throw urlError(url, "the host parameter must be a socket folder (/…)");
      if (host !== "") throw urlError(url, "give either a host name or ?host=/socket/dir, not both");
      host = value;
    } else if (key === "sslmode") {
      // Refuse rather than ignore: silently dropping sslmode=require would send passwords in clear.
      if (value !== "disable") throw urlError(url, `sslmode=${value} is not supported (only disable)`);
    } else {
      throw urlError(url, `unknown parameter "${key}" (supported: host, sslmode=disable)`);
    }
  }
  if (host === "") throw urlError(url, "missing host");
  const user = u.username === "" ? undefined : decode(url, "user name", u.username);
  const password = u.password === "" ? undefined : decode(url, "password", u.password);
  const auth =
    user === undefined ? "" : `${encodeURIComponent(user)}${password === undefined ? "" : ":***"}@`;
  const hostPart = host.startsWith("/") ? "" : host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const socket = host.startsWith("/") ? `?host=${host}` : "";
  return {
    kind: "postgres",
    host,
    port,
    user,
    password,
    database,
    display: `postgres://${auth}${hostPart}/${encodeURIComponent(database)}${socket}`,
  };
}
