/**
 * Send failures over real sockets: the promise-free `dispatch` / `dispatchResponse` report what
 * `send` / `sendResponse` reject with, never before they return, and the transactions built on
 * them end on it (RFC 3261 §17.1.4, §17.2.4).
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { once } from "node:events";
import {
  SipParseError,
  createResponse,
  serialize,
  type SipMessage,
  type SipRequest,
} from "../../../src/sip/message/index.ts";
import { TransactionLayer, type ServerTransaction } from "../../../src/sip/transaction/index.ts";
import {
  startTransportLayer,
  type SendFailureListener,
  type SipTransportLayer,
  type TransportTarget,
} from "../../../src/sip/transport/index.ts";
import { LinekeyError } from "../../../src/util/errors.ts";
import { RecordingClient, RecordingCore } from "../support/harness.ts";
import { makeRequest } from "../support/messages.ts";

const LOOPBACK = "127.0.0.1";
const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

async function udpLayer(): Promise<SipTransportLayer> {
  const t = await startTransportLayer({
    listen: [
      { transport: "udp", address: LOOPBACK, port: 0 },
      { transport: "tcp", address: LOOPBACK, port: 0 },
    ],
  });
  closers.push(() => t.close());
  return t;
}

async function udpPeer(): Promise<UdpSocket> {
  const s = createSocket("udp4");
  s.bind(0, LOOPBACK);
  await once(s, "listening");
  closers.push(() => new Promise<void>((r) => s.close(() => r())));
  return s;
}

/** Waits (bounded) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), "timed out");
}

/** A listener that records failures and says whether one came before its call returned. */
class Failures implements SendFailureListener {
  readonly errors: Error[] = [];
  private returned = false;
  early = false;
  private wake: (() => void) | undefined;

  sendFailed(error: Error): void {
    if (!this.returned) this.early = true;
    this.errors.push(error);
    this.wake?.();
  }

  /** Marks the end of the dispatch call, then waits (bounded) for the failure. */
  async after(): Promise<Error> {
    this.returned = true;
    if (this.errors.length === 0) {
      await new Promise<void>((resolve, reject) => {
        const guard = setTimeout(() => reject(new Error("no failure reported")), 5000);
        this.wake = () => {
          clearTimeout(guard);
          resolve();
        };
      });
    }
    assert.equal(this.early, false, "reported before dispatch returned");
    const err = this.errors[0];
    assert.ok(err !== undefined);
    return err;
  }
}

/** `dispatch` reports the error `send` rejects with. */
async function sameFailure(
  t: SipTransportLayer,
  message: () => SipMessage,
  target: TransportTarget,
): Promise<Error> {
  const f = new Failures();
  t.dispatch(message(), target, f);
  const reported = await f.after();
  const rejected = await t.send(message(), target).then(
    () => assert.fail("send resolved"),
    (e: unknown) => e,
  );
  assert.ok(rejected instanceof Error);
  assert.equal(reported.constructor, rejected.constructor);
  assert.equal(reported.message, rejected.message);
  return reported;
}

function notify(to: { address: string; port: number }, body?: string): SipRequest {
  return makeRequest("NOTIFY", {
    from: { address: LOOPBACK, port: 5060 },
    to,
    ...(body === undefined ? {} : { body }),
  });
}

test("dispatch delivers the serialised message", async () => {
  const t = await udpLayer();
  const peer = await udpPeer();
  const m = notify({ address: LOOPBACK, port: peer.address().port });
  const f = new Failures();
  const got = once(peer, "message");
  t.dispatch(m, { transport: "udp", address: LOOPBACK, port: peer.address().port }, f);
  const [datagram] = (await got) as [Buffer];
  assert.ok(datagram.equals(serialize(m)));
  assert.deepEqual(f.errors, []);
});

