/**
 * The in-memory subscriptions (reference §1, §3.4): one hash table keyed by `AoR + event name`,
 * in which a subscription is found by its subscriber (Contact URI) string alone. Kamailio's
 * quirks follow from that layout and are kept: the lookup ignores event and AoR, the last match
 * of a slot wins, and broadcasts build their headers from the first (newest) match.
 */
import type { ScaDialog } from "./dialog.ts";
import type { ScaEventName } from "./event.ts";
import { ScaHashTable } from "./hash.ts";
import type { NotifyDialogLines } from "./notify.ts";
import type { Outbox } from "./outbox.ts";
import type { SubscriptionState } from "./subscription-state.ts";

/** What a NOTIFY is built from: a stored subscription, or the view of a SUBSCRIBE request. */
export interface NotifySource {
  readonly subscriber: string;
  readonly aor: string;
  readonly event: ScaEventName;
  /**
   * Absolute expiry (unix seconds) for stored subscriptions. For the NOTIFY right after a
   * SUBSCRIBE Kamailio passes the request's relative Expires here, which is why that NOTIFY
   * never carries `;expires=` (reference §3.6).
   */
  readonly expires: number;
  readonly state: SubscriptionState;
  readonly dialog: ScaDialog;
  /** Route set from the SUBSCRIBE's Record-Route, comma-joined; "" when none. */
  readonly recordRoute: string;
  /** The CSeq of the previous NOTIFY on this dialog (the next one is this + 1). */
  readonly notifyCseq: number;
}

/** One stored subscription. */
export interface Subscription extends NotifySource {
  expires: number;
  state: SubscriptionState;
  /** line-seize: the seized appearance index; 0 otherwise. */
  index: number;
  dialog: ScaDialog;
  recordRoute: string;
  notifyCseq: number;
  /** Never read from requests: always 0, as in Kamailio. */
  subscribeCseq: number;
  readonly serverId: number;
  /** Hash slot of `aor + event`. */
  readonly slot: number;
  /** Sends of this subscription, in order. */
  readonly outbox: Outbox;
  /**
   * Highest NOTIFY CSeq the database row already covers; a NOTIFY above it waits for a new
   * lease to be written (store.ts). Infinity when the subscription is not persisted.
   */
  cseqCeiling: number;
  /** Memory differs from the database row (a write failed or is pending): the sync retries. */
  dirty: boolean;
  /** What the last NOTIFY was built from, for the next one (notify.ts); unset until then. */
  notifyLines?: NotifyDialogLines | undefined;
}

/** The subscription hash table. */
export class SubscriptionTable {
  private readonly table: ScaHashTable<Subscription>;
  /**
   * Every stored subscription by subscriber, oldest first. A slot list runs newest first, so
   * among the entries of a slot with a given subscriber the slot's last is the oldest here and
   * its first the newest: the lookups below give what a scan of the slot would, without
   * comparing the subscriber with every entry of the slot (dozens at tens of thousands of AoRs).
   */
  private readonly bySubscriber = new Map<string, Subscription[]>();
  /** Every stored subscription by AoR, oldest first (broadcast recipients, same reasoning). */
  private readonly byAor = new Map<string, Subscription[]>();

  /** @param hashPower - `hash_table_size` */
  constructor(hashPower: number) {
    this.table = new ScaHashTable(hashPower);
  }

  /** The slot of `aor + event`. */
  slotOf(aor: string, event: ScaEventName): number {
    return this.table.slotOf(aor + event);
  }

  /** The subscription of a subscriber in a slot: the last match wins (reference §3.4). */
  find(slot: number, subscriber: string): Subscription | undefined {
    const list = this.bySubscriber.get(subscriber);
    if (list === undefined) return undefined;
    for (const s of list) if (s.slot === slot) return s;
    return undefined;
  }

  /** The first match of a subscriber in a slot (what terminations and deletions remove). */
  findFirst(slot: number, subscriber: string): Subscription | undefined {
    const list = this.bySubscriber.get(subscriber);
    if (list === undefined) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i];
      if (s !== undefined && s.slot === slot) return s;
    }
    return undefined;
  }

  /** Inserts at the head of its slot. */
  insert(sub: Subscription): void {
    this.table.insert(sub.slot, sub);
    addTo(this.bySubscriber, sub.subscriber, sub);
    addTo(this.byAor, sub.aor, sub);
  }

  /** Removes a subscription; returns whether it was stored. */
  remove(sub: Subscription): boolean {
    if (!this.table.remove(sub.slot, sub)) return false;
    removeFrom(this.bySubscriber, sub.subscriber, sub);
    removeFrom(this.byAor, sub.aor, sub);
    return true;
  }

  /**
   * Recipients of a call-info broadcast: every subscription in the slot of `aor + "call-info"`
   * whose AoR matches — terminated ones and, on a slot collision, line-seize ones included
   * (reference §4.4). Newest first.
   */
  callInfoRecipients(aor: string): Subscription[] {
    const list = this.byAor.get(aor);
    if (list === undefined) return [];
    const slot = this.slotOf(aor, "call-info");
    const out: Subscription[] = [];
    // Newest first, as the slot lists them.
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i];
      if (s !== undefined && s.slot === slot) out.push(s);
    }
    return out;
  }

  /** True when the call-info slot of the AoR holds any subscription to it. */
  hasSubscribers(aor: string): boolean {
    const list = this.byAor.get(aor);
    if (list === undefined) return false;
    const slot = this.slotOf(aor, "call-info");
    return list.some((s) => s.slot === slot);
  }

  /** Every subscription in table order. */
  all(): Subscription[] {
    return [...this.table.all()];
  }

  /** Number of stored subscriptions. */
  get size(): number {
    return this.table.count();
  }
}

function addTo(index: Map<string, Subscription[]>, key: string, sub: Subscription): void {
  const list = index.get(key);
  if (list === undefined) index.set(key, [sub]);
  else list.push(sub);
}

function removeFrom(index: Map<string, Subscription[]>, key: string, sub: Subscription): void {
  const list = index.get(key);
  const i = list === undefined ? -1 : list.indexOf(sub);
  if (list === undefined || i < 0) return;
  list.splice(i, 1);
  if (list.length === 0) index.delete(key);
}
