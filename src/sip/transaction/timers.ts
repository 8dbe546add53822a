/**
 * RFC 3261 §17 timer values (Table 4 of Appendix A). Every timer derives from T1, T2 and T4;
 * Timer D has its own floor of 32 s for unreliable transports.
 */
import { LinekeyError } from "../../util/errors.ts";

/** Timer base values in milliseconds. */
export interface TimerConfig {
  /** RTT estimate (default 500 ms). */
  readonly T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses (default 4 s). */
  readonly T2: number;
  /** Maximum duration a message remains in the network (default 5 s). */
  readonly T4: number;
  /** Timer D, wait time for response retransmits over unreliable transports (≥ 32 s, default 32 s). */
  readonly D: number;
  /** Delay before an INVITE server transaction sends 100 Trying on its own (§17.2.1: 200 ms). */
  readonly trying: number;
}

/** RFC 3261 defaults. */
export const DEFAULT_TIMERS: TimerConfig = { T1: 500, T2: 4000, T4: 5000, D: 32000, trying: 200 };

/** Defaults overridden by `partial`; rejects non-positive or inconsistent values. */
export function resolveTimers(partial: Partial<TimerConfig> = {}): TimerConfig {
  const t = { ...DEFAULT_TIMERS, ...partial };
  for (const [name, v] of Object.entries(t)) {
    if (!Number.isFinite(v) || v <= 0) {
      throw new LinekeyError("SIP_ERR_TRANSACTION", `timer ${name} must be a positive number of ms`);
    }
  }
  if (t.T2 < t.T1) throw new LinekeyError("SIP_ERR_TRANSACTION", "timer T2 must not be below T1");
  return t;
}

/** 64*T1: Timers B, F, H, J (and RFC 6026 L, M). */
export function transactionTimeout(t: TimerConfig): number {
  return 64 * t.T1;
}
