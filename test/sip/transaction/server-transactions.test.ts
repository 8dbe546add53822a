import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMessage, serialize, SipRequest } from "../../../src/sip/message/index.ts";
import { LinekeyError } from "../../../src/util/errors.ts";
import type { ServerTransaction } from "../../../src/sip/transaction/index.ts";
import { Harness, sendTimes } from "../support/harness.ts";

const T1 = 500;
const T4 = 5000;

function serverTx(h: Harness, i = 0): ServerTransaction {
  const tx = h.uasCore.requests[i]?.tx;
  assert.ok(tx, `server transaction ${i}`);
  return tx;
}

test("INVITE server: 100 Trying after 200 ms unless the TU answered (§17.2.1)", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  const silent = h.send("INVITE");
  t.mock.timers.tick(199);
  assert.equal(h.net.count("100 INVITE"), 0);
  t.mock.timers.tick(1);
  assert.equal(h.net.count("100 INVITE"), 1);
  const trying = h.net.sent("100 INVITE")[0]?.message;
  assert.ok(trying?.kind === "response" && trying.to.tag === undefined, "no To tag on 100");
  assert.deepEqual(silent.user.statuses(), [100]);
  assert.equal(silent.tx.state, "proceeding");

  h.uasCore.answer = (tx) => {
    tx.reply(180, undefined, { toTag: "a" });
  };
  h.send("INVITE");
  t.mock.timers.tick(1000);
  assert.equal(h.net.count("100 INVITE"), 1, "no 100 for the INVITE the TU answered");
  h.close();
});

test("INVITE server: a retransmitted INVITE gets the last provisional, then the final response", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.net.duplicate("INVITE", 1);
  h.uasCore.answer = (tx) => {
    tx.reply(183, undefined, { toTag: "p" });
  };
  h.send("INVITE");
  assert.equal(h.uasCore.requests.length, 1, "the duplicate is not a new transaction");
  assert.equal(h.net.count("183 INVITE"), 2);
  const tx = serverTx(h);
  // Hold the ACK so the INVITE retransmission meets the Completed state.
  h.net.hold("ACK");
  tx.reply(480, undefined, { toTag: "p" });
  assert.equal(tx.state, "completed");
  void h.uacTransport.send(tx.request, h.target);
  assert.equal(h.net.count("480 INVITE"), 2, "final response retransmitted for the INVITE copy");
  assert.equal(h.net.releaseHeld(), 1);
  assert.equal(tx.state, "confirmed");
  assert.throws(() => tx.reply(200), LinekeyError, "no second final response");
  h.close();
});

test("INVITE server: Timer G retransmits the final response up to T2, Timer H gives up without ACK", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.net.drop("ACK", Infinity);
  let timedOut = 0;
  h.uasCore.answer = (tx) => {
    tx.on("timeout", () => timedOut++);
    tx.reply(486, undefined, { toTag: "g" });
  };
  const { user } = h.send("INVITE");
  const tx = serverTx(h);
  const times = sendTimes(t.mock.timers, h.net, "486 INVITE", 64 * T1 - 50);
  assert.deepEqual(times, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  assert.equal(h.net.count("ACK"), times.length, "the client ACKs every retransmission");
  assert.deepEqual(user.statuses(), [486], "retransmissions are not passed up");
  assert.equal(tx.state, "completed");
  assert.equal(timedOut, 0);
  t.mock.timers.tick(50);
  assert.equal(tx.state, "terminated");
  assert.equal(timedOut, 1);
  assert.equal(h.uas.serverCount, 0);
  h.close();
});

test("INVITE server: a late ACK is recovered; Timer I absorbs ACK duplicates", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.net.drop("ACK", 1).duplicate("ACK", 1);
  h.uasCore.answer = (tx) => {
    tx.reply(404, undefined, { toTag: "i" });
  };
  h.send("INVITE");
  const tx = serverTx(h);
  assert.equal(tx.state, "completed");
  t.mock.timers.tick(T1);
  // The 404 retransmission made the client ACK again; this ACK arrived twice.
  assert.equal(tx.state, "confirmed");
  assert.equal(h.uasCore.acks.length, 0, "ACKs of a non-2xx never reach the TU");
  t.mock.timers.tick(T4 - 1);
  assert.equal(tx.state, "confirmed");
  assert.equal(h.net.count("404 INVITE"), 2, "no Timer G in Confirmed");
  t.mock.timers.tick(1);
  assert.equal(tx.state, "terminated");
  h.close();
});

