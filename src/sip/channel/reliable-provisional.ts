/**
 * Reliable provisional responses, UAS side (RFC 3262 §3): a 1xx sent with `Require: 100rel`
 * and an `RSeq` is retransmitted until the matching PRACK arrives; one at a time; the final
 * response waits for the outstanding one; after 64*T1 without PRACK the INVITE is rejected.
 */
import { randomInt } from "node:crypto";
import type { SipResponse } from "../message/message.ts";
import type { TimerConfig } from "../transaction/timers.ts";
import { transactionTimeout } from "../transaction/timers.ts";

/** A parsed `RAck` header (RFC 3262 §7.2): response number, CSeq number, method. */
export interface RAck {
  readonly rseq: number;
  readonly cseq: number;
  readonly method: string;
}

/** Parses `RAck: 776656 1 INVITE`; undefined when malformed. */
export function parseRAck(value: string | undefined): RAck | undefined {
  const m = /^\s*(\d{1,10})\s+(\d{1,10})\s+([A-Za-z]+)\s*$/.exec(value ?? "");
  if (m?.[1] === undefined || m[2] === undefined || m[3] === undefined) return undefined;
  return { rseq: Number(m[1]), cseq: Number(m[2]), method: m[3].toUpperCase() };
}

/** True when a list header (Require, Supported) carries the option tag. */
export function hasOptionTag(values: readonly string[], tag: string): boolean {
  return values.some((v) =>
    v
      .split(",")
      .map((t) => t.trim().toLowerCase())
      .includes(tag),
  );
}

interface Outstanding {
  readonly response: SipResponse;
  readonly rseq: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  interval: number;
  readonly startedAt: number;
}

/** The reliable provisionals of one INVITE server transaction. */
export class ReliableProvisionals {
  // RFC 3262 §3: "The value of the RSeq … MUST be between 1 and 2**31 - 1" for the first one.
  private nextRseq = randomInt(1, 2 ** 31 - 1);
  private outstanding: Outstanding | undefined;
  private readonly queue: SipResponse[] = [];
  private readonly idle: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly inviteSeq: number,
    private readonly transmit: (res: SipResponse) => void,
    private readonly timers: TimerConfig,
    /** 64*T1 passed without PRACK: the caller rejects the INVITE (RFC 3262 §3, 5xx). */
    private readonly onTimeout: () => void,
  ) {}

  /** True while a reliable provisional waits for its PRACK. */
  get pending(): boolean {
    return this.outstanding !== undefined;
  }

  /** Sends `res` reliably, or queues it behind the one awaiting PRACK. */
  send(res: SipResponse): void {
    if (this.closed) return;
    // RFC 3262 §3: "The UAS MUST NOT send a second reliable provisional response until the
    // first is acknowledged."
    if (this.outstanding !== undefined) {
      this.queue.push(res);
      return;
    }
    const rseq = this.nextRseq++;
    res.headers.set("Require", "100rel");
    res.headers.set("RSeq", String(rseq));
    const o: Outstanding = {
      response: res,
      rseq,
      timer: undefined,
      interval: this.timers.T1,
      startedAt: Date.now(),
    };
    this.outstanding = o;
    this.transmit(res);
    this.arm(o);
  }

  /**
   * A PRACK: true when its RAck acknowledges the outstanding response (RFC 3262 §3 — then
   * retransmissions stop and the next queued response goes out); false means answer it 481.
   */
  prack(rack: RAck | undefined): boolean {
    const o = this.outstanding;
    if (rack === undefined || o === undefined) return false;
    if (rack.rseq !== o.rseq || rack.cseq !== this.inviteSeq || rack.method !== "INVITE") return false;
    if (o.timer !== undefined) clearTimeout(o.timer);
    this.outstanding = undefined;
    const next = this.queue.shift();
    if (next !== undefined) this.send(next);
    else for (const fn of this.idle.splice(0)) fn();
    return true;
  }

  /**
   * Runs `fn` once no reliable provisional is outstanding (a 2xx waits for the PRACK of a 1xx
   * that carried SDP, RFC 3262 §3; Linekey waits for every one). Queued ones are dropped: the
   * final response makes them pointless.
   */
  whenIdle(fn: () => void): void {
    this.queue.length = 0;
    if (this.outstanding === undefined) fn();
    else this.idle.push(fn);
  }

  /** Stops retransmitting (a final response was sent, or the call ended). */
  close(): void {
    this.closed = true;
    if (this.outstanding?.timer !== undefined) clearTimeout(this.outstanding.timer);
    this.outstanding = undefined;
    this.queue.length = 0;
    this.idle.length = 0;
  }

  private arm(o: Outstanding): void {
    o.timer = setTimeout(() => {
      if (this.outstanding !== o || this.closed) return;
      // RFC 3262 §3: "If a reliable provisional response is retransmitted for 64*T1 seconds
      // without reception of a corresponding PRACK, the UAS SHOULD reject the original request
      // with a 5xx response."
      if (Date.now() - o.startedAt >= transactionTimeout(this.timers)) {
        this.close();
        this.onTimeout();
        return;
      }
      // RFC 3262 §3: retransmitted "with an interval that starts at T1 seconds and doubles for
      // each retransmission".
      this.transmit(o.response);
      o.interval *= 2;
      this.arm(o);
    }, o.interval);
  }
}
