import { test } from "node:test";
import assert from "node:assert/strict";
import { createCancel, createResponse } from "../../../src/sip/message/index.ts";
import { LinekeyError } from "../../../src/util/errors.ts";
import { Harness, RecordingClient, sendTimes } from "../support/harness.ts";

const T1 = 500;
const T2 = 4000;
const T4 = 5000;

test("INVITE client: Timer A retransmits at T1, 2T1, 4T1…; Timer B reports a timeout at 64*T1", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness({ uas: false });
  const { tx, user } = h.send("INVITE");
  const times = sendTimes(t.mock.timers, h.net, "INVITE", 64 * T1 - 50);
  // RFC 3261 §17.1.1.2: intervals double from T1 with no cap; 7 transmissions before Timer B.
  assert.deepEqual(times, [0, 500, 1500, 3500, 7500, 15500, 31500]);
  assert.equal(user.timeouts, 0);
  assert.equal(tx.state, "calling");
  t.mock.timers.tick(50);
  assert.equal(user.timeouts, 1);
  assert.equal(tx.state, "terminated");
  assert.equal(user.terminated, 1);
  assert.equal(h.uac.clientCount, 0);
  h.close();
});

test("INVITE client: a provisional stops retransmissions; a non-2xx is ACKed by the transaction (§17.1.1.3)", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.uasCore.answer = (tx) => {
    tx.reply(180, "Ringing", { toTag: "uas1" });
  };
  const { tx, user, request } = h.send("INVITE");
  assert.equal(tx.state, "proceeding");
  t.mock.timers.tick(10 * T1);
  assert.equal(h.net.count("INVITE"), 1, "no Timer A retransmission in Proceeding");
  assert.equal(h.net.count("100 INVITE"), 0, "the TU answered before the 100 Trying timer");

  const serverTx = h.uasCore.requests[0]?.tx;
  assert.ok(serverTx);
  serverTx.reply(486, "Busy Here", { toTag: "uas1" });
  assert.deepEqual(user.statuses(), [180, 486]);
  assert.equal(tx.state, "completed");
  const ack = h.net.sent("ACK")[0]?.message;
  assert.ok(ack?.kind === "request");
  assert.equal(ack.uri, request.uri);
  assert.equal(ack.topVia?.branch, request.topVia?.branch, "same branch as the INVITE");
  assert.equal(ack.to.tag, "uas1");
  assert.deepEqual(ack.cseq, { seq: request.cseq.seq, method: "ACK" });
  assert.equal(serverTx.state, "confirmed", "the server transaction absorbed the ACK");
  assert.equal(h.uasCore.acks.length, 0);

  // A retransmitted 486 is re-ACKed but not passed up.
  void h.uasTransport.sendResponse(serverTx.lastResponse!);
  assert.equal(h.net.count("ACK"), 2);
  assert.deepEqual(user.statuses(), [180, 486]);
  // Timer D (32 s on UDP) ends the transaction.
  t.mock.timers.tick(32000 - 1);
  assert.equal(tx.state, "completed");
  t.mock.timers.tick(1);
  assert.equal(tx.state, "terminated");
  h.close();
});

test("INVITE client: 2xx moves to Accepted (RFC 6026); 2xx retransmissions reach the TU; the ACK is the TU's", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.uasCore.answer = (tx) => {
    tx.reply(200, "OK", { toTag: "ok1" });
  };
  const { tx, user } = h.send("INVITE");
  assert.equal(tx.state, "accepted");
  const serverTx = h.uasCore.requests[0]?.tx;
  assert.equal(serverTx?.state, "accepted");
  serverTx.respond(serverTx.lastResponse!);
  assert.deepEqual(user.statuses(), [200, 200]);
  assert.equal(h.net.count("ACK"), 0, "no ACK for a 2xx from the transaction layer");
  t.mock.timers.tick(64 * T1);
  assert.equal(tx.state, "terminated", "Timer M");
  assert.equal(serverTx.state, "terminated", "Timer L");
  assert.equal(h.uac.clientCount + h.uas.serverCount, 0);
  h.close();
});

test("non-INVITE client: Timer E doubles up to T2, Timer F times out at 64*T1", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness({ uas: false });
  const { tx, user } = h.send("OPTIONS");
  const times = sendTimes(t.mock.timers, h.net, "OPTIONS", 64 * T1 - 50);
  assert.deepEqual(times, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  const gaps = times.slice(1).map((v, i) => v - (times[i] ?? 0));
  assert.ok(gaps.every((g) => g <= T2));
  assert.equal(user.timeouts, 0);
  t.mock.timers.tick(50);
  assert.equal(user.timeouts, 1);
  assert.equal(tx.state, "terminated");
  h.close();
});

test("non-INVITE client: in Proceeding Timer E is reset to T2", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.uasCore.answer = (tx) => {
    tx.reply(100, "Trying");
  };
  const { tx, user } = h.send("REGISTER");
  assert.equal(tx.state, "proceeding");
  const times = sendTimes(t.mock.timers, h.net, "REGISTER", 9000);
  assert.deepEqual(times, [0, 500, 4500, 8500]);
  // The server's Proceeding state answers each retransmission with the last provisional.
  assert.equal(h.net.count("100 REGISTER"), 4);
  assert.deepEqual(user.statuses(), [100, 100, 100, 100]);
  h.close();
});

