import { test } from "node:test";
import assert from "node:assert/strict";
import { Dialog, dialogIdOf, requestTarget, targetOfUriText } from "../../src/sip/dialog/index.ts";
import {
  createResponse,
  parseMessage,
  serialize,
  SipRequest,
  type SipResponse,
} from "../../src/sip/message/index.ts";
import { LinekeyError } from "../../src/util/errors.ts";

function invite(): SipRequest {
  return new SipRequest({
    method: "INVITE",
    uri: "sip:200@pbx.example",
    headers: [
      { name: "Via", value: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa" },
      { name: "From", value: '"Bob" <sip:100@pbx.example>;tag=ftag' },
      { name: "To", value: "<sip:200@pbx.example>" },
      { name: "Call-ID", value: "call-1" },
      { name: "CSeq", value: "7 INVITE" },
      { name: "Contact", value: "<sip:100@192.0.2.1:5060>" },
      { name: "Record-Route", value: "<sip:p1.example;lr>, <sip:p2.example;lr>" },
    ],
  });
}

function answer(req: SipRequest, status: number, rr: string[]): SipResponse {
  const res = createResponse(req, status, undefined, {
    toTag: "ttag",
    headers: [
      { name: "Contact", value: "<sip:200@192.0.2.2:5062;transport=tcp>" },
      ...rr.map((v) => ({ name: "Record-Route", value: v })),
    ],
  });
  return res;
}

test("UAC dialog from a 2xx: id, reversed route set, remote target, CSeq; in-dialog requests and ACK", () => {
  const req = invite();
  const res = answer(req, 200, ["<sip:p1.example;lr>", "<sip:p2.example:5070;lr>"]);
  const d = Dialog.fromUac(req, res);
  assert.deepEqual(d.id, { callId: "call-1", localTag: "ftag", remoteTag: "ttag" });
  assert.equal(d.state, "confirmed");
  assert.equal(d.localSeq, 7);
  assert.equal(d.remoteSeq, undefined);
  assert.deepEqual(d.routeSet, ["<sip:p2.example:5070;lr>", "<sip:p1.example;lr>"]);
  assert.equal(d.remoteTarget, "sip:200@192.0.2.2:5062;transport=tcp");

  const bye = d.createRequest("BYE", {
    userAgent: "Linekey",
    headers: [{ name: "Reason", value: "SIP;cause=200" }],
  });
  assert.equal(bye.uri, "sip:200@192.0.2.2:5062;transport=tcp", "loose routing: R-URI is the remote target");
  assert.deepEqual(
    [...bye.headers].map((h) => h.name),
    [
      "Route",
      "Route",
      "To",
      "From",
      "CSeq",
      "Call-ID",
      "Max-Forwards",
      "Content-Length",
      "User-Agent",
      "Contact",
      "Reason",
    ],
  );
  assert.equal(bye.headers.get("To"), "<sip:200@pbx.example>;tag=ttag");
  assert.equal(bye.headers.get("From"), '"Bob" <sip:100@pbx.example>;tag=ftag');
  assert.deepEqual(bye.cseq, { seq: 8, method: "BYE" });
  assert.equal(d.localSeq, 8);
  assert.deepEqual(d.nextHop(), { transport: "udp", address: "p2.example", port: 5070 });
  // It serialises and parses back (Via is the sender's job).
  bye.headers.prepend("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKb");
  const back = parseMessage(serialize(bye), { datagram: true });
  assert.ok(back.kind === "request" && back.method === "BYE");

  const ack = d.createAck(7);
  assert.deepEqual(ack.cseq, { seq: 7, method: "ACK" });
  assert.equal(d.localSeq, 8, "ACK does not use a new CSeq number");
  assert.throws(
    () => d.createRequest("ACK"),
    (e: unknown) => e instanceof LinekeyError && e.code === "SIP_ERR_DIALOG",
  );
});

test("UAC early dialog from a 180; the 2xx confirms it and recomputes the route set", () => {
  const req = invite();
  const d = Dialog.fromUac(req, answer(req, 180, ["<sip:early.example;lr>"]));
  assert.equal(d.state, "early");
  assert.deepEqual(d.routeSet, ["<sip:early.example;lr>"]);
  d.receiveResponse(answer(req, 200, ["<sip:final.example;lr>"]));
  assert.equal(d.state, "confirmed");
  assert.deepEqual(d.routeSet, ["<sip:final.example;lr>"]);
  assert.throws(() => Dialog.fromUac(req, createResponse(req, 100)), /creates no dialog/);
});

test("UAS dialog: route set in order, remote CSeq checks (500 when out of order), target refresh", () => {
  const req = invite();
  const res = createResponse(req, 200, "OK", {
    toTag: "mine",
    headers: [{ name: "Contact", value: "<sip:pbx.example:5060>" }],
  });
  const d = Dialog.fromUas(req, res);
  assert.deepEqual(d.id, { callId: "call-1", localTag: "mine", remoteTag: "ftag" });
  assert.deepEqual(d.routeSet, ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]);
  assert.equal(d.remoteSeq, 7);
  assert.equal(d.localContact, "<sip:pbx.example:5060>");

  const notify = d.createRequest("NOTIFY", { contact: "sip:2101@pbx.example" });
  assert.deepEqual(notify.cseq, { seq: 1, method: "NOTIFY" }, "an empty local sequence starts at 1");
  assert.equal(notify.headers.get("Contact"), "sip:2101@pbx.example");
  assert.equal(notify.headers.get("To"), '"Bob" <sip:100@pbx.example>;tag=ftag');
  assert.deepEqual(d.nextHop(), { transport: "udp", address: "p1.example", port: 5060 });

  const reinvite = (seq: number): SipRequest => {
    const r = invite();
    r.headers.set("CSeq", `${seq} INVITE`);
    r.headers.set("Contact", "<sip:100@198.51.100.9:5099>");
    return r;
  };
  assert.deepEqual(d.receiveRequest(reinvite(6)), {
    ok: false,
    status: 500,
    reason: "Server Internal Error",
  });
  assert.equal(d.remoteTarget, "sip:100@192.0.2.1:5060", "a rejected request changes nothing");
  assert.deepEqual(d.receiveRequest(reinvite(9)), { ok: true });
  assert.equal(d.remoteSeq, 9);
  assert.equal(d.remoteTarget, "sip:100@198.51.100.9:5099");
  d.terminate();
  assert.throws(() => d.createRequest("BYE"), /ended/);
});

