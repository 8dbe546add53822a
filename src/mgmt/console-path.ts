/**
 * Where the console socket lives. Server and `linekey -r`/`-rx` compute the same path from the
 * same inputs, so `linekey --config DIR -rx ...` reaches the server started with `--config DIR`
 * without any discovery step.
 */
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { ConsoleTarget } from "./console-protocol.ts";

/** Overrides for {@link consoleSocketPath}, strongest first: `LINEKEY_CONSOLE`, then `consoleSocket`. */
export interface ConsolePathOverrides {
  /** `[general] console_socket` from linekey.conf. A relative path resolves against the config dir. */
  readonly consoleSocket?: string | undefined;
  /** Environment for `LINEKEY_CONSOLE` and `XDG_RUNTIME_DIR` (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** sun_path is 108 bytes on Linux and 104 on the BSDs/macOS, each including the final NUL. */
export const MAX_SOCKET_PATH_BYTES = process.platform === "linux" ? 107 : 103;

/**
 * The folder for console sockets: `<os tmpdir>/linekey-<uid>`. `$XDG_RUNTIME_DIR` is deliberately
 * not used: a server started by systemd has none while an administrator's login shell has one,
 * and the two must derive the same path for `linekey -rx` to reach the server.
 */
export function defaultRunDir(_env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(tmpdir(), `linekey-${userTag()}`);
}

/**
 * The console address for a server started with `configDir` (undefined: the embedded defaults).
 *
 * - `LINEKEY_CONSOLE` when set (relative paths resolve against the working directory);
 * - else the `console_socket` setting (relative paths resolve against `configDir`);
 * - else `<runDir>/embedded.ctl` for the embedded defaults, or `<runDir>/linekey-<h>.ctl` where
 *   `<h>` is the first 12 hex digits of sha1(absolute, symlink-resolved config dir): short,
 *   because UNIX socket paths are limited to ~107 bytes, and stable for `./conf` vs `/abs/conf`.
 *
 * `runDir` defaults to {@link defaultRunDir}. An override may also be `tcp://127.0.0.1:PORT`
 * (see {@link parseConsoleTarget}); such values are returned unchanged.
 */
export function consoleSocketPath(
  configDir: string | undefined,
  runDir?: string,
  overrides: ConsolePathOverrides = {},
): string {
  const env = overrides.env ?? process.env;
  const fromEnv = env.LINEKEY_CONSOLE;
  if (fromEnv !== undefined && fromEnv.trim() !== "") return absolutise(fromEnv.trim(), process.cwd());
  const setting = overrides.consoleSocket?.trim();
  if (setting !== undefined && setting !== "") {
    return absolutise(setting, configDir === undefined ? process.cwd() : resolve(configDir));
  }
  const dir = runDir ?? defaultRunDir(env);
  if (configDir === undefined) return join(dir, "embedded.ctl");
  const hash = createHash("sha1").update(canonicalDir(configDir)).digest("hex").slice(0, 12);
  return join(dir, `linekey-${hash}.ctl`);
}

/**
 * Turns an address string into a target: `tcp://HOST:PORT` or `tcp:HOST:PORT` (`[::1]:PORT` for
 * IPv6) is a loopback TCP console, anything else a UNIX socket path.
 */
export function parseConsoleTarget(address: string): ConsoleTarget {
  const m = /^tcp:(?:\/\/)?(?:\[([^\]]+)\]|([^:/]+)):(\d{1,5})\/?$/i.exec(address.trim());
  if (m) {
    const port = Number(m[3]);
    if (port > 0 && port < 65536) return { host: m[1] ?? m[2] ?? "127.0.0.1", port };
  }
  return { path: address };
}

/** {@link consoleSocketPath} parsed into a target for console-client / console-server. */
export function consoleTarget(
  configDir: string | undefined,
  runDir?: string,
  overrides: ConsolePathOverrides = {},
): ConsoleTarget {
  return parseConsoleTarget(consoleSocketPath(configDir, runDir, overrides));
}

function absolutise(address: string, base: string): string {
  if (/^tcp:/i.test(address)) return address;
  return isAbsolute(address) ? address : resolve(base, address);
}

/** Absolute and, when the folder exists, symlink-free, so every spelling hashes alike. */
function canonicalDir(dir: string): string {
  const abs = resolve(dir);
  try {
    return realpathSync.native(abs);
  } catch {
    return abs;
  }
}

function userTag(): string {
  const uid = process.getuid?.();
  if (uid !== undefined) return String(uid);
  // No uids (Windows): the user name, reduced to characters safe in a file name.
  return userInfo().username.replace(/[^\w.-]/g, "_");
}
