/**
 * Transactions are released on every path: after a burst, once their RFC 3261 wait timers have
 * run, both layers hold none; a server transaction whose TU never answers ends too; what a
 * completed transaction keeps for its last seconds is compacted and reads back unchanged.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { serialize } from "../../../src/sip/message/index.ts";
import type { ServerTransaction } from "../../../src/sip/transaction/index.ts";
import { Harness } from "../support/harness.ts";

const T1 = 500;
const T4 = 5000;
const BURST = 200;

test("a burst of non-INVITE transactions over UDP: every one is released after Timers J and K", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.uasCore.answer = (tx) => {
    tx.reply(tx.request.method === "SUBSCRIBE" ? 202 : 200, undefined, { toTag: "b" });
  };
  const users = [];
  for (let i = 0; i < BURST; i++) users.push(h.send(i % 2 === 0 ? "SUBSCRIBE" : "NOTIFY").user);
  assert.equal(h.uas.serverCount, BURST, "Completed server transactions wait for Timer J");
  assert.equal(h.uac.clientCount, BURST, "Completed client transactions wait for Timer K");
  t.mock.timers.tick(T4);
  assert.equal(h.uac.clientCount, 0, "Timer K (T4) released the client transactions");
  assert.equal(h.uas.serverCount, BURST);
  t.mock.timers.tick(64 * T1 - T4);
  assert.equal(h.uas.serverCount, 0, "Timer J (64*T1) released the server transactions");
  for (const u of users) assert.equal(u.terminated, 1);
  h.close();
});

test("a burst of INVITEs answered 2xx and 4xx: Accepted, Completed and Confirmed all end", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  let n = 0;
  h.uasCore.answer = (tx) => {
    tx.reply(n++ % 2 === 0 ? 200 : 486, undefined, { toTag: `i${n}` });
  };
  for (let i = 0; i < BURST; i++) h.send("INVITE");
  assert.equal(h.uas.serverCount, BURST);
  assert.equal(h.uac.clientCount, BURST);
  // Timer L/M (64*T1) for the 2xx, Timer I (T4) and D (32 s) for the 486s.
  t.mock.timers.tick(64 * T1);
  assert.equal(h.uas.serverCount, 0);
  assert.equal(h.uac.clientCount, 0);
  h.close();
});

test("over TCP the same burst is released at once (Timers J, K, I, D are zero)", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness({ transport: "tcp" });
  h.uasCore.answer = (tx) => {
    tx.reply(tx.request.method === "INVITE" ? 486 : 200, undefined, { toTag: "t" });
  };
  for (let i = 0; i < BURST; i++) h.send(i % 2 === 0 ? "OPTIONS" : "INVITE");
  assert.equal(h.uas.serverCount, 0);
  assert.equal(h.uac.clientCount, 0);
  h.close();
});

test("a non-INVITE server transaction the TU never answers ends after 64*T1 + T4", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  const { user } = h.send("MESSAGE");
  const tx = h.uasCore.requests[0]?.tx as ServerTransaction;
  let timedOut = 0;
  tx.on("timeout", () => timedOut++);
  t.mock.timers.tick(64 * T1);
  assert.equal(user.timeouts, 1, "the client gave up at Timer F");
  assert.equal(tx.state, "trying");
  t.mock.timers.tick(T4 - 1);
  assert.equal(h.uas.serverCount, 1, "still waiting for the TU");
  t.mock.timers.tick(1);
  assert.equal(tx.state, "terminated");
  assert.equal(timedOut, 1);
  assert.equal(h.uas.serverCount, 0);
  assert.equal(h.net.sent((r) => r.message.kind === "response").length, 0, "nothing is sent");
  h.close();
});

test("a TU that answers a non-INVITE in time is not cut short by the answer guard", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.send("MESSAGE");
  const tx = h.uasCore.requests[0]?.tx as ServerTransaction;
  t.mock.timers.tick(64 * T1 + T4 - 1);
  tx.reply(200);
  assert.equal(tx.state, "completed");
  t.mock.timers.tick(1);
  assert.equal(tx.state, "completed", "only Timer J ends it now");
  t.mock.timers.tick(64 * T1);
  assert.equal(tx.state, "terminated");
  h.close();
});

test("a completed non-INVITE transaction lets its request go; the response it keeps reads back unchanged", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.uasCore.answer = (tx) => {
    tx.reply(202, "Accepted", {
      toTag: "k",
      headers: [
        { name: "Expires", value: "3600" },
        // Not foldable (white space at its end): that response keeps its lines as they are.
        { name: "X-Odd", value: "odd " },
      ],
    });
  };
  const { request, tx: client } = h.send("SUBSCRIBE");
  const tx = h.uasCore.requests[0]?.tx as ServerTransaction;
  // §17.1.2.2: the client's Completed only absorbs retransmitted responses (Timer K).
  assert.equal(client.state, "completed");
  assert.throws(() => client.request, /no longer holds its request/);
  const wire = serialize(request).toString("latin1");
  assert.equal(tx.state, "completed");
  // §17.2.2: Completed only answers retransmissions; the request is not kept for Timer J.
  assert.throws(() => tx.request, /no longer holds its request/);
  assert.equal(tx.received.transport, "udp");
  assert.equal("message" in tx.received, false, "the arrival info no longer holds the message");
  const last = tx.lastResponse;
  assert.ok(last);
  assert.equal(last.headers.get("X-Odd"), "odd ");
  assert.equal(last.toTag, "k");
  // A retransmitted request gets the same response bytes again.
  void h.uacTransport.send(request, h.target);
  const sent = h.net.sent("202 SUBSCRIBE");
  assert.equal(sent.length, 2);
  assert.equal(sent[0]?.wire, sent[1]?.wire);
  assert.equal(serialize(request).toString("latin1"), wire);
  h.close();
});
