/**
 * Where Linekey keeps its state (the SQLite database) when no folder is given: `data/` beside a
 * config folder, else `$XDG_STATE_HOME/linekey` or `~/.local/state/linekey`. Created on demand.
 */
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The default data folder for a config folder (undefined = embedded defaults). */
export function defaultDataDir(configDir: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const dir =
    env.LINEKEY_DATA ??
    (configDir !== undefined
      ? join(configDir, "data")
      : join(env.XDG_STATE_HOME ?? join(homedir(), ".local", "state"), "linekey"));
  mkdirSync(dir, { recursive: true });
  return dir;
}
