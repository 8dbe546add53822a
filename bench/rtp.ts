/**
 * RTP relay benchmark. Starts `bench/rtp-server.ts` in a child process with N relay sessions,
 * then plays 2N fake phones from this process: each sends 50 packets/s (20 ms, 160-byte
 * G.711 payload) to its relay leg for S seconds. Counts what comes back and asks the child
 * for its CPU time over the measured window (after a short warm-up).
 *
 *   node --import tsx bench/rtp.ts --calls 50 --seconds 10 [--transcode] [--latch] [--js] [--profile]
 *
 * The relays forward natively when the addon is built (src/media/native-forwarder.ts); `--js`
 * or LINEKEY_NATIVE_RTP=0 (e.g. with `npm run bench -- rtp`) measures the JS path. The result's
 * `path` says which one ran.
 *
 * Reference: Asterisk relays 5000 packets/s at 9.5 % of a core; the target is ≤ 5 %.
 * Everything is on 127.0.0.1 and bounded: the child exits when told, when this process goes
 * away, or after its own deadline.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { writeRtpHeader } from "../src/media/rtp-packet.ts";
import type { BenchReply, BenchRequest } from "./rtp-server.ts";

/** Options of `runRtpBench`. */
export interface RtpBenchOptions {
  /** Relay sessions (calls); each carries 2 × 50 packets/s. */
  readonly calls: number;
  /** Seconds of traffic. */
  readonly seconds: number;
  /** Leg B speaks A-law, so every packet is transcoded (default false: pass-through). */
  readonly transcode?: boolean;
  /** Legs latch (symmetric RTP, as for SIP phones behind NAT) on their first packet (default false). */
  readonly latch?: boolean;
  /** Let relays use the native forwarder when it is built (default true); false: JS path. */
  readonly native?: boolean;
  /** Extra Node flags for the relay child, e.g. ["--cpu-prof", "--cpu-prof-dir=bench/results"]. */
  readonly serverNodeArgs?: readonly string[];
}

/** What `runRtpBench` measured. */
export interface RtpBenchResult {
  readonly calls: number;
  /** Packets per second entering the relay (both directions). */
  readonly packetsPerSecond: number;
  readonly seconds: number;
  readonly sent: number;
  readonly received: number;
  readonly lossPercent: number;
  readonly serverCpuMs: number;
  readonly serverCpuPercentOfCore: number;
  readonly cpuPercentPer5000pps: number;
  readonly transcode: boolean;
  readonly latch: boolean;
  /** Which forwarding path the relays ran on. */
  readonly path: "native" | "js" | "mixed";
  /** Why the native forwarder was not used, when it was not. */
  readonly nativeUnavailable?: string;
}

const HOST = "127.0.0.1";
const PTIME_MS = 20;
const PAYLOAD = 160;
const SLOTS = 10; // streams are spread over 10 phases of 2 ms, as unsynchronized phones would be
const REPLY_BOUND_MS = 30_000;

interface Stream {
  readonly socket: Socket;
  readonly port: number;
  readonly packet: Buffer;
  seq: number;
  ts: number;
}

function bindClient(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, HOST, () => {
      s.off("error", reject);
      resolve(s);
    });
  });
}