test("strict routing: the first route becomes the Request-URI, the remote target the last Route", () => {
  const req = invite();
  req.headers.set("Record-Route", "<sip:strict.example>");
  const d = Dialog.fromUas(req, createResponse(req, 200, "OK", { toTag: "mine" }));
  const bye = d.createRequest("BYE");
  assert.equal(bye.uri, "sip:strict.example");
  assert.deepEqual(bye.headers.getAll("Route"), ["<sip:100@192.0.2.1:5060>"]);
});

test("dialog ids of received messages; URI targets without DNS", () => {
  const req = invite();
  req.headers.set("To", "<sip:200@pbx.example>;tag=t2");
  assert.deepEqual(dialogIdOf(req, "received-request"), {
    callId: "call-1",
    localTag: "t2",
    remoteTag: "ftag",
  });
  assert.deepEqual(dialogIdOf(answer(invite(), 200, []), "received-response"), {
    callId: "call-1",
    localTag: "ftag",
    remoteTag: "ttag",
  });
  assert.equal(dialogIdOf(invite(), "received-request"), undefined);
  assert.deepEqual(targetOfUriText("sip:a@[2001:db8::1]:5070;transport=TCP"), {
    transport: "tcp",
    address: "2001:db8::1",
    port: 5070,
  });
  assert.deepEqual(targetOfUriText("sip:a@host;maddr=192.0.2.7"), {
    transport: "udp",
    address: "192.0.2.7",
    port: 5060,
  });
  assert.equal(targetOfUriText("sip:a@host;transport=tls"), undefined);
  assert.equal(targetOfUriText("tel:+123"), undefined);
  const routed = invite();
  routed.headers.append("Route", "<sip:edge.example:5080;lr>");
  assert.deepEqual(requestTarget(routed), { transport: "udp", address: "edge.example", port: 5080 });
});
