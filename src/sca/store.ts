/**
 * Persistence of subscriptions in Kamailio's `sca_subscriptions` table (reference §8), going
 * further than Kamailio: an acknowledged subscription survives an abrupt kill.
 *
 * - Write-through with group commit: every change a SUBSCRIBE makes (new, refresh,
 *   unsubscribe) is queued; the changes of a {@link COMMIT_WINDOW_MS} window (and those queued
 *   while the previous commit ran) are written in one transaction, and the SUBSCRIBE's 2xx leaves
 *   only once its change is committed. Under load commits are at least
 *   {@link COMMIT_INTERVAL_MS} apart, so batches grow with the rate. With SQLite the connection
 *   is opened `synchronous=FULL` (one fsync per batch, blocking the event loop meanwhile); with
 *   PostgreSQL each batch is one transaction. Cost: the 2xx waits the window plus one commit
 *   (typically 2–5 ms, up to about 7 ms under load); CPU per SUBSCRIBE grows by the batch's
 *   share of a transaction.
 * - CSeq leases: NOTIFYs are not written one by one. The row's `notify_cseq` is a ceiling
 *   ({@link CSEQ_LEASE} above the last NOTIFY when written); a NOTIFY above it waits for a new
 *   ceiling to be committed first. After a kill the restored dialog continues above every CSeq
 *   ever sent (Kamailio stores the current CSeq + 1 only at each sync).
 * - Both events are stored (Kamailio stores call-info only): a restored line-seize re-seizes its
 *   index. Terminated subscriptions are deleted at once (Kamailio leaves their rows until their
 *   original expiry, so they come back after a restart).
 * - Restore reads this node's unexpired rows and deletes the expired ones; it does not empty
 *   the table as Kamailio does (that would leave nothing on disk until the next sync).
 * - The periodic sync (`db_update_interval`) and the flush at stop still run: they retry failed
 *   writes and delete expired rows.
 */
import type { Database } from "../store/database.ts";
import { ScaSubscriptionsRepo, type ScaSubscriptionRecord } from "../store/sca-subscriptions-repo.ts";
import type { Logger } from "../util/logger.ts";
import type { SubscriptionPersistence } from "./context.ts";
import { eventDbCode } from "./event.ts";
import type { CseqLeases } from "./notify.ts";
import type { Subscription } from "./subscriptions.ts";
import { isTerminated, subscriptionStateDbCode } from "./subscription-state.ts";

/** NOTIFYs a stored ceiling covers beyond the current CSeq. */
export const CSEQ_LEASE = 100;

/**
 * How long changes gather before a commit. SQLite commits block the event loop for their fsync,
 * so one commit per few SUBSCRIBEs under load keeps Linekey responsive; the 2xx waits this much
 * longer.
 */
export const COMMIT_WINDOW_MS = 2;

/**
 * Least time between the starts of two commits. A commit costs about 0.1 ms of CPU whatever its
 * size (the fsync, and the WAL pages of three indexes): at thousands of SUBSCRIBEs a second,
 * 2 ms batches of a few rows spent more on commits than on everything else a SUBSCRIBE needs.
 * Under load changes now gather up to this long; after a quiet spell the first one still waits
 * only {@link COMMIT_WINDOW_MS}.
 */
export const COMMIT_INTERVAL_MS = 5;

type Op =
  | { readonly kind: "save"; readonly sub: Subscription }
  | { readonly kind: "remove"; readonly sub: Subscription };

/**
 * The changes of one commit, by subscription key (the last change of a subscription wins), and
 * the promise every caller whose change it holds waits for: one per batch, not one per change.
 */
interface Batch {
  readonly ops: Map<string, Op>;
  readonly done: Promise<void>;
  readonly settle: () => void;
}

function newBatch(): Batch {
  let settle = (): void => undefined;
  const done = new Promise<void>((resolve) => (settle = resolve));
  return { ops: new Map(), done, settle };
}

function keyOf(sub: Subscription): string {
  return `${sub.subscriber}\n${sub.aor}\n${sub.event}`;
}

/** The row of a subscription (notify_cseq is its lease ceiling). */
export function recordOf(sub: Subscription): ScaSubscriptionRecord {
  return {
    subscriber: sub.subscriber,
    aor: sub.aor,
    event: eventDbCode(sub.event),
    expires: sub.expires,
    state: subscriptionStateDbCode(sub.state),
    appIdx: sub.index,
    callId: sub.dialog.callId,
    fromTag: sub.dialog.fromTag,
    toTag: sub.dialog.toTag,
    ...(sub.recordRoute === "" ? {} : { recordRoute: sub.recordRoute }),
    notifyCseq: Number.isFinite(sub.cseqCeiling) ? sub.cseqCeiling : sub.notifyCseq + 1,
    subscribeCseq: sub.subscribeCseq + 1,
    serverId: sub.serverId,
  };
}

/** Counters of the store (RPC, benchmarks, tests). */
export interface StoreStats {
  batches: number;
  writes: number;
  failures: number;
}

