/**
 * Expiry (reference §7): the purge of expired subscriptions with `terminated;reason=timeout`,
 * the release of an expired line-seize's appearance, Expires-0 subscriptions until the purge,
 * stale appearances; the module's timers driven by hand with a moved clock.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { DOMAIN, ScaTestBed, type Phone } from "./support/testbed.ts";

const AOR = `sip:2105@${DOMAIN}`;
const D = `<sip:${DOMAIN}>`;
const IDLE = `${D};appearance-index=*;appearance-state=idle`;

let bed: ScaTestBed;
let a: Phone;
let b: Phone;

beforeEach(() => {
  bed = new ScaTestBed({ parameters: { purgeExpiredInterval: 5 } });
  a = bed.phone(5081, "2105");
  b = bed.phone(5082, "2105");
});
afterEach(async () => {
  await bed.close();
});

describe("expired subscriptions", () => {
  it("get terminated;reason=timeout with the whole list, then are deleted", async () => {
    await a.send(a.subscribeRequest({ callId: "ci-a", expires: 60 }));
    bed.advance(59);
    bed.module.purge();
    assert.equal(a.notifiesOn("ci-a").length, 1, "not yet expired");
    bed.advance(1);
    bed.module.purge();
    const last = a.notifiesOn("ci-a").at(-1)!;
    assert.equal(last.header("Subscription-State"), "terminated;reason=timeout");
    assert.equal(last.header("CSeq"), "2 NOTIFY");
    assert.equal(last.headers.lines("Call-Info")[0]?.value, IDLE);
    assert.equal(bed.module.context.subscriptions.size, 0);
    bed.module.purge();
    assert.equal(a.notifiesOn("ci-a").length, 2, "only once");
  });

  it("an expired line-seize whose appearance is still seized releases it and broadcasts idle", async () => {
    await b.send(b.subscribeRequest({ callId: "ci-b" }));
    await a.send(
      a.subscribeRequest({
        event: "line-seize",
        callInfo: `${D};appearance-index=1`,
        callId: "ls-a",
        expires: 30,
      }),
    );
    assert.match(b.lastCallInfo("ci-b") ?? "", /appearance-index=1;appearance-state=seized/);
    bed.advance(15);
    bed.module.purge();
    const ls = a.notifiesOn("ls-a").at(-1)!;
    assert.equal(ls.header("Subscription-State"), "terminated;reason=timeout");
    assert.equal(ls.headers.lines("Call-Info")[0]?.value, `${D};appearance-index=1`);
    assert.equal(b.lastCallInfo("ci-b"), IDLE);
    assert.equal(bed.module.context.appearances.forIndex(AOR, 1), undefined);
  });

  it("an Expires 0 subscription still gets broadcasts (terminated) until the purge deletes it silently", async () => {
    const r = await a.send(a.subscribeRequest({ callId: "ci-a", fromTag: "fa" }));
    await b.send(b.subscribeRequest({ callId: "ci-b" }));
    // A unsubscribes last: its subscription was created first, so B's is the newest and the
    // broadcast headers come from B's.
    await a.send(
      a.subscribeRequest({ callId: "ci-a", fromTag: "fa", toTag: r.to.tag!, cseq: 2, expires: 0 }),
    );
    bed.module.rpc.call("sca.seize_appearance", [AOR, b.contact]);
    assert.equal(a.notifiesOn("ci-a").length, 3);
    assert.match(a.notifiesOn("ci-a").at(-1)?.header("Subscription-State") ?? "", /^active;expires=\d+$/);
    assert.ok(
      bed.module.rpc
        .call("sca.all_subscriptions")
        .some((l) => /^2105 127\.0\.0\.1:5081 call-info (-\d+|0) terminated$/.test(l)),
    );
    bed.advance(1);
    bed.module.purge();
    assert.equal(a.notifiesOn("ci-a").length, 3, "deleted without NOTIFY");
    assert.equal(bed.module.context.subscriptions.size, 1);
  });

  it("broadcast headers come from the newest subscription: terminated when it was unsubscribed", async () => {
    await a.send(a.subscribeRequest({ callId: "ci-a" }));
    const r = await b.send(b.subscribeRequest({ callId: "ci-b", fromTag: "fb" }));
    await b.send(
      b.subscribeRequest({ callId: "ci-b", fromTag: "fb", toTag: r.to.tag!, cseq: 2, expires: 0 }),
    );
    bed.module.rpc.call("sca.seize_appearance", [AOR, a.contact]);
    assert.equal(a.notifiesOn("ci-a").at(-1)?.header("Subscription-State"), "terminated");
  });
});

describe("stale appearances", () => {
  it("seized for 120 s or active-pending for 35 s are removed with one broadcast per AoR", async () => {
    await b.send(b.subscribeRequest({ callId: "ci-b", expires: 3600 }));
    bed.module.rpc.call("sca.seize_appearance", [AOR, a.contact]);
    bed.module.rpc.call("sca.seize_appearance", [AOR, a.contact]);
    bed.module.rpc.call("sca.update_appearance", [AOR, 2, "held"]);
    const before = b.notifiesOn("ci-b").length;
    bed.advance(119);
    bed.module.purge();
    assert.equal(b.notifiesOn("ci-b").length, before, "nothing stale yet");
    bed.advance(1);
    bed.module.purge();
    assert.equal(b.notifiesOn("ci-b").length, before + 1);
    assert.equal(b.lastCallInfo("ci-b"), `${D};appearance-index=2;appearance-state=held,${IDLE}`);
    // `active` from the RPC is active-pending (Kamailio's name table): gone after 35 s.
    bed.module.rpc.call("sca.update_appearance", [AOR, 2, "active"]);
    bed.advance(35);
    bed.module.purge();
    assert.equal(b.lastCallInfo("ci-b"), IDLE);
  });

  it("the timers run the purge by themselves", async () => {
    await a.send(a.subscribeRequest({ callId: "ci-a", expires: 1 }));
    await bed.module.start();
    bed.advance(10);
    const deadline = Date.now() + 20_000;
    while (bed.module.context.subscriptions.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(bed.module.context.subscriptions.size, 0);
    assert.equal(a.notifiesOn("ci-a").at(-1)?.header("Subscription-State"), "terminated;reason=timeout");
  });
});
