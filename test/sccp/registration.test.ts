import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { startServer, until, type TestServer } from "../support/linekey.ts";
import { SEED_MODELS, modelByName } from "../../src/sccp/models.ts";
import { rawFrame } from "../../src/phone/virtual-phone.ts";

const MODELS = [...SEED_MODELS, "7961GE", "7942", "7945", "7962", "7965", "7970", "7975", "CIPC"];

function deviceName(i: number): string {
  return `SEP0000000000${(0x10 + i).toString(16).toUpperCase().padStart(2, "0")}`;
}

const CONF = `[general]
bindaddr=127.0.0.1
dateformat=D.M.Y
keepalive=1
authtimeout=1
dialtimeout=3
context=default

[lines]

[100]
cid_num=100
cid_name=Bob

[101]
cid_num=101
cid_name=Alice

${MODELS.map((_, i) => `[${200 + i}]\ncid_num=${200 + i}\ncid_name=User ${i}\n`).join("\n")}

[devices]

[SEP00164766A428]
device=SEP00164766A428
line=100
voicemail=200

[SEP001AA289343B]
device=SEP001AA289343B
line=101
line=100
speeddial=107,Reception

${MODELS.map((_, i) => `[${deviceName(i)}]\ndevice=${deviceName(i)}\nline=${200 + i}\n`).join("\n")}
`;