/** Write-through store of SCA subscriptions. */
export class ScaSubscriptionStore implements SubscriptionPersistence, CseqLeases {
  readonly stats: StoreStats = { batches: 0, writes: 0, failures: 0 };
  private readonly table: string;
  private readonly log: Logger;
  private readonly serverId: number;
  /** The batch gathering changes (the next commit); undefined when none is queued. */
  private queue: Batch | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  /** When the last batch started (performance.now()). */
  private lastBatchAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Database,
    opts: { readonly table: string; readonly serverId: number; readonly log: Logger },
  ) {
    this.table = opts.table;
    this.serverId = opts.serverId;
    this.log = opts.log;
    // Fail early on a bad table name.
    new ScaSubscriptionsRepo(db, this.table);
  }

  /** Queues an upsert; settles once committed (or failed: logged, the sync retries). */
  save(sub: Subscription): Promise<void> {
    sub.cseqCeiling = sub.notifyCseq + 1 + CSEQ_LEASE;
    return this.enqueue({ kind: "save", sub });
  }

  /** Queues a delete of the subscription's row. */
  remove(sub: Subscription): Promise<void> {
    sub.cseqCeiling = Number.POSITIVE_INFINITY;
    sub.dirty = false;
    return this.enqueue({ kind: "remove", sub });
  }

  gate(sub: Subscription, cseq: number): Promise<unknown> | undefined {
    if (cseq <= sub.cseqCeiling || isTerminated(sub.state)) return undefined;
    sub.cseqCeiling = cseq + CSEQ_LEASE;
    return this.enqueue({ kind: "save", sub });
  }

  /**
   * Reads this node's unexpired rows (table order) and deletes its expired ones.
   *
   * @param now - unix seconds
   */
  async load(now: number): Promise<ScaSubscriptionRecord[]> {
    const repo = new ScaSubscriptionsRepo(this.db, this.table);
    const rows = await repo.loadAll({ serverId: this.serverId, notExpiredAt: now });
    await repo.deleteExpired(now, this.serverId);
    return rows;
  }

  /**
   * The periodic sync: writes the active subscriptions whose row may be stale (`all`: every
   * active one, as at stop) and deletes this node's expired rows.
   */
  async sync(subs: readonly Subscription[], now: number, all = false): Promise<void> {
    for (const sub of subs) {
      if (sub.expires < now || isTerminated(sub.state)) continue;
      if (all || sub.dirty || !Number.isFinite(sub.cseqCeiling)) {
        if (!Number.isFinite(sub.cseqCeiling)) sub.cseqCeiling = sub.notifyCseq + 1 + CSEQ_LEASE;
        void this.enqueue({ kind: "save", sub });
      }
    }
    await this.drained();
    try {
      await new ScaSubscriptionsRepo(this.db, this.table).deleteExpired(now, this.serverId);
    } catch (err) {
      this.stats.failures++;
      this.log.error("SCA: deleting expired subscriptions failed", { err });
    }
  }

  /** Resolves once everything queued so far is committed (or failed). */
  async drained(): Promise<void> {
    while (this.running !== undefined || this.hasQueued()) {
      if (this.running === undefined) this.running = this.runBatch();
      await this.running;
    }
  }

  /** Waits for queued writes; further writes are refused (resolved without writing). */
  async close(): Promise<void> {
    await this.drained();
    this.closed = true;
  }

  private enqueue(op: Op): Promise<void> {
    if (this.closed) return Promise.resolve();
    const batch = (this.queue ??= newBatch());
    // The last change of a subscription wins (in the place of its first); everybody waiting
    // for the key waits for it, as for every change of the batch.
    batch.ops.set(keyOf(op.sub), op);
    this.running ??= this.later();
    return batch.done;
  }

  /**
   * The next batch, after the commit window and no sooner than COMMIT_INTERVAL_MS after the
   * previous one (changes arriving meanwhile join it).
   */
  private later(): Promise<void> {
    const wait = Math.max(
      COMMIT_WINDOW_MS,
      Math.ceil(this.lastBatchAt + COMMIT_INTERVAL_MS - performance.now()),
    );
    return new Promise<void>((r) => setTimeout(r, wait)).then(() => this.runBatch());
  }

  private async runBatch(): Promise<void> {
    const batch = this.queue;
    this.queue = undefined;
    try {
      if (batch === undefined) return;
      const ops = batch.ops;
      this.lastBatchAt = performance.now();
      const upserts: ScaSubscriptionRecord[] = [];
      const removals: Subscription[] = [];
      for (const op of ops.values()) {
        if (op.kind === "save") upserts.push(recordOf(op.sub));
        else removals.push(op.sub);
      }
      try {
        await this.db.transaction(async (tx) => {
          const repo = new ScaSubscriptionsRepo(tx, this.table);
          for (const sub of removals)
            await repo.delete({ subscriber: sub.subscriber, aor: sub.aor, event: eventDbCode(sub.event) });
          await repo.upsertMany(upserts);
        });
        this.stats.batches++;
        this.stats.writes += ops.size;
        for (const op of ops.values()) if (op.kind === "save") op.sub.dirty = false;
      } catch (err) {
        this.stats.failures++;
        for (const op of ops.values()) if (op.kind === "save") op.sub.dirty = true;
        this.log.error("SCA: writing subscriptions failed; the periodic sync retries", {
          err,
          count: ops.size,
        });
      }
      batch.settle();
    } finally {
      this.running = undefined;
      if (this.hasQueued() && !this.closed) this.running = this.later();
    }
  }

  /** True when changes wait for the next batch (a method: they arrive while a batch awaits). */
  private hasQueued(): boolean {
    return this.queue !== undefined;
  }
}
