/**
 * Header validation checks Via, Contact, Route and Record-Route elements with object-free
 * checkers (isValidNameAddr, isValidViaIn, isValidUriIn) that look at a range of the header
 * value in place. They must accept exactly what the parsers accept, and never read outside their
 * range: these compare them on random and mutated inputs, embedded in random surroundings.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { isValidNameAddr, isValidNameAddrIn, parseNameAddr } from "../../../src/sip/message/name-addr.ts";
import { isValidViaIn, parseVia } from "../../../src/sip/message/via.ts";
import { isValidUri, isValidUriIn } from "../../../src/sip/message/uri.ts";
import { SipParseError, parseMessage } from "../../../src/sip/message/index.ts";
import { mulberry32 } from "../../support/prng.ts";

/** Integers in [0, n) from a seeded mulberry32, so that a failure can be reproduced. */
function prng(seed: number): (n: number) => number {
  const next = mulberry32(seed);
  return (n) => Math.floor(next() * n);
}

/** Pieces that matter to the grammars: separators, quotes, escapes, scheme and parameter words. */
const PIECES = [
  "sip:",
  "sips:",
  "SIP:",
  "tel:",
  "mailto:",
  "a",
  "B",
  "1",
  "5060",
  "65536",
  "@",
  ":",
  ";",
  "=",
  "?",
  "&",
  "<",
  ">",
  '"',
  "\\",
  " ",
  "\t",
  ",",
  "[",
  "]",
  "::1",
  "%4F",
  "%G",
  "%",
  ".",
  "-",
  "lr",
  "tag",
  "branch",
  "z9hG4bK",
  "rport",
  "ttl",
  "SIP/2.0/UDP ",
  "/",
  "é",
  "*",
  "+",
  "host.example.com",
];

const TEMPLATES = [
  "sip:alice@atlanta.example.com",
  "sips:bob:pw@[2001:db8::1]:5061;transport=tcp;lr?subject=x&h=",
  "tel:+1-555-123;phone-context=x",
  "mailto:a@b",
  '"Alice A" <sip:alice@a.com>;tag=123',
  '"A \\"q\\" \\\\" <sip:a@b>',
  "Bob Smith <sip:bob@b.com:5060;transport=udp>;expires=60;q=0.5",
  "<sip:r@[::1];lr>",
  "sip:a@b;tag=x",
  '<tel:123>;x="a;b"',
  "SIP/2.0/UDP 192.168.1.1:5060;branch=z9hG4bK1;rport",
  "SIP/2.0/TCP host.example.com;received=1.2.3.4;rport=5060;ttl=16;maddr=1.2.3.4",
  "SIP / 2.0 / UDP [::1]:5;branch=z9hG4bKx",
  'SIP/2.0/UDP h ; branch = z9 ; ttl=255 ; x="q"',
  "SIP/2.0/WS h;RPORT=1;Branch=z9;TTL=3;rport=x",
  // Cut short: what follows the range must not complete them.
  "sip:a@h;p=%",
  "<sip:a%4",
  '"open',
  "sip:h?x=1&",
  "SIP/2.0/UDP [::1",
];

/** Random inputs: piece soup, or a valid template with up to three edits. */
function inputs(seed: number, count: number): string[] {
  const r = prng(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = "";
    if (r(2) === 0) {
      const n = r(12);
      for (let k = 0; k < n; k++) s += PIECES[r(PIECES.length)] ?? "";
    } else {
      s = TEMPLATES[r(TEMPLATES.length)] ?? "";
      const edits = r(4);
      for (let e = 0; e < edits; e++) {
        const at = r(s.length + 1);
        const piece = PIECES[r(PIECES.length)] ?? "";
        const kind = r(3);
        if (kind === 0) s = s.slice(0, at) + s.slice(at + 1);
        else if (kind === 1) s = s.slice(0, at) + piece + s.slice(at);
        else s = s.slice(0, at) + piece + s.slice(at + 1);
      }
    }
    out.push(s);
  }
  return out;
}

/** Text around a range: characters that would complete or break it if a checker read them. */
const SURROUNDINGS = [
  "",
  "x",
  "4F",
  "a5",
  ",",
  ";",
  '"',
  "<",
  ">",
  "\\",
  " ",
  "%4",
  ":",
  "]",
  "=",
  "?",
  "@",
  "5",
];

function accepts(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (err) {
    assert.ok(err instanceof SipParseError, `not a SipParseError: ${String(err)}`);
    return false;
  }
}

test("isValidNameAddr agrees with parseNameAddr on random and mutated values", () => {
  let accepted = 0;
  for (const s of inputs(1, 30000)) {
    const ok = accepts(() => parseNameAddr(s, "Contact"));
    if (ok) accepted++;
    assert.equal(
      isValidNameAddr(s),
      ok,
      `isValidNameAddr and parseNameAddr disagree on ${JSON.stringify(s)}`,
    );
  }
  // Enough of both verdicts to mean something.
  assert.ok(accepted > 3000 && accepted < 27000, `accepted ${accepted}`);
});

/** `check` on `s` inside every surrounding (a random text before it) gives `expected`. */
function sameInside(
  s: string,
  expected: boolean,
  check: (text: string, start: number, end: number) => boolean,
  r: (n: number) => number,
): void {
  for (const after of SURROUNDINGS) {
    const before = SURROUNDINGS[r(SURROUNDINGS.length)] ?? "";
    const text = before + s + after;
    const got = check(text, before.length, before.length + s.length);
    assert.equal(got, expected, `${JSON.stringify(s)} inside ${JSON.stringify(text)}`);
  }
}