/** Sends requests to the child and awaits typed replies, bounded in time. */
class ServerLink {
  private readonly queue: BenchReply[] = [];
  private waiter: ((m: BenchReply) => void) | undefined;
  constructor(private readonly child: ChildProcess) {
    child.on("message", (m: BenchReply) => {
      if (this.waiter) this.waiter(m);
      else this.queue.push(m);
    });
  }
  async request<T extends BenchReply["type"]>(
    req: BenchRequest,
    expect: T,
  ): Promise<Extract<BenchReply, { type: T }>> {
    this.child.send(req);
    const m = await this.next();
    if (m.type === "error") throw new Error(`relay server: ${m.message}`);
    if (m.type !== expect) throw new Error(`relay server answered ${m.type}, expected ${expect}`);
    return m as Extract<BenchReply, { type: T }>;
  }
  private next(): Promise<BenchReply> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error("relay server did not answer"));
      }, REPLY_BOUND_MS);
      this.waiter = (m) => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(m);
      };
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs the benchmark and resolves with its figures. */
export async function runRtpBench(opts: RtpBenchOptions): Promise<RtpBenchResult> {
  const calls = Math.max(1, Math.floor(opts.calls));
  const seconds = Math.max(1, opts.seconds);
  const transcode = opts.transcode ?? false;
  const latch = opts.latch ?? false;
  const warmupMs = Math.min(1000, (seconds * 1000) / 5);
  // Below Linux's ephemeral range (32768+) where this process's own port-0 sockets land; the
  // pool skips anything already taken, so a little slack is enough.
  const span = calls * 4 + 64;
  const rtpStart = 20000 + 2 * Math.floor(Math.random() * ((12000 - span) / 2));
  const serverPath = fileURLToPath(new URL("./rtp-server.ts", import.meta.url));
  const root = fileURLToPath(new URL("..", import.meta.url));
  const child = spawn(
    process.execPath,
    [
      ...(opts.serverNodeArgs ?? []),
      "--import",
      "tsx",
      serverPath,
      "--max-seconds",
      String(Math.ceil(seconds) + 60),
    ],
    { cwd: root, stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const sockets: Socket[] = [];
  try {
    const link = new ServerLink(child);
    const ready = await link.request(
      {
        type: "setup",
        calls,
        rtpStart,
        rtpEnd: rtpStart + span - 1,
        transcode,
        latch,
        native: opts.native ?? true,
      },
      "ready",
    );
    let received = 0;
    const streams: Stream[] = [];
    const remotes: [number, number][] = [];
    for (const [aPort, bPort] of ready.ports) {
      const pair: number[] = [];
      for (const [i, relayPort] of [aPort, bPort].entries()) {
        const socket = await bindClient();
        sockets.push(socket);
        socket.on("message", () => {
          received++;
        });
        const packet = Buffer.alloc(12 + PAYLOAD, i === 0 || !transcode ? 0xff : 0xd5);
        streams.push({ socket, port: relayPort, packet, seq: 0, ts: 0 });
        pair.push(socket.address().port);
      }
      remotes.push([pair[0] ?? 0, pair[1] ?? 0]);
    }
    await link.request({ type: "remotes", remotes }, "remotes-set");

    // Drift-free schedule: slot k is due at start + k·(PTIME/SLOTS).
    let sent = 0;
    const slotMs = PTIME_MS / SLOTS;
    const start = performance.now();
    const endAt = start + seconds * 1000;
    let slot = 0;
    const sendSlot = (phase: number): void => {
      for (let i = phase; i < streams.length; i += SLOTS) {
        const s = streams[i];
        if (!s) continue;
        // One buffer per stream is safe: its previous send left 20 ms ago.
        writeRtpHeader(s.packet, 0, s.seq === 0, transcode && i % 2 === 1 ? 8 : 0, s.seq, s.ts, 0x1000 + i);
        s.seq = (s.seq + 1) & 0xffff;
        s.ts = (s.ts + PAYLOAD) >>> 0;
        s.socket.send(s.packet, s.port, HOST);
        sent++;
      }
    };
    let marked = false;
    await new Promise<void>((resolve, reject) => {
      const tick = (): void => {
        try {
          const now = performance.now();
          if (!marked && now - start >= warmupMs) {
            marked = true;
            link.request({ type: "cpu-mark" }, "cpu-marked").catch(reject);
          }
          while (start + slot * slotMs <= now && start + slot * slotMs < endAt) {
            sendSlot(slot % SLOTS);
            slot++;
          }
          if (start + slot * slotMs >= endAt) {
            resolve();
            return;
          }
          setTimeout(tick, Math.max(0, start + slot * slotMs - performance.now()));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
      tick();
    });
    const cpu = await link.request({ type: "cpu-read" }, "cpu");
    // Let packets still in flight arrive (bounded).
    const drainUntil = performance.now() + 1000;
    while (received < sent && performance.now() < drainUntil) await sleep(10);
    const stopped = await link.request({ type: "stop" }, "stopped");
    if (stopped.inUse !== 0) throw new Error(`relay server left ${stopped.inUse} port pairs allocated`);

    const packetsPerSecond = calls * 2 * (1000 / PTIME_MS);
    const cpuPercent = (cpu.cpuMs / cpu.wallMs) * 100;
    const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;
    return {
      calls,
      packetsPerSecond,
      seconds,
      sent,
      received,
      lossPercent: round(sent === 0 ? 0 : ((sent - received) / sent) * 100, 3),
      serverCpuMs: round(cpu.cpuMs, 1),
      serverCpuPercentOfCore: round(cpuPercent),
      cpuPercentPer5000pps: round((cpuPercent * 5000) / packetsPerSecond),
      transcode,
      latch,
      path: ready.path,
      ...(ready.nativeUnavailable === undefined ? {} : { nativeUnavailable: ready.nativeUnavailable }),
    };
  } finally {
    for (const s of sockets) s.close();
    if (child.exitCode === null && child.signalCode === null) {
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      if (child.connected) child.disconnect();
      await exited;
      clearTimeout(killer);
    }
  }
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: "string", default: "50" },
      seconds: { type: "string", default: "10" },
      transcode: { type: "boolean", default: false },
      latch: { type: "boolean", default: false },
      js: { type: "boolean", default: false },
      // Writes a V8 CPU profile of the relay process to bench/results/ (git-ignored).
      profile: { type: "boolean", default: false },
    },
  });
  const result = await runRtpBench({
    calls: Number(values.calls),
    seconds: Number(values.seconds),
    transcode: values.transcode,
    latch: values.latch,
    native: !values.js,
    serverNodeArgs: values.profile ? ["--cpu-prof", "--cpu-prof-dir=bench/results"] : [],
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  cli().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
