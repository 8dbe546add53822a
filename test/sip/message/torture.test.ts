import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  SipParseError,
  SipRequest,
  SipResponse,
  parseMessage,
  serialize,
  type SipMessage,
} from "../../../src/sip/message/index.ts";

// RFC 4475 messages, byte-exact (see fixtures/rfc4475/README.md).
function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/rfc4475/${name}.dat`, import.meta.url));
}

function parse(name: string): SipMessage {
  return parseMessage(fixture(name));
}

function request(name: string): SipRequest {
  const m = parse(name);
  assert.ok(m instanceof SipRequest, `${name} is a request`);
  return m;
}

function rejected(name: string): SipParseError {
  try {
    parse(name);
  } catch (err) {
    assert.ok(err instanceof SipParseError, `${name}: expected SipParseError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${name} was accepted`);
}

test("RFC 4475 §3.1.1 valid messages parse and re-serialise to parseable output", () => {
  const valid = [
    "wsinv",
    "intmeth",
    "esc01",
    "escnull",
    "esc02",
    "lwsdisp",
    "longreq",
    "dblreq",
    "semiuri",
    "transports",
    "mpart01",
    "unreason",
    "noreason",
  ];
  for (const name of valid) {
    const m = parse(name);
    const again = parseMessage(serialize(m));
    assert.equal(again.kind, m.kind, name);
    assert.ok(again.body.equals(m.body), `${name}: body survives a round trip`);
    assert.deepEqual(
      [...again.headers].map((h) => h.value),
      [...m.headers].map((h) => h.value),
      name,
    );
  }
});

test("wsinv (§3.1.1.1): folding, escapes in quotes, LWS everywhere, mixed short and long forms", () => {
  const m = request("wsinv");
  assert.equal(m.uri, "sip:vivekg@chair-dnrc.example.com;unknownparam");
  const uri = m.requestUri;
  assert.ok(uri.type === "sip" && uri.params.get("unknownparam") === null);
  assert.equal(m.to.tag, "1918181833n");
  assert.equal(m.from.displayName, 'J Rosenberg \\"');
  assert.equal(m.from.tag, "98asjd8");
  assert.equal(m.maxForwards, 68);
  assert.deepEqual(m.cseq, { seq: 9, method: "INVITE" });
  assert.deepEqual(
    m.vias.map((v) => [v.protocolName, v.protocolVersion, v.transport, v.host, v.branch]),
    [
      ["SIP", "2.0", "UDP", "192.0.2.2", "390skdjuw"],
      ["SIP", "2.0", "TCP", "spindle.example.com", "z9hG4bK9ikj8"],
      ["SIP", "2.0", "UDP", "192.168.255.111", "z9hG4bK30239"],
    ],
  );
  assert.equal(m.header("Subject"), "");
  assert.equal(m.header("NewFangledHeader"), "newfangled value continued newfangled value");
  assert.equal(m.header("UnknownHeaderWithUnusualValue"), ";;,,;;,;");
  const contact = m.contacts[0];
  assert.ok(contact);
  assert.equal(contact.displayName, 'Quoted string ""');
  assert.equal(contact.param("newparam"), "newvalue");
  assert.equal(contact.param("secondparam"), "");
  assert.equal(contact.param("q"), "0.33");
  assert.equal(m.body.length, 150);
});

test("intmeth, esc02, escnull, semiuri, lwsdisp, longreq, transports: unusual but legal", () => {
  const intmeth = request("intmeth");
  assert.equal(intmeth.method, "!interesting-Method0123456789_*+`.%indeed'~");
  assert.equal(intmeth.cseq.method, intmeth.method);
  const to = intmeth.to;
  assert.equal(to.displayName, "BEL:\x07 NUL:\x00 DEL:\x7f");
  const iuri = intmeth.requestUri;
  assert.ok(iuri.type === "sip");
  assert.equal(iuri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  assert.equal(iuri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  assert.equal(intmeth.from.tag, "_token~1'+`*%!-.");

  const esc02 = request("esc02");
  assert.equal(esc02.method, "RE%47IST%45R");
  assert.equal(esc02.contacts.length, 2, "C%6Fntact is an unknown header, not Contact");

  const escnull = request("escnull");
  assert.equal(escnull.contacts.length, 2);

  const semiuri = request("semiuri");
  const suri = semiuri.requestUri;
  assert.ok(suri.type === "sip" && suri.user === "user;par=u%40example.net" && suri.host === "example.com");
  assert.equal(semiuri.headers.getAll("Accept").length, 6);

  assert.equal(request("lwsdisp").from.displayName, "caller");

  const longreq = request("longreq");
  assert.equal(longreq.vias.length, 34);
  assert.equal(longreq.vias[0]?.host, "sip33.example.com");

  assert.deepEqual(
    request("transports").vias.map((v) => v.transport),
    ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"],
  );
});

