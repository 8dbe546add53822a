import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  SipParseError,
  SipRequest,
  SipResponse,
  parseMessage,
  serialize,
  type SipMessage,
} from "../../../src/sip/message/index.ts";

/** Joins lines with CRLF and ends the header section. */
function wire(lines: string[], body = ""): string {
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

function req(m: SipMessage): SipRequest {
  assert.ok(m instanceof SipRequest, "expected a request");
  return m;
}

function res(m: SipMessage): SipResponse {
  assert.ok(m instanceof SipResponse, "expected a response");
  return m;
}

function parseError(fn: () => unknown): SipParseError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SipParseError, `expected SipParseError, got ${String(err)}`);
    assert.equal(err.code, "SIP_ERR_PARSE");
    return err;
  }
  assert.fail("expected a SipParseError");
}

const SDP =
  "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";

const INVITE = wire(
  [
    "INVITE sip:bob@biloxi.example.com SIP/2.0",
    "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds",
    "Max-Forwards: 70",
    'To: "Bob" <sip:bob@biloxi.example.com>',
    'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com",
    "CSeq: 314159 INVITE",
    "Contact: <sip:alice@pc33.atlanta.example.com>",
    "Content-Type: application/sdp",
    `Content-Length: ${Buffer.byteLength(SDP)}`,
  ],
  SDP,
);

test("a request line, headers in order and the body by Content-Length", () => {
  const m = req(parseMessage(INVITE));
  assert.equal(m.method, "INVITE");
  assert.equal(m.uri, "sip:bob@biloxi.example.com");
  assert.equal(m.version, "SIP/2.0");
  const uri = m.requestUri;
  assert.equal(uri.type, "sip");
  assert.equal(uri.user, "bob");
  assert.equal(uri.host, "biloxi.example.com");
  assert.equal(uri.port, undefined);
  assert.deepEqual(
    [...m.headers].map((h) => h.name),
    ["Via", "Max-Forwards", "To", "From", "Call-ID", "CSeq", "Contact", "Content-Type", "Content-Length"],
  );
  assert.equal(m.callId, "a84b4c76e66710@pc33.atlanta.example.com");
  assert.deepEqual(m.cseq, { seq: 314159, method: "INVITE" });
  assert.equal(m.from.tag, "1928301774");
  assert.equal(m.from.displayName, "Alice");
  assert.equal(m.to.tag, undefined);
  assert.equal(m.maxForwards, 70);
  const via = m.topVia;
  assert.ok(via);
  assert.equal(via.branch, "z9hG4bK776asdhds");
  assert.equal(via.port, 5060);
  assert.equal(m.bodyText, SDP);
});

test("a status line with its reason phrase", () => {
  const m = res(
    parseMessage(
      wire([
        "SIP/2.0 180 Ringing",
        "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1",
        "To: <sip:bob@biloxi.example.com>;tag=a6c85cf",
        "From: <sip:alice@atlanta.example.com>;tag=1928301774",
        "Call-ID: a84b4c76e66710",
        "CSeq: 314159 INVITE",
        "Content-Length: 0",
      ]),
    ),
  );
  assert.equal(m.status, 180);
  assert.equal(m.reason, "Ringing");
  assert.equal(m.to.tag, "a6c85cf");
  assert.equal(m.topVia?.received, "192.0.2.1");
});

