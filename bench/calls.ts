/**
 * `npm run bench -- calls [--pairs P] [--seconds S] [--rates 25,50,…] [--hold-ms H]`: Linekey in
 * its own process; P pairs of virtual 7940s in another process place, answer and hang up calls
 * (relayed media, dialplan `Dial(SCCP/…)`) at a rising rate. For each rate: calls completed,
 * failures, server CPU ms per call (setup to teardown), median and p99 setup time (off hook to
 * Connected). Stops at the first rate that fails.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  freePort,
  numberArg,
  processCpuMs,
  processRssKb,
  startLinekeyProcess,
  stopProcess,
} from "./support.ts";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Device name of phone i of the calls bench. */
export function callsDevice(i: number): string {
  return `SEPCA11${i.toString(16).toUpperCase().padStart(8, "0")}`;
}

/** Extension of phone i. */
export function callsExten(i: number): string {
  return String(20000 + i);
}

interface PhaseResult {
  rate: number;
  attempted: number;
  completed: number;
  failures: number;
  setupMedianMs: number;
  setupP99Ms: number;
  firstError?: string;
}

/** Runs the benchmark. */
export async function run(argv: string[]): Promise<unknown> {
  const pairs = numberArg(argv, "pairs", 300);
  const seconds = numberArg(argv, "seconds", 5);
  const holdMs = numberArg(argv, "hold-ms", 0);
  const i = argv.indexOf("--rates");
  const rates = (i >= 0 ? (argv[i + 1] ?? "") : "25,50,100,200,300,400,600,800").split(",").map(Number);
  const dir = mkdtempSync(join(tmpdir(), "linekey-bench-calls-"));
  const port = await freePort();
  const phones = pairs * 2;
  const lines: string[] = [];
  const devices: string[] = [];
  for (let n = 0; n < phones; n++) {
    lines.push(`[${callsExten(n)}]\ncid_name=Phone ${n}\n`);
    devices.push(`[${callsDevice(n)}]\nline=${callsExten(n)}\n`);
  }
  writeFileSync(
    join(dir, "sccp.conf"),
    `[general]\nbindaddr=127.0.0.1\nport=${port}\nkeepalive=60\nauthtimeout=30\ncontext=bench\n[lines]\n${lines.join("")}[devices]\n${devices.join("")}`,
  );
  writeFileSync(join(dir, "extensions.conf"), "[bench]\nexten => _2XXXX,1,Dial(SCCP/${EXTEN},10)\n");
  const server = await startLinekeyProcess(dir, port);
  const pid = server.pid ?? 0;
  const client = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      fileURLToPath(new URL("./calls-client.ts", import.meta.url)),
      "--port",
      String(port),
      "--pairs",
      String(pairs),
      "--hold-ms",
      String(holdMs),
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lineReader = makeLineReader(client.stdout);
  const send = (cmd: object): void => {
    client.stdin.write(`${JSON.stringify(cmd)}\n`);
  };
  const phases: (PhaseResult & { serverCpuMsPerCall: number; serverCpuPercent: number })[] = [];
  try {
    const ready = JSON.parse(await lineReader()) as { registered: number; failures: number };
    if (ready.failures > 0) throw new Error(`registration failures: ${ready.failures}`);
    for (const rate of rates) {
      const cpu0 = processCpuMs(pid);
      const t0 = performance.now();
      send({ rate, seconds });
      const r = JSON.parse(await lineReader()) as PhaseResult;
      const cpu = processCpuMs(pid) - cpu0;
      const wall = performance.now() - t0;
      phases.push({
        ...r,
        serverCpuMsPerCall: Number((cpu / Math.max(1, r.completed)).toFixed(3)),
        serverCpuPercent: Number(((cpu / wall) * 100).toFixed(1)),
      });
      if (r.failures > 0) break;
    }
    send({ quit: true });
    const ok = phases.filter((p) => p.failures === 0);
    const best = ok[ok.length - 1];
    return {
      bench: "calls",
      pairs,
      holdMs,
      sustainedCallsPerSecond: best?.rate ?? 0,
      serverCpuMsPerCall: best?.serverCpuMsPerCall,
      setupMedianMs: best?.setupMedianMs,
      setupP99Ms: best?.setupP99Ms,
      serverRssKb: processRssKb(pid),
      phases,
      node: process.version,
    };
  } finally {
    client.kill("SIGTERM");
    await stopProcess(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

function makeLineReader(stream: NodeJS.ReadableStream): () => Promise<string> {
  let buf = "";
  const waiting: ((line: string) => void)[] = [];
  const lines: string[] = [];
  stream.on("data", (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const w = waiting.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  return () => {
    const l = lines.shift();
    return l !== undefined ? Promise.resolve(l) : new Promise((resolve) => waiting.push(resolve));
  };
}
