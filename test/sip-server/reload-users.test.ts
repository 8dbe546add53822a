/**
 * `reload` re-reads linekey.conf too: SIP users (secrets, contexts, caller ids) apply at once,
 * sections read only at start are reported, and a bad file changes nothing.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type TestServer } from "../support/linekey.ts";
import { UdpPhone } from "../sca/support/udp-phone.ts";

const SCCP = "[general]\nbindaddr=127.0.0.1\n";
const conf = (users: string, sip = ""): string => `[sip]\nauth = yes\n${sip}${users}`;

describe("reload of linekey.conf", () => {
  let t: TestServer;
  let phone: UdpPhone;
  let port: number;
  const write = (text: string): void => writeFileSync(join(t.dir, "linekey.conf"), text);

  before(async () => {
    t = await startServer(SCCP, { console: true }, undefined, conf("[300]\ntype = user\nsecret = old\n"));
    port = t.server.sip?.listening[0]?.port ?? 0;
    phone = await UdpPhone.start("300");
  });
  after(async () => {
    await phone.close();
    await t.stop();
  });

  it("applies changed secrets and new users at once, and says what needs a restart", async () => {
    assert.equal((await phone.register(port, "old")).status, 200);
    write(conf("[300]\ntype = user\nsecret = new\n[301]\ntype = user\nsecret = x\n", "min_expires = 30\n"));
    const r = await t.server.commands.run("reload");
    assert.ok(r.ok, r.output);
    assert.match(r.output, /users: 1 added, 1 changed, 0 removed/);
    assert.match(r.output, /linekey\.conf \[sip\] changed: restart Linekey to apply/);
    assert.equal((await phone.register(port, "old")).status, 403, "the old secret is refused");
    assert.equal((await phone.register(port, "new")).status, 200, "the new one is accepted");
    const peers = await t.server.commands.run("sip show peers");
    assert.match(peers.output, /^301\/301 /m);
  });

  it("removes users, and keeps everything when the file is invalid", async () => {
    write(conf("[300]\ntype = user\nsecret = new\n"));
    const r = await t.server.commands.run("reload");
    assert.match(r.output, /users: 0 added, 0 changed, 1 removed/);
    assert.equal(t.server.linekeyConfig.users.has("301"), false);
    const before = t.server.linekeyConfig;
    write(conf("[300]\ntype = user\nsecret = new\n[302]\ntype = phone\n"));
    const bad = await t.server.commands.run("reload");
    assert.equal(bad.ok, false);
    assert.match(bad.output, /linekey\.conf:\d+: type/);
    assert.equal(t.server.linekeyConfig, before);
    assert.equal((await phone.register(port, "new")).status, 200);
  });
});