test("dispatch reports UDP send failures as send rejects them, after returning", async () => {
  const t = await udpLayer();
  const peer = await udpPeer();
  const port = peer.address().port;
  // An IPv6 destination through the only (IPv4) socket: refused by the socket at once.
  const v6 = await sameFailure(t, () => notify({ address: "::1", port }), {
    transport: "udp",
    address: "::1",
    port,
  });
  assert.ok(v6 instanceof LinekeyError && v6.code === "SIP_ERR_TRANSPORT");
  assert.equal(v6.message, `udp send to ::1:${port} failed`);
  assert.ok(v6.cause instanceof Error);
  // More than a datagram can carry.
  const big = await sameFailure(t, () => notify({ address: LOOPBACK, port }, "x".repeat(70_000)), {
    transport: "udp",
    address: LOOPBACK,
    port,
  });
  assert.ok(big instanceof LinekeyError && big.code === "SIP_ERR_TRANSPORT");
  // A header that would inject lines: nothing is sent.
  const injected = await sameFailure(
    t,
    () => {
      const m = notify({ address: LOOPBACK, port });
      m.headers.append("X-Evil", "a\r\nInjected: 1");
      return m;
    },
    { transport: "udp", address: LOOPBACK, port },
  );
  assert.ok(injected instanceof SipParseError);
  // A closed transport has no socket left.
  await t.close();
  const closed = await sameFailure(t, () => notify({ address: LOOPBACK, port }), {
    transport: "udp",
    address: LOOPBACK,
    port,
  });
  assert.equal(closed.message, "no UDP socket");
});

test("dispatch reports a refused TCP connection", async () => {
  const t = await udpLayer();
  // A port nobody listens on (the UDP peer's number, over TCP).
  const peer = await udpPeer();
  const port = peer.address().port;
  const err = await sameFailure(t, () => notify({ address: LOOPBACK, port }), {
    transport: "tcp",
    address: LOOPBACK,
    port,
  });
  assert.ok(err instanceof LinekeyError && err.code === "SIP_ERR_TRANSPORT");
});

test("dispatchResponse reports a response it cannot route or send", async () => {
  const t = await udpLayer();
  const request = notify({ address: LOOPBACK, port: 5060 });
  // No Via left: nowhere to send it.
  const noVia = createResponse(request, 200, "OK");
  noVia.headers.delete("Via");
  const f = new Failures();
  t.dispatchResponse(noVia, f);
  const err = await f.after();
  const rejected = await t.sendResponse(noVia).then(
    () => assert.fail("sendResponse resolved"),
    (e: unknown) => e,
  );
  assert.ok(rejected instanceof Error);
  assert.equal(err.message, rejected.message);
  assert.equal(err.message, "response has no usable top Via");
});

test("a client transaction on the real transport ends on a send failure (§17.1.4)", async () => {
  const t = await udpLayer();
  const layer = new TransactionLayer({ transport: t, user: new RecordingCore() });
  closers.push(() => layer.close());
  const user = new RecordingClient();
  const req = notify({ address: "::1", port: 5060 });
  const tx = layer.sendRequest(req, { transport: "udp", address: "::1", port: 5060 }, user);
  assert.equal(user.transportErrors.length, 0, "not ended inside sendRequest");
  await until(() => user.terminated > 0);
  assert.equal(tx.terminated, true);
  assert.equal(user.transportErrors.length, 1);
  assert.ok(user.transportErrors[0] instanceof LinekeyError);
  assert.equal(user.terminated, 1);
  assert.equal(layer.clientCount, 0);
});

test("a server transaction on the real transport ends when its response cannot be sent (§17.2.4)", async () => {
  const t = await udpLayer();
  const core = new RecordingCore();
  const errors: Error[] = [];
  let answered: ServerTransaction | undefined;
  core.answer = (tx) => {
    answered = tx;
    tx.on("transportError", (e) => errors.push(e));
    // Too large for a datagram: the send fails.
    tx.reply(200, "OK", { toTag: "t", body: "x".repeat(70_000) });
  };
  const layer = new TransactionLayer({ transport: t, user: core });
  closers.push(() => layer.close());
  const peer = await udpPeer();
  const uasPort = t.localEndpoint("udp")?.port ?? 0;
  const req = makeRequest("OPTIONS", {
    from: { address: LOOPBACK, port: peer.address().port },
    to: { address: LOOPBACK, port: uasPort },
  });
  peer.send(serialize(req), uasPort, LOOPBACK);
  await until(() => errors.length > 0);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof LinekeyError);
  assert.equal(answered?.terminated, true);
  assert.equal(layer.serverCount, 0);
});
