/**
 * A typed event emitter for core → observer events. A listener that throws is caught and
 * logged: an observer (console, dashboard, metrics) can never break call handling.
 */
import type { Logger } from "./logger.ts";

/** Map of event name → listener argument tuple. */
export type EventMap = Record<string, unknown[]>;

type AnyListener = (...args: readonly unknown[]) => void;

function callListener(
  log: Logger | undefined,
  event: PropertyKey,
  fn: AnyListener,
  args: readonly unknown[],
): void {
  try {
    fn(...args);
  } catch (err) {
    log?.error("event listener failed", { event: String(event), err });
  }
}

/** Typed emitter whose `emit` never throws because of a listener. */
export class TypedEmitter<E extends EventMap> {
  // Created with the first listener: many emitters (one per SIP transaction) never get one.
  private listeners: Map<keyof E, Set<AnyListener>> | undefined;
  constructor(private readonly emitterLog?: Logger) {}

  on<K extends keyof E>(event: K, fn: (...args: E[K]) => void): () => void {
    this.listeners ??= new Map();
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(fn as unknown as AnyListener);
    return () => this.off(event, fn);
  }

  once<K extends keyof E>(event: K, fn: (...args: E[K]) => void): () => void {
    const off = this.on(event, (...args: E[K]) => {
      off();
      fn(...args);
    });
    return off;
  }

  off<K extends keyof E>(event: K, fn: (...args: E[K]) => void): void {
    this.listeners?.get(event)?.delete(fn as unknown as AnyListener);
  }

  listenerCount(event: keyof E): number {
    return this.listeners?.get(event)?.size ?? 0;
  }

  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.listeners?.get(event);
    if (!set || set.size === 0) return;
    if (set.size === 1) {
      // One listener (the usual case): taken before the call, as a snapshot would be, without
      // copying the set.
      const only = set.values().next().value;
      if (only !== undefined) callListener(this.emitterLog, event, only, args);
      return;
    }
    // A snapshot: listeners added or removed by a listener take effect from the next emit.
    for (const fn of [...set]) callListener(this.emitterLog, event, fn, args);
  }

  removeAllListeners(): void {
    this.listeners?.clear();
  }
}
