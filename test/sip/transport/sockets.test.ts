import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { once } from "node:events";
import {
  createResponse,
  parseMessage,
  serialize,
  SipResponse,
  type SipMessage,
} from "../../../src/sip/message/index.ts";
import {
  SipTransportLayer,
  startTransportLayer,
  type InboundMessage,
  type TransportLayerOptions,
} from "../../../src/sip/transport/index.ts";
import { makeRequest } from "../support/messages.ts";
import { memoryLogger } from "../../../src/util/logger.ts";

const LOOPBACK = "127.0.0.1";
const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

async function layer(extra: Partial<TransportLayerOptions> = {}): Promise<SipTransportLayer> {
  const t = await startTransportLayer({
    listen: [
      { transport: "udp", address: LOOPBACK, port: 0 },
      { transport: "tcp", address: LOOPBACK, port: 0 },
    ],
    ...extra,
  });
  closers.push(() => t.close());
  return t;
}

function port(t: SipTransportLayer, transport: "udp" | "tcp"): number {
  const p = t.localEndpoint(transport)?.port;
  assert.ok(p !== undefined && p > 0);
  return p;
}

/** Resolves with the next inbound message matching `pred` (bounded so a bug cannot hang the run). */
function next(
  t: SipTransportLayer,
  pred: (m: InboundMessage) => boolean = () => true,
): Promise<InboundMessage> {
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      off();
      reject(new Error("no message arrived"));
    }, 5000);
    const off = t.onMessage((m) => {
      if (!pred(m)) return;
      clearTimeout(guard);
      off();
      resolve(m);
    });
  });
}

/** Answers every request with 200 OK through sendResponse. */
function answerAll(t: SipTransportLayer): void {
  t.onMessage(({ message }) => {
    if (message.kind === "request") void t.sendResponse(createResponse(message, 200, "OK", { toTag: "srv" }));
  });
}

async function udpClient(): Promise<UdpSocket> {
  const s = createSocket("udp4");
  s.bind(0, LOOPBACK);
  await once(s, "listening");
  closers.push(() => new Promise<void>((r) => s.close(() => r())));
  return s;
}

async function tcpClient(p: number): Promise<Socket> {
  const s = connect({ host: LOOPBACK, port: p });
  await once(s, "connect");
  closers.push(() => {
    s.destroy();
  });
  return s;
}

/** Collects bytes from a raw TCP socket until `done(text)` holds. */
function readUntil(s: Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const guard = setTimeout(() => reject(new Error(`timed out, got ${JSON.stringify(text)}`)), 5000);
    s.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      if (done(text)) {
        clearTimeout(guard);
        resolve(text);
      }
    });
  });
}

function response(m: SipMessage): SipResponse {
  assert.ok(m instanceof SipResponse);
  return m;
}

test("UDP: an OPTIONS and its 200 travel between two layers; listeners report bound ports", async () => {
  const server = await layer();
  const client = await layer();
  answerAll(server);
  assert.deepEqual(
    server.listeners.map((l) => [l.transport, l.address, l.family]),
    [
      ["udp", LOOPBACK, "IPv4"],
      ["tcp", LOOPBACK, "IPv4"],
    ],
  );
  const req = makeRequest("OPTIONS", {
    from: { address: LOOPBACK, port: port(client, "udp") },
    to: { address: LOOPBACK, port: port(server, "udp") },
  });
  const inbound = next(server);
  const answered = next(client);
  await client.send(req, { transport: "udp", address: LOOPBACK, port: port(server, "udp") });
  const got = await inbound;
  assert.equal(got.transport, "udp");
  assert.equal(got.message.kind === "request" && got.message.method, "OPTIONS");
  assert.deepEqual(got.remote, { address: LOOPBACK, port: port(client, "udp") });
  assert.deepEqual(got.local, { address: LOOPBACK, port: port(server, "udp") });
  const res = response((await answered).message);
  assert.equal(res.status, 200);
  assert.equal(res.callId, req.callId);
});

