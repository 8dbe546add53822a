import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConf } from "../../src/config/asterisk-conf.ts";
import {
  EMBEDDED_DIR,
  loadExtensionsDocument,
  loadSccpConfig,
  resolveConfigDir,
} from "../../src/config/config-dir.ts";
import { DEFAULT_EXTENSIONS_CONF, DEFAULT_SCCP_CONF } from "../../src/config/defaults.ts";
import { devicesForLine, parseSccpConf } from "../../src/config/sccp-conf.ts";
import { ConfigError } from "../../src/util/errors.ts";

test("the embedded sccp.conf parses with no warnings, on loopback, with the seed's device", () => {
  const cfg = parseSccpConf(DEFAULT_SCCP_CONF, "<embedded>/sccp.conf");
  assert.deepEqual(cfg.warnings, []);
  assert.equal(cfg.general.bindaddr, "127.0.0.1");
  const seed = cfg.devices.get("SEP00164766A428");
  assert.deepEqual(seed?.lines, ["100"]);
  assert.equal(seed.voicemail, "200");
  assert.equal(cfg.lines.get("100")?.cidName, "Bob");
  assert.equal(cfg.lines.get("101")?.cidName, "Alice");
  const models = new Set([...cfg.devices.values()].map((d) => d.model));
  for (const m of ["7940", "7960", "7912"] as const) assert.ok(models.has(m), `a ${m}`);
  assert.ok(
    [...cfg.devices.values()].some((d) => d.model === "7940" && d.lines.length === 2),
    "a 7940 with two lines",
  );
  assert.ok(
    [...cfg.lines.keys()].some((l) => devicesForLine(cfg, l).length > 1),
    "a shared line",
  );
  assert.ok(
    [...cfg.devices.values()].some((d) => d.speeddials.some((s) => s.blf)),
    "a BLF speed dial",
  );
});

test("the embedded extensions.conf routes every configured line with Dial(SCCP/...)", () => {
  const sccp = parseSccpConf(DEFAULT_SCCP_CONF, "<embedded>/sccp.conf");
  const doc = parseConf(DEFAULT_EXTENSIONS_CONF, "<embedded>/extensions.conf");
  const names = doc.sections.map((s) => s.name);
  for (const ctx of ["default", "xivo-callme", "xivo-pickup"]) assert.ok(names.includes(ctx), ctx);
  const exts = doc.sections.find((s) => s.name === "default")?.entries.filter((e) => e.key === "exten") ?? [];
  const patterns = exts.map((e) => e.value.split(",")[0] ?? "");
  // Each line's number matches one of the default context's patterns (`_1XX`: X = any digit).
  const matches = (p: string, n: string): boolean =>
    p.startsWith("_")
      ? p.length - 1 === n.length &&
        Array.from({ length: n.length }, (_, i) => p.charAt(i + 1)).every((c, i) => c === "X" || c === n[i])
      : p === n;
  for (const l of sccp.lines.values()) {
    assert.ok(
      patterns.some((p) => matches(p, l.cidNum)),
      `line ${l.cidNum} reachable`,
    );
  }
  assert.ok(exts.some((e) => e.value.includes("Dial(SCCP/${EXTEN}")));
  assert.ok(doc.sections.some((s) => s.entries.some((e) => e.value.includes("Page(sccp/100/autoanswer"))));
});

test("no folder means the embedded defaults; errors and warnings name <embedded>/sccp.conf", () => {
  const cd = resolveConfigDir();
  assert.equal(cd.embedded, true);
  assert.equal(cd.dir, undefined);
  const cfg = loadSccpConfig();
  assert.equal(cfg.file, `${EMBEDDED_DIR}/sccp.conf`);
  assert.ok(cfg.devices.has("SEP00164766A428"));
  assert.equal(loadExtensionsDocument().file, `${EMBEDDED_DIR}/extensions.conf`);
});

test("a folder: present files are found and loaded, absent ones are empty, a missing folder is CONFIG_ERR_IO", () => {
  const dir = mkdtempSync(join(tmpdir(), "lk-dir-"));
  try {
    const empty = resolveConfigDir(dir);
    assert.equal(empty.embedded, false);
    assert.equal(empty.dir, dir);
    assert.equal(empty.sccpConfPath, undefined);
    assert.equal(loadSccpConfig(dir).devices.size, 0);
    assert.deepEqual(loadExtensionsDocument(dir).sections, []);

    writeFileSync(
      join(dir, "sccp.conf"),
      "[lines]\n[500]\n[devices]\n[SEP001122334455]\nline=500\nkeepalive=0\n",
    );
    writeFileSync(join(dir, "extensions.conf"), "[default]\nexten => 500,1,Dial(SCCP/500)\n");
    writeFileSync(join(dir, "linekey.conf"), "[general]\n");
    const full = resolveConfigDir(dir);
    assert.equal(full.sccpConfPath, join(dir, "sccp.conf"));
    assert.equal(full.extensionsConfPath, join(dir, "extensions.conf"));
    assert.equal(full.linekeyConfPath, join(dir, "linekey.conf"));
    assert.throws(
      () => loadSccpConfig(dir),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.file === join(dir, "sccp.conf") &&
        err.line === 6 &&
        err.key === "keepalive",
    );
    assert.equal(loadExtensionsDocument(dir).sections[0]?.entries[0]?.value, "500,1,Dial(SCCP/500)");

    const nowhere = join(dir, "nope");
    assert.throws(
      () => resolveConfigDir(nowhere),
      (err: unknown) => err instanceof ConfigError && err.code === "CONFIG_ERR_IO" && err.file === nowhere,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
