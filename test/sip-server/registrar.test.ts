import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LinekeyServer } from "../../src/server.ts";
import { parseMessage, SipRequest, serialize, type SipResponse } from "../../src/sip/message/index.ts";
import { Registrar } from "../../src/sip/registrar/index.ts";
import type { ReceivedInfo } from "../../src/sip/transport/index.ts";
import { openDatabase } from "../../src/store/database.ts";
import { RegistrationsRepo } from "../../src/store/registrations-repo.ts";
import { linekeyTables } from "../../src/store/tables.ts";
import { silentLogger } from "../../src/util/logger.ts";

const FROM: ReceivedInfo = {
  transport: "udp",
  remote: { address: "203.0.113.5", port: 40000 },
  local: { address: "192.0.2.1", port: 5060 },
};

function register(
  contacts: string[],
  o: { expires?: number; callId?: string; cseq?: number; user?: string } = {},
): SipRequest {
  const user = o.user ?? "100";
  return new SipRequest({
    method: "REGISTER",
    uri: "sip:pbx.test",
    headers: [
      { name: "Via", value: "SIP/2.0/UDP 10.1.1.5:5060;branch=z9hG4bKx" },
      { name: "From", value: `<sip:${user}@pbx.test>;tag=f` },
      { name: "To", value: `<sip:${user}@pbx.test>` },
      { name: "Call-ID", value: o.callId ?? "reg-1" },
      { name: "CSeq", value: `${o.cseq ?? 1} REGISTER` },
      ...contacts.map((c) => ({ name: "Contact", value: c })),
      ...(o.expires === undefined ? [] : [{ name: "Expires", value: String(o.expires) }]),
      { name: "User-Agent", value: "TestPhone/1.0" },
    ],
  });
}

