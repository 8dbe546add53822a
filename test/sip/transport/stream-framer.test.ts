import { test } from "node:test";
import assert from "node:assert/strict";
import { StreamFramer, type FrameEvent } from "../../../src/sip/transport/index.ts";
import { parseMessage } from "../../../src/sip/message/index.ts";

function message(n: number, body = ""): string {
  return [
    `OPTIONS sip:${n}@example.com SIP/2.0`,
    `Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK${n}`,
    "From: <sip:a@example.com>;tag=1",
    "To: <sip:b@example.com>",
    `Call-ID: frame-${n}`,
    `CSeq: ${n} OPTIONS`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    "",
    body,
  ].join("\r\n");
}

function messages(events: FrameEvent[]): string[] {
  return events.flatMap((e) => (e.type === "message" ? [e.data.toString("utf8")] : []));
}

test("one message split at every byte offset is framed once", () => {
  const m = message(1, "body with\r\n\r\nblank lines");
  for (let cut = 1; cut < m.length; cut++) {
    const f = new StreamFramer();
    const events = [...f.push(Buffer.from(m.slice(0, cut))), ...f.push(Buffer.from(m.slice(cut)))];
    assert.deepEqual(messages(events), [m], `cut at ${cut}`);
    assert.equal(f.pending, 0);
  }
});

test("byte-by-byte delivery and several coalesced messages", () => {
  const all = message(1) + message(2, "xyz") + message(3);
  const f = new StreamFramer();
  const events: FrameEvent[] = [];
  for (const b of Buffer.from(all)) events.push(...f.push(Buffer.from([b])));
  assert.deepEqual(messages(events), [message(1), message(2, "xyz"), message(3)]);
  const g = new StreamFramer();
  const framed = messages(g.push(Buffer.from(all)));
  assert.equal(framed.length, 3);
  assert.equal(parseMessage(Buffer.from(framed[1] ?? ""), { datagram: false }).bodyText, "xyz");
});

test("RFC 5626 keep-alives: CRLFCRLF is a ping, a lone CRLF is skipped, even when split", () => {
  const f = new StreamFramer();
  const seq = [...f.push(Buffer.from("\r\n")), ...f.push(Buffer.from("\r\n"))];
  assert.deepEqual(
    seq.map((e) => e.type),
    ["ping"],
  );
  const g = new StreamFramer();
  const events = g.push(Buffer.from(`\r\n\r\n${message(1)}\r\n${message(2)}\r\n\r\n`));
  assert.deepEqual(
    events.map((e) => e.type),
    ["ping", "message", "message", "ping"],
  );
  assert.deepEqual(g.push(Buffer.from("\r\n")), [], "a lone CRLF waits: it may start a ping");
  assert.deepEqual(messages(g.push(Buffer.from(message(3)))), [message(3)]);
});

test("missing Content-Length is reported and reading goes on; a bad one is fatal", () => {
  const noLength = message(1).replace("Content-Length: 0\r\n", "");
  const f = new StreamFramer();
  const events = f.push(Buffer.from(noLength + message(2)));
  const first = events[0];
  assert.ok(first?.type === "error");
  assert.equal(first.reason, "Missing Content-Length");
  assert.equal(first.fatal, false);
  assert.ok(first.head?.toString("utf8").startsWith("OPTIONS sip:1@"));
  assert.deepEqual(messages(events), [message(2)]);

  for (const bad of ["Content-Length: -1", "Content-Length: 12abc", "Content-Length: 0\r\nl: 0"]) {
    const g = new StreamFramer();
    const ev = g.push(Buffer.from(message(1).replace("Content-Length: 0", bad) + message(2)));
    assert.equal(ev.length, 1, bad);
    assert.ok(ev[0]?.type === "error" && ev[0].fatal && ev[0].reason === "Bad Content-Length", bad);
    assert.deepEqual(g.push(Buffer.from(message(3))), [], "nothing after a fatal error");
  }
});

test("limits: oversized header section and body are fatal", () => {
  const f = new StreamFramer({ maxHeaderBytes: 64 });
  const ev = f.push(Buffer.from("OPTIONS sip:x SIP/2.0\r\n" + "X-Pad: ".padEnd(100, "a")));
  assert.ok(ev[0]?.type === "error" && ev[0].fatal);
  const g = new StreamFramer({ maxBodyBytes: 10 });
  const ev2 = g.push(Buffer.from(message(1).replace("Content-Length: 0", "Content-Length: 11")));
  assert.ok(ev2[0]?.type === "error" && ev2[0].reason === "Message body too large");
});
