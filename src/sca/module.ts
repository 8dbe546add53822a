/**
 * The SCA module: Kamailio's `sca` on Linekey's SIP server. It answers call-info and line-seize
 * SUBSCRIBEs for local AoRs, watches the calls the proxy relays, sends the NOTIFYs, runs the
 * purge timers, keeps subscriptions in the database and serves the `sca.*` RPC commands.
 *
 * Lifecycle: construct, `attach` to the SIP server, `start` (restore from the database, then the
 * purge and sync timers), `close` (timers off, queued sends and writes finished, final flush).
 */
import { defaultScaSettings } from "../config/linekey-conf.ts";
import { createResponse } from "../sip/message/create-response.ts";
import { generateTag } from "../sip/message/ids.ts";
import type { SipRequest } from "../sip/message/message.ts";
import type { ProxyObserver } from "../sip/proxy/proxy-observer.ts";
import type { ServerTransaction } from "../sip/transaction/transaction-types.ts";
import type { Database } from "../store/database.ts";
import type { Logger } from "../util/logger.ts";
import { AppearanceTable } from "./appearance.ts";
import { callInfoUpdate, isPrivatePickup, statelessErrorReply } from "./call-update.ts";
import type { ScaContext, ScaRuntimeSettings } from "./context.ts";
import { ScaError } from "./errors.ts";
import { eventFromDbCode } from "./event.ts";
import { purgeExpiredSubscriptions } from "./lifecycle.ts";
import { Notifier, type ScaRequestSender } from "./notify.ts";
import { Outbox } from "./outbox.ts";
import { ScaProxyHooks } from "./proxy-hooks.ts";
import { ScaRpc } from "./rpc.ts";
import { ScaSubscriptionStore } from "./store.ts";
import { handleSubscribe, type ReplyChannel, type SubscribeOutcome } from "./subscribe.ts";
import { SubscriptionTable } from "./subscriptions.ts";
import { isTerminated, subscriptionStateFromDbCode } from "./subscription-state.ts";

/** The `[sca]` parameters (reference §2; linekey.conf's `[sca]` section). */
export interface ScaParameters {
  readonly hashTableSize: number;
  readonly callInfoMaxExpires: number;
  readonly lineSeizeMaxExpires: number;
  /** Seconds between purges of expired subscriptions and stale appearances. */
  readonly purgeExpiredInterval: number;
  readonly subsTable: string;
  /** Seconds between database syncs. */
  readonly dbUpdateInterval: number;
}

/** Kamailio's defaults: the ones linekey.conf's `[sca]` starts from. */
export const DEFAULT_SCA_PARAMETERS: ScaParameters = defaultScaSettings();

/** The part of the SIP server the module plugs into (Linekey's `SipServer` has it). */
export interface ScaSipServer extends ScaRequestSender {
  addObserver(o: ProxyObserver): void;
  addLocalHandler(
    match: (req: SipRequest) => boolean,
    handle: (req: SipRequest, tx: ServerTransaction) => void,
  ): void;
  isLocalUri(uri: string): boolean;
}

/** Options of {@link ScaModule}. */
export interface ScaModuleOptions {
  readonly parameters?: Partial<ScaParameters>;
  /** Sends NOTIFYs (the SIP server, or a test UAC). */
  readonly sender: ScaRequestSender;
  /** Database holding the subscriptions table; none = memory only (as without a db_url). */
  readonly db?: Database;
  readonly log: Logger;
  /** Kamailio's `server_address`. */
  readonly serverAddress?: string;
  /** `User-Agent` of NOTIFYs and `Server` of SUBSCRIBE replies. */
  readonly userAgent?: string;
  /** Kamailio's core `server_id` (default 0). */
  readonly serverId?: number;
  /** Current time in ms (tests move time by hand); default `Date.now`. */
  readonly clock?: () => number;
}