test("compact header names are found by their long names and kept as written", () => {
  const m = req(
    parseMessage(
      wire(
        [
          "SUBSCRIBE sip:100@pbx.example.com SIP/2.0",
          "v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKc1",
          "f: <sip:100@pbx.example.com>;tag=f1",
          "t: <sip:100@pbx.example.com>",
          "i: compact-1@192.0.2.10",
          "CSeq: 1 SUBSCRIBE",
          "m: <sip:100@192.0.2.10:5060>",
          "o: call-info",
          "u: call-info, line-seize",
          "k: replaces",
          "s: hello",
          "e: gzip",
          "r: <sip:200@pbx.example.com>",
          "b: <sip:100@pbx.example.com>",
          "x: 1800",
          "c: text/plain",
          "l: 2",
        ],
        "hi",
      ),
    ),
  );
  const expected: Record<string, string> = {
    Via: "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKc1",
    From: "<sip:100@pbx.example.com>;tag=f1",
    To: "<sip:100@pbx.example.com>",
    "Call-ID": "compact-1@192.0.2.10",
    Contact: "<sip:100@192.0.2.10:5060>",
    Event: "call-info",
    "Allow-Events": "call-info",
    Supported: "replaces",
    Subject: "hello",
    "Content-Encoding": "gzip",
    "Refer-To": "<sip:200@pbx.example.com>",
    "Referred-By": "<sip:100@pbx.example.com>",
    "Session-Expires": "1800",
    "Content-Type": "text/plain",
    "Content-Length": "2",
  };
  for (const [name, value] of Object.entries(expected)) assert.equal(m.header(name), value, name);
  assert.deepEqual(m.headers.getAll("allow-events"), ["call-info", "line-seize"]);
  assert.equal(m.headers.lines("Call-ID")[0]?.name, "i");
  assert.equal(m.bodyText, "hi");
  // Serialising keeps the compact names as received.
  assert.equal(
    serialize(m).toString("utf8").split("\r\n")[1],
    "v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKc1",
  );
});

test("folded header lines are unfolded", () => {
  const m = req(
    parseMessage(
      wire([
        "OPTIONS sip:bob@example.com SIP/2.0",
        "Via: SIP/2.0/UDP",
        "  host.example.com;branch=z9hG4bKfold",
        "To: sip:bob@example.com",
        "From: sip:alice@example.com",
        "\t;tag=77",
        "Call-ID: fold@host",
        "Subject: first",
        " second",
        "CSeq: 1",
        " OPTIONS",
        "Content-Length: 0",
      ]),
    ),
  );
  assert.equal(m.topVia?.host, "host.example.com");
  assert.equal(m.from.tag, "77");
  assert.equal(m.header("Subject"), "first second");
  assert.deepEqual(m.cseq, { seq: 1, method: "OPTIONS" });
  assert.ok(!serialize(m).toString("utf8").includes("\r\n "), "no continuation lines on output");
});

test("several Via values in one header and in several headers, top first", () => {
  const m = req(
    parseMessage(
      wire([
        "BYE sip:bob@192.0.2.4 SIP/2.0",
        "Via: SIP/2.0/UDP proxy2.example.com:5060;branch=z9hG4bK2, SIP/2.0/TCP proxy1.example.com;branch=z9hG4bK1",
        "v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK0;rport=5061;received=192.0.2.1",
        "To: <sip:bob@example.com>;tag=b",
        "From: <sip:alice@example.com>;tag=a",
        "Call-ID: vias",
        "CSeq: 2 BYE",
        "Content-Length: 0",
      ]),
    ),
  );
  const vias = m.vias;
  assert.deepEqual(
    vias.map((v) => [v.transport, v.host, v.port, v.branch]),
    [
      ["UDP", "proxy2.example.com", 5060, "z9hG4bK2"],
      ["TCP", "proxy1.example.com", undefined, "z9hG4bK1"],
      ["UDP", "192.0.2.1", undefined, "z9hG4bK0"],
    ],
  );
  assert.equal(vias[2]?.rport, 5061);
  assert.equal(m.headers.count("via"), 2);
  // A proxy removing its own Via takes only the first value of a combined line.
  assert.equal(m.headers.shift("Via"), "SIP/2.0/UDP proxy2.example.com:5060;branch=z9hG4bK2");
  assert.deepEqual(
    m.vias.map((v) => v.branch),
    ["z9hG4bK1", "z9hG4bK0"],
  );
});

