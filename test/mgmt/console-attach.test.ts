import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { CommandRegistry } from "../../src/mgmt/commands.ts";
import { attachConsole } from "../../src/mgmt/console-client.ts";
import { ConsoleServer } from "../../src/mgmt/console-server.ts";

const dir = mkdtempSync(join(tmpdir(), "lk-ca-"));
const path = join(dir, "c.ctl");
let server: ConsoleServer;
const sessions: { input: PassThrough; done: Promise<void> }[] = [];

before(async () => {
  const reg = new CommandRegistry();
  reg.register({
    words: ["sccp", "show", "devices"],
    usage: "sccp show devices",
    summary: "List devices",
    run: () => "SEP001122334455  Registered",
  });
  reg.register({ words: ["echo"], usage: "echo <text>", summary: "Echo", run: (ctx) => ctx.args.join(" ") });
  server = new ConsoleServer(reg);
  await server.listen({ path, banner: "Connected to Linekey (test)" });
});

after(async () => {
  for (const s of sessions) s.input.end();
  await Promise.all(sessions.map((s) => s.done.catch(() => undefined)));
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Strips ANSI escape sequences readline writes in terminal mode. */
function plain(text: string): string {
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
}

function session(terminal: boolean): {
  input: PassThrough;
  text: () => string;
  waitFor: (pattern: RegExp | string) => Promise<void>;
  done: Promise<void>;
} {
  const input = new PassThrough();
  const output = new PassThrough();
  let out = "";
  output.setEncoding("utf8");
  output.on("data", (d: string) => (out += d));
  const done = attachConsole({ path }, { input, output, terminal, prompt: "linekey*CLI> " });
  sessions.push({ input, done });
  const text = (): string => plain(out);
  const waitFor = async (pattern: RegExp | string): Promise<void> => {
    const deadline = Date.now() + 3000;
    const hit = (): boolean =>
      typeof pattern === "string" ? text().includes(pattern) : pattern.test(text());
    while (!hit()) {
      if (Date.now() > deadline)
        assert.fail(`timed out waiting for ${String(pattern)} in ${JSON.stringify(text())}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { input, text, waitFor, done };
}

describe("attachConsole", () => {
  it("runs a typed command, prints its output and the prompt, and ends on exit", async () => {
    const s = session(false);
    await s.waitFor("Connected to Linekey (test)\nlinekey*CLI> ");
    s.input.write("sccp show devices\n");
    await s.waitFor("SEP001122334455  Registered\nlinekey*CLI> ");
    s.input.write("bogus command\n");
    await s.waitFor("No such command 'bogus command' (type 'help' for help)\n");
    s.input.write("exit\n");
    await s.done;
    // The server notices the console went away.
    const deadline = Date.now() + 2000;
    while (server.clientCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(server.clientCount, 0);
  });

  it("completes with Tab through the server (terminal mode)", async () => {
    const s = session(true);
    await s.waitFor("linekey*CLI> ");
    s.input.write("sccp sh");
    await s.waitFor("linekey*CLI> sccp sh");
    s.input.write("\t");
    await s.waitFor("linekey*CLI> sccp show ");
    s.input.write("dev");
    await s.waitFor("sccp show dev");
    s.input.write("\t");
    await s.waitFor("linekey*CLI> sccp show devices ");
    s.input.write("\r");
    await s.waitFor("SEP001122334455  Registered");
    s.input.write("quit\r");
    await s.done;
  });

  it("prints pushed log lines above the prompt and keeps the typed text", async () => {
    const s = session(true);
    await s.waitFor("linekey*CLI> ");
    s.input.write("echo half");
    await s.waitFor("linekey*CLI> echo half");
    server.broadcastLog("NOTICE device SEP001122334455 registered");
    await s.waitFor(/NOTICE device SEP001122334455 registered\nlinekey\*CLI> echo half$/);
    s.input.write(" done\r");
    await s.waitFor("half done\n");
    s.input.write("exit\r");
    await s.done;
  });

  it("ends on Ctrl-D / end of input", async () => {
    const s = session(true);
    await s.waitFor("linekey*CLI> ");
    s.input.write("\x04");
    await s.done;
    const t = session(false);
    await t.waitFor("linekey*CLI> ");
    t.input.end();
    await t.done;
  });

  it("ends when the signal aborts", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    output.resume();
    const ac = new AbortController();
    const done = attachConsole({ path }, { input, output, terminal: false, signal: ac.signal });
    sessions.push({ input, done });
    await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await done;
  });

  it("rejects with MGMT_ERR_NO_SERVER when nothing listens", async () => {
    await assert.rejects(
      attachConsole({ path: join(dir, "none.ctl") }, { input: new PassThrough(), output: new PassThrough() }),
      { code: "MGMT_ERR_NO_SERVER" },
    );
  });

  it("says so and ends when the server goes away", async () => {
    const reg = new CommandRegistry();
    const p2 = join(dir, "gone.ctl");
    const short = new ConsoleServer(reg);
    await short.listen({ path: p2 });
    const input = new PassThrough();
    const output = new PassThrough();
    let out = "";
    output.setEncoding("utf8");
    output.on("data", (d: string) => (out += d));
    const done = attachConsole({ path: p2 }, { input, output, terminal: false });
    sessions.push({ input, done });
    while (!out.includes("linekey*CLI> ")) await new Promise((r) => setTimeout(r, 5));
    await short.close();
    await done;
    assert.match(out, /Disconnected from Linekey server/);
  });
});