/** One running SCA module. */
export class ScaModule {
  /** Shared state: tables, notifier, settings. */
  readonly context: ScaContext;
  /** The proxy observer. */
  readonly hooks: ScaProxyHooks;
  readonly rpc: ScaRpc;
  readonly parameters: ScaParameters;
  /** The write-through store, when a database was given. */
  readonly store: ScaSubscriptionStore | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly log: Logger;
  private started = false;
  private closed = false;

  constructor(private readonly options: ScaModuleOptions) {
    this.parameters = { ...DEFAULT_SCA_PARAMETERS, ...options.parameters };
    const p = this.parameters;
    this.log = options.log;
    const clock = options.clock ?? Date.now;
    const now = (): number => Math.floor(clock() / 1000);
    const userAgent = options.userAgent ?? "Linekey";
    const settings: ScaRuntimeSettings = {
      callInfoMaxExpires: p.callInfoMaxExpires,
      lineSeizeMaxExpires: p.lineSeizeMaxExpires,
      serverAddress: options.serverAddress,
      serverId: options.serverId ?? 0,
      serverHeader: userAgent,
    };
    const subscriptions = new SubscriptionTable(p.hashTableSize);
    const appearances = new AppearanceTable(p.hashTableSize, now);
    const notifier = new Notifier({
      sender: options.sender,
      appearances,
      subscriptions,
      settings: { serverAddress: options.serverAddress, userAgent },
      now,
      log: this.log,
    });
    this.store =
      options.db === undefined
        ? undefined
        : new ScaSubscriptionStore(options.db, {
            table: p.subsTable,
            serverId: settings.serverId,
            log: this.log,
          });
    notifier.leases = this.store;
    this.context = {
      settings,
      subscriptions,
      appearances,
      notifier,
      persistence: this.store,
      log: this.log,
      now,
    };
    this.hooks = new ScaProxyHooks(this.context);
    this.rpc = new ScaRpc(this.context);
  }

  /**
   * Registers with the SIP server: SUBSCRIBEs to local URIs come here (call-info and line-seize
   * handled, any other event refused with 489), pick-ups of a privately held call are refused
   * with 403 before they are relayed, and the proxy's traffic is observed.
   */
  attach(server: ScaSipServer): void {
    server.addLocalHandler(
      (req) => req.method === "SUBSCRIBE" && isLocalRequestUri(server, req),
      (req, tx) => this.handleSubscribe(req, tx),
    );
    server.addLocalHandler(
      (req) => isPrivatePickup(this.context, req),
      (req, tx) => this.refusePrivatePickup(req, tx),
    );
    server.addObserver(this.hooks);
  }

  /**
   * Answers a SUBSCRIBE. `call-info`/`line-seize` (or no Event: `400 Missing Event`) go to the
   * module's handler; any other package is `489 Bad Event` (RFC 6665 §8.2.1.1).
   */
  handleSubscribe(req: SipRequest, tx: ReplyChannel): SubscribeOutcome {
    this.assertOpen();
    const event = req.headers.get("Event");
    if (event !== undefined) {
      // Variants of the two packages (case, parameters) reach the handler, which answers
      // Kamailio's `400 Bad Event`; other packages are not served here at all.
      const pkg = event.split(";")[0]?.trim().toLowerCase() ?? "";
      if (pkg !== "call-info" && pkg !== "line-seize") {
        tx.respond(
          createResponse(req, 489, "Bad Event", {
            toTag: generateTag(),
            headers: [
              { name: "Allow-Events", value: "call-info, line-seize" },
              { name: "Server", value: this.context.settings.serverHeader },
            ],
          }),
        );
        return { status: 489, reason: "Bad Event" };
      }
    }
    return handleSubscribe(this.context, req, tx);
  }

  /** Restores subscriptions from the database, then starts the purge and sync timers. */
  async start(): Promise<void> {
    this.assertOpen();
    if (this.started) return;
    this.started = true;
    if (this.store !== undefined) await this.restore(this.store);
    const p = this.parameters;
    const purge = setInterval(() => this.purge(), p.purgeExpiredInterval * 1000);
    purge.unref();
    this.timers.push(purge);
    if (this.store !== undefined) {
      const sync = setInterval(() => {
        this.sync().catch((err: unknown) => this.log.error("SCA database sync failed", { err }));
      }, p.dbUpdateInterval * 1000);
      sync.unref();
      this.timers.push(sync);
    }
  }

