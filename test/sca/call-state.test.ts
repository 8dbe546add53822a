/**
 * Appearance state from relayed calls (reference §6): the proxy hooks fed with the messages of a
 * call, checked by the call-info NOTIFYs the members receive and by the relayed messages.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createResponse } from "../../src/sip/message/index.ts";
import { CallLeg, sdp } from "./support/calls.ts";
import { DOMAIN, ScaTestBed, type Phone } from "./support/testbed.ts";

const AOR = `sip:2104@${DOMAIN}`;
const UAS = `sip:300@${DOMAIN}:5090`;
const D = `<sip:${DOMAIN}>`;
const IDLE = `${D};appearance-index=*;appearance-state=idle`;
const one = (state: string, uri?: string): string =>
  `${D};appearance-index=1;appearance-state=${state}${uri === undefined ? "" : `;appearance-uri="${uri}"`},${IDLE}`;

let bed: ScaTestBed;
let a: Phone;
let b: Phone;
let lsTag: string;

/** States B saw after its initial NOTIFY. */
function seenByB(): (string | undefined)[] {
  return b
    .notifiesOn("ci-b")
    .slice(1)
    .map((n) => n.headers.lines("Call-Info")[0]?.value);
}

function leg(extra: Partial<ConstructorParameters<typeof CallLeg>[0]> = {}): CallLeg {
  return new CallLeg({
    from: AOR,
    to: UAS,
    contact: `sip:2104@${DOMAIN}:5084`,
    remoteContact: UAS,
    callId: "iv-1",
    fromTag: "iv-tag",
    ...extra,
  });
}

beforeEach(async () => {
  bed = new ScaTestBed();
  a = bed.phone(5081, "2104");
  b = bed.phone(5082, "2104");
  await a.send(a.subscribeRequest({ callId: "ci-a" }));
  await b.send(b.subscribeRequest({ callId: "ci-b" }));
  const r = await a.send(
    a.subscribeRequest({
      event: "line-seize",
      callInfo: `${D};appearance-index=1`,
      callId: "ls-a",
      fromTag: "ls-tag",
    }),
  );
  lsTag = r.to.tag!;
});
afterEach(async () => {
  await bed.close();
});

