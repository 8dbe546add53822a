import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSccpConf } from "../../src/config/sccp-conf.ts";
import { ConfigErrorList, configErrors } from "../../src/config/config-errors.ts";
import { ConfigError } from "../../src/util/errors.ts";
import type { ErrorCode } from "../../src/util/errors.ts";

/** A valid skeleton; tests insert bad lines at known positions. */
function conf(general: string[], lineKeys: string[], deviceKeys: string[]): string {
  return [
    "[general]", // 1
    ...general,
    "[lines]",
    "[100]",
    ...lineKeys,
    "[devices]",
    "[SEP00164766A428]",
    "line=100",
    ...deviceKeys,
  ].join("\n");
}

type Where = [code: ErrorCode, file: string, line: number | undefined, key: string | undefined];

function errorsOf(text: string, file = "sccp.conf", read?: (p: string) => string): Where[] {
  try {
    parseSccpConf(text, file, read ? { readInclude: read } : {});
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return configErrors(err).map((e) => [e.code, e.file, e.line, e.key]);
  }
  assert.fail("expected a ConfigError");
}

test("bad number, out of range and bad boolean name file, line and key", () => {
  assert.deepEqual(errorsOf(conf(["keepalive=ten"], [], [])), [
    ["CONFIG_ERR_VALUE", "sccp.conf", 2, "keepalive"],
  ]);
  assert.deepEqual(errorsOf(conf(["keepalive=601"], [], [])), [
    ["CONFIG_ERR_VALUE", "sccp.conf", 2, "keepalive"],
  ]);
  assert.deepEqual(errorsOf(conf(["authtimeout=0"], [], [])), [
    ["CONFIG_ERR_VALUE", "sccp.conf", 2, "authtimeout"],
  ]);
  assert.deepEqual(errorsOf(conf([], ["directmedia=maybe"], [])), [
    ["CONFIG_ERR_VALUE", "sccp.conf", 4, "directmedia"],
  ]);
  assert.deepEqual(errorsOf(conf([], [], ["dnd=sometimes"])), [["CONFIG_ERR_VALUE", "sccp.conf", 7, "dnd"]]);
  assert.deepEqual(errorsOf(conf(["max_protocol_version=2"], [], [])), [
    ["CONFIG_ERR_VALUE", "sccp.conf", 2, "max_protocol_version"],
  ]);
});

test("bad dateformat, time zone, codec, group, model and address are value errors", () => {
  for (const bad of ["D.M", "D.M.M", "D.M/Y", "DD.MM.YY", "Y.M.DX"]) {
    assert.deepEqual(errorsOf(conf([`dateformat=${bad}`], [], [])), [
      ["CONFIG_ERR_VALUE", "sccp.conf", 2, "dateformat"],
    ]);
  }
  assert.deepEqual(errorsOf(conf([], [], ["dateformat=M-D"])), [
    ["CONFIG_ERR_VALUE", "sccp.conf", 7, "dateformat"],
  ]);
  assert.deepEqual(errorsOf(conf(["timezone=Mars/Olympus"], [], [])), [
    ["CONFIG_ERR_VALUE", "sccp.conf", 2, "timezone"],
  ]);
  assert.deepEqual(errorsOf(conf([], ["allow=ulaw,g726"], [])), [
    ["CONFIG_ERR_VALUE", "sccp.conf", 4, "allow"],
  ]);
  assert.deepEqual(errorsOf(conf([], ["disallow=all"], [])), [
    ["CONFIG_ERR_VALUE", "sccp.conf", 4, "disallow"],
  ]);
  assert.deepEqual(errorsOf(conf([], ["callgroup=1,70"], [])), [
    ["CONFIG_ERR_VALUE", "sccp.conf", 4, "callgroup"],
  ]);
  assert.deepEqual(errorsOf(conf([], [], ["model=7999"])), [["CONFIG_ERR_VALUE", "sccp.conf", 7, "model"]]);
  assert.deepEqual(errorsOf(conf(["bindaddr=10.0.0.300"], [], [])), [
    ["CONFIG_ERR_VALUE", "sccp.conf", 2, "bindaddr"],
  ]);
});

test("unknown line reference, duplicate device and duplicate line", () => {
  assert.deepEqual(errorsOf(conf([], [], ["line=999"])), [["CONFIG_ERR_MISSING", "sccp.conf", 7, "line"]]);
  assert.deepEqual(errorsOf(conf([], [], ["line=100"])), [["CONFIG_ERR_DUPLICATE", "sccp.conf", 7, "line"]]);
  const twice = `${conf([], [], [])}\n[SEP00164766A428]\nline=100\n`;
  assert.deepEqual(errorsOf(twice), [["CONFIG_ERR_DUPLICATE", "sccp.conf", 7, "[SEP00164766A428]"]]);
  const viaDeviceKey = `${conf([], [], [])}\n[other]\ndevice=sep00164766a428\nline=100\n`;
  assert.deepEqual(errorsOf(viaDeviceKey), [["CONFIG_ERR_DUPLICATE", "sccp.conf", 8, "device"]]);
  const lineTwice = "[lines]\n[100]\n[100]\n[devices]\n[SEP00164766A428]\nline=100\n";
  assert.deepEqual(errorsOf(lineTwice), [["CONFIG_ERR_DUPLICATE", "sccp.conf", 3, "[100]"]]);
});

