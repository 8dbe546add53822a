/**
 * The top Via SipServer puts on requests it sends: for literal and wildcard listeners, over UDP
 * and TCP, the text Via#toString gives for its sent-by and a fresh branch, with that Via as the
 * message's parse.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_SIP_SETTINGS } from "./support/settings.ts";
import { SipRequest, Via, serialize, type SipMessage } from "../../src/sip/message/index.ts";
import { SipServer } from "../../src/sip/sip-server.ts";
import type { BoundListener } from "../../src/sip/transport/transport-layer.ts";
import type { SipTransport, TransportTarget } from "../../src/sip/transport/types.ts";
import { openDatabase } from "../../src/store/database.ts";
import { RegistrationsRepo } from "../../src/store/registrations-repo.ts";
import { linekeyTables } from "../../src/store/tables.ts";

const SETTINGS = TEST_SIP_SETTINGS;

/** Keeps what is sent; never answers (the server is closed before any timer fires). */
class Capture implements SipTransport {
  readonly sent: { message: SipMessage; wire: Buffer; target: TransportTarget }[] = [];
  send(message: SipMessage, target: TransportTarget): Promise<void> {
    this.sent.push({ message, wire: Buffer.from(serialize(message)), target });
    return Promise.resolve();
  }
  sendResponse(): Promise<void> {
    return Promise.resolve();
  }
  onMessage(): () => void {
    return () => undefined;
  }
}

function notify(): SipRequest {
  return new SipRequest({
    method: "NOTIFY",
    uri: "sip:100@192.0.2.10:5062",
    headers: [
      { name: "To", value: "<sip:100@pbx.test>;tag=a" },
      { name: "From", value: "<sip:100@pbx.test>;tag=b" },
      { name: "CSeq", value: "2 NOTIFY" },
      { name: "Call-ID", value: "c1" },
      { name: "Event", value: "call-info" },
    ],
  });
}

const CASES: { name: string; listening: BoundListener[]; domains?: string[] }[] = [
  {
    name: "literal IPv4",
    listening: [
      { transport: "udp", address: "192.0.2.1", port: 5060, family: "IPv4" },
      { transport: "tcp", address: "192.0.2.1", port: 5061, family: "IPv4" },
    ],
  },
  {
    name: "literal IPv6",
    listening: [
      { transport: "udp", address: "2001:db8::1", port: 5070, family: "IPv6" },
      { transport: "tcp", address: "2001:db8::1", port: 5071, family: "IPv6" },
    ],
  },
  { name: "UDP only", listening: [{ transport: "udp", address: "192.0.2.2", port: 5080, family: "IPv4" }] },
  {
    name: "wildcard",
    listening: [
      { transport: "udp", address: "0.0.0.0", port: 5090, family: "IPv4" },
      { transport: "tcp", address: "0.0.0.0", port: 5091, family: "IPv4" },
    ],
  },
  {
    name: "wildcard with an IP domain",
    listening: [{ transport: "udp", address: "0.0.0.0", port: 5092, family: "IPv4" }],
    domains: ["pbx.test", "198.51.100.7"],
  },
];

for (const c of CASES) {
  test(`our Via on sent requests (${c.name}): Via#toString of sentBy and a new branch`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "linekey-via-"));
    const db = await openDatabase("sqlite::memory:", { dataDir: dir, tables: linekeyTables() });
    const transport = new Capture();
    const server = await SipServer.start({
      settings: { ...SETTINGS, domains: c.domains ?? SETTINGS.domains },
      users: () => new Map(),
      repo: new RegistrationsRepo(db),
      transport: { transport, listening: c.listening },
    });
    t.after(async () => {
      await server.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const handler = { finalResponse: () => undefined };
    const branches = new Set<string>();
    for (const proto of ["udp", "tcp"] as const) {
      for (let i = 0; i < 2; i++) {
        const req = notify();
        server.sendRequestTo(req, { transport: proto, address: "192.0.2.10", port: 5062 }, handler);
        const sent = transport.sent.at(-1);
        assert.equal(sent?.message, req);
        const branch = req.peekTopVia()?.branch ?? "";
        assert.match(branch, /^z9hG4bK/);
        assert.ok(!branches.has(branch), "a fresh branch per request");
        branches.add(branch);
        const { host, port } = server.sentBy(proto);
        const expected = new Via({ transport: proto.toUpperCase(), host, port });
        expected.branch = branch;
        assert.equal(req.headers.get("Via"), expected.toString());
        assert.deepEqual(req.peekTopVia(), expected, "the parse cache holds that Via");
        assert.deepEqual(req.topVia, expected);
        assert.equal(req.headers.lineAt(0)?.name, "Via", "on top");
        assert.equal(req.headers.get("Max-Forwards"), "70");
        const wire = sent.wire.toString("latin1");
        assert.ok(wire.includes(`\r\nVia: ${expected.toString()}\r\n`), wire);
      }
    }
  });
}
