import { test } from "node:test";
import assert from "node:assert/strict";
import { deviceFingerprint, devicesForLine, parseSccpConf } from "../../src/config/sccp-conf.ts";
import type { SccpDeviceConfig, SccpLineConfig, SccpConfig } from "../../src/config/sccp-conf.ts";

/** The example sccp.conf of the seed README, verbatim (with its reStructuredText indentation). */
const SEED_SCCP_CONF = `   [general]
   bindaddr=10.97.8.5
   dateformat=D.M.Y

   keepalive=10
   authtimeout=10
   dialtimeout=3
   context=default

   [lines]

   [100]
   cid_num=100
   cid_name=Bob

   [devices]

   [SEP00164766A428]
   device=SEP00164766A428
   line=100
   voicemail=200
`;

function line(cfg: SccpConfig, name: string): SccpLineConfig {
  const l = cfg.lines.get(name);
  assert.ok(l, `line ${name}`);
  return l;
}

function device(cfg: SccpConfig, name: string): SccpDeviceConfig {
  const d = cfg.devices.get(name);
  assert.ok(d, `device ${name}`);
  return d;
}

test("the seed's example sccp.conf loads verbatim", () => {
  const cfg = parseSccpConf(SEED_SCCP_CONF, "/etc/asterisk/sccp.conf");
  assert.deepEqual(cfg.warnings, []);
  const g = cfg.general;
  assert.equal(g.bindaddr, "10.97.8.5");
  assert.equal(g.dateformat, "D.M.Y");
  assert.equal(g.keepalive, 10);
  assert.equal(g.authtimeout, 10);
  assert.equal(g.dialtimeout, 3);
  assert.equal(g.context, "default");
  assert.equal(g.port, 2000);
  assert.equal(g.maxProtocolVersion, 11);
  assert.deepEqual(g.codecs, ["ulaw", "alaw"]);

  assert.deepEqual([...cfg.lines.keys()], ["100"]);
  const l = line(cfg, "100");
  assert.equal(l.cidNum, "100");
  assert.equal(l.cidName, "Bob");
  assert.equal(l.context, "default");
  assert.equal(l.line, 12);

  assert.deepEqual([...cfg.devices.keys()], ["SEP00164766A428"]);
  const d = device(cfg, "SEP00164766A428");
  assert.deepEqual(d.lines, ["100"]);
  assert.equal(d.voicemail, "200");
  assert.equal(d.vmexten, "200");
  assert.equal(d.keepalive, 10);
  assert.equal(d.dateformat, "D.M.Y");
  assert.equal(d.line, 18);
  assert.equal(cfg.guest, undefined);
});

test("defaults apply when [general] is empty; a line without cid_num takes its section name", () => {
  const cfg = parseSccpConf("[general]\n[lines]\n[300]\n[devices]\n[SEP001122334455]\nline=300\n", "d.conf");
  assert.equal(cfg.general.bindaddr, "0.0.0.0");
  assert.equal(cfg.general.authtimeout, 5);
  assert.equal(cfg.general.dialtimeout, 2);
  assert.equal(cfg.general.vmexten, "*98");
  assert.equal(line(cfg, "300").cidNum, "300");
  assert.equal(device(cfg, "SEP001122334455").vmexten, "*98");
});

test("several line = give instances in order; a line on two devices is shared", () => {
  const cfg = parseSccpConf(
    [
      "[lines]",
      "[101]",
      "[103]",
      "[200]",
      "[devices]",
      "[SEP001AA289343B]",
      "line=103",
      "line=101",
      "line=200",
      "[SEPACA016FDF235]",
      "line=200",
    ].join("\n"),
    "multi.conf",
  );
  assert.deepEqual(device(cfg, "SEP001AA289343B").lines, ["103", "101", "200"]);
  assert.deepEqual(device(cfg, "SEPACA016FDF235").lines, ["200"]);
  assert.deepEqual(devicesForLine(cfg, "200"), ["SEP001AA289343B", "SEPACA016FDF235"]);
  assert.deepEqual(devicesForLine(cfg, "101"), ["SEP001AA289343B"]);
});

