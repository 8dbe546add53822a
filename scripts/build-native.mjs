#!/usr/bin/env node
// Builds the optional native RTP forwarder (native/rtp-forwarder.c → build/Release/rtp_forwarder.node)
// with node-gyp. Run by npm as this package's `install` script, so also on `npm ci`.
//
// It never fails the install: without a compiler, python3, Node's headers or on a platform other
// than Linux it prints one warning and exits 0, and Linekey relays RTP in JavaScript
// (src/media/native-forwarder.ts finds no addon). `npm ci --ignore-scripts` skips it.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// Bounded so a toolchain that hangs (or a header download with no network) cannot stall npm ci.
const TIMEOUT_MS = 120_000;

function warn(why, detail = "") {
  process.stderr.write(`linekey: native RTP forwarder not built (${why}); RTP is relayed in JavaScript.\n`);
  if (detail) process.stderr.write(`${detail.trimEnd().split("\n").slice(-15).join("\n")}\n`);
}

/** node-gyp: the one npm runs scripts with, else the one bundled with npm beside this node. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(
      dirname(process.execPath),
      "..",
      "lib",
      "node_modules",
      "npm",
      "node_modules",
      "node-gyp",
      "bin",
      "node-gyp.js",
    ),
  ];
  for (const c of candidates) if (c && existsSync(c)) return [process.execPath, c];
  return ["node-gyp"]; // on PATH, if anywhere
}

/**
 * Node's headers. npm passes its `nodedir` setting as npm_config_nodedir; outside npm, use the
 * headers installed with this node if they are there, so node-gyp never tries to download them.
 */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = join(dirname(process.execPath), "..");
  return existsSync(join(prefix, "include", "node", "node_api.h")) ? [`--nodedir=${prefix}`] : [];
}

function main() {
  // epoll, recvmmsg and sendmmsg are Linux system calls.
  if (process.platform !== "linux") return warn(`${process.platform} is not supported`);
  const [cmd, ...pre] = nodeGyp();
  const started = Date.now();
  const r = spawnSync(cmd, [...pre, "rebuild", ...nodedirArgs()], {
    cwd: root,
    encoding: "utf8",
    timeout: TIMEOUT_MS,
    env: process.env,
  });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const built = join(root, "build", "Release", "rtp_forwarder.node");
  if (r.error || r.status !== 0 || !existsSync(built)) {
    // A half-built tree must not be loaded later.
    rmSync(join(root, "build"), { recursive: true, force: true });
    const why = r.error
      ? r.error.message
      : r.signal
        ? `node-gyp killed by ${r.signal}`
        : `node-gyp exited with ${r.status}`;
    return warn(why, output);
  }
  process.stderr.write(
    `linekey: native RTP forwarder built in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
  );
}

try {
  main();
} catch (err) {
  warn(err instanceof Error ? err.message : String(err));
}
process.exitCode = 0;
