/**
 * The soft-key template and soft-key sets Linekey sends (sccp-protocol.md §6.2, §9.8, §9.11).
 * Event ids are the server's choice; the convention (label id = event id for 1–18) is kept so
 * traces read the same as CUCM's, chan-sccp's and wazo's.
 */

import { SoftKeyEvent } from "./protocol/enums.ts";

/** The keys Linekey puts in its template: label ids 1–18, then DND and Dial (§9.11 numbering). */
const KEY_NAMES = [
  "Redial",
  "NewCall",
  "Hold",
  "Transfer",
  "CfwdAll",
  "CfwdBusy",
  "CfwdNoAnswer",
  "BackSpace",
  "EndCall",
  "Resume",
  "Answer",
  "Info",
  "Confrn",
  "Park",
  "Join",
  "MeetMe",
  "PickUp",
  "GPickUp",
  "DND",
  "Dial",
] as const;

/** Soft-key events Linekey puts in its template, by name. */
export const SoftKey = Object.fromEntries(KEY_NAMES.map((k) => [k, SoftKeyEvent[k]])) as {
  readonly [K in (typeof KEY_NAMES)[number]]: (typeof SoftKeyEvent)[K];
};

/** A soft-key event id. */
export type SoftKeyName = keyof typeof SoftKey;

/** Soft-key set indices with Cisco's meanings (sccp-protocol.md §9.8). */
export const SoftKeySetIndex = {
  OnHook: 0,
  Connected: 1,
  OnHold: 2,
  RingIn: 3,
  OffHook: 4,
  ConnTransfer: 5,
  DigitsFollowing: 6,
  ConnConference: 7,
  RingOut: 8,
  OffHookFeature: 9,
  InUseHint: 10,
} as const;

/** A soft-key set name. */
export type SoftKeySetName = keyof typeof SoftKeySetIndex;

/** Phone-resident label `0x80, id` (sccp-protocol.md §3.3, §9.10). */
function phoneLabel(id: number): string {
  return String.fromCharCode(0x80, id);
}

/** Template entries in order; a key's template index is its 1-based position here. */
export const SOFTKEY_TEMPLATE: readonly {
  readonly name: SoftKeyName;
  readonly label: string;
  readonly event: number;
}[] = KEY_NAMES.map((name) => ({
  name,
  // Label ids 1–18 equal the event ids; 0x3F is the phone's "DND" label (§9.10); "Dial" has no
  // resident label, plain text works.
  label: name === "DND" ? phoneLabel(0x3f) : name === "Dial" ? "Dial" : phoneLabel(SoftKey[name]),
  event: SoftKey[name],
}));

const TEMPLATE_INDEX = new Map(SOFTKEY_TEMPLATE.map((k, i) => [k.name, i + 1]));

/** Keys of each set, slot by slot; `undefined` is a blank slot. */
export const SOFTKEY_SETS: Readonly<Record<SoftKeySetName, readonly (SoftKeyName | undefined)[]>> = {
  OnHook: ["Redial", "NewCall", "CfwdAll", "GPickUp", "PickUp", "DND"],
  Connected: ["Hold", "EndCall", "Transfer"],
  OnHold: ["Resume", "NewCall", "EndCall"],
  RingIn: ["Answer", "EndCall"],
  OffHook: ["Redial", "EndCall", "CfwdAll", "GPickUp", "PickUp"],
  ConnTransfer: [undefined, "EndCall", "Transfer"],
  DigitsFollowing: ["BackSpace", "EndCall", "Dial"],
  ConnConference: [undefined, "EndCall"],
  RingOut: [undefined, "EndCall", "Transfer"],
  OffHookFeature: ["Redial", "EndCall"],
  InUseHint: ["NewCall"],
};

/** Sets in index order, as template positions (0 = blank) and info indices (300 + event, as CUCM). */
export function softKeySetTable(): { templateIndex: number[]; infoIndex: number[] }[] {
  const names = Object.keys(SoftKeySetIndex) as SoftKeySetName[];
  names.sort((a, b) => SoftKeySetIndex[a] - SoftKeySetIndex[b]);
  return names.map((setName) => {
    const slots = SOFTKEY_SETS[setName];
    return {
      templateIndex: slots.map((k) => (k === undefined ? 0 : (TEMPLATE_INDEX.get(k) ?? 0))),
      infoIndex: slots.map((k) => (k === undefined ? 0 : 300 + SoftKey[k])),
    };
  });
}

/** The soft-key name for an event id the phone sent back, if it is one of ours. */
export function softKeyByEvent(event: number): SoftKeyName | undefined {
  return SOFTKEY_TEMPLATE.find((k) => k.event === event)?.name;
}
