import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { VirtualPhone } from "../../src/phone/virtual-phone.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "linekey.js");

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

function linekey(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the linekey command", () => {
  let dir: string;
  let port: number;
  let server: ChildProcess;
  let stderr = "";
  const env = (): NodeJS.ProcessEnv => ({ LINEKEY_CONSOLE: join(dir, "console.ctl") });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "linekey-cli-"));
    port = await freePort();
    writeFileSync(
      join(dir, "sccp.conf"),
      `[general]\nbindaddr=127.0.0.1\nport=${port}\nkeepalive=10\n[lines]\n[100]\ncid_name=Bob\n[devices]\n[SEP00164766A428]\nline=100\n[SEP001AA27ABBFC]\nline=100\n`,
    );
    writeFileSync(join(dir, "extensions.conf"), "[default]\nexten => 107,1,Dial(SCCP/107)\n");
    server = spawn(process.execPath, [BIN, "--config", dir], {
      env: { ...process.env, ...env() },
      stdio: ["ignore", "ignore", "pipe"],
    });
    server.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!stderr.includes("ready")) {
      if (server.exitCode !== null || Date.now() > deadline)
        throw new Error(`server did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(() => {
    if (server.exitCode === null) server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("-rx prints `sccp show devices` in the seed's layout, with a registered phone", async () => {
    const phone = new VirtualPhone({ host: "127.0.0.1", port, device: "SEP001AA27ABBFC", model: "7912" });
    await phone.register();
    try {
      const r = linekey(["--config", dir, "-rx", "sccp show devices"], env());
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.split("\n"), [
        "Device            Type     Reg.state",
        "===============   ======   ==========",
        "SEP00164766A428   unknown  Unregistered",
        "SEP001AA27ABBFC   7912     Registered",
        "",
      ]);
      const d = linekey(["--config", dir, "-rx", "sccp show device SEP001AA27ABBFC"], env());
      assert.equal(d.status, 0);
      assert.match(d.stdout, /Protocol:\s+7 \(phone offers 7\)/);
      assert.match(d.stdout, /Firmware:\s+CP7912/);
      assert.match(d.stdout, /instance \(1\)\s+<100>\s+Bob/);
    } finally {
      phone.close();
    }
  });

  it("-rx runs dialplan show as the seed prints it and fails on an unknown command", () => {
    const r = linekey(["--config", dir, "-rx", "dialplan show 107@"], env());
    assert.equal(r.status, 0);
    assert.match(r.stdout, /\[ Context 'default' created by 'pbx_config' \]/);
    assert.match(r.stdout, /'107' =>\s+1\. Dial\(SCCP\/107\)\s+\[pbx_config\]/);
    const bad = linekey(["--config", dir, "-rx", "sccp frobnicate"], env());
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /No such command/);
  });

  it("-rx exits 2 when no server answers", () => {
    const r = linekey(["-rx", "sccp show devices"], { LINEKEY_CONSOLE: join(dir, "nobody-here.ctl") });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /MGMT_ERR_NO_SERVER/);
  });

  it("refuses to start on an invalid sccp.conf, naming file, line and key", () => {
    const bad = mkdtempSync(join(tmpdir(), "linekey-bad-"));
    try {
      writeFileSync(join(bad, "sccp.conf"), "[general]\nkeepalive=often\n");
      const r = linekey(["--config", bad], { LINEKEY_CONSOLE: join(bad, "c.ctl") });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, new RegExp(`${join(bad, "sccp.conf")}:2: keepalive`));
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it("refuses a config folder that does not exist, and creates nothing", () => {
    const missing = join(dir, "no-such-folder");
    const r = linekey(["--config", missing], { LINEKEY_CONSOLE: join(dir, "m.ctl") });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no-such-folder: not a readable folder/);
    assert.equal(existsSync(missing), false);
  });

  it("-rx finds a server whose linekey.conf sets console_socket", async () => {
    const other = mkdtempSync(join(tmpdir(), "linekey-sock-"));
    const sock = join(other, "custom.ctl");
    writeFileSync(join(other, "sccp.conf"), `[general]\nbindaddr=127.0.0.1\nport=${await freePort()}\n`);
    writeFileSync(
      join(other, "linekey.conf"),
      `[general]\nconsole_socket = ${sock}\n[sip]\nbindaddr = 127.0.0.1\nudp_port = 0\ntcp_port = 0\n`,
    );
    const env = { ...process.env };
    delete env.LINEKEY_CONSOLE;
    const srv = spawn(process.execPath, [BIN, "--config", other], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    srv.stderr.on("data", (d: Buffer) => (err += d.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!err.includes("ready")) {
        if (srv.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const r = spawnSync(process.execPath, [BIN, "--config", other, "-rx", "core show version"], {
        encoding: "utf8",
        timeout: 30_000,
        env,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^Linekey /);
    } finally {
      srv.kill("SIGKILL");
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("stops cleanly on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
    server.kill("SIGTERM");
    assert.equal(await exited, 0);
    assert.match(stderr, /linekey stopped/);
  });
});
