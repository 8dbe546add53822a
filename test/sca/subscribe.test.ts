/**
 * SUBSCRIBE handling (reference §3) on the fake network: replies, the NOTIFY that follows,
 * refresh and unsubscribe, every error reply.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { kamailioHash } from "../../src/sca/hash.ts";
import { ScaTestBed, DOMAIN, type Phone } from "./support/testbed.ts";

let bed: ScaTestBed;
let a: Phone;
let b: Phone;

beforeEach(() => {
  bed = new ScaTestBed();
  a = bed.phone(5081, "2101");
  b = bed.phone(5082, "2101");
});
afterEach(async () => {
  await bed.close();
});

const AOR = `sip:2101@${DOMAIN}`;
const IDLE = `<sip:${DOMAIN}>;appearance-index=*;appearance-state=idle`;

describe("call-info SUBSCRIBE", () => {
  it("answers 202 with Event, raw R-URI Contact, Allow-Events and the capped Expires", async () => {
    const res = await a.send(a.subscribeRequest({ expires: 7200, callId: "ci-1", fromTag: "ft" }));
    assert.equal(res.status, 202);
    assert.equal(res.reason, "Accepted");
    assert.equal(res.header("Event"), "call-info");
    assert.equal(res.header("Contact"), AOR);
    assert.equal(res.headers.lines("Allow-Events")[0]?.value, "call-info, line-seize");
    assert.equal(res.header("Expires"), "3600");
    assert.ok(res.to.tag, "To tag added");
    const names = [...res.headers].map((h) => h.name);
    assert.deepEqual(names.slice(names.indexOf("Event")), [
      "Event",
      "Contact",
      "Allow-Events",
      "Expires",
      "Server",
      "Content-Length",
    ]);
  });

  it("sends the initial NOTIFY: CSeq 1, active without expires, idle list, dialog tags swapped", async () => {
    const res = await a.send(a.subscribeRequest({ callId: "ci-1", fromTag: "ft" }));
    assert.equal(a.notifies.length, 1);
    const n = a.notifies[0]!;
    assert.equal(n.uri, a.contact);
    assert.equal(n.header("To"), `<${AOR}>;tag=ft`);
    assert.equal(n.header("From"), `<${AOR}>;tag=${res.to.tag}`);
    assert.equal(n.header("CSeq"), "1 NOTIFY");
    assert.equal(n.callId, "ci-1");
    assert.equal(n.header("Max-Forwards"), "70");
    assert.equal(n.header("Contact"), AOR);
    assert.equal(n.headers.lines("Call-Info")[0]?.value, IDLE);
    assert.equal(n.header("Event"), "call-info");
    assert.equal(n.header("Subscription-State"), "active");
    assert.equal(n.body.length, 0);
    assert.equal(n.header("Content-Type"), undefined);
    // Kamailio's header order after Via (reference §4.1).
    const names = [...n.headers].map((h) => h.name).filter((x) => x !== "Via");
    assert.deepEqual(names, [
      "To",
      "From",
      "CSeq",
      "Call-ID",
      "Max-Forwards",
      "Content-Length",
      "User-Agent",
      "Contact",
      "Call-Info",
      "Event",
      "Subscription-State",
    ]);
  });

  it("refreshes in dialog (CSeq +1, still active without expires) and unsubscribes with Expires 0", async () => {
    const first = await a.send(a.subscribeRequest({ callId: "ci-1", fromTag: "ft" }));
    const tt = first.to.tag!;
    const refresh = await a.send(
      a.subscribeRequest({ callId: "ci-1", fromTag: "ft", toTag: tt, cseq: 2, expires: 600 }),
    );
    assert.equal(refresh.status, 202);
    assert.equal(refresh.header("Expires"), "600");
    assert.equal(refresh.to.tag, tt);
    const unsub = await a.send(
      a.subscribeRequest({ callId: "ci-1", fromTag: "ft", toTag: tt, cseq: 3, expires: 0 }),
    );
    assert.equal(unsub.header("Expires"), "0");
    const ns = a.notifiesOn("ci-1");
    assert.deepEqual(
      ns.map((n) => [n.header("CSeq"), n.header("Subscription-State")]),
      [
        ["1 NOTIFY", "active"],
        ["2 NOTIFY", "active"],
        ["3 NOTIFY", "terminated"],
      ],
    );
    // Expires 0 keeps the subscription, terminated, until the purge (reference §3.4).
    const sub = bed.module.context.subscriptions.all()[0];
    assert.equal(sub?.state, "terminated");
  });

  it("treats a missing Expires as an unsubscribe", async () => {
    const res = await a.send(a.subscribeRequest({ expires: undefined, callId: "ci-x" }));
    assert.equal(res.status, 202);
    assert.equal(res.header("Expires"), "0");
    const n = a.notifies[0]!;
    assert.equal(n.header("Subscription-State"), "terminated");
    assert.equal(n.header("CSeq"), "1 NOTIFY");
    assert.equal(bed.module.context.subscriptions.size, 0, "nothing stored");
  });

  it("broadcasts carry the remaining time of the newest subscription", async () => {
    await a.send(a.subscribeRequest({ callId: "ci-a", expires: 3600 }));
    bed.advance(100);
    await b.send(b.subscribeRequest({ callId: "ci-b", expires: 1000 }));
    bed.module.rpc.call("sca.seize_appearance", [AOR, a.contact]);
    const expected = "active;expires=1000";
    assert.equal(a.notifiesOn("ci-a").at(-1)?.header("Subscription-State"), expected);
    assert.equal(b.notifiesOn("ci-b").at(-1)?.header("Subscription-State"), expected);
    assert.equal(a.notifiesOn("ci-a").at(-1)?.header("CSeq"), "2 NOTIFY");
  });

  it("an out-of-dialog re-SUBSCRIBE from a rebooted phone releases its appearances and broadcasts", async () => {
    await a.send(a.subscribeRequest({ callId: "ci-a" }));
    await b.send(b.subscribeRequest({ callId: "ci-b" }));
    bed.module.rpc.call("sca.seize_appearance", [AOR, a.contact]);
    assert.match(b.lastCallInfo("ci-b") ?? "", /appearance-index=1;appearance-state=seized/);
    await a.send(a.subscribeRequest({ callId: "ci-a2" }));
    assert.equal(b.lastCallInfo("ci-b"), IDLE);
    assert.equal(bed.module.context.appearances.list(AOR)?.appearances.length, 0);
  });
});

describe("line-seize SUBSCRIBE", () => {
  const ci = (i: number | string): string => `<sip:${DOMAIN}>;appearance-index=${i}`;

  it("seizes the index, answers 200 with Expires capped to 15, NOTIFYs the seizer then broadcasts", async () => {
    await a.send(a.subscribeRequest({ callId: "ci-a" }));
    await b.send(b.subscribeRequest({ callId: "ci-b" }));
    const res = await a.send(
      a.subscribeRequest({ event: "line-seize", expires: 30, callInfo: ci(1), callId: "ls-a" }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.reason, "OK");
    assert.equal(res.header("Event"), "line-seize");
    assert.equal(res.header("Expires"), "15");
    const ls = a.notifiesOn("ls-a");
    assert.equal(ls.length, 1);
    const lsn = ls[0]!;
    assert.equal(lsn.headers.lines("Call-Info")[0]?.value, ci(1));
    assert.equal(a.notifiesOn("ci-a").length, 2);
    assert.equal(lsn.header("Event"), "line-seize");
    assert.equal(lsn.header("Subscription-State"), "active");
    const seized = `<sip:${DOMAIN}>;appearance-index=1;appearance-state=seized,${IDLE}`;
    assert.equal(a.lastCallInfo("ci-a"), seized);
    assert.equal(b.lastCallInfo("ci-b"), seized);
    // The seizer's line-seize NOTIFY precedes its call-info one.
    assert.ok(a.notifies.indexOf(lsn) < a.notifies.indexOf(a.notifiesOn("ci-a").at(-1)!));
  });

  it("answers 480 with Retry-After for a taken index; index 0 takes the next free one", async () => {
    await a.send(a.subscribeRequest({ callId: "ci-a" }));
    await a.send(a.subscribeRequest({ event: "line-seize", callInfo: ci(1), callId: "ls-a" }));
    const taken = await b.send(b.subscribeRequest({ event: "line-seize", callInfo: ci(1), callId: "lt-b" }));
    assert.equal(taken.status, 480);
    assert.equal(taken.reason, "Temporarily Unavailable");
    assert.equal(taken.header("Retry-After"), "1");
    assert.equal(taken.header("Event"), undefined);
    const next = await b.send(b.subscribeRequest({ event: "line-seize", callInfo: ci(0), callId: "ls-b" }));
    assert.equal(next.status, 200);
    assert.equal(b.notifiesOn("ls-b")[0]?.headers.lines("Call-Info")[0]?.value, ci(2));
  });

  it("releases the index named in the Call-Info on Expires 0; 500 when it is not in use", async () => {
    await a.send(a.subscribeRequest({ callId: "ci-a" }));
    const r = await a.send(
      a.subscribeRequest({ event: "line-seize", callInfo: ci(1), callId: "ls-a", fromTag: "lf" }),
    );
    const tt = r.to.tag!;
    const rel = await a.send(
      a.subscribeRequest({
        event: "line-seize",
        callInfo: ci(1),
        callId: "ls-a",
        fromTag: "lf",
        toTag: tt,
        cseq: 2,
        expires: 0,
      }),
    );
    assert.equal(rel.status, 200);
    assert.equal(rel.header("Expires"), "0");
    const ls = a.notifiesOn("ls-a");
    assert.deepEqual(
      ls.map((n) => [
        n.header("CSeq"),
        n.header("Subscription-State"),
        n.headers.lines("Call-Info")[0]?.value,
      ]),
      [
        ["1 NOTIFY", "active", ci(1)],
        ["2 NOTIFY", "terminated", ci(1)],
      ],
    );
    assert.equal(a.lastCallInfo("ci-a"), IDLE);
    const again = await a.send(
      a.subscribeRequest({
        event: "line-seize",
        callInfo: ci(1),
        callId: "ls-a",
        fromTag: "lf",
        toTag: tt,
        cseq: 3,
        expires: 0,
      }),
    );
    assert.equal(again.status, 500);
    assert.equal(again.reason, "Internal Server Error - release seized line");
  });

  it("a line-seize for an AoR nobody subscribed to fails with 500 seize appearance index", async () => {
    const res = await a.send(a.subscribeRequest({ event: "line-seize", callInfo: ci(1) }));
    assert.equal(res.status, 500);
    assert.equal(res.reason, "Internal Server Error - seize appearance index");
  });

  it("refuses a line-seize without Call-Info or with one that does not parse", async () => {
    await a.send(a.subscribeRequest({ callId: "ci-a" }));
    const missing = await a.send(a.subscribeRequest({ event: "line-seize" }));
    assert.deepEqual([missing.status, missing.reason], [400, "Bad Request - missing Call-Info header"]);
    assert.ok(missing.to.tag, "sl puts a To tag on error replies");
    const bad = await a.send(
      a.subscribeRequest({ event: "line-seize", callInfo: `<sip:${DOMAIN}>; appearance-index=1` }),
    );
    assert.deepEqual([bad.status, bad.reason], [400, "Bad Request - Invalid Call-Info header"]);
    const star = await a.send(a.subscribeRequest({ event: "line-seize", callInfo: ci("*") }));
    assert.equal(star.status, 400);
  });
});

describe("SUBSCRIBE errors", () => {
  it("400 Missing Event / Bad Event; 489 for an event package nobody serves", async () => {
    const missing = await a.send(a.subscribeRequest({ event: undefined }));
    assert.deepEqual([missing.status, missing.reason], [400, "Missing Event"]);
    const bad = await a.send(a.subscribeRequest({ event: "Call-Info" }));
    assert.deepEqual([bad.status, bad.reason], [400, "Bad Event"]);
    const withParam = await a.send(a.subscribeRequest({ event: "call-info;id=1" }));
    assert.deepEqual([withParam.status, withParam.reason], [400, "Bad Event"]);
    const other = await a.send(a.subscribeRequest({ event: "presence" }));
    assert.deepEqual([other.status, other.reason], [489, "Bad Event"]);
    assert.equal(other.headers.lines("Allow-Events")[0]?.value, "call-info, line-seize");
    assert.equal(a.notifies.length, 0, "no NOTIFY follows an error");
  });

  it("400 Bad Shared Call Appearance Request for bad Expires, Contact, From tag", async () => {
    const reason = "Bad Shared Call Appearance Request";
    const cases = [
      a.subscribeRequest({ expires: "soon" }),
      a.subscribeRequest({ contact: undefined }),
      a.subscribeRequest({ extra: [], contact: "sip:x@1.2.3.4>, <sip:y@1.2.3.4" }),
    ];
    const star = a.subscribeRequest({});
    star.headers.set("Contact", "*");
    cases.push(star);
    const noTag = a.subscribeRequest({});
    noTag.headers.set("From", `<sip:2101@${DOMAIN}>`);
    cases.push(noTag);
    for (const req of cases) {
      const res = await a.send(req);
      assert.deepEqual([res.status, res.reason], [400, reason], req.header("Contact") ?? "no contact");
    }
  });

  it("481 for an in-dialog SUBSCRIBE with an unknown dialog, To tag kept", async () => {
    const res = await a.send(a.subscribeRequest({ toTag: "bogus", cseq: 5 }));
    assert.deepEqual([res.status, res.reason], [481, "Call Leg/Transaction Does Not Exist"]);
    assert.equal(res.to.tag, "bogus");
  });

  it("500 update subscription when a different AoR of the same subscriber shares the hash slot", async () => {
    // Two slots: find a To URI variant hashing to the stored AoR's slot (reference §3.3).
    const small = new ScaTestBed({ parameters: { hashTableSize: 1 } });
    try {
      const p = small.phone(5081, "2101");
      const first = await p.send(p.subscribeRequest({ callId: "ci-1", fromTag: "ft" }));
      const slot = (aor: string): number => kamailioHash(`${aor}call-info`) & 1;
      let variant = "";
      for (let i = 0; variant === ""; i++) {
        const v = `sip:2101@${DOMAIN};x=${i}`;
        if (slot(v) === slot(AOR)) variant = v;
      }
      const req = p.subscribeRequest({ callId: "ci-1", fromTag: "ft", toTag: first.to.tag!, cseq: 2 });
      req.headers.set("To", `<${variant}>;tag=${first.to.tag!}`);
      const res = await p.send(req);
      assert.deepEqual([res.status, res.reason], [500, "Internal Server Error - update subscription"]);
      // A variant in the other slot is simply unknown.
      let other = "";
      for (let i = 0; other === ""; i++) {
        const v = `sip:2101@${DOMAIN};y=${i}`;
        if (slot(v) !== slot(AOR)) other = v;
      }
      const req2 = p.subscribeRequest({ callId: "ci-1", fromTag: "ft", toTag: first.to.tag!, cseq: 3 });
      req2.headers.set("To", `<${other}>;tag=${first.to.tag!}`);
      assert.equal((await p.send(req2)).status, 481);
    } finally {
      await small.close();
    }
  });
});

describe("NOTIFY delivery", () => {
  it("retransmits a lost NOTIFY; an error or no answer is only logged, the subscription stays", async () => {
    const fast = new ScaTestBed({ timers: { T1: 20, T2: 80, T4: 100 } });
    try {
      const p = fast.phone(5081, "2101");
      fast.net.drop("NOTIFY", 1);
      await p.send(p.subscribeRequest({ callId: "ci-1" }));
      const deadline = Date.now() + 10_000;
      while (p.notifies.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(p.notifies.length, 1, "the retransmission arrived");
      assert.equal(fast.net.count("NOTIFY"), 2);
      for (const status of [481, 408, undefined]) {
        p.notifyStatus = status;
        const before = fast.module.context.notifier.stats.failed;
        fast.module.rpc.call("sca.seize_appearance", [AOR, p.contact]);
        while (fast.module.context.notifier.stats.failed === before && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 10));
        }
        assert.equal(
          fast.module.context.notifier.stats.failed,
          before + 1,
          `NOTIFY answered ${status ?? "never"}`,
        );
        assert.equal(fast.module.context.subscriptions.size, 1, "the subscription is kept");
      }
      assert.ok(fast.logs.some((l) => l.level === "warn" && /SCA NOTIFY (failed|not delivered)/.test(l.msg)));
    } finally {
      await fast.close();
    }
  });
});