test("bad device names, a device without line, an unclassified section, a missing guest device", () => {
  assert.deepEqual(errorsOf("[lines]\n[100]\n[devices]\n[SEP12345]\nline=100\n"), [
    ["CONFIG_ERR_VALUE", "sccp.conf", 4, "[SEP12345]"],
  ]);
  assert.deepEqual(errorsOf("[lines]\n[100]\n[devices]\n[x]\ndevice=not a name\nline=100\n"), [
    ["CONFIG_ERR_VALUE", "sccp.conf", 5, "device"],
  ]);
  assert.deepEqual(errorsOf("[lines]\n[100]\n[devices]\n[SEP001122334455]\nmodel=7940\n"), [
    ["CONFIG_ERR_MISSING", "sccp.conf", 4, "line"],
  ]);
  assert.deepEqual(errorsOf("[general]\n[100]\ncid_num=100\n"), [
    ["CONFIG_ERR_MISSING", "sccp.conf", 2, "[100]"],
  ]);
  assert.deepEqual(errorsOf("[general]\nguest=yes\n"), [["CONFIG_ERR_MISSING", "sccp.conf", 2, "guest"]]);
  assert.deepEqual(errorsOf(conf([], [], ["speeddial=nosuchsection"])), [
    ["CONFIG_ERR_MISSING", "sccp.conf", 7, "speeddial"],
  ]);
  assert.deepEqual(errorsOf("[sd]\ntype=speeddial\nlabel=x\n"), [
    ["CONFIG_ERR_MISSING", "sccp.conf", 1, "extension"],
  ]);
});

test("a syntax error is reported with its line", () => {
  assert.deepEqual(errorsOf(conf(["keepalive 10"], [], [])), [
    ["CONFIG_ERR_SYNTAX", "sccp.conf", 2, undefined],
  ]);
});

test("all errors are collected into one ConfigErrorList, in file order", () => {
  const text = conf(["keepalive=0", "dialtimeout=x"], ["directmedia=perhaps"], ["line=404"]);
  assert.throws(
    () => parseSccpConf(text, "many.conf"),
    (err: unknown) => {
      assert.ok(err instanceof ConfigErrorList);
      assert.deepEqual(
        err.errors.map((e) => [e.line, e.key]),
        [
          [2, "keepalive"],
          [3, "dialtimeout"],
          [6, "directmedia"],
          [10, "line"],
        ],
      );
      assert.equal(err.line, 2);
      assert.equal(err.message.split("\n").length, 5);
      return true;
    },
  );
});

test("unknown keys are warnings with file, line and key and do not throw", () => {
  const cfg = parseSccpConf(conf(["colour=blue"], ["cid_name=Bob", "frobnicate=1"], ["cid_num=5"]), "w.conf");
  assert.deepEqual(
    cfg.warnings.map((w) => [w.file, w.line, w.key]),
    [
      ["w.conf", 2, "colour"],
      ["w.conf", 6, "frobnicate"],
      ["w.conf", 10, "cid_num"],
    ],
  );
  assert.match(cfg.warnings[2]?.message ?? "", /line key/);
  assert.equal(cfg.lines.get("100")?.cidName, "Bob");
});

test("errors and warnings inside an included file name that file and its line", () => {
  const files = new Map([
    ["/etc/lk/bad.conf", "[devices]\n\n[SEP00164766A428]\nline=100\nkeepalive=0\n"],
    ["/etc/lk/odd.conf", "[devices]\n[SEP00164766A428]\nline=100\nmood=happy\n"],
  ]);
  const read = (p: string): string => {
    const t = files.get(p);
    if (t === undefined) throw new Error(`ENOENT ${p}`);
    return t;
  };
  const text = (inc: string): string => `[general]\n[lines]\n[100]\n#include ${inc}\n`;
  assert.deepEqual(errorsOf(text("bad.conf"), "/etc/lk/sccp.conf", read), [
    ["CONFIG_ERR_VALUE", "/etc/lk/bad.conf", 5, "keepalive"],
  ]);
  const cfg = parseSccpConf(text("odd.conf"), "/etc/lk/sccp.conf", { readInclude: read });
  assert.deepEqual(
    cfg.warnings.map((w) => [w.file, w.line, w.key]),
    [["/etc/lk/odd.conf", 4, "mood"]],
  );
  assert.equal(cfg.lines.get("100")?.file, "/etc/lk/sccp.conf");
  assert.equal(cfg.devices.get("SEP00164766A428")?.file, "/etc/lk/odd.conf");
});

test("an escaped semicolon survives in a value; CRLF files load", () => {
  const cfg = parseSccpConf(
    "[lines]\r\n[100]\r\ncid_name=Bob\\; Jr ; the name\r\n[devices]\r\n[SEP00164766A428]\r\nline=100\r\n",
    "crlf.conf",
  );
  assert.equal(cfg.lines.get("100")?.cidName, "Bob; Jr");
  assert.deepEqual(cfg.devices.get("SEP00164766A428")?.lines, ["100"]);
});