describe("a call from a shared line (s04)", () => {
  it("walks seized, progressing, active, held, active, idle with Kamailio's NOTIFYs", () => {
    const h = bed.module.hooks;
    const call = leg();
    const invite = call.request("INVITE", { callInfo: `${D};appearance-index=1`, body: sdp("sendrecv") });
    h.onRequest(invite);
    assert.equal(invite.headers.count("Call-Info"), 0, "Call-Info stripped towards the UAS");
    const r180 = call.reply(invite, 180);
    h.onResponse(r180, invite);
    // The first 18x ends the seizer's line-seize subscription, before the broadcast.
    const ls = a.notifiesOn("ls-a");
    assert.equal(ls.at(-1)?.header("Subscription-State"), "terminated;reason=noresource");
    assert.equal(ls.at(-1)?.headers.lines("Call-Info")[0]?.value, `${D};appearance-index=1`);
    assert.equal(ls.at(-1)?.header("CSeq"), "2 NOTIFY");
    assert.ok(a.notifies.indexOf(ls.at(-1)!) < a.notifies.indexOf(a.notifiesOn("ci-a").at(-1)!));
    // A second 18x changes nothing and sends nothing.
    const before = b.notifies.length;
    h.onResponse(call.reply(invite, 183), invite);
    assert.equal(b.notifies.length, before);
    const ok = call.reply(invite, 200, { body: sdp("sendrecv") });
    h.onResponse(ok, invite);
    assert.equal(ok.headers.lines("P-Asserted-Identity")[0]?.value, ` <${UAS}>`);
    assert.equal([...ok.headers].at(-1)?.name, "P-Asserted-Identity");
    h.onRequest(call.request("ACK"));
    const hold = call.request("INVITE", { callInfo: `${D};appearance-index=1`, body: sdp("sendonly") });
    h.onRequest(hold);
    h.onResponse(call.reply(hold, 200, { body: sdp("recvonly") }), hold);
    h.onRequest(call.request("ACK"));
    const resume = call.request("INVITE", { callInfo: `${D};appearance-index=1`, body: sdp("sendrecv") });
    h.onRequest(resume);
    h.onResponse(call.reply(resume, 200, { body: sdp("sendrecv") }), resume);
    h.onRequest(call.request("ACK"));
    const bye = call.request("BYE");
    h.onRequest(bye);
    h.onResponse(call.reply(bye, 200), bye);
    const uri = `<${UAS}>`;
    assert.deepEqual(seenByB(), [
      one("seized"),
      one("seized"),
      one("progressing"),
      one("active", uri),
      one("held", uri),
      one("held", uri),
      one("active", uri),
      one("active", uri),
      IDLE,
    ]);
    assert.equal(b.notifiesOn("ci-b").at(-1)?.header("CSeq"), "10 NOTIFY");
    assert.equal(a.notifiesOn("ci-a").at(-1)?.header("CSeq"), "10 NOTIFY");
  });

  it("holds from the ACK's SDP (Polycom music on hold) and detects 0.0.0.0 holds", () => {
    const h = bed.module.hooks;
    const call = leg();
    const invite = call.request("INVITE", { callInfo: `${D};appearance-index=1`, body: sdp("sendrecv") });
    h.onRequest(invite);
    h.onResponse(call.reply(invite, 200, { body: sdp("sendrecv") }), invite);
    const reinvite = call.request("INVITE", { callInfo: `${D};appearance-index=1` });
    h.onRequest(reinvite);
    h.onResponse(call.reply(reinvite, 200, { body: sdp("sendrecv") }), reinvite);
    const ack = call.request("ACK");
    ack.headers.append("Content-Type", "application/sdp");
    ack.body = Buffer.from(sdp("sendrecv", "0.0.0.0"));
    h.onRequest(ack);
    assert.match(b.lastCallInfo("ci-b") ?? "", /appearance-state=held/);
  });

  it("a CANCEL releases the appearance (s07) and the 487 adds nothing", () => {
    const h = bed.module.hooks;
    const call = leg();
    const invite = call.request("INVITE", { callInfo: `${D};appearance-index=1`, body: sdp("sendrecv") });
    h.onRequest(invite);
    h.onResponse(call.reply(invite, 180), invite);
    const cancel = call.request("CANCEL");
    h.onLocalFinal(createResponse(cancel, 200), cancel);
    h.onResponse(call.reply(invite, 487), invite);
    assert.deepEqual(seenByB(), [one("seized"), one("seized"), one("progressing"), IDLE]);
  });

  it("a failed call (s08): the failure route re-runs the INVITE, then the error reply releases it", async () => {
    const h = bed.module.hooks;
    const call = leg();
    const invite = call.request("INVITE", { callInfo: `${D};appearance-index=1`, body: sdp("sendrecv") });
    h.onRequest(invite);
    h.onResponse(call.reply(invite, 486), invite);
    assert.deepEqual(seenByB(), [one("seized"), one("seized"), one("seized"), IDLE]);
    // The seizer's line-seize survived (its Contact is not the INVITE's): releasing fails now.
    const rel = await a.send(
      a.subscribeRequest({
        event: "line-seize",
        callInfo: `${D};appearance-index=1`,
        callId: "ls-a",
        fromTag: "ls-tag",
        toTag: lsTag,
        cseq: 2,
        expires: 0,
      }),
    );
    assert.deepEqual([rel.status, rel.reason], [500, "Internal Server Error - release seized line"]);
  });

  it("a local failure of an INVITE from the seizer itself ends its line-seize and releases the index", () => {
    const h = bed.module.hooks;
    const call = leg({ contact: a.contact });
    const invite = call.request("INVITE", { callInfo: `${D};appearance-index=1`, body: sdp("sendrecv") });
    h.onRequest(invite);
    h.onLocalFinal(createResponse(invite, 408, "Request Timeout", { toTag: "x" }), invite);
    assert.equal(a.notifiesOn("ls-a").at(-1)?.header("Subscription-State"), "terminated;reason=noresource");
    assert.equal(b.lastCallInfo("ci-b"), IDLE);
    assert.equal(bed.module.context.subscriptions.all().filter((s) => s.event === "line-seize").length, 0);
  });

  it("a stateless error reply before relaying ends the line-seize of the INVITE's Contact", () => {
    const h = bed.module.hooks;
    const call = leg({ contact: a.contact });
    const invite = call.request("INVITE", { callInfo: `${D};appearance-index=1` });
    h.onLocalFinal(createResponse(invite, 404, "Not Found", { toTag: "x" }), invite);
    assert.equal(a.notifiesOn("ls-a").at(-1)?.header("Subscription-State"), "terminated;reason=noresource");
    assert.equal(b.lastCallInfo("ci-b"), IDLE);
    // A challenge is not a failure.
    const before = a.notifies.length;
    h.onLocalFinal(createResponse(invite, 407, "Proxy Authentication Required", { toTag: "y" }), invite);
    assert.equal(a.notifies.length, before);
  });

  it("strips Call-Info of calls between non-SCA parties and leaves other methods alone", () => {
    const h = bed.module.hooks;
    const call = leg({ from: `sip:999@${DOMAIN}`, contact: `sip:999@${DOMAIN}:5099` });
    const invite = call.request("INVITE", { callInfo: `${D};appearance-index=3` });
    h.onRequest(invite);
    assert.equal(invite.headers.count("Call-Info"), 0);
    for (const method of ["PRACK", "REFER"]) {
      const r = call.request(method, { callInfo: `${D};appearance-index=3` });
      h.onRequest(r);
      assert.equal(r.headers.count("Call-Info"), 0, method);
    }
    const message = call.request("MESSAGE", { callInfo: `${D};appearance-index=3` });
    h.onRequest(message);
    assert.equal(message.headers.count("Call-Info"), 1);
    // A Call-Info that does not parse stops processing before the strip (reference §5.2).
    const bad = call.request("INVITE", { callInfo: `${D}; appearance-index=3` });
    h.onRequest(bad);
    assert.equal(bad.headers.count("Call-Info"), 1);
  });

  it("an INVITE without Call-Info from an AoR nobody subscribes to unregisters it", async () => {
    const h = bed.module.hooks;
    for (const [p, id] of [
      [a, "ci-a"],
      [b, "ci-b"],
    ] as const) {
      const first = p.notifiesOn(id)[0]!;
      await p.send(
        p.subscribeRequest({
          callId: id,
          fromTag: first.to.tag!,
          toTag: first.from.tag!,
          cseq: 2,
          expires: 0,
        }),
      );
    }
    bed.module.purge();
    assert.equal(bed.module.context.subscriptions.hasSubscribers(AOR), false);
    assert.equal(bed.module.context.appearances.isShared(AOR), true);
    h.onRequest(leg().request("INVITE"));
    assert.equal(bed.module.context.appearances.isShared(AOR), false);
  });
});

