/**
 * The typed event stream of the call core. Observers (console, dashboard, SCA, metrics) subscribe
 * here; the emitter catches their errors so an observer can never break a call.
 */
import type { Channel, ChannelState } from "./channel.ts";
import type { Bridge } from "./bridge.ts";

/** Call events, by name. */
export interface CallEvents extends Record<string, unknown[]> {
  "channel-new": [ch: Channel];
  "channel-state": [ch: Channel, state: ChannelState];
  "channel-hangup": [ch: Channel, cause: number];
  "bridge-new": [bridge: Bridge];
  "bridge-end": [bridge: Bridge];
  /** Dial() started ringing `callee` for `caller`. */
  "dial-begin": [caller: Channel, callee: Channel];
  /** Dial() ended for `callee`: ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL. */
  "dial-end": [caller: Channel, callee: Channel, status: string];
}
