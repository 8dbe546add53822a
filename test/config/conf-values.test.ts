import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ValueProblem,
  applyCodecs,
  parseBool,
  parseDateFormat,
  parseDeviceName,
  parseGroups,
  parseModel,
  parseTos,
} from "../../src/config/conf-values.ts";
import { CODECS } from "../../src/config/sccp-model.ts";
import { parseSccpConf } from "../../src/config/sccp-conf.ts";

test("date templates of the phones are accepted and upper-cased", () => {
  for (const ok of ["D.M.Y", "M/D/Y", "Y-M-D", "M-D-YA", "d/m/y", "Y.D.MA"]) {
    assert.equal(parseDateFormat(ok), ok.toUpperCase());
  }
  for (const bad of ["", "DMY", "D.M.Y.", "D:M:Y", "D.M.YAA", "D.D.Y", "D.M.YB"]) {
    assert.throws(() => parseDateFormat(bad), ValueProblem, bad);
  }
});

test("booleans follow Asterisk's words", () => {
  for (const t of ["yes", "TRUE", "on", "1", "y"]) assert.equal(parseBool(t), true);
  for (const f of ["no", "False", "off", "0", "n"]) assert.equal(parseBool(f), false);
  assert.throws(() => parseBool("2"), ValueProblem);
});

test("allow/disallow keep preference order and understand all", () => {
  assert.deepEqual(applyCodecs(["ulaw", "alaw"], "allow", "g722, ulaw"), ["ulaw", "alaw", "g722"]);
  assert.deepEqual(applyCodecs(["ulaw", "alaw"], "disallow", "ulaw"), ["alaw"]);
  assert.deepEqual(applyCodecs(["ulaw"], "disallow", "all"), []);
  assert.deepEqual(applyCodecs(["alaw"], "allow", "all"), ["alaw", ...CODECS.filter((c) => c !== "alaw")]);
  assert.throws(() => applyCodecs([], "allow", "speex"), ValueProblem);
});

test("groups expand ranges", () => {
  assert.deepEqual(parseGroups("1,3-5"), [1, 3, 4, 5]);
  assert.deepEqual(parseGroups("5, 2 - 3, 5"), [2, 3, 5]);
  assert.deepEqual(parseGroups(""), []);
  for (const bad of ["64", "3-1", "a", "1,,2"]) assert.throws(() => parseGroups(bad), ValueProblem, bad);
});

test("TOS names map to DSCP << 2; numbers are the byte", () => {
  assert.equal(parseTos("EF"), 46 << 2);
  assert.equal(parseTos("af31"), 26 << 2);
  assert.equal(parseTos("CS0"), 0);
  assert.equal(parseTos("0x10"), 16);
  assert.equal(parseTos("184"), 184);
  for (const bad of ["256", "AF44", "fast"]) assert.throws(() => parseTos(bad), ValueProblem, bad);
});

test("model spellings are normalised; unknown ones refused", () => {
  const cases: [string, string][] = [
    ["7960", "7960"],
    ["7960G", "7960"],
    ["7941G-GE", "7941GE"],
    ["7941GE", "7941GE"],
    ["CP-7912G", "7912"],
    ["Cisco 7940", "7940"],
    ["IP Communicator", "CIPC"],
    ["ata 186", "ATA186"],
  ];
  for (const [input, want] of cases) assert.equal(parseModel(input), want, input);
  for (const bad of ["7999", "7914", "phone"]) assert.throws(() => parseModel(bad), ValueProblem, bad);
});

test("device names: SEP/ATA/VGC need 12 hex digits; other names are 1-15 letters and digits", () => {
  assert.equal(parseDeviceName("sep00164766a428"), "SEP00164766A428");
  assert.equal(parseDeviceName("ATA001122334455"), "ATA001122334455");
  assert.equal(parseDeviceName("OfficeCIPC"), "OfficeCIPC");
  for (const bad of ["SEP00164766A42", "SEP00164766A42G", "SEP00164766A4280", "a-b", "ABCDEFGHIJKLMNOP"]) {
    assert.throws(() => parseDeviceName(bad), ValueProblem, bad);
  }
});

test("every documented key is accepted without a warning", () => {
  const cfg = parseSccpConf(
    [
      "[general]",
      "bindaddr=0.0.0.0",
      "port=2000",
      "bindport=2000",
      "dateformat=D.M.Y",
      "keepalive=10",
      "authtimeout=5",
      "dialtimeout=2",
      "context=default",
      "language=en_US",
      "vmexten=*98",
      "directmedia=no",
      "disallow=all",
      "allow=ulaw",
      "timezone=UTC",
      "max_protocol_version=11",
      "guest=no",
      "max_guests=10",
      "callfwd_timeout=5",
      "transfer_mode=auto",
      "nat=no",
      "externip=::1",
      "tos=AF31",
      "tos_audio=EF",
      "cos=3",
      "cos_audio=5",
      "musicclass=default",
      "[l1]",
      "type=line",
      "cid_num=1",
      "cid_name=One",
      "label=One",
      "context=default",
      "language=fr",
      "voicemail=1",
      "mailbox=1",
      "callgroup=1",
      "pickupgroup=1",
      "namedcallgroup=a",
      "namedpickupgroup=a",
      "allow=alaw",
      "disallow=alaw",
      "directmedia=no",
      "hotline=2",
      "hotline_delay=1",
      "forward_busy=2",
      "cfwdbusy=2",
      "forward_noanswer=2",
      "cfwdnoanswer=2",
      "forward_noanswer_timeout=10",
      "cfwdnoanswer_timeout=10",
      "setvar=A=b",
      "accountcode=x",
      "musicclass=default",
      "tos_audio=EF",
      "[sd]",
      "type=speeddial",
      "extension=2",
      "label=Two",
      "blf=yes",
      "[d1]",
      "type=device",
      "device=SEP001122334455",
      "model=7940",
      "devicetype=7940",
      "line=l1",
      "voicemail=1",
      "vmexten=1",
      "speeddial=sd",
      "timezone=UTC",
      "dateformat=D.M.Y",
      "keepalive=10",
      "dialtimeout=2",
      "max_protocol_version=11",
      "dnd=no",
      "directmedia=no",
      "nat=no",
    ].join("\n"),
    "all.conf",
  );
  assert.deepEqual(cfg.warnings, []);
  assert.equal(cfg.devices.get("SEP001122334455")?.speeddials[0]?.label, "Two");
});
