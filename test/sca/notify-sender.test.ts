/**
 * How the notifier hears of a NOTIFY's outcome: it is the handler of the sender's promise-free
 * `sendRequestTo`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AppearanceTable } from "../../src/sca/appearance.ts";
import { Notifier, type ScaRequestSender } from "../../src/sca/notify.ts";
import type { NotifySource } from "../../src/sca/subscriptions.ts";
import { SubscriptionTable } from "../../src/sca/subscriptions.ts";
import type { FinalResponseHandler } from "../../src/sip/final-response.ts";
import { createResponse, type SipRequest } from "../../src/sip/message/index.ts";
import type { TransportTarget } from "../../src/sip/transport/index.ts";
import { memoryLogger } from "../../src/util/logger.ts";

const SOURCE: NotifySource = {
  subscriber: "sip:100@192.0.2.10:5060",
  aor: "sip:100@pbx.test",
  event: "line-seize",
  expires: 1_800_000_600,
  state: "active",
  dialog: { callId: "c1", fromTag: "f1", toTag: "t1" },
  recordRoute: "",
  notifyCseq: 4,
};

function notifier(sender: ScaRequestSender): { notifier: Notifier; warnings: () => string[] } {
  const now = (): number => 1_800_000_000;
  const { logger, records } = memoryLogger("debug");
  const n = new Notifier({
    sender,
    appearances: new AppearanceTable(4, now),
    subscriptions: new SubscriptionTable(4),
    settings: { userAgent: "Linekey-test" },
    now,
    log: logger,
  });
  return { notifier: n, warnings: () => records.filter((r) => r.level === "warn").map((r) => r.msg) };
}

test("the notifier is the handler of sendRequestTo: counted when the answer comes", () => {
  const pending: [SipRequest, TransportTarget | undefined, FinalResponseHandler][] = [];
  const sender: ScaRequestSender = {
    sendRequestTo: (req, target, handler) => pending.push([req, target, handler]),
  };
  const { notifier: n, warnings } = notifier(sender);
  n.notifySubscriber(SOURCE, 1);
  n.notifySubscriber(SOURCE, 1);
  assert.equal(pending.length, 2);
  const [first, second] = pending;
  assert.ok(first !== undefined && second !== undefined);
  assert.equal(first[0].method, "NOTIFY");
  assert.deepEqual(first[1], { transport: "udp", address: "192.0.2.10", port: 5060 });
  assert.deepEqual(n.stats, { sent: 2, succeeded: 0, failed: 0 });
  first[2].finalResponse(createResponse(first[0], 200, "OK"), first[0]);
  second[2].finalResponse(createResponse(second[0], 481), second[0]);
  assert.deepEqual(n.stats, { sent: 2, succeeded: 1, failed: 1 });
  assert.deepEqual(warnings(), ["SCA NOTIFY failed"]);
});
