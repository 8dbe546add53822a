/**
 * Shared pieces of the SIP channel end-to-end tests: a small office (SCCP lines 200/201, SIP
 * users 100/101), a real Linekey on loopback with SIP on a free port, free ports for SIPp and
 * baresip, bounded runs of both tools, and the end-of-test check: no channel, no bridge, no RTP
 * port, no SIP leg left.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { startServer, until, type TestServer } from "../support/linekey.ts";
import { device, line, sccpConf } from "../sccp-calls/support.ts";

/** SCCP phones 200 and 201; SIP users 100 and 101. */
export const SCCP_CONF = sccpConf(
  [line(200, "Carol"), line(201, "Dave")],
  [device(200, [200]), device(201, [201])],
);

/** 2XX ring SCCP lines, 1XX SIP users; 486/603/404 test targets. */
export const DIALPLAN = `[default]
exten => _2XX,1,Dial(SCCP/\${EXTEN},20)
exten => _1XX,1,Dial(SIP/\${EXTEN},20)
exten => _7XX,1,Dial(SIP/\${EXTEN:1}@\${SIPHOST},20)
`;

/** linekey.conf with the two users (`auth` on or off). */
export function linekeyConf(auth: boolean): string {
  return `[sip]
auth = ${auth ? "yes" : "no"}
realm = linekey
auth_algorithms = MD5

[100]
type = user
secret = pw100
callerid = "Alice" <100>

[101]
type = user
secret = pw101
callerid = "Bob" <101>
`;
}

/** Starts Linekey with SCCP and SIP. */
export function startOffice(opts: { auth?: boolean; dialplan?: string } = {}): Promise<TestServer> {
  return startServer(SCCP_CONF, {}, opts.dialplan ?? DIALPLAN, linekeyConf(opts.auth ?? false));
}

/** The SIP UDP port of a running server. */
export function sipPort(t: TestServer): number {
  const l = t.server.sip?.listening.find((x) => x.transport === "udp");
  assert.ok(l, "SIP listens on UDP");
  return l.port;
}

/** A UDP port (with the next `span` ports) free on 127.0.0.1 right now. */
export async function freeUdpPort(span = 1): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + 2 * Math.floor(Math.random() * 10000);
    const socks = [];
    let ok = true;
    for (let p = base; p < base + span; p++) {
      const s = createSocket("udp4");
      const bound = await new Promise<boolean>((resolve) => {
        s.once("error", () => {
          resolve(false);
        });
        s.bind(p, "127.0.0.1", () => {
          resolve(true);
        });
      });
      socks.push(s);
      if (!bound) {
        ok = false;
        break;
      }
    }
    for (const s of socks) {
      try {
        s.close();
      } catch {
        // never bound
      }
    }
    if (ok && (await tcpFree(base))) return base;
  }
  throw new Error("no free UDP port");
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => {
      resolve(false);
    });
    srv.listen(port, "127.0.0.1", () => {
      srv.close(() => {
        resolve(true);
      });
    });
  });
}

/**
 * Resolves once something is bound to UDP `port` (a tool started listening). Read from
 * /proc/net/udp: probing by binding the port could take it from the tool starting up.
 */
export async function udpBound(port: number, boundMs = 5000): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
  const end = Date.now() + boundMs;
  for (;;) {
    let table = "";
    try {
      table = readFileSync("/proc/net/udp", "utf8");
    } catch {
      return; // not Linux: the INVITE's retransmissions cover a late start
    }
    if (table.split("\n").some((l) => l.trim().split(/\s+/)[1]?.endsWith(hex.trim()) === true)) return;
    if (Date.now() > end) throw new Error(`nothing listens on UDP ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** True when a program runs (`prog -v` / `-h` exits). */
export function hasProgram(prog: string, arg = "-v"): boolean {
  const r = spawnSync(prog, [arg], { stdio: "ignore", timeout: 5000 });
  return r.error === undefined;
}

/** Why a test is skipped when a tool is missing (undefined when present). */
export function missing(prog: "sipp" | "baresip"): string | undefined {
  const ok = prog === "sipp" ? hasProgram("sipp", "-v") : hasProgram("baresip", "-h");
  if (ok) return undefined;
  const pkg = prog === "sipp" ? "sip-tester" : "baresip";
  return `${prog} is not installed (apt-get install ${pkg})`;
}

/** A finished external run. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running external tool. */
export interface Running {
  readonly done: Promise<RunResult>;
  /** Everything printed so far (stdout then stderr). */
  output(): string;
  kill(): void;
}

/** Runs a program with a hard bound (`timeoutMs`): it is killed when it outlives it. */
export function run(prog: string, args: readonly string[], timeoutMs: number, cwd?: string): Running {
  const child = spawn(prog, args, {
    stdio: ["ignore", "pipe", "pipe"],
    ...(cwd === undefined ? {} : { cwd }),
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const done = new Promise<RunResult>((resolve) => {
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: stderr + String(err) });
    });
  });
  return {
    done,
    output: () => stdout + stderr,
    kill: () => {
      child.kill("SIGTERM");
    },
  };
}

/** Every test ends here: no channel, bridge, RTP port or SIP leg left. */
export async function assertSipClean(t: TestServer): Promise<void> {
  await until(
    () =>
      t.server.core.listChannels().length === 0 &&
      t.server.core.bridgeCount === 0 &&
      t.server.rtpPool.inUse === 0,
    8000,
    "channels, bridges and RTP ports released",
  );
  assert.deepEqual(
    t.server.core.listChannels().map((c) => c.name),
    [],
  );
  assert.equal(t.server.core.bridgeCount, 0);
  assert.equal(t.server.rtpPool.inUse, 0);
  const out = await t.server.commands.run("sip show channels");
  assert.match(out.output, /^0 active SIP channels$/m);
}
