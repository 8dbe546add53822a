/**
 * A per-subscription FIFO of things to send (SUBSCRIBE replies, NOTIFYs). Normally everything
 * goes out at once, synchronously, as Kamailio sends from the worker handling the triggering
 * message (reference §4.4). A step may wait for a database write first (a write-through before
 * the 2xx, a CSeq lease before a NOTIFY, see store.ts); everything queued behind it then waits
 * too, so a phone never sees its messages reordered.
 */
import type { Logger } from "../util/logger.ts";

/**
 * Gates known to have settled. A step whose gate settled already runs without awaiting it again:
 * an `await` always yields, and another outbox waiting for the same gate would then send first
 * (a line-seize NOTIFY must precede the call-info NOTIFY the same SUBSCRIBE causes).
 */
const settledGates = new WeakSet<Promise<unknown>>();

interface Step {
  readonly gate: Promise<unknown> | undefined;
  readonly run: () => void;
}

/** Ordered, optionally gated, sends for one subscription. */
export class Outbox {
  // Created when a step has to wait, dropped once drained: every stored subscription has an
  // outbox, nearly always empty.
  private queue: Step[] | undefined;
  /** The gate the first queued step waits for; undefined when not waiting. */
  private awaiting: Promise<unknown> | undefined;
  /** Callers of {@link settled} waiting for the queue to drain. */
  private onDrained: (() => void)[] | undefined;

  constructor(private readonly log: Logger) {}

  /** True when nothing is waiting. */
  get idle(): boolean {
    return this.awaiting === undefined && (this.queue === undefined || this.queue.length === 0);
  }

  /**
   * Runs `run` now when nothing is queued and there is no gate; otherwise after `gate` settles
   * (fulfilled or not) and after everything queued before it.
   */
  push(run: () => void, gate?: Promise<unknown>): void {
    if (gate === undefined && this.idle) {
      this.safely(run);
      return;
    }
    (this.queue ??= []).push({ gate, run });
    if (this.awaiting === undefined) this.drain();
  }

  /** Resolves once everything queued so far has run. */
  settled(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => (this.onDrained ??= []).push(resolve));
  }

  /**
   * Runs the queued steps in order until one has to wait for its gate; that gate's settling
   * drains on. Callbacks on the gate rather than an async function: no promise per drain and
   * per step when, as nearly always, nobody waits for the drain itself.
   */
  private drain(): void {
    for (let step = this.queue?.[0]; step !== undefined; step = this.queue?.[0]) {
      // A step that pushed a gated step (re-entered drain) left the rest waiting.
      if (this.awaiting !== undefined) return;
      const gate = step.gate;
      if (gate !== undefined && !settledGates.has(gate)) {
        this.awaiting = gate;
        const resume = (): void => {
          settledGates.add(gate);
          this.awaiting = undefined;
          this.drain();
        };
        gate.then(resume, resume);
        return;
      }
      this.queue?.shift();
      this.safely(step.run);
    }
    this.queue = undefined;
    const waiting = this.onDrained;
    this.onDrained = undefined;
    if (waiting !== undefined) for (const resolve of waiting) resolve();
  }

  private safely(run: () => void): void {
    try {
      run();
    } catch (err) {
      this.log.error("SCA send step failed", { err });
    }
  }
}
