import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConf, readConfFile } from "../../src/config/asterisk-conf.ts";
import type { ConfDocument, ConfSection } from "../../src/config/asterisk-conf.ts";
import { ConfigErrorList, configErrors } from "../../src/config/config-errors.ts";
import { ConfigError } from "../../src/util/errors.ts";

function section(doc: ConfDocument, name: string): ConfSection {
  const s = doc.sections.find((x) => x.name === name);
  assert.ok(s, `section ${name}`);
  return s;
}

function kv(s: ConfSection): string[] {
  return s.entries.map((e) => `${e.key}${e.op}${e.value}@${e.line}`);
}

/** Runs `fn`, expecting a ConfigError; returns the individual errors. */
function errorsOf(fn: () => unknown): readonly ConfigError[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return configErrors(err);
  }
  assert.fail("expected a ConfigError");
}

test("sections, both operators, repeated keys, values with = and , and exact line numbers", () => {
  const doc = parseConf(
    [
      "; leading comment",
      "[general]",
      "  key1 = value one   ; trailing comment",
      "",
      "[default]",
      "exten => 100,1,Dial(SCCP/100,20)",
      " same => n,Set(A=b,c=d)",
      "exten=>101,1,Hangup()",
      "setvar = X=1",
      "setvar = X=2",
    ].join("\n"),
    "ext.conf",
  );
  assert.equal(doc.file, "ext.conf");
  assert.deepEqual(
    doc.sections.map((s) => [s.name, s.line]),
    [
      ["general", 2],
      ["default", 5],
    ],
  );
  assert.deepEqual(kv(section(doc, "general")), ["key1=value one@3"]);
  assert.deepEqual(kv(section(doc, "default")), [
    "exten=>100,1,Dial(SCCP/100,20)@6",
    "same=>n,Set(A=b,c=d)@7",
    "exten=>101,1,Hangup()@8",
    "setvar=X=1@9",
    "setvar=X=2@10",
  ]);
  assert.ok(doc.sections.every((s) => s.entries.every((e) => e.file === "ext.conf")));
});

test("escaped semicolon is literal, other backslashes stay, block comments span lines", () => {
  const doc = parseConf(
    [
      "[s]",
      "a = x\\;y ; comment",
      "b = Set(v=1\\,2)",
      ";-- a block",
      "c = hidden",
      "still hidden --; d = visible",
      "e = 1 ;-- inline --; ",
    ].join("\n"),
    "f.conf",
  );
  assert.deepEqual(kv(section(doc, "s")), ["a=x;y@2", "b=Set(v=1\\,2)@3", "d=visible@6", "e=1@7"]);
});

test("CRLF line ends and a byte-order mark are tolerated", () => {
  const doc = parseConf("\uFEFF[a]\r\nx = 1\r\n\r\n[b]\r\ny => 2\r\n", "crlf.conf");
  assert.deepEqual(kv(section(doc, "a")), ["x=1@2"]);
  assert.deepEqual(kv(section(doc, "b")), ["y=>2@5"]);
});

test("templates: (!) marks a template, (a,b) copies parents' entries first, (!,t) both", () => {
  const doc = parseConf(
    [
      "[base](!)",
      "context = office",
      "allow = ulaw",
      "[extra](!,base)",
      "language = fr",
      "[phone](extra)",
      "context = lab",
      "[other](base,extra)",
    ].join("\n"),
    "t.conf",
  );
  assert.equal(section(doc, "base").template, true);
  const extra = section(doc, "extra");
  assert.equal(extra.template, true);
  assert.deepEqual(extra.inherits, ["base"]);
  const phone = section(doc, "phone");
  assert.equal(phone.template, false);
  assert.deepEqual(kv(phone), ["context=office@2", "allow=ulaw@3", "language=fr@5", "context=lab@7"]);
  assert.deepEqual(section(doc, "other").inherits, ["base", "extra"]);
  assert.equal(section(doc, "other").entries.length, 5);
});

test("(+) appends to the earlier section of the same name", () => {
  const doc = parseConf("[a]\nx=1\n[b]\n[a](+)\ny=2\n", "p.conf");
  assert.equal(doc.sections.length, 2);
  assert.deepEqual(kv(section(doc, "a")), ["x=1@2", "y=2@5"]);
});

test("syntax errors are all reported with file and line", () => {
  const errs = errorsOf(() =>
    parseConf(
      [
        "orphan = 1",
        "[ok]",
        "this line is nonsense",
        "= novalue",
        "[broken",
        "[ok2](missing)",
        "#exec foo",
      ].join("\n"),
      "bad.conf",
    ),
  );
  assert.deepEqual(
    errs.map((e) => [e.code, e.file, e.line]),
    [
      ["CONFIG_ERR_SYNTAX", "bad.conf", 1],
      ["CONFIG_ERR_SYNTAX", "bad.conf", 3],
      ["CONFIG_ERR_SYNTAX", "bad.conf", 4],
      ["CONFIG_ERR_SYNTAX", "bad.conf", 5],
      ["CONFIG_ERR_MISSING", "bad.conf", 6],
      ["CONFIG_ERR_SYNTAX", "bad.conf", 7],
    ],
  );
  assert.equal(errs[0]?.key, "orphan");
});