test("IPv6 references in the Request-URI, Via and Contact (RFC 5118 §4.1, §4.4)", () => {
  const m = req(
    parseMessage(
      wire([
        "REGISTER sip:[2001:db8::10]:5070 SIP/2.0",
        "To: sip:user@example.com",
        "From: sip:user@example.com;tag=81x2",
        "Via: SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKas3-111;received=[2001:db8::9:255]",
        "Call-ID: SSG9559905523997077@hlau_4100",
        "Max-Forwards: 70",
        'Contact: "Caller" <sip:caller@[2001:db8::1]>',
        "CSeq: 98176 REGISTER",
        "Content-Length: 0",
      ]),
    ),
  );
  const uri = m.requestUri;
  assert.equal(uri.type, "sip");
  assert.equal(uri.host, "[2001:db8::10]");
  assert.equal(uri.hostAddress, "2001:db8::10");
  assert.equal(uri.port, 5070);
  const via = m.topVia;
  assert.ok(via);
  assert.equal(via.host, "[2001:db8::9:1]");
  assert.equal(via.port, 5060);
  assert.equal(via.received, "2001:db8::9:255");
  const contact = m.contacts[0]?.parsedUri;
  assert.equal(contact?.type === "sip" ? contact.hostAddress : undefined, "2001:db8::1");
  // RFC 5118 §4.2: an IPv6 address without brackets is not a valid host.
  const bad = parseError(() =>
    parseMessage(wire(["REGISTER sip:2001:db8::10 SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1"])),
  );
  assert.equal(bad.reason, "Malformed Request-URI");
});

test("serialize(parse(x)) is byte-equal for well-formed input", () => {
  const inputs = [
    INVITE,
    wire([
      "SIP/2.0 200 OK",
      "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKx;rport=5060;received=192.0.2.10",
      "Record-Route: <sip:192.0.2.1;lr>, <sip:192.0.2.2;lr>",
      "From: <sip:100@pbx>;tag=1",
      "To: <sip:100@pbx>;tag=2",
      "Call-ID: rt@x",
      "CSeq: 7 SUBSCRIBE",
      "Expires: 3600",
      "Content-Length: 0",
    ]),
    wire([
      "NOTIFY sip:100@192.0.2.10:5060 SIP/2.0",
      "v: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKn",
      "f: <sip:100@pbx>;tag=2",
      "t: <sip:100@pbx>;tag=1",
      "i: rt@x",
      "CSeq: 8 NOTIFY",
      "Event: call-info",
      "Call-Info: <sip:100@pbx>;appearance-index=*;appearance-state=idle",
      "Subscription-State: active;expires=3600",
      "l: 0",
    ]),
    wire([
      "SIP/2.0 100 ",
      "Via: SIP/2.0/UDP a;branch=z9hG4bK1",
      "From: <sip:a@b>;tag=1",
      "To: <sip:a@b>",
      "Call-ID: c",
      "CSeq: 1 INVITE",
      "Content-Length: 0",
    ]),
  ];
  for (const input of inputs) {
    assert.equal(serialize(parseMessage(input)).toString("utf8"), input);
  }
  // Non-UTF-8 header bytes (a latin1 display name) are forwarded unchanged.
  const latin1 = Buffer.from(
    wire([
      "OPTIONS sip:a@b SIP/2.0",
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1",
      'From: "Jos\xe9" <sip:j@b>;tag=1',
      "To: <sip:a@b>",
      "Call-ID: l1",
      "CSeq: 1 OPTIONS",
      "Content-Length: 0",
    ]),
    "latin1",
  );
  const m = parseMessage(latin1);
  assert.equal(m.headerEncoding, "latin1");
  assert.ok(serialize(m).equals(latin1));
});

test("serialize writes Content-Length from the body, once", () => {
  const m = req(parseMessage(INVITE));
  m.body = Buffer.from("x=1\r\n");
  m.headers.append("l", "999");
  const out = serialize(m).toString("utf8");
  assert.match(out, /\r\nContent-Length: 5\r\n/);
  assert.doesNotMatch(out, /\r\nl: /);
  const bare = new SipRequest({
    method: "OPTIONS",
    uri: "sip:a@b",
    headers: [{ name: "Call-ID", value: "x" }],
  });
  assert.ok(serialize(bare).toString("utf8").endsWith("Call-ID: x\r\nContent-Length: 0\r\n\r\n"));
  bare.headers.append("X-Evil", "a\r\nInjected: 1");
  parseError(() => serialize(bare));
});

