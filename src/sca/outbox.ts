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
  private draining: Promise<void> | undefined;

  constructor(private readonly log: Logger) {}

  /** True when nothing is waiting. */
  get idle(): boolean {
    return this.draining === undefined && (this.queue === undefined || this.queue.length === 0);
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
    if (this.draining === undefined) {
      const draining = this.drain();
      // drain() ran to its end at once when every gate had settled already (it then dropped the
      // queue): only a drain still waiting is remembered, or this outbox would look busy forever
      // and never run another step.
      if (!this.queueDropped()) this.draining = draining;
    }
  }

  /** Resolves once everything queued so far has run. */
  async settled(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  private async drain(): Promise<void> {
    for (let step = this.queue?.shift(); step !== undefined; step = this.queue?.shift()) {
      if (step.gate !== undefined && !settledGates.has(step.gate)) {
        await step.gate.catch(() => undefined);
        settledGates.add(step.gate);
      }
      this.safely(step.run);
    }
    this.queue = undefined;
    this.draining = undefined;
  }

  private queueDropped(): boolean {
    return this.queue === undefined;
  }

  private safely(run: () => void): void {
    try {
      run();
    } catch (err) {
      this.log.error("SCA send step failed", { err });
    }
  }
}
