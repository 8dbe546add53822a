/**
 * SipHeaders' lookup structures (keys per line, the index of long sections, folding by
 * compact()) against a plain reference list; the parse caches of messages; identifiers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  SipHeaders,
  Via,
  generateBranch,
  generateCallId,
  generateTag,
  headerKey,
  isListHeader,
  parseMessage,
  serialize,
  type SipHeader,
} from "../../../src/sip/message/index.ts";
import { splitTopLevel } from "../../../src/sip/message/lexer.ts";

/** The behaviour SipHeaders had with a linear scan per lookup, as a reference. */
class Reference {
  list: SipHeader[] = [];
  private lines(name: string): SipHeader[] {
    return this.list.filter((h) => headerKey(h.name) === headerKey(name));
  }
  get(name: string): string | undefined {
    return this.getAll(name)[0];
  }
  getAll(name: string): string[] {
    const lines = this.lines(name);
    if (!isListHeader(name)) return lines.map((h) => h.value);
    return lines.flatMap((h) => (splitTopLevel(h.value, ",") ?? [h.value]).filter((p) => p !== ""));
  }
  append(name: string, value: string): void {
    this.list.push({ name, value });
  }
  prepend(name: string, value: string): void {
    const i = this.list.findIndex((h) => headerKey(h.name) === headerKey(name));
    this.list.splice(i < 0 ? 0 : i, 0, { name, value });
  }
  set(name: string, value: string): void {
    const i = this.list.findIndex((h) => headerKey(h.name) === headerKey(name));
    if (i < 0) {
      this.append(name, value);
      return;
    }
    this.list = this.list.flatMap((h, j) =>
      j === i ? [{ name: h.name, value }] : headerKey(h.name) === headerKey(name) ? [] : [h],
    );
  }
  delete(name: string): void {
    this.list = this.list.filter((h) => headerKey(h.name) !== headerKey(name));
  }
  check(h: SipHeaders, names: readonly string[], what: string): void {
    assert.deepEqual([...h], this.list, `${what}: lines`);
    assert.equal(h.size, this.list.length, `${what}: size`);
    for (const n of names) {
      assert.deepEqual(h.lines(n), this.lines(n), `${what}: lines(${n})`);
      assert.equal(h.count(n), this.lines(n).length, `${what}: count(${n})`);
      assert.equal(h.has(n), this.lines(n).length > 0, `${what}: has(${n})`);
      assert.deepEqual(h.first(n), this.lines(n)[0], `${what}: first(${n})`);
      assert.equal(h.get(n), this.get(n), `${what}: get(${n})`);
      assert.deepEqual(h.getAll(n), this.getAll(n), `${what}: getAll(${n})`);
    }
  }
}

const NAMES = ["Via", "v", "Route", "Contact", "m", "To", "X-A", "x-a", "Subject", "s", "CSeq"];
const VALUES = ["a", "b, c", "<sip:x;lr>, <sip:y>", "", " d ", '"q, r" <sip:z>', "e,,f"];

function pick<T>(list: readonly T[], r: () => number): T {
  return list[Math.floor(r() * list.length)] as T;
}

