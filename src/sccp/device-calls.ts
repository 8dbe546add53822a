/**
 * The calls of one registered phone (sccp-flows.md §0 "per device"): its legs by
 * callReference, which one has the focus (at most one call has audio), the line the handset
 * uses, the last dialled number (Redial) and do-not-disturb.
 *
 * Keeps `SccpDevice.activeCalls` equal to the number of legs, and performs the reset a reload
 * deferred (`pendingReset`) once the phone has no call left (§16.1).
 */
import type { CallLeg } from "./call-leg.ts";
import type { SccpDevice } from "./device.ts";
import { sendLineLamp, type LampModeName } from "./phone-ui.ts";

/** Leg states that hold the phone's focus (audio path, keypad). */
const FOCUS_STATES = new Set(["offhook", "proceeding", "ringout", "connected", "busy", "congestion"]);

/** Calls of one phone. */
export class DeviceCalls {
  readonly legs: CallLeg[] = [];
  /** Do-not-disturb (soft key DND): incoming calls are refused as busy. */
  dnd: boolean;
  /** Last number dialled from this phone (Redial). */
  lastDialled = "";
  /** Line used by an off-hook with nothing selected: the last line button pressed (§14.1). */
  selectedLine = 1;

  constructor(
    readonly device: SccpDevice,
    dnd: boolean,
  ) {
    this.dnd = dnd;
  }

  /** Starts tracking a leg. */
  add(leg: CallLeg): void {
    this.legs.push(leg);
    this.device.activeCalls = this.legs.length;
  }

  /** Stops tracking a leg; a deferred reset happens once the phone is idle. */
  remove(leg: CallLeg): void {
    const i = this.legs.indexOf(leg);
    if (i >= 0) this.legs.splice(i, 1);
    this.device.activeCalls = this.legs.length;
    if (this.legs.length === 0 && this.device.pendingReset) this.device.reset("restart");
  }

  /** A leg by callReference. */
  byRef(ref: number): CallLeg | undefined {
    return ref === 0 ? undefined : this.legs.find((l) => l.callReference === ref);
  }

  /** The leg that has the focus: off hook, dialling, ringing out, connected or failed. */
  focused(): CallLeg | undefined {
    return this.legs.find((l) => FOCUS_STATES.has(l.state));
  }

  /** Incoming legs still ringing, oldest first. */
  ringing(): CallLeg[] {
    return this.legs.filter((l) => l.state === "ringin");
  }

  /** Held legs, oldest first. */
  held(): CallLeg[] {
    return this.legs.filter((l) => l.state === "hold");
  }

  /** Legs on a line instance. */
  onLine(instance: number): CallLeg[] {
    return this.legs.filter((l) => l.lineInstance === instance);
  }

  /** 1-based position of a leg among the calls of its line (CallInfo.callInstance). */
  callInstance(leg: CallLeg): number {
    return this.onLine(leg.lineInstance).indexOf(leg) + 1;
  }

  /** Sets a line's lamp from its calls: on (active), blink (ringing), wink (held), off. */
  refreshLamp(instance: number): void {
    sendLineLamp(this.device, instance, this.lampFor(instance));
  }

  private lampFor(instance: number): LampModeName {
    const legs = this.onLine(instance).filter((l) => l.purpose === "call");
    if (legs.some((l) => FOCUS_STATES.has(l.state))) return "On";
    if (legs.some((l) => l.state === "ringin")) return "Blink";
    // sccp-flows.md §8: chan-sccp winks the lamp of a held call.
    if (legs.some((l) => l.state === "hold")) return "Wink";
    return "Off";
  }
}