describe("a call to a shared line", () => {
  it("seizes a callee appearance active-pending on the 200, promotes it on the ACK, releases on BYE", () => {
    const h = bed.module.hooks;
    const call = new CallLeg({
      from: `sip:300@${DOMAIN}:5090`,
      fromDisplay: '"Eve"',
      to: AOR,
      contact: `sip:300@${DOMAIN}:5090`,
      remoteContact: `sip:2104@${DOMAIN}:5083`,
      callId: "in-1",
      fromTag: "in-tag",
    });
    const invite = call.request("INVITE", { body: sdp("sendrecv") });
    h.onRequest(invite);
    const ok = call.reply(invite, 200, { body: sdp("sendrecv"), callInfo: `${D};appearance-index=2` });
    h.onResponse(ok, invite);
    const app = bed.module.context.appearances.forIndex(AOR, 2)!;
    assert.equal(app.state, "active-pending");
    assert.equal(app.uri, `\\"Eve\\" <sip:300@${DOMAIN}:5090>`);
    assert.equal(ok.headers.count("Call-Info"), 0);
    assert.equal(ok.headers.count("P-Asserted-Identity"), 0, "only the caller's side gets PAI");
    const beforeAck = b.notifies.length;
    h.onRequest(call.request("ACK"));
    assert.equal(app.state, "active");
    assert.equal(b.notifies.length, beforeAck + 1, "the ACK to a shared AoR broadcasts");
    assert.match(
      b.lastCallInfo("ci-b") ?? "",
      /appearance-index=2;appearance-state=active;appearance-uri="\\"Eve\\" </,
    );
    const bye = call.remoteRequest("BYE", 2);
    h.onRequest(bye);
    assert.equal(bed.module.context.appearances.forIndex(AOR, 2), undefined);
    assert.doesNotMatch(b.lastCallInfo("ci-b") ?? "", /appearance-index=2/);
  });
});

