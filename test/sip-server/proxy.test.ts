import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SipSettings, SipUserConfig } from "../../src/config/linekey-conf.ts";
import {
  createResponse,
  generateBranch,
  generateTag,
  SipRequest,
  type SipResponse,
} from "../../src/sip/message/index.ts";
import type { ProxyObserver } from "../../src/sip/proxy/proxy-observer.ts";
import { SipServer } from "../../src/sip/sip-server.ts";
import { TransactionLayer, type ServerTransaction } from "../../src/sip/transaction/index.ts";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { RegistrationsRepo } from "../../src/store/registrations-repo.ts";
import { linekeyTables } from "../../src/store/tables.ts";
import { FakeNetwork, type FakeTransport } from "../sip/support/fake-transport.ts";
import { RecordingClient, RecordingCore } from "../sip/support/harness.ts";

const PROXY = { address: "10.0.0.1", port: 5060 };
const RR = "<sip:10.0.0.1:5060;lr>";

function settings(over: Partial<SipSettings> = {}): SipSettings {
  return {
    bindaddr: PROXY.address,
    udpPort: PROXY.port,
    tcpPort: PROXY.port,
    domains: ["pbx.test"],
    t1: 500,
    t2: 4000,
    t4: 5000,
    auth: false,
    authAlgorithms: ["MD5", "SHA-256"],
    realm: "pbx.test",
    minExpires: 60,
    maxExpires: 3600,
    defaultExpires: 3600,
    userAgent: "Linekey-test",
    ...over,
  };
}

/** A phone: a transaction layer on the fake network with a recording core. */
class Phone {
  readonly transport: FakeTransport;
  readonly layer: TransactionLayer;
  readonly core = new RecordingCore();
  readonly tag = generateTag();

  constructor(
    net: FakeNetwork,
    readonly address: string,
    readonly user: string,
  ) {
    this.transport = net.transport(address, 5060);
    this.layer = new TransactionLayer({ transport: this.transport, user: this.core });
  }

  request(
    method: string,
    uri: string,
    extra: { name: string; value: string }[] = [],
    cseq = 1,
    callId = `${this.user}-call`,
  ): SipRequest {
    return new SipRequest({
      method,
      uri,
      headers: [
        { name: "Via", value: `SIP/2.0/UDP ${this.address}:5060;branch=${generateBranch()}` },
        { name: "From", value: `<sip:${this.user}@pbx.test>;tag=${this.tag}` },
        { name: "To", value: method === "REGISTER" ? `<sip:${this.user}@pbx.test>` : `<${uri}>` },
        { name: "Call-ID", value: callId },
        { name: "CSeq", value: `${cseq} ${method}` },
        { name: "Contact", value: `<sip:${this.user}@${this.address}:5060>` },
        { name: "Max-Forwards", value: "70" },
        ...extra,
      ],
    });
  }

  send(req: SipRequest): RecordingClient {
    const user = new RecordingClient();
    this.layer.sendRequest(req, { transport: "udp", ...PROXY }, user);
    return user;
  }

  async register(): Promise<void> {
    const user = this.send(
      this.request("REGISTER", "sip:pbx.test", [{ name: "Expires", value: "600" }], 1, `${this.address}-reg`),
    );
    await until(() => user.responses.some((r) => r.status >= 200));
    assert.deepEqual(user.statuses(), [200]);
  }

  /** The server transactions of requests of this method that reached the phone. */
  received(method: string): ServerTransaction[] {
    return this.core.requests.filter((r) => r.request.method === method).map((r) => r.tx);
  }

  close(): void {
    this.layer.close();
  }
}

async function until(cond: () => boolean, what = "condition"): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface World {
  net: FakeNetwork;
  server: SipServer;
  a: Phone;
  b1: Phone;
  b2: Phone;
  events: string[];
  close(): Promise<void>;
}

