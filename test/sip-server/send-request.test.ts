/**
 * SipServer.sendRequestTo over real UDP: the handler gets the final response sendRequest
 * resolves with — the peer's, or the 503 of a transport failure or of a request with no route.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_SIP_SETTINGS } from "./support/settings.ts";
import type { FinalResponseHandler } from "../../src/sip/final-response.ts";
import {
  SipRequest,
  createResponse,
  generateCallId,
  generateTag,
  parseMessage,
  serialize,
  type SipResponse,
} from "../../src/sip/message/index.ts";
import { SipServer } from "../../src/sip/sip-server.ts";
import { openDatabase } from "../../src/store/database.ts";
import { RegistrationsRepo } from "../../src/store/registrations-repo.ts";
import { linekeyTables } from "../../src/store/tables.ts";

const LOOPBACK = "127.0.0.1";

const SETTINGS = TEST_SIP_SETTINGS;

function notify(uri: string): SipRequest {
  return new SipRequest({
    method: "NOTIFY",
    uri,
    headers: [
      { name: "From", value: `<sip:100@pbx.test>;tag=${generateTag()}` },
      { name: "To", value: "<sip:100@pbx.test>;tag=phone" },
      { name: "Call-ID", value: generateCallId() },
      { name: "CSeq", value: "2 NOTIFY" },
      { name: "Event", value: "call-info" },
    ],
  });
}

/** Records final responses; resolves `next` with the next one. */
class Handler implements FinalResponseHandler {
  readonly got: [SipResponse, SipRequest][] = [];
  private waiting: ((r: SipResponse) => void) | undefined;
  finalResponse(response: SipResponse, request: SipRequest): void {
    this.got.push([response, request]);
    this.waiting?.(response);
    this.waiting = undefined;
  }
  next(): Promise<SipResponse> {
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

test("sendRequestTo hands the final response to its handler, as sendRequest resolves", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "linekey-send-"));
  const db = await openDatabase("sqlite::memory:", { dataDir: dir, tables: linekeyTables() });
  const server = await SipServer.start({
    settings: SETTINGS,
    users: () => new Map(),
    repo: new RegistrationsRepo(db),
  });
  // A phone answering every request with the status in its Request-URI user part.
  const phone = createSocket("udp4");
  phone.bind(0, LOOPBACK);
  await once(phone, "listening");
  phone.on("message", (buf: Buffer, rinfo) => {
    const req = parseMessage(buf);
    if (req.kind !== "request") return;
    const status = Number(/^sip:(\d+)@/.exec(req.uri)?.[1] ?? 500);
    phone.send(serialize(createResponse(req, status, undefined)), rinfo.port, rinfo.address);
  });
  t.after(async () => {
    phone.close();
    await server.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const port = phone.address().port;
  const target = { transport: "udp", address: LOOPBACK, port } as const;

  for (const status of [200, 481]) {
    const h = new Handler();
    const req = notify(`sip:${status}@${LOOPBACK}:${port}`);
    const next = h.next();
    server.sendRequestTo(req, target, h);
    assert.equal((await next).status, status);
    assert.equal(h.got.length, 1);
    assert.equal(h.got[0]?.[1], req, "the handler gets the request it answers");
    assert.ok(req.headers.has("Via") && req.headers.has("Max-Forwards"), "Via and Max-Forwards added");
    const viaPromise = await server.sendRequest(notify(`sip:${status}@${LOOPBACK}:${port}`), target);
    assert.equal(viaPromise.status, status);
  }

  // The transport cannot send (an IPv6 target through the IPv4 socket): 503, as sendRequest.
  const failing = new Handler();
  const next = failing.next();
  server.sendRequestTo(
    notify("sip:200@[::1]:5060"),
    { transport: "udp", address: "::1", port: 5060 },
    failing,
  );
  assert.equal(failing.got.length, 0, "not before the transport has tried");
  assert.equal((await next).status, 503);
  const rejected = await server.sendRequest(notify("sip:200@[::1]:5060"), {
    transport: "udp",
    address: "::1",
    port: 5060,
  });
  assert.equal(rejected.status, 503);

  // No route at all (no target, a Request-URI that is not sip:): 503 at once.
  const noRoute = new Handler();
  server.sendRequestTo(notify("tel:+15551234"), undefined, noRoute);
  const [answer] = noRoute.got;
  assert.ok(answer !== undefined && noRoute.got.length === 1, "answered before returning");
  assert.equal(answer[0].status, 503);
  assert.equal(answer[0].reason, "Service Unavailable - no route");
  const promised = await server.sendRequest(notify("tel:+15551234"));
  assert.equal(promised.reason, "Service Unavailable - no route");
});
