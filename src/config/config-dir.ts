/**
 * The configuration folder: `sccp.conf`, `extensions.conf`, `linekey.conf`. Without a folder
 * (`linekey` run with no `--config`) the embedded defaults are used, named `<embedded>/…` in
 * errors and warnings.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError } from "../util/errors.ts";
import { parseConf, readConfFile } from "./asterisk-conf.ts";
import type { ConfDocument } from "./asterisk-conf.ts";
import { DEFAULT_EXTENSIONS_CONF, DEFAULT_SCCP_CONF } from "./defaults.ts";
import { loadSccpConf, parseSccpConf } from "./sccp-conf.ts";
import type { SccpConfig } from "./sccp-model.ts";

/** Pseudo-folder naming the embedded defaults in messages. */
export const EMBEDDED_DIR = "<embedded>";

/** Where each configuration file is, for one run. */
export interface ConfigDir {
  /** Absolute folder, or undefined when running on the embedded defaults. */
  dir: string | undefined;
  /** Present when the folder holds the file. */
  sccpConfPath?: string;
  extensionsConfPath?: string;
  linekeyConfPath?: string;
  /** True when no folder was given: every file comes from the embedded defaults. */
  embedded: boolean;
}

/**
 * Locates the configuration files. `dir` undefined → embedded defaults. A folder that does not
 * exist is CONFIG_ERR_IO; a file missing from an existing folder is simply absent.
 */
export function resolveConfigDir(dir?: string): ConfigDir {
  if (dir === undefined) return { dir: undefined, embedded: true };
  const abs = resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new ConfigError("CONFIG_ERR_IO", abs, undefined, undefined, "not a readable folder");
  const out: ConfigDir = { dir: abs, embedded: false };
  const at = (name: string): string | undefined => {
    const p = join(abs, name);
    return existsSync(p) ? p : undefined;
  };
  const sccp = at("sccp.conf");
  const ext = at("extensions.conf");
  const lk = at("linekey.conf");
  if (sccp !== undefined) out.sccpConfPath = sccp;
  if (ext !== undefined) out.extensionsConfPath = ext;
  if (lk !== undefined) out.linekeyConfPath = lk;
  return out;
}

function noEmbeddedIncludes(path: string): string {
  throw new Error(`#include of ${path} is not available in the embedded configuration`);
}

/**
 * Loads sccp.conf from `dir`, or the embedded default when `dir` is undefined. A folder without
 * sccp.conf gives the defaults with no devices (a SIP-only site).
 */
export function loadSccpConfig(dir?: string): SccpConfig {
  const cd = resolveConfigDir(dir);
  if (cd.embedded || cd.dir === undefined) {
    return parseSccpConf(DEFAULT_SCCP_CONF, `${EMBEDDED_DIR}/sccp.conf`, { readInclude: noEmbeddedIncludes });
  }
  if (cd.sccpConfPath !== undefined) return loadSccpConf(cd.sccpConfPath);
  return parseSccpConf("", join(cd.dir, "sccp.conf"));
}

/**
 * Parses extensions.conf from `dir`, or the embedded default when `dir` is undefined. A folder
 * without extensions.conf gives an empty document.
 */
export function loadExtensionsDocument(dir?: string): ConfDocument {
  const cd = resolveConfigDir(dir);
  if (cd.embedded || cd.dir === undefined) {
    return parseConf(DEFAULT_EXTENSIONS_CONF, `${EMBEDDED_DIR}/extensions.conf`, {
      readInclude: noEmbeddedIncludes,
    });
  }
  if (cd.extensionsConfPath !== undefined) return readConfFile(cd.extensionsConfPath);
  return { file: join(cd.dir, "extensions.conf"), sections: [] };
}
