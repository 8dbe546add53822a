/**
 * Running the dialplan for the channels this driver creates (a phone's call, a forward's
 * stand-in). Does what `CallCore.startPbx` does — release the channel with the run's cause when
 * the loop ends, unless a bridge holds it — and two things the driver needs on top:
 *
 * - It knows which channels are still running the dialplan. The joins depend on it: such a
 *   channel is ended by its own dialplan (its Dial returns when its bridge ends) and must never
 *   be hung up under it, or its Dial would end the bridge the other parties now use.
 * - A channel that is in a bridge when its loop ends (a transfer or a forward moved the call
 *   on) keeps living there: the interpreter's end-of-loop `hungUp` mark is undone, so hold,
 *   indications and the connected line keep working until the bridge ends it.
 */
import type { CallCore } from "../../core/call-core.ts";
import { Cause, type Channel } from "../../core/channel.ts";

/** The dialplan runs started by the driver. */
export class PbxRuns {
  private readonly running = new Set<Channel>();

  constructor(private readonly core: CallCore) {}

  /** Runs `ch` (an inbound channel already added to the core) through the dialplan. */
  start(ch: Channel): void {
    const run = this.core.interpreter.start(ch);
    this.running.add(ch);
    const off = ch.on("hangup", (_c, cause) => {
      run.hangup(cause);
    });
    void run.done.then((outcome) => {
      off();
      this.running.delete(ch);
      if (ch.released) return;
      // The interpreter's end-of-loop mark is not a hangup: the channel is still up.
      ch.hungUp = false;
      if (ch.bridgeId !== undefined) return;
      ch.hangup(outcome.reason === "invalid-extension" ? Cause.Unallocated : outcome.hangupCause);
    });
  }

  /** True while `ch` runs the dialplan; channels of other drivers: inbound ones are assumed to. */
  isRunning(ch: Channel): boolean {
    if (this.running.has(ch)) return true;
    return !this.started(ch) && ch.direction === "inbound";
  }

  private started(ch: Channel): boolean {
    return ch.tech === "SCCP" || ch.tech === "Local";
  }
}
