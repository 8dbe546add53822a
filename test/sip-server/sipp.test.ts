import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LinekeyServer } from "../../src/server.ts";
import { silentLogger } from "../../src/util/logger.ts";
import {
  busyCalleeScenario,
  busyCallerScenario,
  calleeScenario,
  callerScenario,
  cancelledCalleeScenario,
  cancellingCallerScenario,
  registerScenario,
} from "./sipp-scenarios.ts";

const HAVE_SIPP = spawnSync("sipp", ["-v"], { encoding: "utf8" }).error === undefined;
const SKIP = HAVE_SIPP ? false : "sipp is not installed (apt-get install sip-tester)";

async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4");
  const port = await new Promise<number>((resolve) =>
    s.bind(0, "127.0.0.1", () => resolve(s.address().port)),
  );
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

interface SippRun {
  code: number | null;
  messages: string;
  errors: string;
}

/** The messages a SIPp role received, split out of its -trace_msg log. */
function received(log: string): string[] {
  return log
    .split(/^-{20,}.*$/m)
    .filter((block) => /message received/.test(block))
    .map((block) => block.replace(/^[\s\S]*?message received[^\n]*\n\s*/, ""));
}

describe("SIPp end to end: registration with digest, calls through the proxy", { skip: SKIP }, () => {
  let dir: string;
  let server: LinekeyServer;
  let sipPort: number;
  let portA: number;
  let portB: number;
  let runs = 0;

  function sipp(role: string, xml: string, port: number, args: string[], uas = false): Promise<SippRun> {
    const n = ++runs;
    const file = join(dir, `${n}-${role}.xml`);
    const msgLog = join(dir, `${n}-${role}.msg.log`);
    const errLog = join(dir, `${n}-${role}.err.log`);
    writeFileSync(file, xml);
    const argv = [
      ...(uas ? [] : [`127.0.0.1:${sipPort}`]),
      "-sf",
      file,
      "-i",
      "127.0.0.1",
      "-p",
      String(port),
      "-m",
      "1",
      "-nostdin",
      "-timeout",
      "20s",
      "-timeout_error",
      "-trace_msg",
      "-message_file",
      msgLog,
      "-trace_err",
      "-error_file",
      errLog,
      ...args,
    ];
    return new Promise((resolve) => {
      const child = spawn("sipp", argv, { stdio: "ignore" });
      child.once("exit", (code) => {
        resolve({
          code,
          messages: existsSync(msgLog) ? readFileSync(msgLog, "utf8") : "",
          errors: existsSync(errLog) ? readFileSync(errLog, "utf8") : "",
        });
      });
    });
  }

  /** Runs the callee (UAS, started first) and the caller together. */
  async function call(callee: string, caller: string): Promise<{ a: SippRun; b: SippRun }> {
    const b = sipp("B", callee, portB, [], true);
    await new Promise((r) => setTimeout(r, 300)); // let the UAS bind before the INVITE arrives
    const a = sipp("A", caller, portA, ["-au", "100", "-ap", "pw100"]);
    const [ra, rb] = await Promise.all([a, b]);
    return { a: ra, b: rb };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "linekey-sipp-"));
    writeFileSync(
      join(dir, "linekey.conf"),
      "[sip]\ndomain = 127.0.0.1\nauth = yes\nrealm = linekey-test\n[100]\ntype = user\nsecret = pw100\n[200]\ntype = user\nsecret = pw200\n",
    );
    server = await LinekeyServer.start({
      configDir: dir,
      dataDir: join(dir, "data"),
      log: silentLogger,
      sccpPort: 0,
      sccpBindaddr: "127.0.0.1",
      sipPort: 0,
      sipBindaddr: "127.0.0.1",
      consoleSocket: false,
    });
    sipPort = server.sip?.listening[0]?.port ?? 0;
    portA = await freeUdpPort();
    portB = await freeUdpPort();
  });

  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("REGISTER with digest authentication (401, then 200 with the binding)", async () => {
    const r = await sipp("reg", registerScenario(), portB, ["-s", "200", "-au", "200", "-ap", "pw200"]);
    assert.equal(r.code, 0, r.errors);
    const ok = received(r.messages).find((m) => m.startsWith("SIP/2.0 200"));
    assert.match(ok ?? "", new RegExp(`^Contact: <sip:200@127\\.0\\.0\\.1:${portB}>;expires=3600`, "m"));
    assert.deepEqual(
      server.sip?.registrar.lookup("sip:200@127.0.0.1").map((x) => x.uri),
      [`sip:200@127.0.0.1:${portB}`],
    );
  });

  it("a call between two phones: Record-Route, two Vias, Max-Forwards 69; hold re-INVITE; BYE", async () => {
    const { a, b } = await call(calleeScenario(), callerScenario());
    assert.equal(b.code, 0, `callee: ${b.errors}`);
    assert.equal(a.code, 0, `caller: ${a.errors}`);
    const invites = received(b.messages).filter((m) => m.startsWith("INVITE "));
    assert.equal(invites.length, 2, "initial INVITE and the hold re-INVITE");
    const first = invites[0] ?? "";
    assert.match(
      first,
      new RegExp(`^INVITE sip:200@127\\.0\\.0\\.1:${portB} SIP/2\\.0`),
      "R-URI = registered contact",
    );
    assert.deepEqual(first.match(/^Record-Route: .*$/gm), [`Record-Route: <sip:127.0.0.1:${sipPort};lr>`]);
    const vias = first.match(/^Via: .*$/gm) ?? [];
    assert.equal(vias.length, 2);
    assert.match(vias[0], new RegExp(`^Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${sipPort};branch=z9hG4bK`));
    assert.match(vias[1] ?? "", new RegExp(`^Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${portA};branch=`));
    assert.match(first, /^Max-Forwards: 69\r?$/m);
    assert.doesNotMatch(first, /^Proxy-Authorization:/m, "our credentials are consumed");
    const hold = invites[1] ?? "";
    assert.match(hold, /^a=sendonly/m);
    assert.doesNotMatch(hold, /^Record-Route:/m, "no Record-Route on in-dialog requests");
    assert.doesNotMatch(hold, /^Route:/m, "our Route was removed");
    assert.ok(received(b.messages).some((m) => m.startsWith("BYE ")));
  });

  it("CANCEL of a ringing call: 200 to the CANCEL, the callee's 487 reaches the caller", async () => {
    const { a, b } = await call(cancelledCalleeScenario(), cancellingCallerScenario());
    assert.equal(b.code, 0, `callee: ${b.errors}`);
    assert.equal(a.code, 0, `caller: ${a.errors}`);
    const cancel = received(b.messages).find((m) => m.startsWith("CANCEL "));
    assert.match(cancel ?? "", new RegExp(`^CANCEL sip:200@127\\.0\\.0\\.1:${portB} SIP/2\\.0`));
    assert.ok(received(a.messages).some((m) => m.startsWith("SIP/2.0 487")));
  });

  it("486 Busy Here is relayed to the caller and ACKed hop by hop", async () => {
    const { a, b } = await call(busyCalleeScenario(), busyCallerScenario());
    assert.equal(b.code, 0, `callee: ${b.errors}`);
    assert.equal(a.code, 0, `caller: ${a.errors}`);
    const busy = received(a.messages).find((m) => m.startsWith("SIP/2.0 486"));
    assert.match(busy ?? "", /^To: <sip:200@127\.0\.0\.1>;tag=b\d+/m);
    const ack = received(b.messages).find((m) => m.startsWith("ACK "));
    assert.match(
      ack ?? "",
      new RegExp(`^Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${sipPort};`, "m"),
      "the proxy's own ACK",
    );
  });
});