test("datagram bodies: rest of the datagram without Content-Length, error when it is too large", () => {
  const head = [
    "MESSAGE sip:a@b SIP/2.0",
    "Via: SIP/2.0/UDP h;branch=z9hG4bK1",
    "From: <sip:c@d>;tag=1",
    "To: <sip:a@b>",
    "Call-ID: b1",
    "CSeq: 1 MESSAGE",
  ];
  assert.equal(parseMessage(wire(head, "hello")).bodyText, "hello");
  assert.equal(parseMessage(wire([...head, "Content-Length: 3"], "hello")).bodyText, "hel");
  const tooLong = parseError(() => parseMessage(wire([...head, "Content-Length: 6"], "hello")));
  assert.equal(tooLong.reason, "Content-Length larger than message");
  assert.equal(tooLong.isRequest, true);
  // A stream frame must be exactly its Content-Length.
  const streamErr = parseError(() =>
    parseMessage(wire([...head, "Content-Length: 3"], "hello"), { datagram: false }),
  );
  assert.equal(streamErr.reason, "Content-Length does not match message");
  // Leading CRLFs before the start line are ignored (RFC 3261 §7.5).
  assert.equal(req(parseMessage(`\r\n\r\n${wire([...head, "Content-Length: 0"])}`)).method, "MESSAGE");
});

test("malformed messages give a SipParseError with a reason and the start-line kind", () => {
  const okHead = [
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1",
    "From: <sip:a@b>;tag=1",
    "To: <sip:c@d>",
    "Call-ID: e1",
    "CSeq: 1 OPTIONS",
    "Content-Length: 0",
  ];
  const cases: [string, string, boolean | undefined][] = [
    [
      wire(["OPTIONS sip:c@d SIP/2.0", ...okHead.filter((h) => !h.startsWith("Call-ID"))]),
      "Missing Call-ID header",
      true,
    ],
    [wire(["OPTIONS sip:c@d SIP/2.0", ...okHead, "Call-ID: again"]), "Multiple Call-ID headers", true],
    [wire(["OPTIONS sip:c@d SIP/2.0", "Bad Header Name: x", ...okHead]), "Malformed header line", true],
    [
      wire(["OPTIONS sip:c@d SIP/2.0", " continued", ...okHead]),
      "Continuation line before the first header",
      true,
    ],
    [
      wire(["OPTIONS sip:c@d SIP/2.0", ...okHead, "Max-Forwards: many"]),
      "Malformed Max-Forwards header",
      true,
    ],
    [wire(["INVITE sip:c@d SIP/2.0", ...okHead]), "CSeq method does not match", true],
    [wire(["SIP/2.0 20 OK", ...okHead]), "Malformed Status-Line", false],
    [wire(["SIP/3.0 200 OK", ...okHead]), "SIP version not supported", false],
    ["OPTIONS sip:c@d SIP/2.0\r\nVia: SIP/2.0/UDP h", "Incomplete header section", true],
    ["\x16\x03\x01\x02\x00\x01", "Incomplete header section", undefined],
  ];
  for (const [input, reason, isRequest] of cases) {
    const err = parseError(() => parseMessage(input));
    assert.equal(err.reason, reason, JSON.stringify(input.slice(0, 60)));
    assert.equal(err.isRequest, isRequest, reason);
  }
  const first = parseError(() => parseMessage(cases[0]![0]));
  assert.equal(first.status, 400);
  assert.equal(first.method, "OPTIONS");
  assert.equal(first.headers?.get("Via"), "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1");
  const version = parseError(() => parseMessage(wire(["OPTIONS sip:c@d SIP/3.0", ...okHead])));
  assert.equal(version.status, 505);
  assert.equal(version.isRequest, true);
});
