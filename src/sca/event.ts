/**
 * The two event packages of BroadWorks SCA and their codes in the `sca_subscriptions` table
 * (reference §1, §8: 1 = call-info, 2 = line-seize; the schema comment saying 0/1 is wrong).
 */

/** An SCA event package. */
export type ScaEventName = "call-info" | "line-seize";

/** Both packages, for `Allow-Events` and usage messages. */
export const SCA_EVENTS: readonly ScaEventName[] = ["call-info", "line-seize"];

/**
 * The package named by an `Event` header value: exact, case-sensitive, no parameters
 * (reference §3.1); undefined for anything else.
 */
export function eventFromString(value: string): ScaEventName | undefined {
  // The constants, not `value`: a stored subscription then keeps no copy of the header text.
  if (value === "call-info") return "call-info";
  return value === "line-seize" ? "line-seize" : undefined;
}

/** The `event` column value. */
export function eventDbCode(event: ScaEventName): number {
  return event === "call-info" ? 1 : 2;
}

/** The package of an `event` column value; undefined for unknown codes. */
export function eventFromDbCode(code: number): ScaEventName | undefined {
  if (code === 1) return "call-info";
  if (code === 2) return "line-seize";
  return undefined;
}
