/**
 * Ending subscriptions: termination by call events, the periodic purge of expired ones and the
 * RPC deactivation (reference §3.5, §6.2, §7, §9).
 */
import type { ScaContext } from "./context.ts";
import type { ScaEventName } from "./event.ts";
import { isTerminated, type SubscriptionState } from "./subscription-state.ts";

/** Whether a termination found its subscription. */
export type TerminateOutcome = "terminated" | "not-found";

/**
 * Kamailio's `sca_subscription_terminate`: removes the subscriber's subscription to
 * `aor`/`event`, NOTIFYs it with `state` (and its appearance index), and with
 * `releaseAppearance` releases that index and broadcasts to the AoR if the release worked.
 */
export function terminateSubscription(
  ctx: ScaContext,
  aor: string,
  event: ScaEventName,
  subscriber: string,
  state: SubscriptionState,
  releaseAppearance: boolean,
): TerminateOutcome {
  const sub = ctx.subscriptions.findFirst(ctx.subscriptions.slotOf(aor, event), subscriber);
  if (sub === undefined) return "not-found";
  ctx.subscriptions.remove(sub);
  sub.expires = 0;
  sub.notifyCseq += 1;
  sub.state = state;
  ctx.notifier.notifySubscriber(sub, sub.index, sub);
  void ctx.persistence?.remove(sub);
  if (releaseAppearance && sub.index !== 0 && ctx.appearances.releaseIndex(sub.aor, sub.index) === "ok") {
    ctx.notifier.notifyCallInfoSubscribers(sub.aor);
  }
  return "terminated";
}

/**
 * The expired-subscription purge (reference §7): every subscription whose expiry has come is
 * removed; one still active first gets `terminated;reason=timeout`, and an expired line-seize
 * whose appearance is still only seized releases it and broadcasts. Already terminated ones
 * (Expires 0) go silently. Returns how many were removed.
 */
export function purgeExpiredSubscriptions(ctx: ScaContext): number {
  const now = ctx.now();
  let removed = 0;
  for (const sub of ctx.subscriptions.all()) {
    if (sub.expires > now) continue;
    if (!isTerminated(sub.state)) {
      sub.state = "timeout";
      sub.expires = 0;
      sub.notifyCseq += 1;
      ctx.notifier.notifySubscriber(sub, sub.index, sub);
      if (sub.event === "line-seize" && ctx.appearances.stateForIndex(sub.aor, sub.index) === "seized") {
        if (ctx.appearances.releaseIndex(sub.aor, sub.index) !== "ok") {
          ctx.log.warn("cannot release seized appearance", { aor: sub.aor, index: sub.index });
        }
        ctx.notifier.notifyCallInfoSubscribers(sub.aor);
      }
    }
    ctx.log.info("SCA subscription expired, deleting", { event: sub.event, subscriber: sub.subscriber });
    ctx.subscriptions.remove(sub);
    void ctx.persistence?.remove(sub);
    removed++;
  }
  return removed;
}

/**
 * RPC `sca.deactivate_all_subscriptions`: every subscription gets `terminated;reason=deactivated`
 * with the whole Call-Info list and expires now (the purge deletes it). Returns Kamailio's
 * output lines.
 */
export function deactivateAllSubscriptions(ctx: ScaContext): string[] {
  const lines: string[] = [];
  for (const sub of ctx.subscriptions.all()) {
    sub.state = "deactivated";
    sub.expires = 0;
    sub.notifyCseq += 1;
    lines.push(`Deactivating ${sub.event} subscription from ${sub.subscriber}`);
    ctx.notifier.notifySubscriber(sub, 0, sub);
    void ctx.persistence?.remove(sub);
  }
  return lines;
}
