/**
 * Dialplan state that belongs to a channel but is not one of its variables: the Gosub return
 * stack, open While loops, which variables are inherited by channels it creates, and the
 * hangup cause. Asterisk keeps these in channel datastores; here they live in a WeakMap keyed
 * by the channel object, so {@link DialplanChannel} stays a small interface and the state goes
 * away with the channel.
 */
import type { DialplanChannel } from "./channel.ts";

/** Q.850 cause 16, the cause of an ordinary hangup. */
export const CAUSE_NORMAL_CLEARING = 16;

/** A Gosub return address and the variables (ARGn, LOCAL()) to restore on Return. */
export interface GosubFrame {
  readonly context: string;
  readonly exten: string;
  /** Priority to continue at after Return (the one after the Gosub). */
  readonly priority: number;
  /** Values the frame's local variables hid, restored on Return (undefined: was unset). */
  readonly saved: Map<string, string | undefined>;
  /** Number of ARGn set by this frame (a nested Gosub blanks at least as many). */
  readonly argCount: number;
}

/** An open While loop. */
export interface WhileLoop {
  readonly context: string;
  readonly exten: string;
  /** Priority of the While application. */
  readonly priority: number;
  /** Where the loop exits to (after its EndWhile), learned when EndWhile first runs. */
  end: { context: string; exten: string; priority: number } | undefined;
}

/** The per-channel dialplan state. */
export interface ChannelPbxState {
  readonly gosub: GosubFrame[];
  readonly whiles: WhileLoop[];
  /** Variables set as `_NAME` (1: one generation) or `__NAME` (2: all generations). */
  readonly inherit: Map<string, 1 | 2>;
  /** Q.850 cause; 0 until something sets one. */
  hangupCause: number;
}

const states = new WeakMap<DialplanChannel, ChannelPbxState>();

/** The dialplan state of `ch`, created empty on first use. */
export function pbxState(ch: DialplanChannel): ChannelPbxState {
  let s = states.get(ch);
  if (s === undefined) {
    s = { gosub: [], whiles: [], inherit: new Map(), hangupCause: 0 };
    states.set(ch, s);
  }
  return s;
}

/**
 * Copies the inheritable variables of `parent` to a channel it creates (Dial), as Asterisk's
 * ast_channel_inherit_variables: `_NAME` arrives as a plain `NAME`, `__NAME` stays inheritable.
 */
export function inheritVariables(parent: DialplanChannel, child: DialplanChannel): void {
  const from = pbxState(parent);
  const to = pbxState(child);
  for (const [name, level] of from.inherit) {
    const value = parent.vars.get(name);
    if (value === undefined) continue;
    child.vars.set(name, value);
    if (level === 2) to.inherit.set(name, 2);
  }
}