test("non-INVITE client: Timer K absorbs response retransmissions, then terminates", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.net.duplicate("200 OPTIONS");
  h.uasCore.answer = (tx) => {
    tx.reply(200);
  };
  const { tx, user } = h.send("OPTIONS");
  assert.deepEqual(user.statuses(), [200], "the duplicate is absorbed");
  assert.equal(tx.state, "completed");
  t.mock.timers.tick(T4 - 1);
  assert.equal(tx.state, "completed");
  t.mock.timers.tick(1);
  assert.equal(tx.state, "terminated");
  assert.equal(h.net.count("OPTIONS"), 1, "no retransmission once completed");
  h.close();
});

test("reliable transport: no retransmissions, Timers D and K are zero", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const lost = new Harness({ transport: "tcp", uas: false });
  const invite = lost.send("INVITE");
  const options = lost.send("OPTIONS");
  t.mock.timers.tick(64 * T1);
  assert.equal(lost.net.count("INVITE"), 1);
  assert.equal(lost.net.count("OPTIONS"), 1);
  assert.equal(invite.user.timeouts, 1, "Timer B still applies");
  assert.equal(options.user.timeouts, 1, "Timer F still applies");
  lost.close();

  const h = new Harness({ transport: "tcp" });
  h.uasCore.answer = (tx) => {
    tx.reply(tx.request.method === "INVITE" ? 603 : 200, undefined, { toTag: "x" });
  };
  const a = h.send("INVITE");
  const b = h.send("OPTIONS");
  assert.equal(a.tx.state, "terminated", "Timer D = 0");
  assert.equal(b.tx.state, "terminated", "Timer K = 0");
  assert.equal(h.net.count("ACK"), 1);
  assert.equal(h.uas.serverCount, 0, "Timers I and J = 0 on the server side too");
  h.close();
});

test("a dropped request or response is recovered by retransmission", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.uasCore.answer = (tx) => {
    tx.reply(200);
  };
  h.net.drop("OPTIONS");
  const first = h.send("OPTIONS");
  assert.deepEqual(first.user.statuses(), []);
  t.mock.timers.tick(T1);
  assert.deepEqual(first.user.statuses(), [200]);
  assert.equal(h.uasCore.requests.length, 1);

  h.net.drop("200 OPTIONS");
  const second = h.send("OPTIONS");
  assert.deepEqual(second.user.statuses(), []);
  t.mock.timers.tick(T1);
  assert.deepEqual(second.user.statuses(), [200], "the server retransmits its final response");
  assert.equal(h.uasCore.requests.length, 2, "the retransmission did not reach the TU");
  h.close();
});

test("a CANCEL is matched to its INVITE; the 487 is ACKed", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.uasCore.answer = (tx, ctx) => {
    if (tx.request.method === "INVITE") {
      tx.reply(180, undefined, { toTag: "r" });
    } else if (tx.request.method === "CANCEL") {
      assert.ok(ctx.cancels, "the CANCEL found its INVITE");
      tx.reply(200);
      ctx.cancels.reply(487, undefined, { toTag: "r" });
    }
  };
  const { tx, user, request } = h.send("INVITE");
  const cancelUser = new RecordingClient();
  h.uac.sendRequest(createCancel(request), h.target, cancelUser);
  assert.deepEqual(cancelUser.statuses(), [200]);
  assert.deepEqual(user.statuses(), [180, 487]);
  assert.equal(tx.state, "completed");
  assert.equal(h.net.count("ACK"), 1);
  assert.equal(h.uasCore.requests[0]?.tx.state, "confirmed");
  // A CANCEL for an unknown INVITE gets no match.
  h.uasCore.answer = (stx, ctx) => {
    assert.equal(ctx.cancels, undefined);
    stx.reply(481);
  };
  const orphan = new RecordingClient();
  h.uac.sendRequest(createCancel(h.request("INVITE", 9)), h.target, orphan);
  assert.deepEqual(orphan.statuses(), [481]);
  h.close();
});

test("transport errors and stray responses reach the TU", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.uacTransport.failSends = new Error("network down");
  const { tx, user } = h.send("OPTIONS");
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(user.transportErrors[0]?.message, "network down");
  assert.equal(tx.state, "terminated");
  h.uacTransport.failSends = undefined;

  // A response nobody asked for (its branch matches no client transaction) is stray.
  const req = h.request("OPTIONS");
  await h.uasTransport.sendResponse(createResponse(req, 200));
  assert.equal(h.uacCore.stray.length, 1);
  // One client transaction per branch and method.
  h.uac.sendRequest(req, h.target, new RecordingClient());
  assert.throws(() => h.uac.sendRequest(req.clone(), h.target, new RecordingClient()), LinekeyError);
  h.close();
});
