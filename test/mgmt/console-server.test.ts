import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandRegistry } from "../../src/mgmt/commands.ts";
import { ConsoleConnection, runCommand } from "../../src/mgmt/console-client.ts";
import { ConsoleServer } from "../../src/mgmt/console-server.ts";
import type { ConsoleTarget } from "../../src/mgmt/console-protocol.ts";

// Short folder: UNIX socket paths are limited to ~107 bytes.
const dir = mkdtempSync(join(tmpdir(), "lk-cs-"));
const opened: { close(): unknown }[] = [];

after(async () => {
  for (const o of opened.reverse()) await o.close();
  rmSync(dir, { recursive: true, force: true });
});

function commands(): CommandRegistry {
  const reg = new CommandRegistry();
  reg.register({ words: ["echo"], usage: "echo <text>", summary: "Echo", run: (ctx) => ctx.args.join(" ") });
  reg.register({
    words: ["sleep"],
    usage: "sleep <ms> <tag>",
    summary: "Answer after a delay",
    run: async (ctx) => {
      await new Promise((r) => setTimeout(r, Number(ctx.args[0])));
      return ctx.args[1] ?? "";
    },
  });
  reg.register({
    words: ["sccp", "show", "devices"],
    usage: "sccp show devices",
    summary: "List devices",
    run: () => "Name             Status\nSEP001122334455  Registered",
  });
  reg.register({
    words: ["fail"],
    usage: "fail",
    summary: "Fails",
    run: () => {
      throw new Error("it broke");
    },
  });
  return reg;
}

/** A socket file whose server died without cleaning up: a child listens, then is SIGKILLed. */
async function makeDeadSocket(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ["-e", "require('net').createServer().listen(process.argv[1], () => console.log('up'))", path],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.once("data", () => resolve());
    child.once("error", reject);
  });
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

async function startServer(path: string): Promise<ConsoleServer> {
  const server = new ConsoleServer(commands());
  opened.push(server);
  await server.listen({ path, banner: "Linekey test" });
  return server;
}

/** A raw protocol client: write lines, read parsed JSON replies. */
function rawClient(target: ConsoleTarget): Promise<{
  socket: Socket;
  next(): Promise<Record<string, unknown>>;
  send(line: string): void;
}> {
  return new Promise((resolve, reject) => {
    const socket = "path" in target ? connect(target.path) : connect(target.port, target.host);
    opened.push({ close: () => socket.destroy() });
    const queue: Record<string, unknown>[] = [];
    const waiters: ((m: Record<string, unknown>) => void)[] = [];
    let buf = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const msg = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
        buf = buf.slice(i + 1);
        const w = waiters.shift();
        if (w) w(msg);
        else queue.push(msg);
      }
    });
    socket.once("error", reject);
    socket.once("connect", () =>
      resolve({
        socket,
        send: (line) => socket.write(`${line}\n`),
        next: () =>
          new Promise((r) => {
            const m = queue.shift();
            if (m) r(m);
            else waiters.push(r);
          }),
      }),
    );
  });
}

