/**
 * SipChannel flows over the in-memory fake network: the real SipServer (transactions, proxy,
 * local-target hook) and SipTech on one side, a scripted SIP phone on the other, and a call core
 * whose SCCP technology is the test double of the application tests. Covers PRACK (100rel),
 * CANCEL, a 486 from the dialplan, an outbound leg refused 486, re-INVITE hold and REFER.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
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
  type SipMessage,
} from "../../src/sip/message/index.ts";
import { SipServer } from "../../src/sip/sip-server.ts";
import { SipTech } from "../../src/sip/channel/sip-tech.ts";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { RegistrationsRepo } from "../../src/store/registrations-repo.ts";
import { linekeyTables } from "../../src/store/tables.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { FakeNetwork, type FakeTransport } from "../sip/support/fake-transport.ts";
import { Harness, waitUntil } from "../apps/support/harness.ts";

const SERVER = { address: "10.0.0.1", port: 5060 };
const PHONE = { address: "10.0.0.2", port: 5060 };

const DIALPLAN = `[default]
exten => _2XX,1,Dial(SCCP/\${EXTEN},20)
exten => 555,1,Busy()
exten => _3XX,1,Dial(SIP/alice@10.0.0.2:5060,20)
`;

const SDP = (direction = "sendrecv"): string =>
  `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=${direction}\r\n`;

function settings(): SipSettings {
  return {
    bindaddr: SERVER.address,
    udpPort: SERVER.port,
    tcpPort: SERVER.port,
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
  };
}

/** A SIP phone scripted by the test: it sends raw requests and answers what it receives. */
class Phone {
  readonly transport: FakeTransport;
  readonly inbox: SipMessage[] = [];
  private read = 0;
  readonly tag = generateTag();
  readonly callId = `${generateTag()}@phone`;
  private cseq = 0;
  remoteTag: string | undefined;

  constructor(net: FakeNetwork) {
    this.transport = net.transport(PHONE.address, PHONE.port);
    this.transport.onMessage((m) => this.inbox.push(m.message));
  }

  /** The next message (not read before) matching `pred`. */
  async next(pred: (m: SipMessage) => boolean, what: string): Promise<SipMessage> {
    let found: SipMessage | undefined;
    await waitUntil(() => {
      for (let i = this.read; i < this.inbox.length; i++) {
        const m = this.inbox[i];
        if (m !== undefined && pred(m)) {
          found = m;
          this.inbox.splice(i, 1);
          return true;
        }
      }
      return false;
    }, what);
    assert.ok(found);
    return found;
  }

  response(status: number, method = "INVITE"): Promise<SipMessage> {
    return this.next(
      (m) => m.kind === "response" && m.status === status && m.cseq.method === method,
      `${status} ${method}`,
    );
  }

  request(method: string): Promise<SipRequest> {
    return this.next((m) => m.kind === "request" && m.method === method, method) as Promise<SipRequest>;
  }

  /** Sends a request of our dialog (the INVITE when `initial`). */
  send(
    method: string,
    opts: { uri?: string; body?: string; headers?: [string, string][]; seq?: number; branch?: string } = {},
  ): SipRequest {
    const seq = opts.seq ?? ++this.cseq;
    const headers: { name: string; value: string }[] = [
      {
        name: "Via",
        value: `SIP/2.0/UDP ${PHONE.address}:${PHONE.port};branch=${opts.branch ?? generateBranch()};rport`,
      },
      { name: "From", value: `"Alice" <sip:100@pbx.test>;tag=${this.tag}` },
      {
        name: "To",
        value: `<sip:200@pbx.test>${this.remoteTag === undefined ? "" : `;tag=${this.remoteTag}`}`,
      },
      { name: "Call-ID", value: this.callId },
      { name: "CSeq", value: `${seq} ${method}` },
      { name: "Max-Forwards", value: "70" },
      { name: "Contact", value: `<sip:100@${PHONE.address}:${PHONE.port}>` },
    ];
    for (const [name, value] of opts.headers ?? []) headers.push({ name, value });
    const typed = (opts.headers ?? []).some(([name]) => /^content-type$/i.test(name));
    if (opts.body !== undefined && !typed) headers.push({ name: "Content-Type", value: "application/sdp" });
    const req = new SipRequest({
      method,
      uri: opts.uri ?? `sip:200@${SERVER.address}:${SERVER.port}`,
      headers,
      ...(opts.body === undefined ? {} : { body: opts.body }),
    });
    void this.transport.send(req, { transport: "udp", ...SERVER });
    return req;
  }

