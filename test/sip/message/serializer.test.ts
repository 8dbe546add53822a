import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  SipParseError,
  SipRequest,
  SipResponse,
  parseMessage,
  serialize,
  startLine,
  type SipMessage,
} from "../../../src/sip/message/index.ts";
import { mulberry32 as prng } from "../../support/prng.ts";

/**
 * The serialiser as it was first written (one head string, then one Buffer): the reference the
 * slab writer must match byte for byte, error for error.
 */
function reference(message: SipMessage): Buffer {
  const hasCrOrLf = (s: string): boolean => s.includes("\r") || s.includes("\n");
  const first = startLine(message);
  if (hasCrOrLf(first)) throw new SipParseError("CR or LF in start line");
  const headers = message.headers;
  const bodyLength = message.body.length;
  let head = `${first}\r\n`;
  let wroteLength = false;
  for (let i = 0; i < headers.size; i++) {
    const h = headers.lineAt(i);
    if (h === undefined) continue;
    if (hasCrOrLf(h.name) || hasCrOrLf(h.value)) throw new SipParseError(`CR or LF in ${h.name} header`);
    if (headers.keyAt(i) === "content-length") {
      if (wroteLength) continue;
      wroteLength = true;
      head += `${h.name}: ${bodyLength}\r\n`;
    } else {
      head += `${h.name}: ${h.value}\r\n`;
    }
  }
  if (!wroteLength) head += `Content-Length: ${bodyLength}\r\n`;
  head += "\r\n";
  return Buffer.concat([Buffer.from(head, message.headerEncoding), message.body]);
}

/** serialize and the reference agree: the same bytes, or the same SipParseError reason. */
function agree(m: SipMessage, what: string): Buffer | undefined {
  let expected: Buffer | SipParseError;
  try {
    expected = reference(m);
  } catch (err) {
    assert.ok(err instanceof SipParseError);
    expected = err;
  }
  if (expected instanceof SipParseError) {
    assert.throws(
      () => serialize(m),
      (err: unknown) => err instanceof SipParseError && err.reason === expected.reason,
      `${what}: expected ${expected.reason}`,
    );
    return undefined;
  }
  const out = serialize(m);
  assert.ok(out.equals(expected), `${what}:\n${out.toString("latin1")}\n!==\n${expected.toString("latin1")}`);
  return out;
}