test("isValidNameAddrIn reads only its range", () => {
  const r = prng(2);
  for (const s of inputs(3, 20000)) sameInside(s, isValidNameAddr(s), isValidNameAddrIn, r);
});

test("isValidViaIn agrees with parseVia and reads only its range", () => {
  const r = prng(4);
  let accepted = 0;
  for (const s of inputs(5, 20000)) {
    const ok = accepts(() => parseVia(s));
    if (ok) accepted++;
    assert.equal(
      isValidViaIn(s, 0, s.length),
      ok,
      `isValidViaIn and parseVia disagree on ${JSON.stringify(s)}`,
    );
    sameInside(s, ok, isValidViaIn, r);
  }
  assert.ok(accepted > 1000, `accepted ${accepted}`);
});

test("isValidUriIn reads only its range", () => {
  const r = prng(6);
  for (const s of inputs(7, 20000)) sameInside(s, isValidUri(s), isValidUriIn, r);
});

const HEAD = [
  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1",
  "From: <sip:a@b>;tag=1",
  "To: <sip:c@d>",
  "Call-ID: e1",
  "CSeq: 1 OPTIONS",
  "Content-Length: 0",
];

function reasonFor(line: string): string | undefined {
  const text = `${["OPTIONS sip:c@d SIP/2.0", ...HEAD, line].join("\r\n")}\r\n\r\n`;
  try {
    parseMessage(Buffer.from(text));
    return undefined;
  } catch (err) {
    assert.ok(err instanceof SipParseError);
    return err.reason;
  }
}

test("list header elements: the reason given for each kind of fault", () => {
  const cases: [string, string | undefined][] = [
    ["Contact: <sip:a@b>;expires=5", undefined],
    ["Contact: *", undefined],
    ["Contact:  * ", undefined],
    ['Contact: "Doe, John" <sip:a@b>, <sip:c@d>;q=0.5', undefined],
    ['Contact: <sip:a@b>;x="unterminated', "Malformed Contact header"],
    ['Contact: <sip:a@b>;x="unterminated\\"', "Malformed Contact header"],
    ['Contact: <sip:a@b>;x="v";=y', "Malformed Contact parameters"],
    ['Contact: <sip:a@b>;x="v" junk', "Malformed Contact parameters"],
    ['Contact: "abc <sip:a@b>', "Malformed Contact header"],
    ['Contact: <sip:a"b@c>', "Malformed Contact header"],
    ["Contact: <sip:a@b", "Malformed Contact header"],
    ["Contact: <sip:a@b>, ", "Malformed Contact header"],
    ["Contact: <sip:a@b>,,<sip:c@d>", "Malformed Contact header"],
    ['Contact: <sip:a@b>;x="unterminated, <sip:c@d>', "Malformed Contact header"],
    ['Contact: <sip:a@b>;x="a, b";=, <sip:c@d>', "Malformed Contact parameters"],
    ["Contact: <sip:a@b>;=, <sip:c@d>, <", "Malformed Contact header"],
    ["Contact: *, <sip:a@b>", undefined],
    ["Route: <sip:a@b;lr>;=", "Malformed Route parameters"],
    ["Record-Route: <sip:a@b;lr>, sip:c?d", "Malformed Record-Route header"],
    ["Record-Route: *", "Malformed Record-Route header"],
    ["Via: SIP/2.0/UDP h, SIP/2.0/TCP [::1]:5;rport", undefined],
    ['Via: SIP/2.0/UDP h;x="a,b", SIP/2.0/TCP k', undefined],
    ["Via: SIP/2.0/UDP h,", "Malformed Via header"],
    ["Via: SIP/2.0/UDP h;rport=x", "Malformed Via header"],
    ['Via: SIP/2.0/UDP h;x="open', "Malformed Via header"],
  ];
  for (const [line, reason] of cases) assert.equal(reasonFor(line), reason, line);
});

test("start lines outside the usual form go through the full grammar", () => {
  const rest = [...HEAD.map((h) => h.replace("OPTIONS", "INVITE")), "", ""].join("\r\n");
  const response = (line: string) => parseMessage(Buffer.from(`${line}\r\n${rest}`));
  const r1 = response("SIP/2.0 200 Fine");
  assert.ok(r1.kind === "response");
  assert.deepEqual([r1.version, r1.status, r1.reason], ["SIP/2.0", 200, "Fine"]);
  const r2 = response("sip/2.0 180 Ringing");
  assert.ok(r2.kind === "response");
  assert.deepEqual([r2.version, r2.status, r2.reason], ["sip/2.0", 180, "Ringing"]);
  const r3 = response("SIP/2.0 200 ");
  assert.ok(r3.kind === "response");
  assert.equal(r3.reason, "");
  const r4 = response("SIP/2.0 200");
  assert.ok(r4.kind === "response");
  assert.equal(r4.reason, "");
  const r5 = response("SIP/2.0 200 OK ");
  assert.ok(r5.kind === "response");
  assert.equal(r5.reason, "OK ");
  const request = parseMessage(Buffer.from(`INVITE sip:c@d sip/2.0\r\n${rest}`));
  assert.ok(request.kind === "request");
  assert.equal(request.version, "sip/2.0");
});