describe("console server + client over a UNIX socket", () => {
  const path = join(dir, "a.ctl");
  let server: ConsoleServer;
  before(async () => {
    server = await startServer(path);
  });

  it("runCommand returns the command output", async () => {
    assert.equal(server.path, path);
    assert.deepEqual(await runCommand({ path }, "sccp show devices"), {
      ok: true,
      output: "Name             Status\nSEP001122334455  Registered",
    });
  });

  it("runCommand reports unknown and failing commands as ok:false", async () => {
    assert.deepEqual(await runCommand({ path }, "sccp show nothing"), {
      ok: false,
      output: "No such command 'sccp show nothing' (type 'help' for help)",
    });
    assert.deepEqual(await runCommand({ path }, "fail"), { ok: false, output: "it broke" });
  });

  it("answers 20 pipelined requests on one connection in order, with matching ids", async () => {
    const c = await rawClient({ path });
    // Decreasing delays: if the server answered as commands finished, the order would invert.
    const lines = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({ id: i + 1, cmd: `sleep ${40 - 2 * i} r${i + 1}` }),
    );
    c.socket.write(`${lines.join("\n")}\n`);
    for (let i = 1; i <= 20; i++) {
      assert.deepEqual(await c.next(), { id: i, ok: true, output: `r${i}` });
    }
    c.socket.destroy();
  });

  it("answers bad JSON with an error and keeps the connection working", async () => {
    const c = await rawClient({ path });
    c.send("{ this is not json");
    const err = await c.next();
    assert.equal(err.id, null);
    assert.match(String(err.error), /^bad JSON/);
    c.send(JSON.stringify([1, 2]));
    assert.match(String((await c.next()).error), /expected a JSON object/);
    c.send(JSON.stringify({ id: 7, frobnicate: true }));
    const unknown = await c.next();
    assert.equal(unknown.id, 7);
    assert.equal(typeof unknown.error, "string");
    c.send(JSON.stringify({ id: 8, cmd: "echo still alive" }));
    assert.deepEqual(await c.next(), { id: 8, ok: true, output: "still alive" });
    c.socket.destroy();
  });

  it("answers completion requests", async () => {
    const c = await rawClient({ path });
    c.send(JSON.stringify({ id: "c1", complete: "sccp sh" }));
    assert.deepEqual(await c.next(), { id: "c1", completions: ["show "], prefix: "sh" });
    c.socket.destroy();
  });

  it("pushes log lines only to subscribed consoles, with the banner on subscribe", async () => {
    const sub = await rawClient({ path });
    const plain = await rawClient({ path });
    sub.send(JSON.stringify({ id: 1, subscribe: "logs" }));
    assert.deepEqual(await sub.next(), { id: 1, subscribed: "logs", banner: "Linekey test" });
    plain.send(JSON.stringify({ id: 1, cmd: "echo x" }));
    await plain.next();
    server.broadcastLog("device SEP001122334455 registered\n");
    assert.deepEqual(await sub.next(), { log: "device SEP001122334455 registered" });
    // The unsubscribed connection's next message is its own reply, not the log line.
    plain.send(JSON.stringify({ id: 2, cmd: "echo y" }));
    assert.deepEqual(await plain.next(), { id: 2, ok: true, output: "y" });
    sub.send(JSON.stringify({ id: 2, unsubscribe: "logs" }));
    assert.deepEqual(await sub.next(), { id: 2, subscribed: null });
    server.broadcastLog("not for you");
    sub.send(JSON.stringify({ id: 3, cmd: "echo z" }));
    assert.deepEqual(await sub.next(), { id: 3, ok: true, output: "z" });
    sub.socket.destroy();
    plain.socket.destroy();
  });

  it("ConsoleConnection serves several commands on one connection", async () => {
    const conn = await ConsoleConnection.connect({ path });
    opened.push(conn);
    const results = await Promise.all([conn.run("echo one"), conn.run("echo two"), conn.complete("ec")]);
    assert.deepEqual(results, [{ ok: true, output: "one" }, { ok: true, output: "two" }, [["echo "], "ec"]]);
    conn.close();
    await conn.closed;
  });

  it("refuses a second server on the same path and leaves the first running", async () => {
    const second = new ConsoleServer(commands());
    opened.push(second);
    await assert.rejects(second.listen({ path }), { code: "MGMT_ERR_IN_USE" });
    assert.equal(existsSync(path), true);
    assert.deepEqual(await runCommand({ path }, "echo first"), { ok: true, output: "first" });
  });
});