async function world(opts: { timerC?: number; users?: string[] } = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), "linekey-proxy-"));
  const db: Database = await openDatabase("sqlite::memory:", { dataDir: dir, tables: linekeyTables() });
  const net = new FakeNetwork();
  const users = new Map<string, SipUserConfig>(
    (opts.users ?? ["100", "200"]).map((u) => [
      u,
      { name: u, context: "default", sca: false, file: "t", line: 1 },
    ]),
  );
  const server = await SipServer.start({
    settings: settings(),
    users: () => users,
    repo: new RegistrationsRepo(db),
    transport: {
      transport: net.transport(PROXY.address, PROXY.port),
      listening: [{ transport: "udp", address: PROXY.address, port: PROXY.port, family: "IPv4" }],
    },
    ...(opts.timerC === undefined ? {} : { timerC: opts.timerC }),
  });
  const events: string[] = [];
  const observer: ProxyObserver = {
    onRequest: (req) => events.push(`req ${req.method}`),
    onResponse: (res, req) => events.push(`res ${res.status} ${req.method} ${req.uri}`),
    onLocalFinal: (res, req) => events.push(`local ${res.status} ${req.method}`),
  };
  server.addObserver(observer);
  const a = new Phone(net, "10.0.0.10", "100");
  const b1 = new Phone(net, "10.0.0.20", "200");
  const b2 = new Phone(net, "10.0.0.21", "200");
  return {
    net,
    server,
    a,
    b1,
    b2,
    events,
    async close() {
      for (const p of [a, b1, b2]) p.close();
      await server.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function answer(tx: ServerTransaction, status: number, tag: string): SipResponse {
  const res = createResponse(tx.request, status, undefined, {
    toTag: tag,
    headers: [
      ...tx.request.headers.lines("Record-Route"),
      { name: "Contact", value: `<sip:200@${tx.received.local.address}:5060>` },
    ],
  });
  tx.respond(res);
  return res;
}

test("forking: an INVITE rings every contact; the 2xx is forwarded and the other branch cancelled", async () => {
  const w = await world();
  try {
    await w.b1.register();
    await w.b2.register();
    assert.deepEqual(
      w.server.registrar
        .lookup("sip:200@pbx.test")
        .map((r) => r.target.address)
        .sort(),
      ["10.0.0.20", "10.0.0.21"],
    );
    const caller = w.a.send(w.a.request("INVITE", "sip:200@pbx.test"));
    const [inv1] = w.b1.received("INVITE");
    const [inv2] = w.b2.received("INVITE");
    assert.ok(inv1 && inv2, "both contacts got the INVITE");
    for (const [tx, phone] of [
      [inv1, w.b1],
      [inv2, w.b2],
    ] as const) {
      const r = tx.request;
      assert.equal(r.uri, `sip:200@${phone.address}:5060`, "Request-URI = the registered contact");
      assert.deepEqual(r.headers.getAll("Record-Route"), [RR]);
      assert.equal(r.vias.length, 2);
      const ours = r.vias[0];
      assert.ok(ours);
      assert.equal(ours.host, PROXY.address);
      assert.match(String(ours.branch), /^z9hG4bK/);
      assert.equal(r.maxForwards, 69);
      assert.deepEqual(
        [...r.headers].map((h) => h.name).slice(0, 3),
        ["Record-Route", "Via", "Via"],
        "Kamailio's order: Record-Route, our Via, the phone's Via",
      );
    }
    assert.notEqual(inv1.request.topVia?.branch, inv2.request.topVia?.branch);
    assert.deepEqual(caller.statuses(), [100]);

    answer(inv1, 180, "b1");
    assert.deepEqual(caller.statuses(), [100, 180]);
    answer(inv2, 200, "b2");
    assert.deepEqual(caller.statuses(), [100, 180, 200]);
    const ok = caller.responses[2];
    assert.ok(ok);
    assert.equal(ok.to.tag, "b2");
    assert.equal(ok.vias.length, 1, "our Via was removed");
    assert.deepEqual(ok.headers.getAll("Record-Route"), [RR]);

    // RFC 3261 §16.7 step 10: the ringing branch is cancelled.
    const cancel = w.b1.core.requests.find((r) => r.request.method === "CANCEL");
    assert.ok(cancel, "b1 got a CANCEL");
    assert.equal(cancel.context.cancels, inv1);
    cancel.tx.reply(200);
    answer(inv1, 487, "b1");
    assert.equal(
      w.net.count((r) => r.label === "ACK" && r.to.address === "10.0.0.20"),
      1,
      "the 487 was ACKed hop by hop",
    );
    assert.deepEqual(caller.statuses(), [100, 180, 200], "the caller never sees the 487");

    // The caller's ACK follows the Record-Route to the answering phone.
    const ack = w.a.request("ACK", "sip:200@10.0.0.21:5060", [{ name: "Route", value: RR }], 1, "100-call");
    ack.headers.set("To", `<sip:200@pbx.test>;tag=b2`);
    await w.a.transport.send(ack, { transport: "udp", ...PROXY });
    const got = w.b2.core.acks[0];
    assert.ok(got, "b2 got the ACK");
    assert.equal(got.headers.get("Route"), undefined, "our Route was removed");
    assert.equal(got.maxForwards, 69);
    assert.deepEqual(w.events, [
      "req INVITE",
      "res 180 INVITE sip:200@10.0.0.20:5060",
      "res 200 INVITE sip:200@10.0.0.21:5060",
      "req ACK",
    ]);
  } finally {
    await w.close();
  }
});

test("CANCEL from the caller: 200, CANCEL on every branch, then the 487 goes upstream", async () => {
  const w = await world();
  try {
    await w.b1.register();
    await w.b2.register();
    const invite = w.a.request("INVITE", "sip:200@pbx.test");
    const caller = w.a.send(invite);
    const [inv1] = w.b1.received("INVITE");
    const [inv2] = w.b2.received("INVITE");
    assert.ok(inv1 && inv2);
    answer(inv1, 180, "b1");
    answer(inv2, 183, "b2");
    const cancel = new SipRequest({
      method: "CANCEL",
      uri: invite.uri,
      headers: [
        { name: "Via", value: invite.headers.get("Via") ?? "" },
        { name: "From", value: invite.headers.get("From") ?? "" },
        { name: "To", value: invite.headers.get("To") ?? "" },
        { name: "Call-ID", value: invite.callId },
        { name: "CSeq", value: "1 CANCEL" },
        { name: "Max-Forwards", value: "70" },
      ],
    });
    const cancelUser = w.a.send(cancel);
    assert.deepEqual(cancelUser.statuses(), [200]);
    for (const p of [w.b1, w.b2]) {
      const c = p.core.requests.find((r) => r.request.method === "CANCEL");
      assert.ok(c, `${p.address} got a CANCEL`);
      c.tx.reply(200);
    }
    answer(inv1, 487, "b1");
    assert.deepEqual(caller.statuses(), [100, 180, 183], "no final before every branch is done");
    answer(inv2, 487, "b2");
    assert.deepEqual(caller.statuses(), [100, 180, 183, 487]);
    assert.ok(w.events.includes("local 200 CANCEL"), "the CANCEL was reported to the observers");
    assert.equal(w.events.at(-1), "res 487 INVITE sip:200@10.0.0.20:5060");
  } finally {
    await w.close();
  }
});

test("a 6xx cancels the other branches and wins; failures pick the best response", async () => {
  const w = await world();
  try {
    await w.b1.register();
    await w.b2.register();
    const caller = w.a.send(w.a.request("INVITE", "sip:200@pbx.test"));
    const [inv1] = w.b1.received("INVITE");
    const [inv2] = w.b2.received("INVITE");
    assert.ok(inv1 && inv2);
    answer(inv1, 180, "b1");
    answer(inv2, 603, "b2");
    const c = w.b1.core.requests.find((r) => r.request.method === "CANCEL");
    assert.ok(c, "6xx cancels the ringing branch");
    c.tx.reply(200);
    answer(inv1, 487, "b1");
    assert.deepEqual(caller.statuses(), [100, 180, 603]);

    // 486 and 404: both 4xx, the lower code is chosen.
    const second = w.a.send(w.a.request("INVITE", "sip:200@pbx.test", [], 1, "second"));
    const i1 = w.b1.received("INVITE")[1];
    const i2 = w.b2.received("INVITE")[1];
    assert.ok(i1 && i2);
    answer(i1, 486, "x");
    answer(i2, 404, "y");
    assert.deepEqual(second.statuses(), [100, 404]);
  } finally {
    await w.close();
  }
});

test("local answers: 480 for a known user without contact, 404 for a stranger, 483, the local target hook, OPTIONS", async () => {
  const w = await world();
  try {
    const known = w.a.send(w.a.request("INVITE", "sip:200@pbx.test"));
    assert.deepEqual(known.statuses(), [480]);
    const stranger = w.a.send(w.a.request("INVITE", "sip:999@pbx.test", [], 1, "c2"));
    assert.deepEqual(stranger.statuses(), [404]);
    assert.deepEqual(w.events, ["req INVITE", "local 480 INVITE", "req INVITE", "local 404 INVITE"]);

    const hops = w.a.request("INVITE", "sip:200@pbx.test", [], 1, "c3");
    hops.headers.set("Max-Forwards", "0");
    assert.deepEqual(w.a.send(hops).statuses(), [483]);

    let hooked: SipRequest | undefined;
    w.server.setLocalTargetHandler((req, tx) => {
      hooked = req;
      tx.reply(486, "Busy Here", { toTag: "b2bua" });
      return true;
    });
    const viaHook = w.a.send(w.a.request("INVITE", "sip:7001@pbx.test", [], 1, "c4"));
    assert.equal(hooked?.uri, "sip:7001@pbx.test");
    assert.deepEqual(
      viaHook.statuses().filter((s) => s >= 200),
      [486],
    );

    const ping = w.a.send(w.a.request("OPTIONS", "sip:pbx.test", [], 1, "c5"));
    assert.deepEqual(ping.statuses(), [200]);
    assert.ok(ping.responses[0]?.headers.getAll("Allow").includes("SUBSCRIBE"));

    let handled = 0;
    w.server.addLocalHandler(
      (req) => req.method === "SUBSCRIBE" && req.headers.get("Event") === "call-info",
      (_req, tx) => {
        handled++;
        tx.reply(202, "Accepted", { toTag: "sca" });
      },
    );
    const sub = w.a.send(
      w.a.request("SUBSCRIBE", "sip:2101@pbx.test", [{ name: "Event", value: "call-info" }], 1, "c6"),
    );
    assert.equal(handled, 1);
    assert.deepEqual(sub.statuses(), [202]);
  } finally {
    await w.close();
  }
});

test("Timer C: a branch that only rings is cancelled and the caller gets its 487", async () => {
  const w = await world({ timerC: 40 });
  try {
    await w.b1.register();
    const caller = w.a.send(w.a.request("INVITE", "sip:200@pbx.test"));
    const [inv] = w.b1.received("INVITE");
    assert.ok(inv);
    answer(inv, 180, "b1");
    await until(() => w.b1.core.requests.some((r) => r.request.method === "CANCEL"), "Timer C CANCEL");
    const c = w.b1.core.requests.find((r) => r.request.method === "CANCEL");
    c?.tx.reply(200);
    answer(inv, 487, "b1");
    assert.deepEqual(caller.statuses(), [100, 180, 487]);
  } finally {
    await w.close();
  }
});
