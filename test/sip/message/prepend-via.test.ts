/**
 * The Via a sender of its own requests builds without Via#toString (branchVia and the text passed
 * to prependVia) against the classic way: the same header lines, parse cache and wire bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SipHeaders, SipRequest, Via, serialize, type SipHeader } from "../../../src/sip/message/index.ts";
import { branchVia } from "../../../src/sip/message/via.ts";

function notify(extra: SipHeader[] = []): SipRequest {
  return new SipRequest({
    method: "NOTIFY",
    uri: "sip:100@192.0.2.10:5062",
    headers: [
      ...extra,
      { name: "To", value: "<sip:100@pbx.test>;tag=a" },
      { name: "From", value: "<sip:100@pbx.test>;tag=b" },
      { name: "CSeq", value: "7 NOTIFY" },
      { name: "Call-ID", value: "c1" },
      { name: "Max-Forwards", value: "70" },
      { name: "Event", value: "call-info" },
    ],
  });
}

function classicVia(transport: string, host: string, port: number, branch: string): Via {
  const via = new Via({ transport, host, port });
  via.branch = branch;
  return via;
}

test("branchVia builds the Via that new Via + branch builds", () => {
  for (const [t, host, port] of [
    ["UDP", "192.0.2.1", 5060],
    ["TCP", "[2001:db8::1]", 5070],
  ] as const) {
    const fast = branchVia(t, host, port, "z9hG4bKabc");
    const classic = classicVia(t, host, port, "z9hG4bKabc");
    assert.deepEqual(fast, classic);
    assert.equal(fast.toString(), classic.toString());
    assert.equal(fast.branch, "z9hG4bKabc");
    assert.ok(fast.isRfc3261Branch);
    // Its parameter list is its own: a clone's or a later edit's changes stay apart.
    const copy = fast.clone();
    copy.params.set("received", "198.51.100.1");
    assert.equal(fast.received, undefined);
  }
});

test("prependVia with prebuilt text: same lines, parse cache and wire bytes as without", () => {
  for (const extra of [
    [],
    [{ name: "Route", value: "<sip:proxy.test;lr>" }],
    [{ name: "v", value: "SIP/2.0/UDP old;branch=z9hG4bKo" }],
  ]) {
    const a = notify(extra);
    const b = notify(extra);
    const viaA = classicVia("UDP", "192.0.2.1", 5060, "z9hG4bKxyz");
    const viaB = branchVia("UDP", "192.0.2.1", 5060, "z9hG4bKxyz");
    a.prependVia(viaA);
    b.prependVia(viaB, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKxyz");
    assert.deepEqual([...b.headers], [...a.headers]);
    assert.equal(b.peekTopVia(), viaB, "the given Via is the top Via's parse");
    assert.equal(b.peekTopVia()?.branch, "z9hG4bKxyz");
    assert.deepEqual(b.vias, a.vias);
    assert.deepEqual(serialize(b), serialize(a));
  }
});

test("SipHeaders.prepend puts a line before the first of its name, or on top", () => {
  // The lines as the SCA notifier hands them over: a list with spare room, and one without.
  const spare: SipHeader[] = [];
  spare.push({ name: "To", value: "t" }, { name: "Via", value: "v1" }, { name: "From", value: "f" });
  for (const list of [
    spare,
    [
      { name: "To", value: "t" },
      { name: "Via", value: "v1" },
      { name: "From", value: "f" },
    ],
  ]) {
    const h = new SipHeaders(list);
    h.prepend("Via", "v0");
    h.prepend("Route", "r");
    assert.deepEqual(
      [...h].map((l) => `${l.name}: ${l.value}`),
      ["Route: r", "To: t", "Via: v0", "Via: v1", "From: f"],
    );
    assert.deepEqual(h.getAll("Via"), ["v0", "v1"]);
    assert.equal(h.get("To"), "t");
    assert.equal(h.get("From"), "f");
    assert.equal(h.keyAt(0), "route");
    assert.equal(h.keyAt(2), "via");
  }
});
