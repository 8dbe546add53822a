/**
 * SCCP wire protocol: message ids, field primitives, the message table, the codec, framing and
 * value tables. Import from here.
 */
import {
  KeypadButton as KeypadButtonValues,
  SoftKeyEvent as SoftKeyEventValues,
  Stimulus as StimulusValues,
} from "./enums.ts";
import type {
  KeypadButton as KeypadButtonMessage,
  SoftKeyEvent as SoftKeyEventMessage,
  Stimulus as StimulusMessage,
} from "./messages.ts";

export * from "./message-ids.ts";
export * from "./messages.ts";
export * from "./codec.ts";
export * from "./framing.ts";
export * from "./enums.ts";
export {
  MESSAGE_TABLE,
  type Direction,
  type Layout,
  type MessageDef,
  type MessageFields,
  type MessageTable,
} from "./message-table.ts";
export { formatIp4, readFixedString, readIp46, writeFixedString, writeIp4, writeIp46 } from "./fields.ts";

// Three names are both a message type and a value table: the type is the message, the value
// the table (e.g. `const m: Stimulus = …; m.stimulus === Stimulus.Line`).
/** §9.6 stimulus values; as a type, the Stimulus message. */
export const Stimulus = StimulusValues;
/** The Stimulus message (0x0005). */
export type Stimulus = StimulusMessage;
/** §9.11 soft-key event values; as a type, the SoftKeyEvent message. */
export const SoftKeyEvent = SoftKeyEventValues;
/** The SoftKeyEvent message (0x0026). */
export type SoftKeyEvent = SoftKeyEventMessage;
/** KeypadButton values by character; as a type, the KeypadButton message. */
export const KeypadButton = KeypadButtonValues;
/** The KeypadButton message (0x0003). */
export type KeypadButton = KeypadButtonMessage;
