import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CommandRegistry, UsageError, parseCommandLine } from "../../src/mgmt/commands.ts";
import type { CommandContext } from "../../src/mgmt/commands.ts";
import { LinekeyError } from "../../src/util/errors.ts";
import { memoryLogger } from "../../src/util/logger.ts";

function registry(): { reg: CommandRegistry; calls: { cmd: string; ctx: CommandContext }[] } {
  const calls: { cmd: string; ctx: CommandContext }[] = [];
  const reg = new CommandRegistry();
  const add = (
    words: string[],
    summary: string,
    extra: Partial<Parameters<CommandRegistry["register"]>[0]> = {},
  ) =>
    reg.register({
      words,
      usage: words.join(" "),
      summary,
      run: (ctx) => {
        calls.push({ cmd: words.join(" "), ctx });
        return `ran ${words.join(" ")}`;
      },
      ...extra,
    });
  add(["sccp", "show", "devices"], "List SCCP devices");
  add(["sccp", "show", "device"], "Show one SCCP device", {
    usage: "sccp show device <name>",
    complete: (partial) => (partial.length === 1 ? ["SEP001122334455", "SEP00AABBCCDDEE", "SEPCAFE"] : []),
  });
  add(["sccp", "show", "lines"], "List SCCP lines");
  add(["sccp", "reset"], "Reset a device", {
    usage: "sccp reset <device> [restart]",
    complete: (partial) =>
      partial.length === 1 ? ["SEP001122334455"] : partial.length === 2 ? ["restart"] : [],
  });
  add(["sccp", "reset", "all"], "Reset every device");
  add(["reload"], "Reload configuration");
  return { reg, calls };
}

