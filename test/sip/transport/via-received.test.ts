import { test } from "node:test";
import assert from "node:assert/strict";
import {
  SipRequest,
  SipParseError,
  createResponse,
  parseMessage,
  parseVia,
} from "../../../src/sip/message/index.ts";
import {
  createParseErrorResponse,
  normalizeAddress,
  responseRoute,
  stampReceived,
} from "../../../src/sip/transport/index.ts";

function request(via: string): SipRequest {
  const m = parseMessage(
    [
      "OPTIONS sip:pbx SIP/2.0",
      `Via: ${via}, SIP/2.0/UDP second;branch=z9hG4bK2`,
      "From: <sip:a@b>;tag=1",
      "To: <sip:pbx>",
      "Call-ID: r1",
      "CSeq: 1 OPTIONS",
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n"),
  );
  assert.ok(m instanceof SipRequest);
  return m;
}

test("received is added when the sent-by host is not the source address (RFC 3261 §18.2.1)", () => {
  const byName = request("SIP/2.0/UDP phone.example.com:5060;branch=z9hG4bK1");
  stampReceived(byName, { address: "192.0.2.7", port: 5060 });
  assert.equal(byName.header("Via"), "SIP/2.0/UDP phone.example.com:5060;branch=z9hG4bK1;received=192.0.2.7");
  // The second Via of the combined line is left as written.
  assert.equal(byName.headers.lines("Via")[0]?.value.endsWith(", SIP/2.0/UDP second;branch=z9hG4bK2"), true);

  const same = request("SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1");
  stampReceived(same, { address: "::ffff:192.0.2.7", port: 5060 });
  assert.equal(same.topVia?.received, undefined, "same address: no received");
});

test("rport is filled with the source port and received is always added (RFC 3581 §4)", () => {
  const r = request("SIP/2.0/UDP 192.0.2.7:5060;rport;branch=z9hG4bK1");
  stampReceived(r, { address: "192.0.2.7", port: 40123 });
  assert.equal(r.header("Via"), "SIP/2.0/UDP 192.0.2.7:5060;rport=40123;branch=z9hG4bK1;received=192.0.2.7");
  const v6 = request("SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bK1;rport");
  stampReceived(v6, { address: "2001:db8::99", port: 7000 });
  const via = v6.topVia;
  assert.ok(via);
  assert.equal(via.received, "2001:db8::99");
  assert.equal(via.rport, 7000);
});

test("responses route to maddr, received:rport, received:sent-by port or the sent-by (RFC 3261 §18.2.2, RFC 3581 §5)", () => {
  const cases: [string, ReturnType<typeof responseRoute>][] = [
    [
      "SIP/2.0/UDP host:5062;branch=z9hG4bK;received=192.0.2.7;rport=40000",
      { transport: "udp", address: "192.0.2.7", port: 40000, connectPort: 5062 },
    ],
    [
      "SIP/2.0/UDP host:5062;branch=z9hG4bK;received=192.0.2.7",
      { transport: "udp", address: "192.0.2.7", port: 5062, connectPort: 5062 },
    ],
    ["SIP/2.0/TCP host;branch=z9hG4bK", { transport: "tcp", address: "host", port: 5060, connectPort: 5060 }],
    [
      "SIP/2.0/UDP host:5062;maddr=239.1.1.1;received=192.0.2.7",
      { transport: "udp", address: "239.1.1.1", port: 5062, connectPort: 5062 },
    ],
    [
      "SIP/2.0/UDP [2001:db8::9];branch=z9hG4bK",
      { transport: "udp", address: "2001:db8::9", port: 5060, connectPort: 5060 },
    ],
    ["SIP/2.0/TLS host;branch=z9hG4bK", undefined],
  ];
  for (const [via, expected] of cases) assert.deepEqual(responseRoute(parseVia(via)), expected, via);
  assert.equal(normalizeAddress("::FFFF:10.0.0.1"), "10.0.0.1");
  assert.equal(normalizeAddress("[::1]"), "::1");
});

test("a malformed request gets a 400 with the parser's reason and a To tag", () => {
  const wire = [
    "OPTIONS sip:pbx SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1",
    "From: <sip:a@b>;tag=1",
    "To: <sip:pbx>",
    "Call-ID: bad1",
    "CSeq: 1 INVITE",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  let err: SipParseError | undefined;
  try {
    parseMessage(wire);
  } catch (e) {
    if (e instanceof SipParseError) err = e;
  }
  assert.ok(err);
  const answer = createParseErrorResponse(err);
  assert.ok(answer);
  assert.equal(answer.status, 400);
  assert.equal(answer.reason, "CSeq method does not match");
  assert.equal(answer.callId, "bad1");
  assert.ok(answer.to.tag !== undefined);
  assert.equal(answer.topVia?.branch, "z9hG4bK1");
  // No readable Via, or a response: nothing to answer.
  assert.equal(createParseErrorResponse(new SipParseError("x", { isRequest: false })), undefined);
  assert.equal(createParseErrorResponse(new SipParseError("x", { isRequest: true })), undefined);
  // createResponse is what a UAS uses for well-formed requests.
  assert.equal(createResponse(request("SIP/2.0/UDP h;branch=z9hG4bK1"), 200).reason, "OK");
});
