/**
 * The dialog identifiers the module keeps on subscriptions and appearances (reference §1), and the
 * Replaces header of a pick-up (§6.4).
 */

/** Call-ID and tags; `toTag` is "" while the dialog is early. */
export interface ScaDialog {
  readonly callId: string;
  readonly fromTag: string;
  readonly toTag: string;
}

/** An empty dialog (no call yet). */
export const NO_DIALOG: ScaDialog = { callId: "", fromTag: "", toTag: "" };

/**
 * Kamailio's dialog id: Call-ID, from-tag and to-tag concatenated. Lookups by appearance index 0
 * compare this string (reference §6.2), so two different dialogs whose parts concatenate alike
 * compare equal there, as in Kamailio.
 */
export function dialogId(d: ScaDialog): string {
  return d.callId + d.fromTag + d.toTag;
}

/** True when no Call-ID is set. */
export function isEmptyDialog(d: ScaDialog): boolean {
  return d.callId === "" && d.fromTag === "" && d.toTag === "";
}

/**
 * `<call-id>;to-tag=<to>;from-tag=<from>` for a confirmed dialog; undefined when a part is
 * missing (an early dialog cannot be replaced).
 */
export function replacesValue(d: ScaDialog): string | undefined {
  if (d.callId === "" || d.fromTag === "" || d.toTag === "") return undefined;
  return `${d.callId};to-tag=${d.toTag};from-tag=${d.fromTag}`;
}
