/**
 * `npm run bench -- register [--phones N] [--concurrency C]`: a Linekey process with N configured
 * devices; a separate process registers N virtual phones; the server's own CPU time and RSS are
 * read from /proc. Output: phones, wall seconds, failures, CPU ms per registration, RSS KB per
 * registered phone.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  freePort,
  numberArg,
  processCpuMs,
  processRssKb,
  runJsonChild,
  startLinekeyProcess,
  stopProcess,
} from "./support.ts";

/** Device name of phone number i. */
export function benchDevice(i: number): string {
  return `SEP${i.toString(16).toUpperCase().padStart(12, "0")}`;
}

function benchConfig(phones: number, port: number): string {
  const parts = [
    "[general]\nbindaddr=127.0.0.1\n",
    `port=${port}\nkeepalive=60\nauthtimeout=30\ndateformat=D.M.Y\ncontext=default\n\n[lines]\n`,
  ];
  for (let i = 0; i < phones; i++) parts.push(`[${10000 + i}]\ncid_num=${10000 + i}\ncid_name=Phone ${i}\n`);
  parts.push("\n[devices]\n");
  for (let i = 0; i < phones; i++) parts.push(`[${benchDevice(i)}]\nline=${10000 + i}\n`);
  return parts.join("");
}

interface ClientResult {
  registered: number;
  failures: number;
  wallSeconds: number;
  firstError?: string;
}

/** Runs the benchmark. */
export async function run(argv: string[]): Promise<unknown> {
  const phones = numberArg(argv, "phones", 2000);
  const concurrency = numberArg(argv, "concurrency", 200);
  const dir = mkdtempSync(join(tmpdir(), "linekey-bench-"));
  const port = await freePort();
  writeFileSync(join(dir, "sccp.conf"), benchConfig(phones, port));
  const server = await startLinekeyProcess(dir, port);
  const pid = server.pid ?? 0;
  try {
    await new Promise((r) => setTimeout(r, 500)); // let start-up garbage settle before the baseline
    const cpu0 = processCpuMs(pid);
    const rss0 = processRssKb(pid);
    let cpu1 = 0;
    let rss1 = 0;
    const client = await runJsonChild<ClientResult>(
      "bench/register-client.ts",
      ["--port", String(port), "--phones", String(phones), "--concurrency", String(concurrency)],
      () => {
        cpu1 = processCpuMs(pid);
        rss1 = processRssKb(pid);
      },
    );
    return {
      bench: "register",
      phones,
      concurrency,
      registered: client.registered,
      failures: client.failures,
      firstError: client.firstError,
      wallSeconds: client.wallSeconds,
      registrationsPerSecond: Math.round(client.registered / client.wallSeconds),
      serverCpuMsPerRegistration: Number(((cpu1 - cpu0) / Math.max(1, client.registered)).toFixed(4)),
      serverRssKbBaseline: rss0,
      serverRssKbRegistered: rss1,
      serverRssKbPerPhone: Number(((rss1 - rss0) / Math.max(1, client.registered)).toFixed(2)),
      node: process.version,
    };
  } finally {
    await stopProcess(server);
    rmSync(dir, { recursive: true, force: true });
  }
}
