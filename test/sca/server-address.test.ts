/**
 * `[sca] server_address` in linekey.conf (Kamailio's `server_address`, reference §2): a real
 * server answers SUBSCRIBEs and sends NOTIFYs with it as Contact instead of the AoR.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../support/linekey.ts";
import { UdpPhone } from "./support/udp-phone.ts";

const SCCP = "[general]\nbindaddr=127.0.0.1\n";

async function contacts(serverAddress: string | undefined): Promise<{ reply: string; notify: string }> {
  const conf = [
    "[sip]",
    "auth = no",
    "[sca]",
    ...(serverAddress ? [`server_address = ${serverAddress}`] : []),
  ];
  const t = await startServer(SCCP, {}, undefined, `${conf.join("\n")}\n`);
  const phone = await UdpPhone.start("2401");
  try {
    const port = t.server.sip?.listening[0]?.port ?? 0;
    const res = await phone.subscribe(port, { callId: "sa-1", fromTag: "f1" });
    assert.equal(res.status, 202);
    const notify = await phone.waitNotify((n) => n.callId === "sa-1");
    return { reply: res.header("Contact") ?? "", notify: notify.header("Contact") ?? "" };
  } finally {
    await phone.close();
    await t.stop();
  }
}

test("without server_address the Contact of the 202 and the NOTIFY is the AoR", async () => {
  const c = await contacts(undefined);
  assert.equal(c.notify, "sip:2401@127.0.0.1");
  assert.match(c.reply, /^sip:2401@127\.0\.0\.1/);
});

test("with server_address both carry it", async () => {
  const c = await contacts("sip:sca.example.com:5070");
  assert.equal(c.reply, "sip:sca.example.com:5070");
  assert.equal(c.notify, "sip:sca.example.com:5070");
});
