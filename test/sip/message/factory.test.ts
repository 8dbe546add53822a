import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BRANCH_MAGIC_COOKIE,
  SipRequest,
  createCancel,
  createResponse,
  generateBranch,
  generateCallId,
  generateTag,
  parseMessage,
  serialize,
} from "../../../src/sip/message/index.ts";
import { createNon2xxAck } from "../../../src/sip/transaction/index.ts";

const INVITE = [
  "INVITE sip:bob@biloxi.example.com SIP/2.0",
  "v: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2",
  "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;received=192.0.2.1",
  "Max-Forwards: 69",
  "Route: <sip:p2.example.com;lr>",
  "To: Bob <sip:bob@biloxi.example.com>",
  "f: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
  "Call-ID: a84b4c76e66710",
  "CSeq: 314159 INVITE",
  "Timestamp: 54",
  "Contact: <sip:alice@pc33.atlanta.example.com>",
  "Content-Length: 0",
  "",
  "",
].join("\r\n");

function invite(): SipRequest {
  const m = parseMessage(INVITE);
  assert.ok(m instanceof SipRequest);
  return m;
}

test("createResponse copies Via, From, To, Call-ID, CSeq as received and adds the To tag (§8.2.6)", () => {
  const res = createResponse(invite(), 486, undefined, {
    toTag: "a6c85cf",
    headers: [{ name: "Retry-After", value: "60" }],
  });
  assert.equal(res.status, 486);
  assert.equal(res.reason, "Busy Here");
  assert.deepEqual(
    [...res.headers].map((h) => `${h.name}: ${h.value}`),
    [
      "v: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2",
      "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;received=192.0.2.1",
      "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf",
      "f: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
      "Call-ID: a84b4c76e66710",
      "CSeq: 314159 INVITE",
      "Retry-After: 60",
    ],
  );
  const wire = serialize(res).toString("utf8");
  assert.ok(wire.startsWith("SIP/2.0 486 Busy Here\r\n"));
  assert.ok(wire.endsWith("Content-Length: 0\r\n\r\n"));
});

test("a 100 Trying gets no To tag but copies Timestamp (§8.2.6.1); an existing tag is kept", () => {
  const trying = createResponse(invite(), 100, "Trying", { toTag: "zzz" });
  assert.equal(trying.to.tag, undefined);
  assert.equal(trying.header("Timestamp"), "54");
  const req = invite();
  req.headers.set("To", "<sip:bob@biloxi.example.com>;tag=already");
  const ok = createResponse(req, 200, "OK", { toTag: "other", body: "v=0\r\n" });
  assert.equal(ok.to.tag, "already");
  assert.equal(ok.header("Timestamp"), undefined);
  assert.equal(ok.bodyText, "v=0\r\n");
});

test("createCancel (§9.1): top Via only, CSeq number with CANCEL, Route kept, no Contact", () => {
  const cancel = createCancel(invite());
  assert.equal(cancel.method, "CANCEL");
  assert.equal(cancel.uri, "sip:bob@biloxi.example.com");
  assert.deepEqual(
    cancel.vias.map((v) => v.branch),
    ["z9hG4bK77ef4c2312983.1"],
  );
  assert.deepEqual(cancel.cseq, { seq: 314159, method: "CANCEL" });
  assert.equal(cancel.header("Route"), "<sip:p2.example.com;lr>");
  assert.equal(cancel.header("Contact"), undefined);
  assert.equal(cancel.to.tag, undefined);
  assert.equal(cancel.from.tag, "1928301774");
  assert.doesNotThrow(() => parseMessage(serialize(cancel)));
});

test("createNon2xxAck (§17.1.1.3): To from the response, top Via only, CSeq ACK", () => {
  const inv = invite();
  const busy = createResponse(inv, 486, undefined, { toTag: "t486" });
  const ack = createNon2xxAck(inv, busy);
  assert.equal(ack.method, "ACK");
  assert.equal(ack.uri, inv.uri);
  assert.equal(ack.vias.length, 1);
  assert.equal(ack.topVia?.branch, "z9hG4bK77ef4c2312983.1");
  assert.equal(ack.to.tag, "t486");
  assert.equal(ack.from.tag, "1928301774");
  assert.deepEqual(ack.cseq, { seq: 314159, method: "ACK" });
  assert.equal(ack.header("Route"), "<sip:p2.example.com;lr>");
  assert.equal(ack.header("Contact"), undefined);
  assert.equal(ack.body.length, 0);
});

test("generated branches carry the magic cookie; tags and Call-IDs are unique tokens", () => {
  const branches = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const b = generateBranch();
    assert.ok(b.startsWith(BRANCH_MAGIC_COOKIE));
    assert.match(b, /^[A-Za-z0-9\-.!%*_+`'~]+$/);
    branches.add(b);
  }
  assert.equal(branches.size, 200);
  const tags = new Set(Array.from({ length: 200 }, generateTag));
  assert.equal(tags.size, 200);
  assert.match(generateCallId("pbx.example.com"), /^[0-9a-f]{32}@pbx\.example\.com$/);
  assert.notEqual(generateCallId(), generateCallId());
});