  /** Answers a request the phone received. */
  reply(req: SipMessage, status: number, reason: string, body?: string): void {
    assert.equal(req.kind, "request");
    const res = createResponse(req, status, reason, {
      toTag: this.tag,
      headers: [
        { name: "Contact", value: `<sip:alice@${PHONE.address}:${PHONE.port}>` },
        ...(body ? [{ name: "Content-Type", value: "application/sdp" }] : []),
      ],
      ...(body === undefined ? {} : { body }),
    });
    void this.transport.sendResponse(res);
  }
}

describe("SipChannel over the fake network", () => {
  let h: Harness;
  let server: SipServer;
  let tech: SipTech;
  let db: Database;
  let dir: string;
  let phone: Phone;

  beforeEach(async () => {
    h = await Harness.start(DIALPLAN);
    dir = mkdtempSync(join(tmpdir(), "linekey-sipch-"));
    db = await openDatabase("sqlite::memory:", { dataDir: dir, tables: linekeyTables() });
    const net = new FakeNetwork();
    const users = new Map<string, SipUserConfig>([
      [
        "100",
        {
          name: "100",
          context: "default",
          sca: false,
          file: "linekey.conf",
          line: 1,
          callerid: { name: "Alice", number: "100" },
        },
      ],
    ]);
    server = await SipServer.start({
      settings: settings(),
      users: () => users,
      repo: new RegistrationsRepo(db),
      transport: {
        transport: net.transport(SERVER.address, SERVER.port),
        listening: [{ transport: "udp", address: SERVER.address, port: SERVER.port, family: "IPv4" }],
      },
    });
    tech = new SipTech({ server, core: h.core, users: () => users, log: silentLogger });
    h.core.registerTech(tech);
    phone = new Phone(net);
  });

  afterEach(async () => {
    try {
      await h.finish();
      assert.equal(tech.channelCount, 0, "SIP legs left");
    } finally {
      tech.close();
      await server.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** The phone calls 2XX; the test line answers after `answerMs`. */
  async function connect(opts: { prack?: boolean } = {}): Promise<void> {
    h.tech.script("200", { answerAfterMs: 30 });
    phone.send("INVITE", {
      body: SDP(),
      ...(opts.prack === true ? { headers: [["Supported", "100rel"]] } : {}),
    });
    await phone.response(100);
    const ringing = await phone.response(180);
    phone.remoteTag = ringing.to.tag;
    if (opts.prack === true) {
      // RFC 3262: the 180 is reliable; the 200 waits for its PRACK.
      assert.equal(ringing.header("Require"), "100rel");
      const rseq = ringing.header("RSeq");
      assert.ok(rseq);
      phone.send("PRACK", { headers: [["RAck", `${rseq} 1 INVITE`]] });
      await phone.response(200, "PRACK");
    }
    const ok = await phone.response(200);
    assert.match(ok.bodyText, /^m=audio \d+ RTP\/AVP 0 101$/m);
    assert.doesNotMatch(ok.bodyText, /^m=audio 9 /m, "the 200 carries the relay's port");
    phone.send("ACK", { seq: 1 });
    await waitUntil(() => h.core.bridgeCount === 1, "bridged");
  }

  it("an inbound call with 100rel: reliable 180, PRACK, 200 with the relay address, ACK, BYE", async () => {
    await connect({ prack: true });
    assert.equal(h.pool.inUse, 2);
    phone.send("BYE");
    await phone.response(200, "BYE");
  });

  it("the phone cancels while the test line rings: 200 to CANCEL, 487, the callee is hung up", async () => {
    h.tech.script("200", {});
    const invite = phone.send("INVITE", { body: SDP() });
    await phone.response(180);
    const branch = invite.topVia?.branch;
    assert.ok(branch);
    const cancel = new SipRequest({
      method: "CANCEL",
      uri: invite.uri,
      headers: [...invite.headers].filter((x) => !/^(content-type|contact)$/i.test(x.name)),
    });
    cancel.headers.set("CSeq", "1 CANCEL");
    void phone.transport.send(cancel, { transport: "udp", ...SERVER });
    await phone.response(200, "CANCEL");
    await phone.response(487);
    await waitUntil(() => h.callee("200").released, "callee hung up");
  });

  it("Busy() in the dialplan answers the INVITE 486 with a Q.850 Reason", async () => {
    phone.send("INVITE", { uri: `sip:555@${SERVER.address}`, body: SDP() });
    const busy = await phone.response(486);
    assert.equal(busy.header("Reason"), "Q.850;cause=17");
  });

  it("the phone holds with a re-INVITE sendonly: answered recvonly, the other party told; resumed", async () => {
    await connect();
    const callee = h.callee("200");
    phone.send("INVITE", { body: SDP("sendonly") });
    const held = await phone.response(200);
    assert.match(held.bodyText, /^a=recvonly$/m);
    phone.send("ACK", { seq: 2 });
    await waitUntil(() => callee.indications.includes("hold"), "hold indicated");
    phone.send("INVITE", { body: SDP("sendrecv") });
    const resumed = await phone.response(200);
    assert.match(resumed.bodyText, /^a=sendrecv$/m);
    phone.send("ACK", { seq: 3 });
    await waitUntil(() => callee.indications.includes("unhold") && h.core.bridgeCount === 1, "resumed");
    const show = tech.listChannels();
    assert.equal(show.length, 1);
    assert.equal(show[0]?.hold, "none");
    phone.send("BYE");
    await phone.response(200, "BYE");
  });

  it("DTMF both ways: INFO from the phone reaches the other party; its digits go out as INFO", async () => {
    await connect();
    const callee = h.callee("200");
    phone.send("INFO", {
      body: "Signal=7\r\nDuration=160\r\n",
      headers: [["Content-Type", "application/dtmf-relay"]],
    });
    await phone.response(200, "INFO");
    await waitUntil(() => callee.dtmf.includes("7"), "digit relayed to the other party");
    callee.remoteDtmf("5");
    const info = await phone.request("INFO");
    assert.equal(info.header("Content-Type"), "application/dtmf-relay");
    assert.match(info.bodyText, /^Signal=5\r\nDuration=160\r\n$/);
    phone.reply(info, 200, "OK");
    phone.send("BYE");
    await phone.response(200, "BYE");
  });

  it("an outbound leg refused 486: ACKed by the transaction, DIALSTATUS BUSY", async () => {
    const caller = h.call("201", "300");
    const invite = await phone.request("INVITE");
    assert.match(invite.header("Supported") ?? "", /100rel/);
    phone.reply(invite, 180, "Ringing");
    phone.reply(invite, 486, "Busy Here");
    await phone.request("ACK");
    assert.equal(await h.varOf(caller, "DIALSTATUS"), "BUSY");
  });

  it("REFER: the remaining party is sent to the referred number; NOTIFY 100, 180, 200; the SIP leg is dropped", async () => {
    await connect();
    h.tech.script("201", { answerAfterMs: 30 });
    phone.send("REFER", {
      headers: [
        ["Refer-To", "<sip:201@pbx.test>"],
        ["Referred-By", "<sip:100@pbx.test>"],
      ],
    });
    await phone.response(202, "REFER");
    const frags: string[] = [];
    for (;;) {
      const n = await phone.request("NOTIFY");
      phone.reply(n, 200, "OK");
      frags.push(n.bodyText.trim());
      if (/terminated/.test(n.header("Subscription-State") ?? "")) break;
    }
    assert.deepEqual(frags, ["SIP/2.0 100 Trying", "SIP/2.0 180 Ringing", "SIP/2.0 200 OK"]);
    const bye = await phone.request("BYE");
    phone.reply(bye, 200, "OK");
    const a = h.callee("200");
    const b = h.callee("201");
    await waitUntil(() => h.core.bridgeOf(a)?.peerOf(a) === b, "200 bridged with 201");
    a.hangup();
  });
});
