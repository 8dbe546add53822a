/**
 * What the parts of the SCA module share: settings, the two hash tables, the NOTIFY sender, the
 * optional persistence and the clock.
 */
import type { Logger } from "../util/logger.ts";
import type { AppearanceTable } from "./appearance.ts";
import type { Notifier } from "./notify.ts";
import type { Subscription, SubscriptionTable } from "./subscriptions.ts";

/** The module parameters the handlers read (reference §2). */
export interface ScaRuntimeSettings {
  readonly callInfoMaxExpires: number;
  readonly lineSeizeMaxExpires: number;
  /** Contact of SUBSCRIBE replies and NOTIFYs instead of the R-URI / AoR; undefined = Kamailio's default. */
  readonly serverAddress: string | undefined;
  /** Kamailio's core `server_id`, stored with every subscription. */
  readonly serverId: number;
  /** `Server` header of replies the module sends. */
  readonly serverHeader: string;
}

/**
 * Write-through persistence of subscriptions. Both calls return a promise settled once the
 * database has the change (never rejected: a failure is logged and retried by the periodic
 * sync); SUBSCRIBE replies wait for it.
 */
export interface SubscriptionPersistence {
  save(sub: Subscription): Promise<void>;
  remove(sub: Subscription): Promise<void>;
}

/** The shared state of one SCA module. */
export interface ScaContext {
  readonly settings: ScaRuntimeSettings;
  readonly subscriptions: SubscriptionTable;
  readonly appearances: AppearanceTable;
  readonly notifier: Notifier;
  readonly persistence: SubscriptionPersistence | undefined;
  readonly log: Logger;
  /** Current time, unix seconds. */
  now(): number;
}
