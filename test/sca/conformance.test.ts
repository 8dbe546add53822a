/**
 * The SCA conformance harness (/work/shared/conformance/sca/run.sh: SIPp phones against golden
 * transcripts recorded from Kamailio 5.6.3) against a freshly started Linekey: SIP on a free
 * port, `[sip] auth = no`, `[sca] purge_expired_interval = 5`, JSON-RPC for `linekey rpc`.
 * Skipped, saying why, when the harness or sipp is not installed.
 *
 * s06 compares `kamcmd` output that names the phones' ports (5081, 5082): it runs in a second
 * pass on those ports when they are free, and is reported as skipped otherwise.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LinekeyServer } from "../../src/server.ts";
import { memoryLogger } from "../../src/util/logger.ts";

const HARNESS = fileURLToPath(new URL("../../../shared/conformance/sca/run.sh", import.meta.url));
const LINEKEY_BIN = fileURLToPath(new URL("../../bin/linekey.js", import.meta.url));

function missing(): string | undefined {
  if (!existsSync(HARNESS)) return `conformance harness not found at ${HARNESS}`;
  if (spawnSync("sipp", ["-v"], { stdio: "ignore" }).error !== undefined) {
    return "sipp is not installed (DEBIAN_FRONTEND=noninteractive apt-get install -y sip-tester)";
  }
  if (spawnSync("python3", ["--version"], { stdio: "ignore" }).error !== undefined)
    return "python3 is not installed";
  return undefined;
}

/** A UDP port free a moment ago (and its TCP twin, for the RPC listener). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.once("error", () => resolve(false));
    s.bind(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

interface HarnessRun {
  readonly code: number | null;
  readonly output: string;
}

/** Starts a Linekey, runs the harness on the given scenarios and ports, stops Linekey. */
async function runHarness(scenarios: string[], phonePorts: number[]): Promise<HarnessRun> {
  const dir = mkdtempSync(join(tmpdir(), "linekey-sca-conf-"));
  const rpcPort = await freeTcpPort();
  const sipPort = await freeUdpPort();
  writeFileSync(
    join(dir, "linekey.conf"),
    [
      "[general]",
      "rpc_bindaddr = 127.0.0.1",
      `rpc_port = ${rpcPort}`,
      "[sip]",
      "bindaddr = 127.0.0.1",
      `udp_port = ${sipPort}`,
      `tcp_port = ${sipPort}`,
      "auth = no",
      "[sca]",
      "purge_expired_interval = 5",
      "",
    ].join("\n"),
  );
  const { logger } = memoryLogger("warn");
  const server = await LinekeyServer.start({
    configDir: dir,
    dataDir: join(dir, "data"),
    log: logger,
    sccpPort: 0,
    sccpBindaddr: "127.0.0.1",
    consoleSocket: false,
  });
  try {
    const port = server.sip?.listening.find((l) => l.transport === "udp")?.port;
    assert.ok(port !== undefined, "SIP listens on UDP");
    const [a, b, c, a2, b2, uas] = phonePorts.map(String);
    const env = {
      ...process.env,
      SCA_DOMAIN: "127.0.0.1",
      PHONE_IP: "127.0.0.1",
      PORT_A: a,
      PORT_B: b,
      PORT_C: c,
      PORT_A2: a2,
      PORT_B2: b2,
      UAS_PORT: uas,
      OUT_DIR: join(dir, "harness"),
      SCA_RPC: `${process.execPath} ${LINEKEY_BIN} --config ${dir} rpc`,
    };
    return await new Promise<HarnessRun>((resolve, reject) => {
      const child = spawn("bash", [HARNESS, "127.0.0.1", String(port), ...scenarios], { env });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
      child.once("error", reject);
      child.once("exit", (code) => resolve({ code, output }));
    });
  } finally {
    await server.close();
    if (process.env["LINEKEY_KEEP_CONFORMANCE"] === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

const skip = missing();

describe("SCA conformance (Kamailio 5.6.3 golden transcripts)", { skip: skip ?? false }, () => {
  it("passes s01, s03 and s04 on ports chosen at run time", async () => {
    const ports: number[] = [];
    while (ports.length < 6) {
      const p = await freeUdpPort();
      if (!ports.includes(p)) ports.push(p);
    }
    const run = await runHarness(["s01_callinfo_subscribe", "s03_line_seize", "s04_call_cycle"], ports);
    assert.doesNotMatch(run.output, /^FAIL/m, run.output);
    assert.match(run.output, /3 passed, 0 failed, 0 skipped/, run.output);
    assert.equal(run.code, 0, run.output);
  });

  it("passes s06 (RPC through `linekey rpc`) on the phone ports of its golden output", async (t) => {
    const fixed = [5081, 5082];
    const free = await Promise.all(fixed.map(udpPortFree));
    if (!free.every(Boolean)) {
      t.skip("UDP ports 5081/5082 are in use (s06's golden kamcmd output names them)");
      return;
    }
    const ports = [...fixed];
    while (ports.length < 6) {
      const p = await freeUdpPort();
      if (!ports.includes(p)) ports.push(p);
    }
    const run = await runHarness(["s06_rpc"], ports);
    assert.doesNotMatch(run.output, /^FAIL/m, run.output);
    assert.match(run.output, /1 passed, 0 failed, 0 skipped/, run.output);
    assert.equal(run.code, 0, run.output);
  });
});
