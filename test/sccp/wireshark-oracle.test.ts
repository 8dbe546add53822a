import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer, type TestServer } from "../support/linekey.ts";
import { dissect, startCapture, tsharkUnavailable } from "../support/tshark.ts";
import { SEED_MODELS } from "../../src/sccp/models.ts";
import { MessageId } from "../../src/sccp/protocol/index.ts";
import type { VirtualPhone } from "../../src/phone/virtual-phone.ts";

const MODELS = [...SEED_MODELS, "7961GE", "7962", "7975"];
const dev = (i: number): string => `SEP00000000AB${i.toString(16).toUpperCase().padStart(2, "0")}`;

const CONF = `[general]
bindaddr=127.0.0.1
keepalive=30
dateformat=M/D/YA
context=default
[lines]
${MODELS.map((_, i) => `[${300 + i}]\ncid_name=Wireshark ${i}\n`).join("")}
[devices]
${MODELS.map((_, i) => `[${dev(i)}]\nline=${300 + i}\nspeeddial=${301 + i},Next,blf\nspeeddial=100,Reception\n`).join("")}
`;

const skip = tsharkUnavailable();

describe("Wireshark's SCCP dissector as the oracle", { skip }, () => {
  let t: TestServer;
  before(async () => {
    t = await startServer(CONF);
  });
  after(async () => {
    await t.stop();
  });

  it("decodes every frame Linekey sent during each model's registration and a reset, none malformed", async () => {
    const cap = await startCapture(t.port);
    const phones: VirtualPhone[] = [];
    try {
      for (const [i, model] of MODELS.entries()) {
        const p = t.phone(dev(i), model);
        await p.register();
        phones.push(p);
      }
      const victim = phones[0];
      assert.ok(victim);
      const r = await t.server.commands.run(`sccp reset ${dev(0)}`);
      assert.equal(r.ok, true);
      await victim.waitFor("Reset", undefined, 2000, 0);
    } finally {
      await cap.stop();
    }
    try {
      const { pdus, malformed, raw } = dissect(cap.file, t.port);
      assert.deepEqual(malformed, [], `Wireshark flagged frames as malformed:\n${raw}`);
      assert.ok(pdus.length > MODELS.length * 20, `too few SCCP PDUs dissected (${pdus.length})`);
      for (const p of phones) {
        const local = p.localPort;
        assert.ok(local);
        const seen = pdus.filter((x) => x.srcPort === t.port && x.dstPort === local).map((x) => x.messageId);
        const expected = p.received.map((r) => (r.msg.type === "Unknown" ? r.msg.id : MessageId[r.msg.type]));
        assert.deepEqual(seen, expected, `server→${p.options.device} (${p.profile.model.name}) ids differ`);
        assert.equal(seen[0], MessageId.RegisterAck);
        assert.ok(seen.includes(MessageId.DefineTimeDate));
        // And what the phone sent was understood too (Register first after the Alarm).
        const sent = pdus.filter((x) => x.dstPort === t.port && x.srcPort === local).map((x) => x.messageId);
        assert.deepEqual(sent.slice(0, 2), [MessageId.Alarm, MessageId.Register]);
      }
      const resetSeen = pdus.some((x) => x.srcPort === t.port && x.messageId === MessageId.Reset);
      assert.ok(resetSeen, "Reset seen by Wireshark");
    } finally {
      cap.cleanup();
    }
  });
});