async function setup(): Promise<{
  registrar: Registrar;
  clock: { now: number };
  close: () => Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), "linekey-reg-"));
  const db = await openDatabase("sqlite::memory:", { dataDir: dir, tables: linekeyTables() });
  const clock = { now: 1_800_000_000_000 };
  const registrar = new Registrar({
    repo: new RegistrationsRepo(db, () => clock.now),
    settings: { minExpires: 60, maxExpires: 3600, defaultExpires: 1800 },
    clock: () => clock.now,
  });
  await registrar.start();
  return {
    registrar,
    clock,
    async close() {
      registrar.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test("REGISTER: Expires header, expires params, default, cap, several contacts, 200 lists them all", async () => {
  const { registrar, clock, close } = await setup();
  try {
    const r = await registrar.register(
      register(
        ["<sip:100@10.1.1.5:5060>;expires=120", "<sip:100@10.1.1.6:5060>;q=0.5", "<sip:100@10.1.1.7>"],
        {
          expires: 99999,
        },
      ),
      FROM,
    );
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.headers.map((h) => h.value),
      [
        "<sip:100@10.1.1.5:5060>;expires=120",
        "<sip:100@10.1.1.6:5060>;expires=3600;q=0.5",
        "<sip:100@10.1.1.7>;expires=3600",
      ],
    );
    const found = registrar.lookup("sip:100@pbx.test");
    assert.deepEqual(
      found.map((f) => [f.uri, f.q]),
      [
        ["sip:100@10.1.1.5:5060", 1],
        ["sip:100@10.1.1.7", 1],
        ["sip:100@10.1.1.6:5060", 0.5],
      ],
    );
    // Behind NAT: requests go where the REGISTER came from, not to the private Contact.
    assert.deepEqual(found[0]?.target, { transport: "udp", address: "203.0.113.5", port: 40000 });
    assert.equal(found[0].binding.userAgent, "TestPhone/1.0");

    const d = await registrar.register(register(["<sip:100@10.1.1.9>"], { callId: "other" }), FROM);
    assert.match(
      d.headers.find((h) => h.value.startsWith("<sip:100@10.1.1.9>"))?.value ?? "",
      /;expires=1800$/,
      "default_expires",
    );

    clock.now += 121_000;
    assert.equal(registrar.lookup("100").length, 3, "the 120 s contact has expired for lookups");
  } finally {
    await close();
  }
});

test("REGISTER: 423 below min_expires, expires=0 removes one, * removes all, Call-ID/CSeq ordering", async () => {
  const { registrar, close } = await setup();
  try {
    const brief = await registrar.register(register(["<sip:100@10.1.1.5>"], { expires: 30 }), FROM);
    assert.equal(brief.status, 423);
    assert.deepEqual(brief.headers, [{ name: "Min-Expires", value: "60" }]);
    assert.equal(registrar.lookup("100").length, 0);

    await registrar.register(register(["<sip:100@10.1.1.5>", "<sip:100@10.1.1.6>"], { cseq: 5 }), FROM);
    const stale = await registrar.register(register(["<sip:100@10.1.1.5>"], { cseq: 5, expires: 0 }), FROM);
    assert.equal(stale.status, 500, "same Call-ID, CSeq not higher: out of order");
    const one = await registrar.register(register(["<sip:100@10.1.1.5>;expires=0"], { cseq: 6 }), FROM);
    assert.equal(one.status, 200);
    assert.deepEqual(
      registrar.lookup("100").map((f) => f.uri),
      ["sip:100@10.1.1.6"],
    );
    // Another Call-ID may do anything regardless of CSeq.
    await registrar.register(register(["<sip:100@10.1.1.7>"], { callId: "phone-2", cseq: 1 }), FROM);

    const badStar = await registrar.register(register(["*"], { cseq: 7 }), FROM);
    assert.equal(badStar.status, 400, "* needs Expires: 0");
    const star = await registrar.register(register(["*"], { cseq: 7, expires: 0 }), FROM);
    assert.equal(star.status, 200);
    assert.deepEqual(star.headers, []);
    assert.equal(registrar.isRegistered("100"), false);

    const mismatch = await registrar.register(register(["<sip:100@10.1.1.5>"], { user: "100" }), FROM, "101");
    assert.equal(mismatch.status, 403, "user 101 may not register 100");
  } finally {
    await close();
  }
});

function udpRegister(port: number, contactPort: number): Promise<SipResponse> {
  const sock = createSocket("udp4");
  const req = new SipRequest({
    method: "REGISTER",
    uri: `sip:127.0.0.1:${port}`,
    headers: [
      { name: "Via", value: `SIP/2.0/UDP 127.0.0.1:${contactPort};branch=z9hG4bK${Date.now()}` },
      { name: "From", value: "<sip:300@127.0.0.1>;tag=r1" },
      { name: "To", value: "<sip:300@127.0.0.1>" },
      { name: "Call-ID", value: `persist-${contactPort}` },
      { name: "CSeq", value: "1 REGISTER" },
      { name: "Contact", value: `<sip:300@127.0.0.1:${contactPort}>` },
      { name: "Expires", value: "600" },
    ],
  });
  return new Promise((resolve, reject) => {
    sock.on("message", (buf) => {
      const m = parseMessage(buf, { datagram: true });
      if (m.kind === "response" && m.status >= 200) {
        sock.close();
        resolve(m);
      }
    });
    sock.on("error", reject);
    sock.bind(contactPort, "127.0.0.1", () => {
      sock.send(serialize(req), port, "127.0.0.1");
    });
  });
}

test("bindings survive a restart of the server; sip show registrations / peers list them", async () => {
  const dir = mkdtempSync(join(tmpdir(), "linekey-reg-restart-"));
  writeFileSync(
    join(dir, "linekey.conf"),
    '[sip]\nauth = no\n[300]\ntype = user\ncallerid = "Eve" <300>\n[301]\ntype = user\n',
  );
  const start = (): Promise<LinekeyServer> =>
    LinekeyServer.start({
      configDir: dir,
      dataDir: join(dir, "data"),
      log: silentLogger,
      sccpPort: 0,
      sccpBindaddr: "127.0.0.1",
      sipPort: 0,
      sipBindaddr: "127.0.0.1",
      consoleSocket: false,
    });
  let server = await start();
  try {
    const port = server.sip?.listening[0]?.port ?? 0;
    const probe = createSocket("udp4");
    const contactPort = await new Promise<number>((resolve) =>
      probe.bind(0, "127.0.0.1", () => resolve(probe.address().port)),
    );
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const res = await udpRegister(port, contactPort);
    assert.equal(res.status, 200);
    await server.close();

    server = await start();
    const found = server.sip?.registrar.lookup("sip:300@127.0.0.1") ?? [];
    assert.deepEqual(
      found.map((f) => [f.uri, f.target]),
      [[`sip:300@127.0.0.1:${contactPort}`, { transport: "udp", address: "127.0.0.1", port: contactPort }]],
      "restored from the database",
    );
    const regs = await server.commands.run("sip show registrations");
    assert.ok(regs.ok);
    assert.match(
      regs.output,
      new RegExp(
        `sip:300@127\\.0\\.0\\.1 +sip:300@127\\.0\\.0\\.1:${contactPort} +\\d+ +udp:127\\.0\\.0\\.1:${contactPort}`,
      ),
    );
    assert.match(regs.output, /1 SIP registration\n$/);
    const peers = await server.commands.run("sip show peers");
    assert.match(peers.output, new RegExp(`^300/300 +127\\.0\\.0\\.1 +D +${contactPort} +OK +Eve`, "m"));
    assert.match(peers.output, /^301\/301 +\(Unspecified\) +D +0 +UNREACHABLE/m);
    assert.match(peers.output, /2 sip peers \[Registered: 1 online, 1 offline\]/);
    const settings = await server.commands.run("sip show settings");
    assert.match(settings.output, /Authentication: +no/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