test("INVITE server: 2xx enters Accepted; its ACK (new branch) and retransmitted INVITEs are handled", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.uasCore.answer = (tx) => {
    tx.reply(200, undefined, { toTag: "acc" });
  };
  const { request } = h.send("INVITE");
  const tx = serverTx(h);
  assert.equal(tx.state, "accepted");
  void h.uacTransport.send(request, h.target);
  assert.equal(h.uasCore.requests.length, 1);
  assert.equal(h.net.count("200 INVITE"), 1, "Accepted absorbs INVITE retransmissions");
  const ack = h.request("ACK");
  void h.uacTransport.send(ack, h.target);
  assert.equal(h.uasCore.acks.length, 1, "the ACK of a 2xx goes to the core");
  t.mock.timers.tick(64 * T1);
  assert.equal(tx.state, "terminated", "Timer L");
  h.close();
});

test("non-INVITE server: duplicated requests get the final response again; Timer J then ends it", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.net.duplicate("SUBSCRIBE");
  h.uasCore.answer = (tx) => {
    tx.reply(202, "Accepted", { toTag: "j" });
  };
  const { user, request } = h.send("SUBSCRIBE");
  assert.equal(h.uasCore.requests.length, 1);
  assert.equal(h.net.count("202 SUBSCRIBE"), 2);
  assert.deepEqual(user.statuses(), [202]);
  const tx = serverTx(h);
  assert.equal(tx.state, "completed");
  t.mock.timers.tick(64 * T1 - 1);
  void h.uacTransport.send(request, h.target);
  assert.equal(h.net.count("202 SUBSCRIBE"), 3, "still absorbing in Completed");
  t.mock.timers.tick(1);
  assert.equal(tx.state, "terminated");
  assert.equal(h.uas.serverCount, 0);
  h.close();
});

test("non-INVITE server: retransmissions are discarded in Trying (no response yet)", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  const { user } = h.send("NOTIFY");
  assert.deepEqual(sendTimes(t.mock.timers, h.net, "NOTIFY", 3 * T1), [0, 500, 1500]);
  assert.equal(h.uasCore.requests.length, 1);
  assert.equal(h.net.sent((r) => r.message.kind === "response").length, 0);
  serverTx(h).reply(200);
  assert.deepEqual(user.statuses(), [200]);
  h.close();
});

test("reliable transport: the server sends each response once (no Timer G)", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness({ transport: "tcp" });
  h.net.drop("ACK");
  h.uasCore.answer = (tx) => {
    tx.reply(486, undefined, { toTag: "r" });
  };
  h.send("INVITE");
  const tx = serverTx(h);
  t.mock.timers.tick(64 * T1 - 1);
  assert.equal(h.net.count("486 INVITE"), 1);
  assert.equal(tx.state, "completed", "Timer H runs on every transport");
  t.mock.timers.tick(1);
  assert.equal(tx.state, "terminated");
  h.close();
});

test("RFC 2543 peers: transactions matched without a magic-cookie branch (§17.2.3)", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const h = new Harness();
  h.uasCore.answer = (tx) => {
    tx.reply(486, undefined, { toTag: "old" });
  };
  const wire = [
    "INVITE sip:bob@10.0.0.2 SIP/2.0",
    "Via: SIP/2.0/UDP 10.0.0.1:5060",
    "From: <sip:alice@10.0.0.1>;tag=a2543",
    "To: <sip:bob@10.0.0.2>",
    "Call-ID: rfc2543@10.0.0.1",
    "CSeq: 5 INVITE",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  const invite = parseMessage(wire);
  assert.ok(invite instanceof SipRequest);
  void h.uacTransport.send(invite, h.target);
  void h.uacTransport.send(invite, h.target);
  assert.equal(h.uasCore.requests.length, 1);
  assert.equal(h.net.count("486 INVITE"), 2);
  const ackWire = wire
    .replace("INVITE sip:bob@10.0.0.2", "ACK sip:bob@10.0.0.2")
    .replace("CSeq: 5 INVITE", "CSeq: 5 ACK")
    .replace("To: <sip:bob@10.0.0.2>", "To: <sip:bob@10.0.0.2>;tag=old");
  const wrongTag = parseMessage(ackWire.replace("tag=old", "tag=other"));
  void h.uacTransport.send(wrongTag, h.target);
  assert.equal(serverTx(h).state, "completed", "an ACK with another To tag does not match");
  void h.uacTransport.send(parseMessage(serialize(parseMessage(ackWire))), h.target);
  assert.equal(serverTx(h).state, "confirmed");
  h.close();
});