test("wazo style: sections typed with type =, speed-dial sections referenced by name", () => {
  const cfg = parseSccpConf(
    [
      "[general]",
      "authtimeout = 5",
      "guest = no",
      "",
      "[SEP0015C66BFD16]",
      "type = device",
      "dateformat = D/M/Y",
      "voicemail = 1002@foobar",
      "vmexten = *98",
      "keepalive = 10",
      "dialtimeout = 5",
      "timezone = America/Winnipeg",
      "line = 1001",
      "speeddial = 1-1",
      "speeddial = 1-2",
      "",
      "[1001]",
      "type = line",
      "cid_name = Alice",
      "cid_num = 1001",
      "setvar = XIVO_USERID=1",
      "setvar = PICKUPMARK=1001%default",
      "context = default",
      "language = en_US",
      "accountcode = 1001",
      "directmedia = yes",
      "tos_audio = EF",
      "disallow = all",
      "allow = alaw,ulaw",
      "callgroup = 1,3-4",
      "pickupgroup = 1,3-5",
      "namedcallgroup = engineering,sales",
      "namedpickupgroup = sales",
      "",
      "[1-1]",
      "type = speeddial",
      "label = Bob",
      "extension = 1002",
      "blf = yes",
      "",
      "[1-2]",
      "type = speeddial",
      "label = Carlos",
      "extension = 1003",
      "blf = no",
    ].join("\n"),
    "wazo.conf",
  );
  assert.deepEqual(cfg.warnings, []);
  const d = device(cfg, "SEP0015C66BFD16");
  assert.deepEqual(d.lines, ["1001"]);
  assert.equal(d.dateformat, "D/M/Y");
  assert.equal(d.voicemail, "1002@foobar");
  assert.equal(d.vmexten, "*98");
  assert.equal(d.dialtimeout, 5);
  assert.equal(d.timezone, "America/Winnipeg");
  assert.deepEqual(
    d.speeddials.map((s) => [s.index, s.extension, s.label, s.blf, s.section, s.line]),
    [
      [1, "1002", "Bob", true, "1-1", 14],
      [2, "1003", "Carlos", false, "1-2", 15],
    ],
  );
  const l = line(cfg, "1001");
  assert.equal(l.cidName, "Alice");
  assert.deepEqual(l.setvars, [
    { name: "XIVO_USERID", value: "1" },
    { name: "PICKUPMARK", value: "1001%default" },
  ]);
  assert.equal(l.directmedia, true);
  assert.equal(l.tosAudio, 46 << 2);
  assert.deepEqual(l.codecs, ["alaw", "ulaw"]);
  assert.deepEqual(l.callgroup, [1, 3, 4]);
  assert.deepEqual(l.pickupgroup, [1, 3, 4, 5]);
  assert.deepEqual(l.namedCallgroup, ["engineering", "sales"]);
  assert.deepEqual(l.namedPickupgroup, ["sales"]);
  assert.equal(l.accountcode, "1001");
});

test("call-feature keys of a line: forwards, hotline, mailbox, codecs from general", () => {
  const cfg = parseSccpConf(
    [
      "[general]",
      "disallow=all",
      "allow=g722,ulaw",
      "directmedia=yes",
      "context=office",
      "[lines]",
      "[100]",
      "forward_busy=200",
      "forward_noanswer=201",
      "forward_noanswer_timeout=12",
      "hotline=911",
      "hotline_delay=3",
      "voicemail=100@office",
      "disallow=g722",
      "[101]",
      "cfwdbusy=300",
      "mailbox=101",
      "directmedia=no",
      "[devices]",
      "[SEP001122334455]",
      "line=100",
      "line=101",
      "dnd=yes",
    ].join("\n"),
    "features.conf",
  );
  const a = line(cfg, "100");
  assert.equal(a.forwardBusy, "200");
  assert.equal(a.forwardNoAnswer, "201");
  assert.equal(a.forwardNoAnswerTimeout, 12);
  assert.equal(a.hotline, "911");
  assert.equal(a.hotlineDelay, 3);
  assert.equal(a.mailbox, "100@office");
  assert.equal(a.context, "office");
  assert.deepEqual(a.codecs, ["ulaw"]);
  assert.equal(a.directmedia, true);
  const b = line(cfg, "101");
  assert.equal(b.forwardBusy, "300");
  assert.equal(b.forwardNoAnswer, undefined);
  assert.equal(b.forwardNoAnswerTimeout, 20);
  assert.equal(b.mailbox, "101");
  assert.deepEqual(b.codecs, ["g722", "ulaw"]);
  assert.equal(b.directmedia, false);
  assert.equal(device(cfg, "SEP001122334455").dnd, true);
});

test("inline speed dials: number,label[,blf] and chan_skinny's hint form", () => {
  const cfg = parseSccpConf(
    [
      "[lines]",
      "[100]",
      "[devices]",
      "[SEP001122334455]",
      "line=100",
      "speeddial=101,Alice",
      "speeddial=102,Carol,blf",
      "speeddial=103,Dave,103@default",
      "speeddial=104,,no",
    ].join("\n"),
    "sd.conf",
  );
  assert.deepEqual(
    device(cfg, "SEP001122334455").speeddials.map((s) => [s.index, s.extension, s.label, s.blf, s.hint]),
    [
      [1, "101", "Alice", false, undefined],
      [2, "102", "Carol", true, undefined],
      [3, "103", "Dave", true, "103@default"],
      [4, "104", "104", false, undefined],
    ],
  );
});

