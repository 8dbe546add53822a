/**
 * The in-memory subscriptions (reference §1, §3.4): one hash table keyed by `AoR + event name`,
 * in which a subscription is found by its subscriber (Contact URI) string alone. Kamailio's
 * quirks follow from that layout and are kept: the lookup ignores event and AoR, the last match
 * of a slot wins, and broadcasts build their headers from the first (newest) match.
 */
import type { ScaDialog } from "./dialog.ts";
import type { ScaEventName } from "./event.ts";
import { ScaHashTable } from "./hash.ts";
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
}

/** The subscription hash table. */
export class SubscriptionTable {
  private readonly table: ScaHashTable<Subscription>;

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
    let found: Subscription | undefined;
    for (const s of this.table.entries(slot)) if (s.subscriber === subscriber) found = s;
    return found;
  }

  /** The first match of a subscriber in a slot (what terminations and deletions remove). */
  findFirst(slot: number, subscriber: string): Subscription | undefined {
    return this.table.entries(slot).find((s) => s.subscriber === subscriber);
  }

  /** Inserts at the head of its slot. */
  insert(sub: Subscription): void {
    this.table.insert(sub.slot, sub);
  }

  /** Removes a subscription; returns whether it was stored. */
  remove(sub: Subscription): boolean {
    return this.table.remove(sub.slot, sub);
  }

  /**
   * Recipients of a call-info broadcast: every subscription in the slot of `aor + "call-info"`
   * whose AoR matches — terminated ones and, on a slot collision, line-seize ones included
   * (reference §4.4). Newest first.
   */
  callInfoRecipients(aor: string): Subscription[] {
    return this.table.entries(this.slotOf(aor, "call-info")).filter((s) => s.aor === aor);
  }

  /** True when the call-info slot of the AoR holds any subscription to it. */
  hasSubscribers(aor: string): boolean {
    return this.table.entries(this.slotOf(aor, "call-info")).some((s) => s.aor === aor);
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