/** A small deterministic PRNG, so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

for (const start of [4, 40]) {
  test(`SipHeaders matches the reference through random edits and folds (${start} lines to begin with)`, () => {
    const r = prng(start);
    const ref = new Reference();
    const init: SipHeader[] = [];
    for (let i = 0; i < start; i++) init.push({ name: pick(NAMES, r), value: pick(VALUES, r) });
    ref.list = [...init];
    const h = new SipHeaders(init);
    ref.check(h, NAMES, "initial");
    for (let step = 0; step < 400; step++) {
      const op = Math.floor(r() * 7);
      const name = pick(NAMES, r);
      const value = pick(VALUES, r);
      if (op === 0) {
        h.append(name, value);
        ref.append(name, value);
      } else if (op === 1) {
        h.prepend(name, value);
        ref.prepend(name, value);
      } else if (op === 2) {
        h.set(name, value);
        ref.set(name, value);
      } else if (op === 3 && r() < 0.3) {
        h.delete(name);
        ref.delete(name);
      } else if (op === 4) {
        // compact() folds only sections that unfold to the same lines; either way nothing shows.
        h.compact();
      } else if (op === 5) {
        const copy = h.clone();
        ref.check(copy, [name], `clone at step ${step}`);
      }
      if (step % 20 === 0 || op <= 3) ref.check(h, [name, "Via", "x-A"], `step ${step}`);
    }
    ref.check(h, NAMES, "final");
  });
}

test("shift and replaceFirst keep a long section's index right", () => {
  const h = new SipHeaders();
  for (let i = 0; i < 30; i++) h.append(i % 3 === 0 ? "Via" : `X-${i}`, `v${i}`);
  h.append("Via", "a, b");
  assert.equal(h.shift("Via"), "v0");
  assert.equal(h.get("Via"), "v3");
  h.replaceFirst("Via", "top");
  assert.deepEqual(h.getAll("Via").slice(0, 2), ["top", "v6"]);
  assert.equal(h.get("X-29"), "v29");
  assert.equal(h.count("Via"), 10);
  for (let i = 0; i < 9; i++) h.shift("Via");
  assert.deepEqual(h.getAll("Via"), ["a", "b"]);
  assert.equal(h.shift("Via"), "a");
  assert.deepEqual(h.lines("Via"), [{ name: "Via", value: "b" }]);
});

test("header keys: compact forms and case; names of Object.prototype members are plain names", () => {
  assert.equal(headerKey("V"), "via");
  assert.equal(headerKey("CALL-ID"), "call-id");
  assert.equal(headerKey("i"), "call-id");
  assert.equal(headerKey("constructor"), "constructor");
  assert.equal(headerKey("__proto__"), "__proto__");
  const h = new SipHeaders([{ name: "constructor", value: "x" }]);
  assert.equal(h.get("Constructor"), "x");
  assert.equal(h.get("toString"), undefined);
});

test("compact() on a parsed message: every accessor and the wire form are unchanged", () => {
  const raw =
    "SUBSCRIBE sip:a@example.com SIP/2.0\r\n" +
    "v:  SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1 , SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2\r\n" +
    "From: <sip:a@example.com>;tag=f\r\nTo :<sip:a@example.com>\r\nCall-ID: c@h\r\n" +
    "CSeq: 3 SUBSCRIBE\r\nContact: <sip:a@10.0.0.1>\r\nEvent: call-info\r\n" +
    "Subject: folded\r\n  line\r\nContent-Length: 0\r\n\r\n";
  const m = parseMessage(raw);
  assert.equal(m.kind, "request");
  const before = serialize(m).toString("latin1");
  const lines = [...m.headers];
  m.compact();
  assert.equal(serialize(m).toString("latin1"), before);
  assert.deepEqual([...m.headers], lines);
  assert.equal(m.topVia?.branch, "z9hG4bK1");
  assert.equal(m.toTag, undefined);
  assert.equal(m.fromTag, "f");
  assert.equal(m.cseq.seq, 3);
  assert.equal(m.headers.get("Subject"), "folded  line");
  // Edits after a fold apply to the lines, which are brought back first.
  m.compact();
  m.headers.append("X-New", "1");
  assert.equal(m.headers.get("x-new"), "1");
  assert.equal(m.headers.size, lines.length + 1);
});

test("compact() on a built message folds only what reads back exactly", () => {
  const h = new SipHeaders([
    { name: "Via", value: "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx" },
    { name: "X-Plain", value: "" },
  ]);
  const copy = [...h];
  h.compact();
  assert.deepEqual([...h], copy);
  for (const odd of [" lead", "trail\t", "a\r\nb"]) {
    const o = new SipHeaders([{ name: "X-Odd", value: odd }]);
    o.compact();
    assert.equal(o.get("X-Odd"), odd);
  }
  const badName = new SipHeaders([{ name: "Bad Name", value: "v" }]);
  badName.compact();
  assert.deepEqual([...badName], [{ name: "Bad Name", value: "v" }]);
});

test("parsed values are cached per header text: edits show, returned copies are private", () => {
  const m = parseMessage(
    "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n" +
      "From: <sip:a@example.com>;tag=f\r\nTo: <sip:b@example.com>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
  );
  assert.equal(m.peekTopVia(), m.peekTopVia(), "one parse while the text is the same");
  const copy = m.topVia;
  assert.ok(copy !== undefined);
  copy.params.set("received", "192.0.2.1");
  assert.equal(m.topVia?.received, undefined, "a copy's edit does not reach the message");
  m.headers.replaceFirst("Via", "SIP/2.0/TCP 10.0.0.9;branch=z9hG4bK9");
  assert.equal(m.peekTopVia()?.branch, "z9hG4bK9");
  assert.equal(m.topVia?.transport, "TCP");
  m.headers.set("To", "<sip:b@example.com>;tag=t");
  assert.equal(m.toTag, "t");
  assert.equal(m.to.tag, "t");
  m.headers.set("CSeq", "2 OPTIONS");
  assert.equal(m.cseq.seq, 2);
  const via = new Via({ transport: "udp", host: "10.0.0.3", port: 5070 });
  via.branch = "z9hG4bK3";
  m.prependVia(via);
  assert.equal(m.headers.get("Via"), "SIP/2.0/UDP 10.0.0.3:5070;branch=z9hG4bK3");
  assert.equal(m.peekTopVia(), via);
  assert.equal(m.vias.length, 2);
});

test("identifiers: format, and no repeats across many refills of the random pool", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 3000; i++) {
    const b = generateBranch();
    const t = generateTag();
    const c = generateCallId("h");
    assert.match(b, /^z9hG4bK[A-Za-z0-9_-]{16}$/);
    assert.match(t, /^[0-9a-f]{16}$/);
    assert.match(c, /^[0-9a-f]{32}@h$/);
    for (const id of [b, t, c]) {
      assert.ok(!seen.has(id), id);
      seen.add(id);
    }
  }
  assert.match(generateCallId(), /^[0-9a-f]{32}$/);
});