describe("retrieval of a held call by another member (pick-up)", () => {
  function heldCall(): CallLeg {
    const h = bed.module.hooks;
    const call = leg({ contact: a.contact });
    const invite = call.request("INVITE", { callInfo: `${D};appearance-index=1`, body: sdp("sendrecv") });
    h.onRequest(invite);
    h.onResponse(call.reply(invite, 180), invite);
    h.onResponse(call.reply(invite, 200, { body: sdp("sendrecv") }), invite);
    h.onRequest(call.request("ACK"));
    const hold = call.request("INVITE", { callInfo: `${D};appearance-index=1`, body: sdp("sendonly") });
    h.onRequest(hold);
    h.onResponse(call.reply(hold, 200, { body: sdp("recvonly") }), hold);
    return call;
  }

  it("re-targets B's INVITE to the held party with Replaces and moves the appearance (s09)", () => {
    const h = bed.module.hooks;
    heldCall();
    const marks = b.notifiesOn("ci-b").length;
    const pick = new CallLeg({
      from: AOR,
      to: AOR,
      contact: `sip:2104@${DOMAIN}:5085`,
      remoteContact: UAS,
      callId: "pk-1",
      fromTag: "pk-tag",
    });
    const invite = pick.request("INVITE", { callInfo: `${D};appearance-index=1`, body: sdp("sendrecv") });
    h.onRequest(invite);
    assert.equal(invite.uri, UAS, "R-URI rewritten to the far end's Contact");
    assert.equal(invite.header("Replaces"), "iv-1;to-tag=uas-1;from-tag=iv-tag");
    assert.equal([...invite.headers].at(-1)?.name, "Replaces");
    const ok = pick.reply(invite, 200, { body: sdp("sendrecv"), toTag: "uas-2" });
    h.onResponse(ok, invite);
    assert.equal(ok.headers.lines("P-Asserted-Identity")[0]?.value, ` <sip:300@${DOMAIN}>`);
    const ack = pick.request("ACK");
    h.onRequest(ack);
    const app = bed.module.context.appearances.forIndex(AOR, 1)!;
    assert.equal(app.owner, `sip:2104@${DOMAIN}:5085`);
    assert.equal(app.prevOwner, a.contact);
    assert.equal(app.dialog.callId, "pk-1");
    const uri = `<${UAS}>`;
    assert.deepEqual(
      b
        .notifiesOn("ci-b")
        .slice(marks)
        .map((n) => n.headers.lines("Call-Info")[0]?.value),
      [one("active", uri), one("active", `<sip:300@${DOMAIN}>`), one("active", `<sip:300@${DOMAIN}>`)],
    );
  });

  it("refuses the pick-up of a privately held call with 403 Forbidden - private call", () => {
    heldCall();
    bed.module.rpc.call("sca.update_appearance", [AOR, "1", "held-private"]);
    const pick = new CallLeg({
      from: AOR,
      to: AOR,
      contact: `sip:2104@${DOMAIN}:5085`,
      remoteContact: UAS,
      callId: "pk-2",
      fromTag: "pk2",
    });
    const invite = pick.request("INVITE", { callInfo: `${D};appearance-index=1` });
    const answers: number[] = [];
    let reason = "";
    const fakeServer = {
      handlers: [] as {
        match: (r: typeof invite) => boolean;
        handle: (r: typeof invite, tx: never) => void;
      }[],
      addLocalHandler(match: (r: typeof invite) => boolean, handle: (r: typeof invite, tx: never) => void) {
        this.handlers.push({ match, handle });
      },
      addObserver: () => undefined,
      isLocalUri: () => true,
      sendRequestTo: () => undefined,
    };
    bed.module.attach(fakeServer);
    const handler = fakeServer.handlers.find((x) => x.match(invite));
    assert.ok(handler, "a local handler takes the INVITE before the proxy");
    handler.handle(invite, {
      respond: (res: { status: number; reason: string }) => {
        answers.push(res.status);
        reason = res.reason;
      },
    } as never);
    assert.deepEqual(answers, [403]);
    assert.equal(reason, "Forbidden - private call");
    assert.equal(bed.module.context.appearances.forIndex(AOR, 1)?.state, "held-private");
  });
});
