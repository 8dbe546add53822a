/**
 * Restarts of a real Linekey process (`bin/linekey.js`): subscriptions acknowledged before a
 * SIGTERM or even a SIGKILL are restored, and NOTIFYs resume on the restored dialogs with
 * CSeqs above every one sent before. Runs on SQLite and, when installed, a real PostgreSQL.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { createSocket } from "node:dgram";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { rpcCall, type RpcResponse } from "../../src/mgmt/rpc-server.ts";
import { startBackends, type Backends } from "../store/backends.ts";
import { UdpPhone } from "./support/udp-phone.ts";

const LINEKEY = fileURLToPath(new URL("../../bin/linekey.js", import.meta.url));
const AOR = "sip:2301@127.0.0.1";
const D = "<sip:127.0.0.1>";

function freeTcp(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0));
    });
  });
}

function freeUdp(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A Linekey process on a config folder. */
class LinekeyProcess {
  private child: ChildProcess | undefined;
  stderr = "";

  constructor(
    readonly dir: string,
    readonly sipPort: number,
    readonly rpcPort: number,
  ) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, [LINEKEY, "--config", this.dir, "--log-level", "warn"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.child = child;
    child.stderr.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    const end = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`linekey exited with ${child.exitCode}: ${this.stderr}`);
      try {
        await this.rpc("sca.subscription_count", ["call-info"]);
        return;
      } catch {
        if (Date.now() > end) throw new Error(`linekey did not start: ${this.stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  rpc(method: string, params: unknown[] = []): Promise<RpcResponse> {
    return rpcCall({ host: "127.0.0.1", port: this.rpcPort }, method, params, 5000);
  }

  async lines(method: string, params: unknown[] = []): Promise<string[]> {
    const res = await this.rpc(method, params);
    if ("error" in res) throw new Error(`${method}: ${res.error.message}`);
    return res.result as string[];
  }

  /** Sends a signal and waits for the process to end. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    await exited;
  }
}

async function config(db: string): Promise<LinekeyProcess> {
  const dir = mkdtempSync(join(tmpdir(), "linekey-sca-restart-"));
  const sip = await freeUdp();
  const rpc = await freeTcp();
  const sccp = await freeTcp();
  writeFileSync(join(dir, "sccp.conf"), `[general]\nbindaddr=127.0.0.1\nport=${sccp}\n`);
  writeFileSync(
    join(dir, "linekey.conf"),
    [
      "[general]",
      `db_url = ${db}`,
      "rpc_bindaddr = 127.0.0.1",
      `rpc_port = ${rpc}`,
      "[sip]",
      "bindaddr = 127.0.0.1",
      `udp_port = ${sip}`,
      `tcp_port = ${sip}`,
      "auth = no",
      "[sca]",
      "purge_expired_interval = 60",
      "",
    ].join("\n"),
  );
  return new LinekeyProcess(dir, sip, rpc);
}

const cseqOf = (n: { header(name: string): string | undefined }): number =>
  Number.parseInt(n.header("CSeq") ?? "0", 10);

let backends: Backends;
before(async () => {
  backends = await startBackends();
});
after(async () => {
  await backends.close();
});

for (const backend of ["sqlite", "postgres"] as const) {
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    describe(`a Linekey process stopped with ${signal} (${backend})`, () => {
      it("restores the acknowledged subscriptions and NOTIFYs on their dialogs with higher CSeqs", async (t) => {
        const be = backends.list.find((b) => b.name === backend);
        if (be === undefined) {
          t.skip("PostgreSQL not installed");
          return;
        }
        t.diagnostic(`database: ${backend}`);
        const url =
          backend === "sqlite"
            ? `sqlite:///${join(backends.dataDir, `restart-${signal}.db`)}`
            : await be.freshUrl();
        const lk = await config(url);
        const a = await UdpPhone.start("2301");
        const b = await UdpPhone.start("2301");
        try {
          await lk.start();
          const ra = await a.subscribe(lk.sipPort, { callId: "ci-a", fromTag: "fa" });
          assert.equal(ra.status, 202);
          await b.subscribe(lk.sipPort, { callId: "ci-b", fromTag: "fb" });
          const ls = await b.subscribe(lk.sipPort, {
            event: "line-seize",
            callInfo: `${D};appearance-index=1`,
            callId: "ls-b",
            fromTag: "lb",
          });
          assert.equal(ls.status, 200);
          await lk.lines("sca.update_appearance", [AOR, 1, "alerting"]);
          await lk.lines("sca.update_appearance", [AOR, 1, "seized"]);
          const before = await a.waitNotify((n) => n.callId === "ci-a" && cseqOf(n) === 4);
          assert.match(
            before.headers.lines("Call-Info")[0]?.value ?? "",
            /appearance-index=1;appearance-state=seized/,
          );

          await lk.stop(signal);
          await lk.start();

          const subs = (await lk.lines("sca.all_subscriptions"))
            .map((l) => l.replace(/ -?\d+ (active|terminated)/, " N $1"))
            .sort();
          assert.deepEqual(
            subs,
            [
              `2301 127.0.0.1:${a.port} call-info N active`,
              `2301 127.0.0.1:${b.port} call-info N active`,
              `2301 127.0.0.1:${b.port} line-seize N active`,
            ].sort(),
          );
          const apps = await lk.lines("sca.all_appearances");
          assert.match(
            apps[0] ?? "",
            new RegExp(`^${AOR} 1 seized \\d+ ${b.contact.replace(/\./g, "\\.")} `),
          );
          await lk.lines("sca.update_appearance", [AOR, 1, "alerting"]);
          const after = await a.waitNotify((n) => n.callId === "ci-a" && cseqOf(n) > 4);
          assert.equal(after.to.tag, "fa");
          assert.equal(after.from.tag, ra.to.tag);
          assert.match(
            after.headers.lines("Call-Info")[0]?.value ?? "",
            /appearance-index=1;appearance-state=alerting/,
          );
          const bAfter = await b.waitNotify((n) => n.callId === "ci-b" && cseqOf(n) > 4);
          assert.equal(bAfter.to.tag, "fb");
          // The restored line-seize dialog works too: releasing it with Expires 0 is answered.
          const rel = await b.subscribe(lk.sipPort, {
            event: "line-seize",
            callInfo: `${D};appearance-index=1`,
            callId: "ls-b",
            fromTag: "lb",
            toTag: ls.to.tag!,
            cseq: 9,
            expires: 0,
          });
          assert.equal(rel.status, 200);
        } finally {
          await lk.stop("SIGTERM");
          await a.close();
          await b.close();
          rmSync(lk.dir, { recursive: true, force: true });
        }
      });
    });
  }
}