describe("SCCP registration", () => {
  let t: TestServer;
  before(async () => {
    t = await startServer(CONF);
  });
  after(async () => {
    await t.stop();
  });

  for (const [i, model] of MODELS.entries()) {
    it(`registers a ${model} and shows its line`, async () => {
      const phone = t.phone(deviceName(i), model);
      await phone.register();
      const info = modelByName(model);
      assert.ok(info);
      const dev = t.server.registry.get(deviceName(i));
      assert.equal(dev?.state, "registered");
      assert.equal(dev.modelName, info.name);
      assert.equal(dev.negotiatedVersion, Math.min(phone.offeredVersion, 11));
      assert.equal(phone.negotiatedVersion, dev.negotiatedVersion);
      const ack = await phone.waitFor("RegisterAck", undefined, 1000, 0);
      assert.equal(ack.keepAliveInterval, 1);
      assert.equal(ack.dateTemplate, "D.M.Y");
      const lineStat = await phone.waitFor("LineStat", (m) => m.lineNumber === 1, 1000, 0);
      assert.equal(lineStat.lineDirNumber, String(200 + i));
      assert.equal(lineStat.lineFullyQualifiedDisplayName, `User ${i}`);
      const tpl = await phone.waitFor("ButtonTemplate", undefined, 1000, 0);
      assert.deepEqual(tpl.buttons.slice(0, tpl.buttonCount), [
        { instanceNumber: 1, buttonDefinition: 0x09 },
      ]);
      const select = await phone.waitFor("SelectSoftKeys", undefined, 1000, 0);
      assert.equal(select.softKeySetIndex, 0);
      assert.ok(dev.capabilities.length > 0, "codecs recorded from CapabilitiesRes");
      await phone.waitFor("DefineTimeDate", undefined, 1000, 0);
      assert.equal(dev.configured, true);
    });
  }

  it("gives a two-line device both lines in order plus its speed dial", async () => {
    const phone = t.phone("SEP001AA289343B", "7940");
    await phone.register();
    const tpl = await phone.waitFor("ButtonTemplate", undefined, 1000, 0);
    assert.deepEqual(tpl.buttons.slice(0, tpl.buttonCount), [
      { instanceNumber: 1, buttonDefinition: 0x09 },
      { instanceNumber: 2, buttonDefinition: 0x09 },
      { instanceNumber: 1, buttonDefinition: 0x02 },
    ]);
    const l1 = await phone.waitFor("LineStat", (m) => m.lineNumber === 1, 1000, 0);
    const l2 = await phone.waitFor("LineStat", (m) => m.lineNumber === 2, 1000, 0);
    assert.equal(l1.lineDirNumber, "101");
    assert.equal(l2.lineDirNumber, "100");
    const sd = await phone.waitFor("SpeedDialStat", (m) => m.speedDialNumber === 1, 1000, 0);
    assert.equal(sd.speedDialDirNumber, "107");
    assert.equal(sd.speedDialDisplayName, "Reception");
    const fwd = await phone.waitFor("ForwardStat", (m) => m.lineNumber === 2, 1000, 0);
    assert.equal(fwd.activeForward, 0);
    const cfg = await phone.waitFor("ConfigStat", undefined, 1000, 0);
    assert.equal(cfg.deviceName, "SEP001AA289343B");
    assert.equal(cfg.numberLines, 2);
    const srv = await phone.waitFor("ServerRes", undefined, 1000, 0);
    assert.equal(srv.serverIpAddr[0], "127.0.0.1");
    phone.close();
  });

  it("answers a 7912's four menu speed-dial requests even with none configured", async () => {
    const phone = t.phone("SEP00164766A428", "7912");
    await phone.register();
    const stats = phone.messagesSince(0, "SpeedDialStat");
    assert.deepEqual(
      stats.map((m) => (m.type === "SpeedDialStat" ? m.speedDialNumber : -1)),
      [4, 3, 2, 1],
    );
    phone.close();
    await until(
      () => t.server.registry.get("SEP00164766A428")?.state === "unregistered",
      3000,
      "unregistered",
    );
  });

  it("refuses an unknown device with RegisterReject and closes", async () => {
    const phone = t.phone("SEP0BADBADBAD00", "7940");
    await assert.rejects(phone.register(), /Unknown device/);
    await phone.waitClosed(3000);
    assert.ok(t.server.registry.get("SEP0BADBADBAD00") === undefined);
  });

  it("answers KeepAlive and drops a phone silent for 2 x keepalive", async () => {
    const phone = t.phone("SEP00164766A428", "7912", { keepalive: false });
    await phone.register();
    const before = phone.cursor;
    phone.send({ type: "KeepAlive" });
    await phone.waitFor("KeepAliveAck", undefined, 1000, before);
    const reason = await new Promise<string>((resolve) => {
      const dev = t.server.registry.get("SEP00164766A428");
      dev?.once("unregistered", (_d, r) => resolve(r));
    });
    assert.equal(reason, "keepalive-timeout");
    await phone.waitClosed(3000);
  });

  it("keeps a phone that sends its keepalives", async () => {
    const phone = t.phone("SEP00164766A428", "7912");
    await phone.register();
    // Three keepalive periods: the watchdog (2 x keepalive) would have fired without them.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(t.server.registry.get("SEP00164766A428")?.state, "registered");
    assert.ok(phone.messagesSince(0, "KeepAliveAck").length >= 2);
    phone.close();
  });

  it("closes a connection that never registers after authtimeout", async () => {
    const socket = connect({ host: "127.0.0.1", port: t.port });
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    await closed;
    assert.ok(t.logs.some((r) => r.msg.includes("auth timeout")));
  });

  it("replaces the old session when the phone registers again from the same address", async () => {
    const first = t.phone("SEP001AA289343B", "7940");
    await first.register();
    const second = t.phone("SEP001AA289343B", "7940");
    await second.register();
    await first.waitClosed(3000);
    const dev = t.server.registry.get("SEP001AA289343B");
    assert.equal(dev?.state, "registered");
    assert.equal(dev.session?.remotePort, second.localPort);
    second.close();
  });

  it("acknowledges Unregister and marks the device unregistered", async () => {
    const phone = t.phone("SEP001AA289343B", "7960");
    await phone.register();
    const ack = await phone.unregister();
    assert.equal(ack.status, 0);
    await phone.waitClosed(3000);
    await until(
      () => t.server.registry.get("SEP001AA289343B")?.state === "unregistered",
      3000,
      "unregistered",
    );
  });

  it("ignores an unknown message id and keeps the session", async () => {
    const phone = t.phone("SEP001AA289343B", "7941", { sendUnknown: true });
    await phone.register();
    phone.sendRaw(rawFrame(0x0159, Buffer.alloc(16)));
    phone.sendRaw(rawFrame(0x7777, Buffer.from("garbage")));
    const before = phone.cursor;
    phone.send({ type: "KeepAlive" });
    await phone.waitFor("KeepAliveAck", undefined, 1000, before);
    assert.equal(t.server.registry.get("SEP001AA289343B")?.state, "registered");
    phone.close();
  });

  it("closes the session when framing is lost, and keeps serving others", async () => {
    const phone = t.phone("SEP001AA289343B", "7941");
    await phone.register();
    const bad = Buffer.alloc(12);
    bad.writeUInt32LE(0x00ffffff, 0);
    phone.sendRaw(bad);
    await phone.waitClosed(3000);
    assert.ok(t.logs.some((r) => r.msg.includes("framing lost")));
    const other = t.phone("SEP00164766A428", "7912");
    await other.register();
    other.close();
  });

  it("sends Reset on `sccp reset` (2 = restart, 1 with `restart` = full reboot)", async () => {
    const phone = t.phone("SEP001AA289343B", "7961");
    await phone.register();
    const r1 = await t.server.commands.run("sccp reset SEP001AA289343B");
    assert.equal(r1.ok, true);
    assert.equal((await phone.waitFor("Reset", undefined, 1000, 0)).resetType, 2);
    const cursor = phone.cursor;
    const r2 = await t.server.commands.run("sccp reset SEP001AA289343B restart");
    assert.equal(r2.ok, true);
    assert.equal((await phone.waitFor("Reset", undefined, 1000, cursor)).resetType, 1);
    const r3 = await t.server.commands.run("sccp reset SEPNOSUCHDEVICE");
    assert.equal(r3.ok, false);
    phone.close();
  });
});
