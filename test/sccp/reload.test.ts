import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../support/linekey.ts";

const conf = (bobName: string, extra = ""): string => `[general]
bindaddr=127.0.0.1
keepalive=10
[lines]
[100]
cid_name=${bobName}
[101]
cid_name=Alice
[devices]
[SEP00164766A428]
line=100
[SEP001AA27ABBFC]
line=101
${extra}`;

describe("reload", () => {
  let t: TestServer;
  before(async () => {
    t = await startServer(conf("Bob"));
  });
  after(async () => {
    await t.stop();
  });

  it("resets only the devices whose configuration changed, adds and removes devices", async () => {
    const bob = t.phone("SEP00164766A428", "7940");
    const alice = t.phone("SEP001AA27ABBFC", "7941");
    await bob.register();
    await alice.register();
    const bobCursor = bob.cursor;
    const aliceCursor = alice.cursor;
    t.writeConfig(conf("Robert", "[SEP0023EBC64F92]\nline=101\n"));
    const r = await t.server.commands.run("reload");
    assert.equal(r.ok, true, r.output);
    assert.match(r.output, /1 added, 1 changed, 0 removed/);
    const reset = await bob.waitFor("Reset", undefined, 2000, bobCursor);
    assert.equal(reset.resetType, 2);
    // Alice's device did not change: it keeps its session and gets nothing.
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(alice.messagesSince(aliceCursor, "Reset"), []);
    assert.equal(t.server.registry.get("SEP001AA27ABBFC")?.session?.isClosed, false);
    assert.ok(t.server.registry.get("SEP0023EBC64F92"), "added device known");
    // The phone re-registers after the reset and now shows the new name.
    bob.close();
    const again = t.phone("SEP00164766A428", "7940");
    await again.register();
    const ls = await again.waitFor("LineStat", undefined, 1000, 0);
    assert.equal(ls.lineFullyQualifiedDisplayName, "Robert");
    again.close();

    t.writeConfig(conf("Robert"));
    const r2 = await t.server.commands.run("reload");
    assert.match(r2.output, /0 added, 0 changed, 1 removed/);
    assert.equal(t.server.registry.get("SEP0023EBC64F92"), undefined);
    alice.close();
  });

  it("keeps the running configuration when the new file is invalid", async () => {
    const before = t.server.config;
    t.writeConfig(`${conf("Robert")}\n[SEP001AA27ABBFD]\nline=999\n`);
    const r = await t.server.commands.run("reload");
    assert.equal(r.ok, false);
    assert.match(r.output, /sccp\.conf:\d+: line/);
    assert.equal(t.server.config, before);
  });
});
