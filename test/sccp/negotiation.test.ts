import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, type TestServer } from "../support/linekey.ts";

const CONF = `[general]
bindaddr=127.0.0.1
keepalive=10
max_protocol_version=17
timezone=America/New_York
dateformat=M/D/YA
[lines]
[100]
cid_name=Bob
[101]
cid_name=Alice
[devices]
[SEP00000000C001]
line=100
[SEP00000000C002]
line=101
timezone=Asia/Tokyo
`;

function hourIn(zone: string, at: number): number {
  return Number(
    new Intl.DateTimeFormat("en-US", { timeZone: zone, hour: "numeric", hourCycle: "h23" }).format(at),
  );
}

describe("protocol negotiation and phone time", () => {
  let t: TestServer;
  before(async () => {
    t = await startServer(CONF);
  });
  after(async () => {
    await t.stop();
  });

  it("negotiates min(phone, max_protocol_version) and both sides use the v17 layouts", async () => {
    const phone = t.phone("SEP00000000C001", "7961"); // offers 22
    await phone.register();
    assert.equal(phone.negotiatedVersion, 17);
    assert.equal(t.server.registry.get("SEP00000000C001")?.negotiatedVersion, 17);
    const ls = await phone.waitFor("LineStat", undefined, 1000, 0);
    assert.equal(ls.lineFullyQualifiedDisplayName, "Bob");
    const old = t.phone("SEP00000000C002", "7940"); // offers 11: stays at 11
    await old.register();
    assert.equal(old.negotiatedVersion, 11);
    phone.close();
    old.close();
  });

  it("sends DefineTimeDate in the general time zone, or the device's own", async () => {
    const ny = t.phone("SEP00000000C001", "7940");
    const tokyo = t.phone("SEP00000000C002", "7940");
    await ny.register();
    await tokyo.register();
    const a = await ny.waitFor("DefineTimeDate", undefined, 1000, 0);
    const b = await tokyo.waitFor("DefineTimeDate", undefined, 1000, 0);
    assert.equal(a.hour, hourIn("America/New_York", a.systemTime * 1000));
    assert.equal(b.hour, hourIn("Asia/Tokyo", b.systemTime * 1000));
    assert.notEqual(a.hour, b.hour);
    const ack = await ny.waitFor("RegisterAck", undefined, 1000, 0);
    assert.equal(ack.dateTemplate, "M/D/YA");
    ny.close();
    tokyo.close();
  });

  it("the `linekey phone` command registers, prints decoded messages and runs a script", async () => {
    const script = join(t.dir, "phone.script");
    writeFileSync(script, "# a comment\nwait DefineTimeDate 5000\nunregister\n");
    const bin = fileURLToPath(new URL("../../bin/linekey.js", import.meta.url));
    // Asynchronous on purpose: the server under test runs in this process and must keep serving.
    const r = await promisify(execFile)(
      process.execPath,
      [
        bin,
        "phone",
        "--server",
        `127.0.0.1:${t.port}`,
        "--device",
        "SEP00000000C001",
        "--model",
        "7912",
        "--script",
        script,
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    assert.match(r.stdout, /<- RegisterAck \{"type":"RegisterAck","keepAliveInterval":10/);
    assert.match(r.stdout, /-- SEP00000000C001 \(7912\) registered, protocol 7/);
    assert.match(r.stdout, /<- LineStat .*"lineDirNumber":"100"/);
    assert.match(r.stdout, /<- UnregisterAck/);
  });
});