describe("CommandRegistry: running", () => {
  it("picks the longest registered word prefix and passes the rest as args", async () => {
    const { reg, calls } = registry();
    assert.deepEqual(await reg.run("sccp reset SEP001122334455 restart"), {
      ok: true,
      output: "ran sccp reset",
    });
    assert.deepEqual(calls.at(-1)?.ctx.args, ["SEP001122334455", "restart"]);
    assert.deepEqual(await reg.run("sccp reset all"), { ok: true, output: "ran sccp reset all" });
    assert.deepEqual(calls.at(-1)?.ctx.args, []);
    assert.deepEqual(await reg.run("sccp show devices"), { ok: true, output: "ran sccp show devices" });
    assert.deepEqual(await reg.run("sccp show device SEPCAFE"), { ok: true, output: "ran sccp show device" });
    assert.deepEqual(calls.at(-1)?.ctx.args, ["SEPCAFE"]);
  });

  it("matches words case-insensitively, keeps argument case, and trims the line", async () => {
    const { reg, calls } = registry();
    const r = await reg.run("  SCCP Show   DEVICE  SEPcafe ");
    assert.equal(r.ok, true);
    assert.equal(calls.at(-1)?.cmd, "sccp show device");
    assert.deepEqual(calls.at(-1)?.ctx.args, ["SEPcafe"]);
    assert.equal(calls.at(-1)?.ctx.line, "SCCP Show   DEVICE  SEPcafe");
  });

  it("parses quotes and backslash escapes like Asterisk", async () => {
    const { reg, calls } = registry();
    await reg.run('sccp reset "Front desk" a\\ b ""');
    assert.deepEqual(calls.at(-1)?.ctx.args, ["Front desk", "a b", ""]);
  });

  it("does not expand abbreviations and reports unknown commands the Asterisk way", async () => {
    const { reg, calls } = registry();
    assert.deepEqual(await reg.run("sccp sh devices"), {
      ok: false,
      output: "No such command 'sccp sh devices' (type 'help' for help)",
    });
    assert.deepEqual(await reg.run("sccp show"), {
      ok: false,
      output: "No such command 'sccp show' (type 'help' for help)",
    });
    assert.equal(calls.length, 0);
  });

  it("treats an empty line as a successful no-op", async () => {
    const { reg } = registry();
    assert.deepEqual(await reg.run("   "), { ok: true, output: "" });
  });

  it("turns a throwing command into ok:false with its message, and logs non-Linekey errors", async () => {
    const { logger, records } = memoryLogger();
    const reg = new CommandRegistry(logger);
    reg.register({
      words: ["boom"],
      usage: "boom",
      summary: "Throws",
      run: () => {
        throw new Error("kaboom");
      },
    });
    reg.register({
      words: ["refuse"],
      usage: "refuse",
      summary: "Rejects",
      run: () => Promise.reject(new LinekeyError("MGMT_ERR_COMMAND", "device SEP1 is not registered")),
    });
    assert.deepEqual(await reg.run("boom"), { ok: false, output: "kaboom" });
    assert.deepEqual(await reg.run("refuse"), { ok: false, output: "device SEP1 is not registered" });
    assert.equal(records.filter((r) => r.level === "warn").length, 1, "only the unexpected error is logged");
  });

  it("answers a UsageError with the command's usage", async () => {
    const reg = new CommandRegistry();
    reg.register({
      words: ["sccp", "reset"],
      usage: "sccp reset <device> [restart]",
      summary: "Reset a device",
      run: (ctx) => {
        if (ctx.args.length === 0) throw new UsageError();
        throw new UsageError(`unknown option '${ctx.args[1] ?? ""}'`);
      },
    });
    assert.deepEqual(await reg.run("sccp reset"), {
      ok: false,
      output: "Usage: sccp reset <device> [restart]\n       Reset a device",
    });
    const r = await reg.run("sccp reset SEP1 bogus");
    assert.equal(r.ok, false);
    assert.match(r.output, /^unknown option 'bogus'\nUsage: sccp reset/);
  });

  it("refuses duplicate and malformed registrations", () => {
    const { reg } = registry();
    const def = { usage: "", summary: "", run: () => "" };
    assert.throws(() => reg.register({ ...def, words: ["SCCP", "show", "devices"] }), {
      code: "MGMT_ERR_COMMAND",
    });
    assert.throws(() => reg.register({ ...def, words: ["help"] }), { code: "MGMT_ERR_COMMAND" });
    assert.throws(() => reg.register({ ...def, words: [] }), { code: "MGMT_ERR_COMMAND" });
    assert.throws(() => reg.register({ ...def, words: ["two words"] }), { code: "MGMT_ERR_COMMAND" });
  });

  it("unregisters a command", async () => {
    const { reg } = registry();
    assert.equal(reg.unregister(["sccp", "reset", "all"]), true);
    assert.equal(reg.unregister(["sccp", "reset", "all"]), false);
    // "sccp reset all" now falls back to "sccp reset" with argument "all".
    assert.deepEqual(await reg.run("sccp reset all"), { ok: true, output: "ran sccp reset" });
  });
});

describe("CommandRegistry: help", () => {
  it("lists every command sorted, padded to 30 columns, then the summary", async () => {
    const { reg } = registry();
    const r = await reg.run("help");
    assert.equal(r.ok, true);
    const lines = r.output.split("\n");
    assert.deepEqual(lines, [
      `${"help".padEnd(30)} -- Display help list, or specific help on a command`,
      `${"reload".padEnd(30)} -- Reload configuration`,
      `${"sccp reset".padEnd(30)} -- Reset a device`,
      `${"sccp reset all".padEnd(30)} -- Reset every device`,
      `${"sccp show device".padEnd(30)} -- Show one SCCP device`,
      `${"sccp show devices".padEnd(30)} -- List SCCP devices`,
      `${"sccp show lines".padEnd(30)} -- List SCCP lines`,
    ]);
    assert.equal(reg.helpText(), r.output);
    assert.deepEqual(
      reg.list().map((d) => d.words.join(" ")),
      [
        "help",
        "reload",
        "sccp reset",
        "sccp reset all",
        "sccp show device",
        "sccp show devices",
        "sccp show lines",
      ],
    );
  });

  it("help <prefix> lists the matching commands, help <command> shows its usage", async () => {
    const { reg } = registry();
    const show = await reg.run("help sccp show");
    assert.deepEqual(
      show.output.split("\n").map((l) => l.slice(0, 30).trim()),
      ["sccp show device", "sccp show devices", "sccp show lines"],
    );
    // Like Asterisk, the help filter is a text prefix, so a partial last word works.
    assert.equal((await reg.run("help sccp sh")).output, show.output);
    assert.deepEqual(await reg.run("help SCCP show device"), {
      ok: true,
      output: "Usage: sccp show device <name>\n       Show one SCCP device",
    });
    assert.equal(
      reg.helpText(["sccp", "reset"]),
      "Usage: sccp reset <device> [restart]\n       Reset a device",
    );
  });

  it("help for an unknown prefix fails", async () => {
    const { reg } = registry();
    assert.deepEqual(await reg.run("help sip"), { ok: false, output: "No such command 'sip'." });
  });
});