test("dblreq, mpart01, unreason, noreason: datagram and body handling", () => {
  // §3.1.1.9: only the first request of the datagram counts.
  const dbl = request("dblreq");
  assert.equal(dbl.method, "REGISTER");
  assert.equal(dbl.body.length, 0);
  const mpart = request("mpart01");
  assert.equal(mpart.body.length, 553);
  assert.ok(mpart.body.includes(Buffer.from([0x30, 0x82])), "binary body kept as bytes");
  const unreason = parse("unreason");
  assert.ok(unreason instanceof SipResponse);
  assert.equal(unreason.status, 200);
  assert.ok(unreason.reason.startsWith("= 2**3 * 5**2 "));
  assert.ok(serialize(unreason).equals(fixture("unreason")), "UTF-8 reason phrase round-trips");
  const noreason = parse("noreason");
  assert.ok(noreason instanceof SipResponse);
  assert.equal(noreason.reason, "");
  assert.ok(serialize(noreason).equals(fixture("noreason")));
});

test("RFC 4475 §3.1.2 invalid messages are rejected with a reason", () => {
  const invalid: [string, string, boolean][] = [
    ["badinv01", "Malformed Via header", true],
    ["clerr", "Content-Length larger than message", true],
    ["ncl", "Malformed Content-Length header", true],
    ["scalar02", "CSeq number too large", true],
    ["scalarlg", "CSeq number too large", false],
    ["quotbal", "Unterminated quoted string in To header", true],
    ["ltgtruri", "Malformed Request-URI", true],
    ["lwsruri", "Malformed Request-Line", true],
    ["lwsstart", "Malformed Request-Line", true],
    ["trws", "Malformed Request-Line", true],
    ["escruri", "Malformed Request-URI", true],
    ["baddate", "Malformed Date header", true],
    ["regbadct", "Malformed Contact header", true],
    ["badaspec", "Malformed To header", true],
    ["baddn", "Malformed From header", true],
    ["badvers", "SIP version not supported", true],
    ["mismatch01", "CSeq method does not match", true],
    ["mismatch02", "CSeq method does not match", true],
    ["bigcode", "Malformed Status-Line", false],
  ];
  for (const [name, reason, isRequest] of invalid) {
    const err = rejected(name);
    assert.equal(err.reason, reason, name);
    assert.equal(err.isRequest, isRequest, name);
    assert.equal(err.status, name === "badvers" ? 505 : 400, name);
    if (isRequest) assert.ok((err.headers?.size ?? 0) > 0, `${name}: headers kept for the 400`);
  }
});

test("RFC 4475 §3.2–3.4: transaction and application layer cases parse (or are 400 where required)", () => {
  for (const name of [
    "badbranch",
    "unkscm",
    "novelsc",
    "unksm2",
    "bext01",
    "invut",
    "regaut01",
    "bcast",
    "zeromf",
    "cparam01",
    "cparam02",
    "regescrt",
    "sdp01",
    "inv2543",
  ]) {
    assert.doesNotThrow(() => parse(name), name);
  }
  assert.equal(request("unkscm").requestUri.type, "generic");
  assert.equal(request("novelsc").requestUri.scheme, "soap.beep");
  assert.equal(request("zeromf").maxForwards, 0);
  assert.equal(request("badbranch").topVia?.branch, "z9hG4bK");
  // RFC 2543 syntax: no branch, no Max-Forwards, no Content-Length (body = rest of datagram).
  const inv2543 = request("inv2543");
  assert.equal(inv2543.topVia?.branch, undefined);
  assert.equal(inv2543.maxForwards, undefined);
  assert.ok(inv2543.bodyText.startsWith("v=0"));
  assert.equal(
    request("regescrt").contacts[0]?.parsedUri.toString(),
    "sip:user@example.com?Route=%3Csip:sip.example.com%3E",
  );
  assert.equal(rejected("insuf").reason, "Missing From header");
  assert.equal(rejected("multi01").reason, "Multiple From headers");
  assert.equal(rejected("mcl01").reason, "Multiple Content-Length headers");
});