test("UDP: rport and received are stamped and the response goes to received:rport", async () => {
  const server = await layer();
  answerAll(server);
  const raw = await udpClient();
  const rawPort = raw.address().port;
  // The Via claims an address and port the client does not use (a phone behind NAT).
  const req = makeRequest("OPTIONS", {
    from: { address: "198.51.100.9", port: 5099 },
    to: { address: LOOPBACK, port: port(server, "udp") },
    rport: true,
  });
  const inbound = next(server);
  const reply = once(raw, "message") as Promise<[Buffer]>;
  raw.send(serialize(req), port(server, "udp"), LOOPBACK);
  const via = (await inbound).message.topVia;
  assert.ok(via);
  assert.equal(via.received, LOOPBACK);
  assert.equal(via.rport, rawPort);
  const [bytes] = await reply;
  const res = response(parseMessage(bytes));
  assert.equal(res.status, 200);
  assert.equal(res.topVia?.rport, rawPort);
});

test("UDP: a malformed request is answered 400 with the parser's reason; garbage is ignored", async () => {
  const { logger, records } = memoryLogger("debug");
  const server = await layer({ logger });
  let delivered = 0;
  server.onMessage(() => delivered++);
  const raw = await udpClient();
  const p = port(server, "udp");
  raw.send(Buffer.from("\r\n\r\n"), p, LOOPBACK);
  raw.send(Buffer.from("\x00\x01\x02 not sip"), p, LOOPBACK);
  const bad = [
    "OPTIONS sip:pbx SIP/2.0",
    `Via: SIP/2.0/UDP ${LOOPBACK}:${raw.address().port};branch=z9hG4bKbad`,
    "From: <sip:a@b>;tag=1",
    "To: <sip:pbx>",
    "Call-ID: malformed-udp",
    "CSeq: 1 INVITE",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  const reply = once(raw, "message") as Promise<[Buffer]>;
  raw.send(Buffer.from(bad), p, LOOPBACK);
  const res = response(parseMessage((await reply)[0]));
  assert.equal(res.status, 400);
  assert.equal(res.reason, "CSeq method does not match");
  assert.equal(res.callId, "malformed-udp");
  // A malformed response is dropped and logged, never answered.
  const badResponse = [
    "SIP/2.0 200 OK",
    "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKr",
    "Content-Length: 0",
    "",
    "",
  ];
  raw.send(Buffer.from(badResponse.join("\r\n")), p, LOOPBACK);
  const logged = (): boolean =>
    records.some((r) => r.msg === "malformed sip message" && r.fields["request"] === false);
  for (let i = 0; i < 100 && !logged(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(logged());
  assert.equal(delivered, 0);
});

test("TCP: request and response share one connection; connections are reused", async () => {
  const server = await layer();
  const client = await layer();
  answerAll(server);
  const target = { transport: "tcp" as const, address: LOOPBACK, port: port(server, "tcp") };
  for (let i = 1; i <= 2; i++) {
    const req = makeRequest("OPTIONS", {
      transport: "tcp",
      from: { address: LOOPBACK, port: port(client, "tcp") },
      to: target,
      cseq: i,
    });
    const inbound = next(server);
    const answered = next(client);
    await client.send(req, target);
    const got = await inbound;
    assert.equal(got.transport, "tcp");
    assert.notEqual(got.remote.port, port(client, "tcp"), "the client connects from an ephemeral port");
    assert.equal(response((await answered).message).cseq.seq, i);
  }
  assert.equal(client.connectionCount, 1);
  assert.equal(server.connectionCount, 1);
});

test("TCP: split and coalesced writes, CRLF ping answered with a pong, malformed answered 400", async () => {
  const server = await layer();
  const seen: string[] = [];
  server.onMessage(({ message }) => {
    if (message.kind === "request") seen.push(message.callId);
  });
  const raw = await tcpClient(port(server, "tcp"));
  const mk = (callId: string, cseqMethod = "OPTIONS"): string =>
    [
      "OPTIONS sip:pbx SIP/2.0",
      `Via: SIP/2.0/TCP ${LOOPBACK}:5060;branch=z9hG4bK${callId}`,
      "From: <sip:a@b>;tag=1",
      "To: <sip:pbx>",
      `Call-ID: ${callId}`,
      `CSeq: 1 ${cseqMethod}`,
      "Content-Length: 0",
      "",
      "",
    ].join("\r\n");
  const one = mk("split-1");
  raw.write(one.slice(0, 40));
  await new Promise((r) => setTimeout(r, 20));
  raw.write(one.slice(40) + mk("coalesced-2") + mk("coalesced-3"));
  const pong = readUntil(raw, (t) => t === "\r\n");
  raw.write("\r\n\r\n");
  assert.equal(await pong, "\r\n");
  raw.removeAllListeners("data");
  const answer = readUntil(raw, (t) => t.endsWith("\r\n\r\n"));
  raw.write(mk("bad-4", "INVITE"));
  const text = await answer;
  assert.ok(text.startsWith("SIP/2.0 400 CSeq method does not match\r\n"), text);
  assert.deepEqual(seen, ["split-1", "coalesced-2", "coalesced-3"]);
});

test("TCP: a request without Content-Length is answered 400 and reading goes on", async () => {
  const server = await layer();
  const seen: string[] = [];
  server.onMessage(({ message }) => seen.push(message.callId));
  const raw = await tcpClient(port(server, "tcp"));
  const head = (callId: string): string[] => [
    "OPTIONS sip:pbx SIP/2.0",
    `Via: SIP/2.0/TCP ${LOOPBACK}:5060;branch=z9hG4bK${callId}`,
    "From: <sip:a@b>;tag=1",
    "To: <sip:pbx>",
    `Call-ID: ${callId}`,
    "CSeq: 1 OPTIONS",
  ];
  const answer = readUntil(raw, (t) => t.endsWith("\r\n\r\n"));
  const delivered = next(server);
  raw.write(
    [...head("no-length"), "", ""].join("\r\n") +
      [...head("with-length"), "Content-Length: 0", "", ""].join("\r\n"),
  );
  const text = await answer;
  assert.ok(text.startsWith("SIP/2.0 400 Missing Content-Length\r\n"), text);
  assert.match(text, /\r\nCall-ID: no-length\r\n/);
  await delivered;
  assert.deepEqual(seen, ["with-length"]);
});

test("TCP: when the request's connection is gone the response opens one to received:sent-by port (§18.2.2)", async () => {
  const server = await layer();
  const client = await layer();
  const raw = await tcpClient(port(server, "tcp"));
  const req = makeRequest("OPTIONS", {
    transport: "tcp",
    from: { address: LOOPBACK, port: port(client, "tcp") },
    to: { address: LOOPBACK, port: port(server, "tcp") },
  });
  const inbound = next(server);
  raw.write(serialize(req));
  const got = (await inbound).message;
  assert.ok(got.kind === "request");
  const gone = once(raw, "close");
  raw.destroy();
  await gone;
  for (let i = 0; i < 100 && server.connectionCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(server.connectionCount, 0);
  const answered = next(client);
  await server.sendResponse(createResponse(got, 200, "OK", { toTag: "late" }));
  const res = response((await answered).message);
  assert.equal(res.callId, req.callId);
  assert.equal(client.connectionCount, 1, "the server connected to the client's listener");
});

test("TCP: idle connections are closed", async () => {
  const server = await layer({ tcpIdleTimeoutMs: 50 });
  const raw = await tcpClient(port(server, "tcp"));
  const closed = once(raw, "close");
  raw.resume(); // read the pong, so that the server's FIN is seen
  raw.write("\r\n\r\n");
  await closed;
  assert.equal(server.connectionCount, 0);
});

test("IPv6 loopback, when the host has it", async (t) => {
  let server: SipTransportLayer;
  try {
    server = await startTransportLayer({ listen: [{ transport: "udp", address: "::1", port: 0 }] });
  } catch {
    t.skip("no IPv6 loopback");
    return;
  }
  closers.push(() => server.close());
  const client = await startTransportLayer({ listen: [{ transport: "udp", address: "::1", port: 0 }] });
  closers.push(() => client.close());
  answerAll(server);
  const sp = server.localEndpoint("udp")?.port ?? 0;
  const cp = client.localEndpoint("udp")?.port ?? 0;
  assert.equal(server.listeners[0]?.family, "IPv6");
  const req = makeRequest("OPTIONS", {
    from: { address: "[::1]", port: cp },
    to: { address: "[::1]", port: sp },
  });
  const answered = next(client);
  await client.send(req, { transport: "udp", address: "::1", port: sp });
  assert.equal(response((await answered).message).status, 200);
});