test("device names: device = overrides the section name, SEP hex is upper-cased; models normalised", () => {
  const cfg = parseSccpConf(
    [
      "[lines]",
      "[100]",
      "[devices]",
      "[bobs-desk]",
      "device=sep00164766a428",
      "model=7941G-GE",
      "line=100",
      "[MyCIPC]",
      "type=IP Communicator",
      "line=100",
      "[SEP001122334455]",
      "devicetype=CP-7912G",
      "line=100",
    ].join("\n"),
    "names.conf",
  );
  assert.deepEqual([...cfg.devices.keys()], ["SEP00164766A428", "MyCIPC", "SEP001122334455"]);
  assert.equal(device(cfg, "SEP00164766A428").model, "7941GE");
  assert.equal(device(cfg, "MyCIPC").model, "CIPC");
  assert.equal(device(cfg, "SEP001122334455").model, "7912");
});

test("templates give devices shared keys; the template itself is not a device", () => {
  const cfg = parseSccpConf(
    [
      "[general]",
      "timezone=Europe/Paris",
      "[phone](!)",
      "type=device",
      "dateformat=m/d/ya",
      "keepalive=30",
      "[lines]",
      "[100]",
      "[101]",
      "[SEP001122334455](phone)",
      "line=100",
      "[SEP001122334466](phone)",
      "line=101",
      "keepalive=60",
    ].join("\n"),
    "tmpl.conf",
  );
  assert.deepEqual([...cfg.devices.keys()], ["SEP001122334455", "SEP001122334466"]);
  const a = device(cfg, "SEP001122334455");
  assert.equal(a.dateformat, "M/D/YA");
  assert.equal(a.keepalive, 30);
  assert.equal(a.timezone, "Europe/Paris");
  assert.equal(device(cfg, "SEP001122334466").keepalive, 60);
});

test("guest = yes uses the [guest] device, which is not in the device map", () => {
  const cfg = parseSccpConf(
    "[general]\nguest=yes\nmax_guests=5\n[lines]\n[autoprov]\nhotline=**\n[devices]\n[guest]\nline=autoprov\n",
    "guest.conf",
  );
  assert.equal(cfg.general.guest, true);
  assert.equal(cfg.general.maxGuests, 5);
  assert.equal(cfg.devices.size, 0);
  assert.ok(cfg.guest);
  assert.equal(cfg.guest.guest, true);
  assert.equal(cfg.guest.name, "guest");
  assert.deepEqual(cfg.guest.lines, ["autoprov"]);
  assert.equal(typeof deviceFingerprint(cfg, "guest"), "string");
});

test("general keys: transfer mode, TOS names and numbers, NAT, protocol cap", () => {
  const cfg = parseSccpConf(
    [
      "[general]",
      "transfer_mode=blind",
      "tos=cs3",
      "tos_audio=0xb8",
      "cos=4",
      "nat=yes",
      "externip=192.0.2.10",
      "max_protocol_version=17",
      "bindport=2001",
      "callfwd_timeout=9",
    ].join("\n"),
    "gen.conf",
  );
  const g = cfg.general;
  assert.equal(g.transferMode, "blind");
  assert.equal(g.tos, 24 << 2);
  assert.equal(g.tosAudio, 0xb8);
  assert.equal(g.cos, 4);
  assert.equal(g.nat, true);
  assert.equal(g.externip, "192.0.2.10");
  assert.equal(g.maxProtocolVersion, 17);
  assert.equal(g.port, 2001);
  assert.equal(g.callfwdTimeout, 9);
});

test("deviceFingerprint follows the device's lines and ignores unrelated devices", () => {
  const base = [
    "[lines]",
    "[100]",
    "cid_name=Bob",
    "[101]",
    "cid_name=Alice",
    "[devices]",
    "[SEP001122334455]",
    "line=100",
    "[SEP001122334466]",
    "line=101",
    "keepalive=20",
  ];
  const fp = (lines: string[], dev: string): string =>
    deviceFingerprint(parseSccpConf(lines.join("\n"), "fp.conf"), dev);
  const a0 = fp(base, "SEP001122334455");
  const b0 = fp(base, "SEP001122334466");
  assert.match(a0, /^[0-9a-f]{64}$/);
  assert.notEqual(a0, b0);
  assert.equal(fp(base, "SEP001122334455"), a0, "stable across loads");

  const renamed = base.map((l) => (l === "cid_name=Bob" ? "cid_name=Robert" : l));
  assert.notEqual(fp(renamed, "SEP001122334455"), a0, "its line's cid_name changed");
  assert.equal(fp(renamed, "SEP001122334466"), b0, "unrelated device unchanged");

  const other = base.map((l) => (l === "keepalive=20" ? "keepalive=30" : l));
  assert.equal(fp(other, "SEP001122334455"), a0, "another device's key changed");
  assert.notEqual(fp(other, "SEP001122334466"), b0);

  // Moving sections around (new line numbers) is not a change.
  assert.equal(fp(["; comment", "", ...base], "SEP001122334455"), a0);
});