test("a single error is thrown as a list whose location is that error's", () => {
  assert.throws(
    () => parseConf("[a]\n\nwhat is this\n", "one.conf"),
    (err: unknown) =>
      err instanceof ConfigErrorList &&
      err.code === "CONFIG_ERR_SYNTAX" &&
      err.file === "one.conf" &&
      err.line === 3 &&
      err.errors.length === 1 &&
      err.message.startsWith("one.conf:3"),
  );
});

test("several errors: the message lists each on its own line", () => {
  assert.throws(
    () => parseConf("[a]\nbad one\nbad two\n", "two.conf"),
    (err: unknown) =>
      err instanceof ConfigErrorList &&
      err.errors.length === 2 &&
      err.message.split("\n").length === 3 &&
      err.message.includes("two.conf:2") &&
      err.message.includes("two.conf:3"),
  );
});

test("an unterminated block comment is reported at its start", () => {
  const errs = errorsOf(() => parseConf("[a]\nx=1\n;-- open\ny=2\n", "blk.conf"));
  assert.deepEqual(
    errs.map((e) => e.line),
    [3],
  );
});

test("#include splices a file relative to the includer; entries keep their own file and line", () => {
  const files = new Map([
    ["/etc/lk/sub/lines.conf", '[100]\ncid_name = Bob\n#include "more.conf"\n'],
    ["/etc/lk/sub/more.conf", "\n\ncid_num = 100\n"],
  ]);
  const read = (p: string): string => {
    const t = files.get(p);
    if (t === undefined) throw new Error(`ENOENT ${p}`);
    return t;
  };
  const doc = parseConf("[general]\nport=2000\n#include sub/lines.conf\nafter = yes\n", "/etc/lk/sccp.conf", {
    readInclude: read,
  });
  const s100 = section(doc, "100");
  assert.equal(s100.file, "/etc/lk/sub/lines.conf");
  assert.deepEqual(
    s100.entries.map((e) => [e.key, e.file, e.line]),
    [
      ["cid_name", "/etc/lk/sub/lines.conf", 2],
      ["cid_num", "/etc/lk/sub/more.conf", 3],
      // Textual splice: the included [100] is still the current section after the include.
      ["after", "/etc/lk/sccp.conf", 4],
    ],
  );
});

test("#include errors name the including file and line; cycles are detected; #tryinclude is optional", () => {
  const files = new Map([
    ["/c/a.conf", "[x]\n#include b.conf\n"],
    ["/c/b.conf", "\n#include <a.conf>\n"],
  ]);
  const read = (p: string): string => {
    const t = files.get(p);
    if (t === undefined) throw new Error(`ENOENT ${p}`);
    return t;
  };
  const cycle = errorsOf(() => parseConf(files.get("/c/a.conf") ?? "", "/c/a.conf", { readInclude: read }));
  assert.deepEqual(
    cycle.map((e) => [e.code, e.file, e.line]),
    [["CONFIG_ERR_INCLUDE", "/c/b.conf", 2]],
  );
  const missing = errorsOf(() =>
    parseConf("[x]\n\n#include nope.conf\n", "/c/m.conf", { readInclude: read }),
  );
  assert.deepEqual(
    missing.map((e) => [e.code, e.file, e.line]),
    [["CONFIG_ERR_INCLUDE", "/c/m.conf", 3]],
  );
  assert.match(missing[0]?.message ?? "", /nope\.conf/);
  const tried = parseConf("[x]\n#tryinclude nope.conf\ny=1\n", "/c/t.conf", { readInclude: read });
  assert.deepEqual(kv(section(tried, "x")), ["y=1@3"]);
});

test("readConfFile reads includes from disk and reports an unreadable file as CONFIG_ERR_IO", () => {
  const dir = mkdtempSync(join(tmpdir(), "lk-conf-"));
  try {
    writeFileSync(join(dir, "main.conf"), "[a]\n#include inc.conf\n");
    writeFileSync(join(dir, "inc.conf"), "k = v\n");
    const doc = readConfFile(join(dir, "main.conf"));
    assert.deepEqual(
      section(doc, "a").entries.map((e) => [e.key, e.value, e.file, e.line]),
      [["k", "v", join(dir, "inc.conf"), 1]],
    );
    const missing = join(dir, "absent.conf");
    assert.throws(
      () => readConfFile(missing),
      (err: unknown) => err instanceof ConfigError && err.code === "CONFIG_ERR_IO" && err.file === missing,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
