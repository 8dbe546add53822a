/**
 * A throw-away real PostgreSQL server for tests, from Debian's server binaries
 * (/usr/lib/postgresql/<major>/bin). `initdb` into a temporary folder, listen on 127.0.0.1 at a
 * free port with fsync off, and remove everything on `stop()`. PostgreSQL refuses to run as
 * root, so under root the binaries run as the `postgres` user through `runuser`.
 */

import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running test server. */
export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  readonly url: string;
  readonly port: number;
  /** Server major version, e.g. `15`. */
  readonly major: string;
  /** Stops the server and deletes its folder. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The newest installed server's bin folder, or undefined when no server package is installed
 * (or `LINEKEY_TEST_POSTGRES=off` asks to run the SQLite half only).
 */
export function findPostgresBin(): string | undefined {
  if (process.env["LINEKEY_TEST_POSTGRES"] === "off") return undefined;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((d) => /^\d+(\.\d+)?$/.test(d))
    .sort((a, b) => Number(b) - Number(a));
  for (const m of majors) {
    const bin = join(root, m, "bin");
    if (
      existsSync(join(bin, "initdb")) &&
      existsSync(join(bin, "pg_ctl")) &&
      existsSync(join(bin, "postgres"))
    ) {
      return bin;
    }
  }
  return undefined;
}

/** Message for tests skipped because no server binaries exist. */
export const POSTGRES_UNAVAILABLE =
  "PostgreSQL was not available (no /usr/lib/postgresql/*/bin/initdb: install Debian's postgresql package; or LINEKEY_TEST_POSTGRES=off)";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function userIds(name: string): { uid: number; gid: number } | undefined {
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f[2] !== undefined && f[3] !== undefined)
      return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

/** Runs a server binary, as `postgres` when we are root. stdio ignored: pg_ctl's server child keeps pipes open. */
function runPg(asPostgres: boolean, bin: string, args: readonly string[], timeoutMs: number): Promise<void> {
  const [cmd, argv] = asPostgres ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, [...args]];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: timeoutMs, encoding: "utf8" }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
      else resolve();
    });
  });
}

/**
 * Starts a fresh server.
 *
 * @returns undefined when no PostgreSQL server binaries are installed; throws when they are but
 *   the server cannot be started (a broken environment must fail tests, not skip them)
 */
export async function startPostgres(): Promise<TestPostgres | undefined> {
  const bin = findPostgresBin();
  if (bin === undefined) return undefined;
  const asPostgres = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "linekey-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const pgCtl = join(bin, "pg_ctl");
  let started = false;
  const cleanup = (): void => {
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (asPostgres) {
      const ids = userIds("postgres");
      if (ids === undefined)
        throw new Error("running as root but there is no postgres user to run the server");
      chownSync(dir, ids.uid, ids.gid);
    }
    await runPg(
      asPostgres,
      join(bin, "initdb"),
      ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"],
      60_000,
    );
    // The port is free when probed but could be taken before the server binds it: retry.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      try {
        await runPg(
          asPostgres,
          pgCtl,
          ["-D", data, "-l", log, "-o", opts, "-w", "-t", "60", "start"],
          90_000,
        );
      } catch (err) {
        if (attempt >= 3) throw err;
        continue;
      }
      started = true;
      const major = readFileSync(join(data, "PG_VERSION"), "utf8").trim();
      let stopped = false;
      const stopSync = (): void => {
        // Last resort if the test process exits without calling stop(): never leave a server behind.
        if (stopped) return;
        stopped = true;
        try {
          const args = ["-D", data, "-m", "immediate", "stop"];
          if (asPostgres)
            execFileSync("runuser", ["-u", "postgres", "--", pgCtl, ...args], { stdio: "ignore" });
          else execFileSync(pgCtl, args, { stdio: "ignore" });
        } catch {
          // Already down.
        }
        cleanup();
      };
      process.once("exit", stopSync);
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        port,
        major,
        async stop(): Promise<void> {
          if (stopped) return;
          stopped = true;
          process.removeListener("exit", stopSync);
          try {
            await runPg(asPostgres, pgCtl, ["-D", data, "-m", "fast", "-w", "stop"], 60_000);
          } finally {
            cleanup();
          }
        },
      };
    }
  } catch (err) {
    if (started) {
      await runPg(asPostgres, pgCtl, ["-D", data, "-m", "immediate", "stop"], 30_000).catch(() => undefined);
    }
    const serverLog = existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : "";
    cleanup();
    throw new Error(`could not start a test PostgreSQL: ${String(err)}\n${serverLog}`, { cause: err });
  }
}