describe("CommandRegistry: completion", () => {
  it("completes command words, with a trailing space when only one fits", () => {
    const { reg } = registry();
    assert.deepEqual(reg.complete("sc"), [["sccp "], "sc"]);
    assert.deepEqual(reg.complete("sccp "), [["reset", "show"], ""]);
    assert.deepEqual(reg.complete("sccp sh"), [["show "], "sh"]);
    assert.deepEqual(reg.complete("sccp show d"), [["device", "devices"], "d"]);
    assert.deepEqual(reg.complete("sccp show "), [["device", "devices", "lines"], ""]);
    assert.deepEqual(reg.complete(""), [["help", "reload", "sccp"], ""]);
    assert.deepEqual(reg.complete("sip "), [[], ""]);
  });

  it("completes case-insensitively with the canonical spelling", () => {
    const { reg } = registry();
    assert.deepEqual(reg.complete("SCCP SH"), [["show "], "SH"]);
  });

  it("completes arguments through the command's completer, mixed with longer commands", () => {
    const { reg } = registry();
    assert.deepEqual(reg.complete("sccp show device SEP00"), [
      ["SEP001122334455", "SEP00AABBCCDDEE"],
      "SEP00",
    ]);
    assert.deepEqual(reg.complete("sccp show device sepc"), [["SEPCAFE "], "sepc"]);
    // After "sccp reset ": the longer command's word "all" and the device names.
    assert.deepEqual(reg.complete("sccp reset "), [["SEP001122334455", "all"], ""]);
    assert.deepEqual(reg.complete("sccp reset SEP001122334455 r"), [["restart "], "r"]);
    assert.deepEqual(reg.complete("sccp show device SEPCAFE "), [[], ""]);
  });

  it("completes command words after help", () => {
    const { reg } = registry();
    assert.deepEqual(reg.complete("help sccp s"), [["show "], "s"]);
    assert.deepEqual(reg.complete("help re"), [["reload "], "re"]);
  });

  it("survives a throwing completer", () => {
    const { logger, records } = memoryLogger();
    const reg = new CommandRegistry(logger);
    reg.register({
      words: ["dial"],
      usage: "dial",
      summary: "",
      run: () => "",
      complete: () => {
        throw new Error("db down");
      },
    });
    assert.deepEqual(reg.complete("dial "), [[], ""]);
    assert.equal(records.length, 1);
  });

  it("escapes blanks in candidates and keeps a started quote", () => {
    const reg = new CommandRegistry();
    reg.register({
      words: ["page"],
      usage: "page",
      summary: "",
      run: () => "",
      complete: () => ["Front desk"],
    });
    assert.deepEqual(reg.complete("page Fr"), [["Front\\ desk "], "Fr"]);
    assert.deepEqual(reg.complete('page "Fr'), [['"Front desk" '], '"Fr']);
  });
});

describe("parseCommandLine", () => {
  it("reports the word being typed", () => {
    assert.deepEqual(parseCommandLine("sccp sh"), {
      words: ["sccp", "sh"],
      trailingSpace: false,
      lastRaw: "sh",
      openQuote: false,
    });
    assert.deepEqual(parseCommandLine("sccp "), {
      words: ["sccp"],
      trailingSpace: true,
      lastRaw: "",
      openQuote: false,
    });
    assert.deepEqual(parseCommandLine('a "b c'), {
      words: ["a", "b c"],
      trailingSpace: false,
      lastRaw: '"b c',
      openQuote: true,
    });
  });
});
