import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadLinekeyConfig, parseCallerId, parseLinekeyConf } from "../../src/config/linekey-conf.ts";
import { configErrors } from "../../src/config/config-errors.ts";
import { ConfigError } from "../../src/util/errors.ts";

const FILE = "/etc/linekey/linekey.conf";

function errorsOf(
  text: string,
): { code: string; line: number | undefined; key: string | undefined; message: string }[] {
  try {
    parseLinekeyConf(text, FILE);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return configErrors(err).map((e) => ({ code: e.code, line: e.line, key: e.key, message: e.message }));
  }
  assert.fail("expected configuration errors");
}

test("linekey.conf: defaults, every section and a user", () => {
  const cfg = parseLinekeyConf(
    [
      "[general]",
      "db_url = sqlite:///var/lib/linekey/lk.db",
      "rtp_start = 20000",
      "rtp_end = 20100",
      "rpc_port = 5080",
      "[sip]",
      "domain = pbx.example.com",
      "domain = 192.0.2.10",
      "udp_port = 5070",
      "auth_algorithms = sha-256, md5",
      "min_expires = 30",
      "[sca]",
      "line_seize_max_expires = 20",
      "purge_expired_interval = 5",
      "server_address = sip:sca.example.com:5070",
      "[2104]",
      "type = user",
      'callerid = "Front Desk" <2104>',
      "secret = s3cret",
      "sca = yes",
    ].join("\n"),
    FILE,
  );
  assert.equal(cfg.general.dbUrl, "sqlite:///var/lib/linekey/lk.db");
  assert.deepEqual([cfg.general.rtpStart, cfg.general.rtpEnd], [20000, 20100]);
  assert.deepEqual([cfg.general.rpcBindaddr, cfg.general.rpcPort], ["127.0.0.1", 5080]);
  assert.equal(cfg.sip.bindaddr, "0.0.0.0", "not the embedded defaults: all interfaces");
  assert.deepEqual([cfg.sip.udpPort, cfg.sip.tcpPort], [5070, 5060]);
  assert.deepEqual(cfg.sip.domains, ["pbx.example.com", "192.0.2.10"]);
  assert.equal(cfg.sip.realm, "pbx.example.com", "realm defaults to the first domain");
  assert.deepEqual(cfg.sip.authAlgorithms, ["SHA-256", "MD5"]);
  assert.equal(cfg.sip.auth, true);
  assert.deepEqual([cfg.sip.minExpires, cfg.sip.defaultExpires, cfg.sip.maxExpires], [30, 3600, 3600]);
  assert.deepEqual(cfg.sca, {
    hashTableSize: 9,
    callInfoMaxExpires: 3600,
    lineSeizeMaxExpires: 20,
    purgeExpiredInterval: 5,
    subsTable: "sca_subscriptions",
    dbUpdateInterval: 300,
    serverAddress: "sip:sca.example.com:5070",
  });
  const u = cfg.users.get("2104");
  assert.deepEqual(u && { ...u, file: undefined }, {
    name: "2104",
    secret: "s3cret",
    context: "default",
    callerid: { name: "Front Desk", number: "2104" },
    sca: true,
    file: undefined,
    line: 16,
  });
  assert.deepEqual(cfg.warnings, []);
});

test("linekey.conf: invalid values are errors naming file, line and key; unknown keys warnings", () => {
  const errs = errorsOf(
    [
      "[general]", // 1
      "rtp_start = lots", // 2
      "[sip]", // 3
      "bindaddr = pbx.local", // 4
      "auth = maybe", // 5
      "t1 = 0", // 6
      "[sca]", // 7
      "hash_table_size = 40", // 8
      "subs_table = drop table", // 9
      "[300]", // 10
      "secret = x", // 11
      "[301]", // 12
      "type = phone", // 13
      "[sca]", // 14
      "server_address = <sip:x>", // 15
    ].join("\n"),
  );
  assert.deepEqual(
    errs.map((e) => [e.code, e.line, e.key]),
    [
      ["CONFIG_ERR_VALUE", 2, "rtp_start"],
      ["CONFIG_ERR_VALUE", 4, "bindaddr"],
      ["CONFIG_ERR_VALUE", 5, "auth"],
      ["CONFIG_ERR_VALUE", 6, "t1"],
      ["CONFIG_ERR_VALUE", 8, "hash_table_size"],
      ["CONFIG_ERR_VALUE", 9, "subs_table"],
      ["CONFIG_ERR_VALUE", 15, "server_address"],
      ["CONFIG_ERR_MISSING", 10, "[300]"],
      ["CONFIG_ERR_VALUE", 13, "type"],
    ],
  );
  assert.match(
    errs[0]?.message ?? "",
    /^\/etc\/linekey\/linekey\.conf:2: rtp_start: 'lots' is not a whole number/,
  );

  const cfg = parseLinekeyConf(
    "[sip]\nauth = no\nfrobnicate = 1\n[100]\ntype = user\nsecret = a\nport = 5\n",
    FILE,
  );
  assert.deepEqual(
    cfg.warnings.map((w) => [w.line, w.key, w.message]),
    [
      [3, "frobnicate", "unknown sip key 'frobnicate', ignored"],
      [7, "port", "unknown user key 'port', ignored"],
    ],
  );
});

test("linekey.conf: cross-key rules (rtp range, expires order, secrets with auth = yes)", () => {
  const errs = errorsOf(
    "[general]\nrtp_start = 30000\nrtp_end = 20000\n[sip]\nmin_expires = 600\nmax_expires = 300\n[100]\ntype = user\n",
  );
  assert.deepEqual(
    errs.map((e) => [e.line, e.key]),
    [
      [3, "rtp_end"],
      [6, "max_expires"],
      [6, "max_expires"],
      [7, "secret"],
    ],
  );
  assert.match(errs[3]?.message ?? "", /user '100' has no secret/);
  // Without authentication a user needs no secret.
  assert.equal(parseLinekeyConf("[sip]\nauth = no\n[100]\ntype = user\n", FILE).users.size, 1);
});

test("caller ids", () => {
  assert.deepEqual(parseCallerId('"Bob \\"B\\"" <100>'), { name: 'Bob "B"', number: "100" });
  assert.deepEqual(parseCallerId("Alice <101>"), { name: "Alice", number: "101" });
  assert.deepEqual(parseCallerId("102"), { number: "102" });
  assert.throws(() => parseCallerId('"Bob <100'), /not a caller id/);
});

test("loadLinekeyConfig: embedded defaults on loopback, a folder without the file, a bad file", () => {
  const embedded = loadLinekeyConfig();
  assert.equal(embedded.present, true);
  assert.equal(embedded.sip.bindaddr, "127.0.0.1");
  assert.deepEqual([...embedded.users.keys()], ["300", "301"]);
  assert.equal(embedded.file, "<embedded>/linekey.conf");

  const dir = mkdtempSync(join(tmpdir(), "linekey-conf-"));
  try {
    const none = loadLinekeyConfig(dir);
    assert.equal(none.present, false);
    assert.equal(none.sip.bindaddr, "0.0.0.0");
    assert.equal(none.users.size, 0);
    writeFileSync(join(dir, "linekey.conf"), "[sip]\nudp_port = 99999\n");
    assert.throws(
      () => loadLinekeyConfig(dir),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.file === join(dir, "linekey.conf") &&
        err.line === 2 &&
        err.key === "udp_port",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
