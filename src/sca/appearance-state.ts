/**
 * Appearance states (reference §5.1) and their wire names.
 */

/**
 * The state of one appearance. `active-pending` is the callee side between its 200 and the ACK;
 * on the wire it prints as `active`. `idle` only appears in lists as the `*` element, except
 * where Kamailio stores it by accident (see {@link CALL_INFO_ABSENT_STATE}).
 */
export type AppearanceState =
  "idle" | "seized" | "progressing" | "alerting" | "active-pending" | "active" | "held" | "held-private";

/** Every state in Kamailio's numbering order (idle = 0 … held-private = 7). */
export const APPEARANCE_STATES: readonly AppearanceState[] = [
  "idle",
  "seized",
  "progressing",
  "alerting",
  "active-pending",
  "active",
  "held",
  "held-private",
];

/** The name used in Call-Info `appearance-state` and RPC output. */
export function appearanceStateName(state: AppearanceState): string {
  return state === "active-pending" ? "active" : state;
}

/**
 * The state a name stands for in a Call-Info header or an RPC argument; undefined when it is none
 * (`ringing` included, reference §5.1). Kamailio looks the name up in its table in numbering
 * order, where `active` is first found at active-pending: so `active` parses as active-pending,
 * which the ACK promotes and the stale purge removes after 35 s (reference §7).
 */
export function appearanceStateFromName(name: string): AppearanceState | undefined {
  for (const s of APPEARANCE_STATES) if (appearanceStateName(s) === name) return s;
  return undefined;
}

/** held or held-private. */
export function isHeldState(state: AppearanceState): boolean {
  return state === "held" || state === "held-private";
}
