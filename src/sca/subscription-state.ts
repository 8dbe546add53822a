/**
 * Subscription states (reference §4.5) and their `Subscription-State` header values.
 */

/** The state of one subscription; the `terminated` variants carry their reason. */
export type SubscriptionState =
  | "active"
  | "pending"
  | "terminated"
  | "deactivated"
  | "giveup"
  | "noresource"
  | "probation"
  | "rejected"
  | "timeout";

/** Kamailio's numbering (the `state` column). */
const ORDER: readonly SubscriptionState[] = [
  "active",
  "pending",
  "terminated",
  "deactivated",
  "giveup",
  "noresource",
  "probation",
  "rejected",
  "timeout",
];

/** `active`, `terminated;reason=noresource`, … */
export function subscriptionStateValue(state: SubscriptionState): string {
  switch (state) {
    case "active":
    case "pending":
    case "terminated":
      return state;
    default:
      return `terminated;reason=${state}`;
  }
}

/** True for every terminated variant. */
export function isTerminated(state: SubscriptionState): boolean {
  return state !== "active" && state !== "pending";
}

/** The `state` column value. */
export function subscriptionStateDbCode(state: SubscriptionState): number {
  return ORDER.indexOf(state);
}

/** The state of a `state` column value (unknown codes restore as active). */
export function subscriptionStateFromDbCode(code: number): SubscriptionState {
  return ORDER[code] ?? "active";
}