test("serialize: requests and responses as the reference writes them", () => {
  const sdp =
    "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
  const invite = new SipRequest({
    method: "INVITE",
    uri: "sip:bob@192.0.2.2:5060;transport=udp",
    headers: [
      { name: "Via", value: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-long-enough-to-be-written-natively" },
      { name: "Max-Forwards", value: "70" },
      { name: "From", value: '"Alice" <sip:alice@example.com>;tag=1928301774' },
      { name: "To", value: "<sip:bob@example.com>" },
      { name: "Call-ID", value: "a84b4c76e66710@pc33.example.com" },
      { name: "CSeq", value: "314159 INVITE" },
      { name: "Content-Type", value: "application/sdp" },
      { name: "Content-Length", value: "999" },
    ],
    body: sdp,
  });
  agree(invite, "INVITE with SDP");
  assert.match(
    serialize(invite).toString("utf8"),
    new RegExp(`\r\nContent-Length: ${sdp.length}\r\n\r\nv=0`),
  );
  agree(new SipResponse({ status: 200, headers: [{ name: "Call-ID", value: "x" }] }), "200 without CL");
  agree(new SipResponse({ status: 100, reason: "" }), "bare 100 with empty reason");
  agree(new SipResponse({ status: 486, reason: "Besetzt – später" }), "UTF-8 reason");
  // The compact form, twice: the first gets the length, the second is dropped.
  const compact = new SipRequest({
    method: "MESSAGE",
    uri: "sip:a@b",
    headers: [
      { name: "l", value: "1" },
      { name: "Call-ID", value: "c" },
      { name: "Content-Length", value: "2" },
    ],
    body: "hello",
  });
  const out = agree(compact, "duplicate Content-Length");
  assert.ok(out?.toString("utf8").includes("\r\nl: 5\r\nCall-ID: c\r\n\r\nhello"));
});

test("serialize: UTF-8 and latin1 header text, short and long", () => {
  const texts = [
    "José",
    "Jos\u00e9 Müller <sip:jm@example.com>;tag=ü",
    "日本語の表示名",
    "x".repeat(40) + "ü",
    "ü" + "x".repeat(40),
    "emoji \u{1f600} in a display name that is long enough",
    "\u{1f600}",
    "lone \ud800 surrogate",
    "\udfff",
    "trailing high \ud83d",
    "a".repeat(5000),
  ];
  for (const encoding of ["utf8", "latin1"] as const) {
    for (const t of texts) {
      const m = new SipRequest({
        method: "OPTIONS",
        uri: "sip:a@b",
        headers: [
          { name: "From", value: `"${t}" <sip:a@b>;tag=1` },
          { name: "X-Text", value: t },
          { name: `X-${t.length > 30 ? "Long" : "Short"}`, value: "1" },
        ],
        body: t,
      });
      m.headerEncoding = encoding;
      agree(m, `${encoding} ${JSON.stringify(t.slice(0, 20))}`);
    }
  }
  // Received as latin1 (not valid UTF-8): forwarded unchanged.
  const bytes = Buffer.from(
    [
      "OPTIONS sip:a@b SIP/2.0",
      "Via: SIP/2.0/UDP h;branch=z9hG4bK1",
      'From: "Jos\xe9" <sip:j@b>;tag=1',
      "To: <sip:a@b>",
      "Call-ID: l1",
      "CSeq: 1 OPTIONS",
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n"),
    "latin1",
  );
  const m = parseMessage(bytes);
  assert.equal(m.headerEncoding, "latin1");
  assert.ok(agree(m, "parsed latin1")?.equals(bytes));
});

test("serialize: CR or LF anywhere is refused as before", () => {
  const injections = [
    "a\r\nInjected: 1",
    "\n",
    "x\r",
    "é\r\nX: 1",
    "y".repeat(40) + "\nX: 1",
    "ü".repeat(30) + "\r",
  ];
  for (const bad of injections) {
    const base = (): SipRequest =>
      new SipRequest({
        method: "OPTIONS",
        uri: "sip:a@b",
        headers: [
          { name: "Call-ID", value: "x" },
          { name: "Content-Length", value: "0" },
        ],
      });
    const inValue = base();
    inValue.headers.append("X-Evil", bad);
    agree(inValue, `value ${JSON.stringify(bad)}`);
    const inName = base();
    inName.headers.append(`X${bad}`, "1");
    agree(inName, `name ${JSON.stringify(bad)}`);
    const inDroppedLength = base();
    inDroppedLength.headers.append("l", bad);
    agree(inDroppedLength, `dropped Content-Length ${JSON.stringify(bad)}`);
    const inLength = base();
    inLength.headers.set("Content-Length", bad);
    agree(inLength, `Content-Length ${JSON.stringify(bad)}`);
    for (const part of ["method", "uri", "version"] as const) {
      const r = base();
      r[part] = bad;
      agree(r, `start line ${part}`);
    }
    const resp = new SipResponse({ status: 200, reason: bad, headers: [{ name: "Call-ID", value: "x" }] });
    agree(resp, "reason");
  }
});

test("serialize: earlier results survive later messages, failures and slab changes", () => {
  const rand = prng(4475);
  const kept: [Buffer, Buffer][] = [];
  const chars = ["a", "Z", "0", " ", ";", "é", "ü", "日", "\u{1f600}", "\r", "\n", "\t", ":"];
  for (let n = 0; n < 3000; n++) {
    const headers: { name: string; value: string }[] = [];
    const lines = Math.floor(rand() * 14);
    for (let i = 0; i < lines; i++) {
      const r = rand();
      const name = r < 0.1 ? "Content-Length" : r < 0.15 ? "l" : `X-H${i}`;
      // Mostly short values, some long ones, now and then a huge one (beyond a slab).
      const size =
        rand() < 0.01 ? 20_000 : rand() < 0.2 ? 30 + Math.floor(rand() * 200) : Math.floor(rand() * 24);
      let value = "";
      for (let k = 0; k < size; k++) {
        // CR or LF rarely, so that most messages go through.
        const pick = chars[Math.floor(rand() * chars.length)] ?? "a";
        value += (pick === "\r" || pick === "\n") && rand() < 0.97 ? "b" : pick;
      }
      headers.push({ name, value });
    }
    const body = rand() < 0.3 ? "b".repeat(Math.floor(rand() * 3000)) : "";
    const m =
      rand() < 0.5
        ? new SipRequest({ method: "NOTIFY", uri: "sip:100@192.0.2.1", headers, body })
        : new SipResponse({ status: 200 + Math.floor(rand() * 400), headers, body });
    if (rand() < 0.3) m.headerEncoding = "latin1";
    const out = agree(m, `message ${n}`);
    if (out !== undefined) kept.push([out, Buffer.from(out)]);
  }
  assert.ok(kept.length > 1000, "most random messages serialise");
  for (const [out, copy] of kept) assert.ok(out.equals(copy), "a serialised message was overwritten");
});
