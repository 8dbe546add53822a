import { test } from "node:test";
import assert from "node:assert/strict";
import {
  NameAddress,
  Params,
  SipHeaders,
  SipParseError,
  canonicalHeaderName,
  parseCSeq,
  parseContentLength,
  parseDeltaSeconds,
  parseMaxForwards,
  parseNameAddr,
  parseSipUri,
  parseUri,
  parseVia,
  uriEquals,
  MAX_DELTA_SECONDS,
} from "../../../src/sip/message/index.ts";

test("sip: and sips: URIs: user, password, host, port, parameters, headers", () => {
  const u = parseSipUri(
    "sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent",
  );
  assert.equal(u.scheme, "sips");
  assert.equal(u.user, "alice");
  assert.equal(u.password, "secret");
  assert.equal(u.host, "atlanta.example.com");
  assert.equal(u.port, 5061);
  assert.equal(u.params.get("transport"), "tcp");
  assert.equal(u.params.get("lr"), null);
  assert.equal(u.params.get("maddr"), undefined);
  assert.deepEqual(u.headers, [
    { name: "subject", value: "project%20x" },
    { name: "priority", value: "urgent" },
  ]);
  assert.equal(
    u.toString(),
    "sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent",
  );
  const v6 = parseSipUri("sip:[::1]:5070;transport=udp");
  assert.deepEqual([v6.host, v6.hostAddress, v6.port, v6.user], ["[::1]", "::1", 5070, undefined]);
  assert.equal(parseSipUri("SIP:100@192.0.2.1").scheme, "sip");
});

