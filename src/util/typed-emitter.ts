/**
 * A typed event emitter for core → observer events. A listener that throws is caught and
 * logged: an observer (console, dashboard, metrics) can never break call handling.
 */
import type { Logger } from "./logger.ts";

/** Map of event name → listener argument tuple. */
export type EventMap = Record<string, unknown[]>;

type AnyListener = (...args: readonly unknown[]) => void;

/** Typed emitter whose `emit` never throws because of a listener. */
export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<AnyListener>>();
  constructor(private readonly emitterLog?: Logger) {}

  on<K extends keyof E>(event: K, fn: (...args: E[K]) => void): () => void {
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
    this.listeners.get(event)?.delete(fn as unknown as AnyListener);
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (err) {
        this.emitterLog?.error("event listener failed", { event: String(event), err });
      }
    }
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }
}
