/**
 * The subscription and appearance tables answer lookups from maps beside Kamailio's slot
 * lists; the answers must be what a scan of the slot gives, slot collisions and repeated
 * subscribers included (reference §3.4: last match of the slot, broadcasts newest first).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AppearanceTable } from "../../src/sca/appearance.ts";
import { ScaHashTable } from "../../src/sca/hash.ts";
import { Outbox } from "../../src/sca/outbox.ts";
import { SubscriptionTable, type Subscription } from "../../src/sca/subscriptions.ts";
import type { ScaEventName } from "../../src/sca/event.ts";
import { silentLogger } from "../../src/util/logger.ts";

function sub(table: SubscriptionTable, subscriber: string, aor: string, event: ScaEventName): Subscription {
  return {
    subscriber,
    aor,
    event,
    expires: 0,
    state: "active",
    index: 0,
    dialog: { callId: `${subscriber}|${aor}|${event}`, fromTag: "f", toTag: "t" },
    recordRoute: "",
    notifyCseq: 0,
    subscribeCseq: 0,
    serverId: 0,
    slot: table.slotOf(aor, event),
    outbox: new Outbox(silentLogger),
    cseqCeiling: Number.POSITIVE_INFINITY,
    dirty: false,
  };
}

/** The slot scans the tables did before they had maps. */
function scanFind(table: SubscriptionTable, slot: number, subscriber: string): Subscription | undefined {
  const inSlot = table.all().filter((s) => s.slot === slot);
  return inSlot.filter((s) => s.subscriber === subscriber).at(-1);
}

function scanFindFirst(table: SubscriptionTable, slot: number, subscriber: string): Subscription | undefined {
  return table.all().find((s) => s.slot === slot && s.subscriber === subscriber);
}

function scanRecipients(table: SubscriptionTable, aor: string): Subscription[] {
  const slot = table.slotOf(aor, "call-info");
  return table.all().filter((s) => s.slot === slot && s.aor === aor);
}

test("subscription lookups equal slot scans, with 2 slots (every AoR collides) and repeats", () => {
  const table = new SubscriptionTable(1);
  const subscribers = ["sip:p1@h", "sip:p2@h", "sip:p3@h"];
  const aors = ["sip:100@d", "sip:101@d", "sip:102@d", "sip:103@d"];
  const events: ScaEventName[] = ["call-info", "line-seize"];
  let r = 7;
  const rand = (n: number): number => {
    r = (r * 1103515245 + 12345) % 2 ** 31;
    return r % n;
  };
  const stored: Subscription[] = [];
  for (let step = 0; step < 600; step++) {
    if (stored.length > 0 && rand(3) === 0) {
      const s = stored.splice(rand(stored.length), 1)[0];
      if (s !== undefined) assert.ok(table.remove(s));
    } else {
      const s = sub(table, subscribers[rand(3)] ?? "", aors[rand(4)] ?? "", events[rand(2)] ?? "call-info");
      table.insert(s);
      stored.push(s);
    }
    for (const aor of aors) {
      assert.deepEqual(table.callInfoRecipients(aor), scanRecipients(table, aor), `recipients ${aor}`);
      assert.equal(table.hasSubscribers(aor), scanRecipients(table, aor).length > 0);
      for (const subscriber of subscribers) {
        for (const event of events) {
          const slot = table.slotOf(aor, event);
          assert.equal(table.find(slot, subscriber), scanFind(table, slot, subscriber));
          assert.equal(table.findFirst(slot, subscriber), scanFindFirst(table, slot, subscriber));
        }
      }
    }
  }
  assert.equal(table.size, stored.length);
});

test("the slot order stays newest first; removal keeps the order of the rest", () => {
  const t = new ScaHashTable<string>(0);
  const slot = t.slotOf("k");
  for (const v of ["a", "b", "c", "d"]) t.insert(slot, v);
  assert.deepEqual(t.entries(slot), ["d", "c", "b", "a"]);
  assert.ok(t.remove(slot, "c"));
  assert.ok(!t.remove(slot, "c"));
  assert.deepEqual(t.entries(slot), ["d", "b", "a"]);
  assert.deepEqual(
    [...t.all()].filter((v) => "abcd".includes(v)),
    ["d", "b", "a"],
  );
  assert.equal(t.count(), 3);
});

test("appearance lists are found by AoR after registration, seizes and unregistration", () => {
  const apps = new AppearanceTable(1, () => 1000);
  for (let i = 0; i < 20; i++) apps.register(`sip:${i}@d`);
  apps.register("sip:3@d");
  assert.equal(apps.all().length, 20, "registering twice keeps one list");
  assert.equal(apps.list("sip:3@d")?.aor, "sip:3@d");
  assert.ok(apps.unregister("sip:3@d"));
  assert.equal(apps.list("sip:3@d"), undefined);
  assert.ok(!apps.unregister("sip:3@d"));
  const a = apps.seizeNextAvailable("sip:new@d", "sip:phone@h");
  assert.equal(a.index, 1);
  assert.equal(apps.list("sip:new@d")?.appearances[0], a);
  assert.equal(apps.all().length, 20);
});