test("tel: and other absolute URIs; malformed URIs throw SipParseError", () => {
  const tel = parseUri("tel:+1-201-555-0123;phone-context=example.com");
  assert.equal(tel.type, "tel");
  assert.equal(tel.number, "+1-201-555-0123");
  assert.equal(tel.params.get("phone-context"), "example.com");
  const urn = parseUri("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
  assert.equal(urn.type, "generic");
  assert.equal(urn.toString(), "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
  for (const bad of [
    "",
    "sip:",
    "sip:@host",
    "sip:a b@host",
    "sip:host:99999",
    "sip:host:port",
    "sip:[::1",
    "sip:host;=x",
    "sip:host?noequals",
    "<sip:a@b>",
    "1sip:x",
    "tel:",
    "http:",
    "x:has space",
  ]) {
    assert.throws(() => parseUri(bad), SipParseError, bad);
  }
});

test("URI comparison follows RFC 3261 §19.1.4", () => {
  const eq = (a: string, b: string): boolean => uriEquals(parseUri(a), parseUri(b));
  assert.ok(eq("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
  assert.ok(eq("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
  assert.ok(
    eq(
      "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
      "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com",
    ),
  );
  assert.ok(
    !eq("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"),
    "user differs in case",
  );
  assert.ok(!eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"), "explicit port");
  assert.ok(!eq("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"), "transport on one side");
  assert.ok(!eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));
  assert.ok(!eq("sip:carol@chicago.com?Subject=next%20meeting", "sip:carol@chicago.com"));
  assert.ok(!eq("sip:a@b", "sips:a@b"));
  assert.ok(!eq("sip:a@b", "tel:+1"));
});

test("name-addr and addr-spec with display names and header parameters", () => {
  const quoted = parseNameAddr(
    '"Alice \\"A\\" Smith" <sip:alice@atlanta.com>;tag=88sja8x;+sip.instance="<urn:uuid:1>"',
  );
  assert.equal(quoted.displayName, 'Alice "A" Smith');
  assert.equal(quoted.rawDisplayName, '"Alice \\"A\\" Smith"');
  assert.equal(quoted.uri, "sip:alice@atlanta.com");
  assert.equal(quoted.tag, "88sja8x");
  assert.equal(quoted.param("+sip.instance"), "<urn:uuid:1>");
  assert.equal(
    quoted.toString(),
    '"Alice \\"A\\" Smith" <sip:alice@atlanta.com>;tag=88sja8x;+sip.instance="<urn:uuid:1>"',
  );

  const tokens = parseNameAddr("Bob Smith <sip:bob@biloxi.com;transport=tcp> ; expires = 60");
  assert.equal(tokens.displayName, "Bob Smith");
  assert.equal(tokens.param("expires"), "60");
  const turi = tokens.parsedUri;
  assert.ok(turi.type === "sip" && turi.params.get("transport") === "tcp");

  const bare = parseNameAddr("sip:carol@chicago.com;tag=3");
  assert.equal(bare.bracketed, false);
  assert.equal(bare.uri, "sip:carol@chicago.com");
  assert.equal(bare.tag, "3");
  bare.tag = "4";
  assert.equal(bare.toString(), "sip:carol@chicago.com;tag=4");

  const made = new NameAddress({
    uri: parseSipUri("sip:100@pbx;lr"),
    displayName: "Front Desk",
    bracketed: false,
  });
  assert.equal(made.toString(), '"Front Desk" <sip:100@pbx;lr>');

  for (const bad of [
    '"open <sip:a@b>',
    "Bell, Alexander <sip:a@b>",
    "< sip:a@b >",
    "<sip:a@b",
    "sip:a@b?x=y",
    "<sip:a@b>;;tag",
    "<>",
  ]) {
    assert.throws(() => parseNameAddr(bad, "To"), SipParseError, bad);
  }
});

test("Via: protocol, transport, sent-by, branch, received, rport with and without value, maddr, ttl", () => {
  const v = parseVia("SIP / 2.0 / udp 192.0.2.10 : 5062 ;branch=z9hG4bK74bf9;rport;maddr=224.2.0.1;ttl=16");
  assert.deepEqual(
    [v.protocolName, v.protocolVersion, v.transport, v.host, v.port],
    ["SIP", "2.0", "UDP", "192.0.2.10", 5062],
  );
  assert.equal(v.branch, "z9hG4bK74bf9");
  assert.ok(v.isRfc3261Branch);
  assert.equal(v.hasRport, true);
  assert.equal(v.rport, undefined);
  assert.equal(v.maddr, "224.2.0.1");
  assert.equal(v.ttl, 16);
  assert.equal(v.sentBy, "192.0.2.10:5062");
  v.params.set("rport", "5062");
  v.params.set("received", "198.51.100.7");
  assert.equal(
    v.toString(),
    "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK74bf9;rport=5062;maddr=224.2.0.1;ttl=16;received=198.51.100.7",
  );
  const filled = parseVia("SIP/2.0/TCP [2001:db8::1];rport=40000;received=2001:db8::1;branch=old");
  assert.equal(filled.rport, 40000);
  assert.equal(filled.received, "2001:db8::1");
  assert.equal(filled.isRfc3261Branch, false);
  assert.equal(filled.sentBy, "[2001:db8::1]");
  for (const bad of [
    "SIP/2.0/UDP",
    "SIP/2.0 host",
    "SIP/2.0/UDPhost",
    "SIP/2.0/UDP host;rport=x",
    "SIP/2.0/UDP host;ttl=300",
    "SIP/2.0/UDP host;branch",
    "SIP/2.0/UDP host:99999",
    ";;,",
  ]) {
    assert.throws(() => parseVia(bad), SipParseError, bad);
  }
});

test("CSeq and integer headers", () => {
  assert.deepEqual(parseCSeq("0009  INVITE"), { seq: 9, method: "INVITE" });
  assert.deepEqual(parseCSeq(String(2 ** 31 - 1) + " BYE"), { seq: 2 ** 31 - 1, method: "BYE" });
  for (const bad of ["INVITE", "1", String(2 ** 31) + " BYE", "-1 BYE", "1 IN VITE"]) {
    assert.throws(() => parseCSeq(bad), SipParseError, bad);
  }
  assert.equal(parseMaxForwards(" 70 "), 70);
  assert.throws(() => parseMaxForwards("256"), SipParseError);
  assert.equal(parseContentLength("0"), 0);
  assert.throws(() => parseContentLength("-1"), SipParseError);
  assert.equal(parseDeltaSeconds("3600"), 3600);
  assert.equal(parseDeltaSeconds("1".padEnd(40, "0")), MAX_DELTA_SECONDS);
  assert.throws(() => parseDeltaSeconds("soon"), SipParseError);
});

test("SipHeaders: case-insensitive and compact lookup, prepend, set, shift, replaceFirst, delete", () => {
  const h = new SipHeaders([
    { name: "v", value: "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2" },
    { name: "VIA", value: "SIP/2.0/UDP c;branch=z9hG4bK3" },
    { name: "Date", value: "Sat, 13 Nov 2010 23:29:00 GMT" },
    { name: "Route", value: "<sip:p1;lr>,<sip:p2;lr>" },
  ]);
  assert.equal(h.get("Via"), "SIP/2.0/UDP a;branch=z9hG4bK1");
  assert.deepEqual(h.getAll("via").length, 3);
  assert.deepEqual(h.getAll("Date"), ["Sat, 13 Nov 2010 23:29:00 GMT"], "Date is never split on its comma");
  assert.deepEqual(h.getAll("route"), ["<sip:p1;lr>", "<sip:p2;lr>"]);
  h.prepend("Via", "SIP/2.0/UDP proxy;branch=z9hG4bKp");
  assert.deepEqual(
    [...h].map((x) => x.name),
    ["Via", "v", "VIA", "Date", "Route"],
  );
  h.replaceFirst("via", "SIP/2.0/UDP proxy;branch=z9hG4bKp;received=1.2.3.4");
  assert.equal(h.get("v"), "SIP/2.0/UDP proxy;branch=z9hG4bKp;received=1.2.3.4");
  assert.equal(h.shift("Via"), "SIP/2.0/UDP proxy;branch=z9hG4bKp;received=1.2.3.4");
  assert.equal(h.shift("Via"), "SIP/2.0/UDP a;branch=z9hG4bK1");
  assert.deepEqual([...h].map((x) => `${x.name}: ${x.value}`).slice(0, 2), [
    "v: SIP/2.0/UDP b;branch=z9hG4bK2",
    "VIA: SIP/2.0/UDP c;branch=z9hG4bK3",
  ]);
  h.replaceFirst("Route", "<sip:p0;lr>");
  assert.equal(h.lines("Route")[0]?.value, "<sip:p0;lr>,<sip:p2;lr>");
  h.set("via", "SIP/2.0/TCP only;branch=z9hG4bK9");
  assert.deepEqual(h.lines("Via"), [{ name: "v", value: "SIP/2.0/TCP only;branch=z9hG4bK9" }]);
  assert.equal(h.delete("ROUTE"), 1);
  assert.equal(h.has("route"), false);
  assert.equal(h.size, 2);
  assert.equal(canonicalHeaderName("call-id"), "Call-ID");
  assert.equal(canonicalHeaderName("v"), "Via");
  assert.equal(canonicalHeaderName("www-authenticate"), "WWW-Authenticate");
  assert.equal(canonicalHeaderName("allow-events"), "Allow-Events");
});

test("Params keep order and duplicates, match names case-insensitively", () => {
  const p = new Params().append("Tag", "1").append("lr").append("tag", "2");
  assert.equal(p.get("TAG"), "1");
  assert.equal(p.toString(), ";Tag=1;lr;tag=2");
  p.set("tag", "3");
  assert.equal(p.toString(), ";Tag=3;lr;tag=2");
  assert.ok(p.delete("tag"));
  assert.equal(p.toString(), ";lr");
  assert.equal(p.size, 1);
});