describe("console server lifecycle", () => {
  it("replaces a stale socket file nobody answers on", async () => {
    const path = join(dir, "stale.ctl");
    await makeDeadSocket(path);
    assert.equal(existsSync(path), true);
    await assert.rejects(runCommand({ path }, "echo"), { code: "MGMT_ERR_NO_SERVER" });
    const server = await startServer(path);
    assert.deepEqual(await runCommand({ path }, "echo fresh"), { ok: true, output: "fresh" });
    await server.close();
  });

  it("refuses to replace a file that is not a socket", async () => {
    const path = join(dir, "plain.ctl");
    writeFileSync(path, "keep me");
    const server = new ConsoleServer(commands());
    opened.push(server);
    await assert.rejects(server.listen({ path }), { code: "MGMT_ERR_LISTEN" });
    assert.equal(existsSync(path), true);
  });

  it("close() disconnects clients and unlinks the socket file; it is idempotent", async () => {
    const path = join(dir, "close.ctl");
    const server = await startServer(path);
    const conn = await ConsoleConnection.connect({ path });
    opened.push(conn);
    assert.deepEqual(await conn.run("echo hi"), { ok: true, output: "hi" });
    assert.equal(server.clientCount, 1);
    await server.close();
    await server.close();
    assert.equal(existsSync(path), false);
    await conn.closed;
    await assert.rejects(conn.run("echo again"), { code: "MGMT_ERR_NO_SERVER" });
    await assert.rejects(runCommand({ path }, "echo"), { code: "MGMT_ERR_NO_SERVER" });
  });

  it("runCommand to a missing path rejects with MGMT_ERR_NO_SERVER", async () => {
    await assert.rejects(runCommand({ path: join(dir, "nobody.ctl") }, "help"), (err: unknown) => {
      assert.equal((err as { code?: string }).code, "MGMT_ERR_NO_SERVER");
      assert.match((err as Error).message, /nobody\.ctl/);
      return true;
    });
  });

  it("runCommand rejects with MGMT_ERR_NO_SERVER when the server never answers", async () => {
    const path = join(dir, "mute.ctl");
    // Reads (so it sees the client hang up) but never answers.
    const mute = createServer((s) => s.resume());
    opened.push({ close: () => new Promise((r) => mute.close(r)) });
    await new Promise<void>((r) => mute.listen(path, r));
    const t0 = Date.now();
    await assert.rejects(runCommand({ path }, "help", { timeoutMs: 150 }), { code: "MGMT_ERR_NO_SERVER" });
    assert.ok(Date.now() - t0 < 2000);
  });

  it("rejects with MGMT_ERR_NO_SERVER when the peer is not a Linekey console", async () => {
    const path = join(dir, "http.ctl");
    const other = createServer((s) => s.resume().end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    opened.push({ close: () => new Promise((r) => other.close(r)) });
    await new Promise<void>((r) => other.listen(path, r));
    await assert.rejects(runCommand({ path }, "help"), { code: "MGMT_ERR_NO_SERVER" });
  });

  it("refuses a path too long for a UNIX socket", async () => {
    const server = new ConsoleServer(commands());
    opened.push(server);
    await assert.rejects(server.listen({ path: join(dir, "x".repeat(120)) }), { code: "MGMT_ERR_LISTEN" });
  });
});

describe("console server over loopback TCP", () => {
  it("serves runCommand on 127.0.0.1 port 0", async () => {
    const server = new ConsoleServer(commands());
    opened.push(server);
    await server.listen({ tcp: { port: 0 } });
    const addr = server.tcpAddress;
    assert.ok(addr && addr.port > 0);
    const target = { host: "127.0.0.1", port: addr.port };
    assert.deepEqual(await runCommand(target, "echo over tcp"), { ok: true, output: "over tcp" });
    const c = await rawClient(target);
    c.send("not json");
    assert.match(String((await c.next()).error), /bad JSON/);
    c.send(JSON.stringify({ id: 1, cmd: "echo ok" }));
    assert.deepEqual(await c.next(), { id: 1, ok: true, output: "ok" });
    c.socket.destroy();
    await server.close();
    await assert.rejects(runCommand(target, "echo"), { code: "MGMT_ERR_NO_SERVER" });
  });

  it("refuses a non-loopback TCP address", async () => {
    const server = new ConsoleServer(commands());
    opened.push(server);
    await assert.rejects(server.listen({ tcp: { port: 0, host: "0.0.0.0" } }), { code: "MGMT_ERR_LISTEN" });
  });

  it("listens on a UNIX socket and TCP at once", async () => {
    const path = join(dir, "both.ctl");
    const server = new ConsoleServer(commands());
    opened.push(server);
    await server.listen({ path, tcp: { port: 0 } });
    const port = server.tcpAddress?.port ?? 0;
    assert.equal((await runCommand({ path }, "echo unix")).output, "unix");
    assert.equal((await runCommand({ host: "127.0.0.1", port }, "echo tcp")).output, "tcp");
    await server.close();
    assert.equal(existsSync(path), false);
  });
});
