/**
 * Shared pieces of the benchmarks: a Linekey server in its own process, its CPU time and RSS read
 * from /proc, free ports, argument parsing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** `--name value` from argv, or the default. */
export function numberArg(argv: string[], name: string, dflt: number): number {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : dflt;
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** CPU time (user + system) of a process in ms, from /proc/PID/stat. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** Resident set size of a process in KB, from /proc/PID/status. */
export function processRssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

/** Starts `linekey --config DIR` as its own process; resolves once it accepts TCP on `port`. */
export async function startLinekeyProcess(configDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/main.ts", "--config", configDir, "--log-level", "warn"],
    { cwd: ROOT, stdio: ["ignore", "inherit", "pipe"] },
  );
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`linekey exited with ${child.exitCode}: ${err}`);
    if (await canConnect(port)) return child;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`linekey did not start listening on ${port}: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

/** Stops a child with SIGTERM and waits for it. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await done;
}

/**
 * Runs a TypeScript file in a separate Node process. The child prints one JSON line when its
 * measurement is done and then waits for a line on stdin before it tears down, so the caller can
 * read the server's figures while the child's load (connected phones) is still there.
 */
export async function runJsonChild<T>(
  file: string,
  args: string[],
  whileHeld?: (result: T) => void,
): Promise<T> {
  const child = spawn(process.execPath, ["--import", "tsx", file, ...args], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  let result: T | undefined;
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    const nl = out.indexOf("\n");
    if (result === undefined && nl >= 0) {
      result = JSON.parse(out.slice(0, nl)) as T;
      whileHeld?.(result);
      child.stdin.end("done\n");
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0 || result === undefined) throw new Error(`${file} exited with ${code}: ${out}`);
  return result;
}