  /** One run of both purge timers (reference §7) and the forgetting of old INVITE callbacks. */
  purge(): void {
    if (this.closed) return;
    purgeExpiredSubscriptions(this.context);
    for (const aor of this.context.appearances.purgeStale())
      this.context.notifier.notifyCallInfoSubscribers(aor);
    this.hooks.sweep();
  }

  /** One database sync (reference §8): retries stale rows, deletes expired ones. */
  async sync(): Promise<void> {
    if (this.store === undefined) return;
    await this.store.sync(this.context.subscriptions.all(), this.context.now());
  }

  /** Resolves when every queued send and database write has gone out (tests, benchmarks). */
  async settled(): Promise<void> {
    for (;;) {
      const busy = this.context.subscriptions.all().filter((s) => !s.outbox.idle);
      if (busy.length === 0 && this.store === undefined) return;
      await Promise.all(busy.map((s) => s.outbox.settled()));
      await this.store?.drained();
      if (this.context.subscriptions.all().every((s) => s.outbox.idle)) return;
    }
  }

  /** Stops the timers, lets queued sends and writes finish and flushes every subscription. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.hooks.clear();
    try {
      await this.settled();
      if (this.store !== undefined) {
        await this.store.sync(this.context.subscriptions.all(), this.context.now(), true);
        await this.store.close();
      }
    } catch (err) {
      this.log.error("SCA: flushing subscriptions at stop failed", { err });
    }
  }

  private refusePrivatePickup(req: SipRequest, tx: ServerTransaction): void {
    // The INVITE handler stops at the privately held appearance (returns 0); the 403 is sent
    // without a transaction in Kamailio, so its stateless-reply callback runs (reference §6.4).
    callInfoUpdate(this.context, req);
    tx.respond(createResponse(req, 403, "Forbidden - private call", { toTag: generateTag() }));
    statelessErrorReply(this.context, req, 403);
  }

  private async restore(store: ScaSubscriptionStore): Promise<void> {
    const now = this.context.now();
    const rows = await store.load(now);
    const { subscriptions, appearances } = this.context;
    let restored = 0;
    for (const row of rows) {
      const event = eventFromDbCode(row.event);
      if (event === undefined) continue;
      const state = subscriptionStateFromDbCode(row.state);
      const sub = {
        subscriber: row.subscriber,
        aor: row.aor,
        event,
        expires: row.expires,
        state,
        index: row.appIdx,
        dialog: { callId: row.callId, fromTag: row.fromTag, toTag: row.toTag },
        recordRoute: row.recordRoute ?? "",
        notifyCseq: row.notifyCseq,
        subscribeCseq: row.subscribeCseq,
        serverId: row.serverId,
        slot: subscriptions.slotOf(row.aor, event),
        outbox: new Outbox(this.log),
        cseqCeiling: row.notifyCseq,
        dirty: false,
      };
      appearances.register(row.aor);
      subscriptions.insert(sub);
      restored++;
      // A line-seize lives only as long as its seized appearance: take the index back.
      if (event === "line-seize" && row.appIdx > 0 && !isTerminated(state)) {
        const seized = appearances.seizeIndex(row.aor, row.appIdx, row.subscriber);
        if (!seized.ok)
          this.log.warn("restored line-seize lost its index", { aor: row.aor, index: row.appIdx });
      }
    }
    this.log.info("SCA subscriptions restored", { restored });
  }

  private assertOpen(): void {
    if (this.closed) throw new ScaError("SCA_ERR_CLOSED", "SCA module is closed");
  }
}

function isLocalRequestUri(server: ScaSipServer, req: SipRequest): boolean {
  try {
    return server.isLocalUri(req.uri);
  } catch {
    return false;
  }
}
