/**
 * Dial(TECH/res[&TECH/res2…][,timeout[,options]]) with the semantics of Asterisk's app_dial:
 *
 * - every target is requested and called at once (forking); the caller hears ringing when the
 *   first target rings (option `r`: at once);
 * - the first target to answer wins; the others are hung up with cause 26, "answered elsewhere";
 *   the caller is answered if it is not up yet and bridged to the winner; the application then
 *   stays with the call until the bridge ends (the pbx loop of the caller is the call's thread,
 *   as in Asterisk);
 * - DIALSTATUS: ANSWER, or — when nobody answered — CANCEL (the caller hung up), NOANSWER (the
 *   timeout passed, or the targets went away without a busy/congestion/unavailable reason), or,
 *   when *every* target failed, BUSY before CONGESTION before CHANUNAVAIL (app_dial's
 *   wait_for_answer, "Everyone is busy/congested at this time"). DIALEDTIME and ANSWEREDTIME are
 *   whole seconds (plus Asterisk 16's `_MS` variants);
 * - after a failed dial the dialplan continues (`Dial(…)` then `Voicemail`/`Busy` is the usual
 *   pattern); after an answered call it stops, since the bridge hangs both parties up together
 *   (Asterisk's `g` continues after the callee hangs up; a two-party bridge here ends both
 *   legs, so `g` only matters when a transfer took the callee away).
 *
 * One deliberate difference: a technology may refuse a request with BUSY (an SCCP line whose
 * only call instance is in use). Asterisk's app_dial reports CHANUNAVAIL when no channel could be
 * created at all; Linekey reports the reason the technology gave, which is what Asterisk
 * reports when the device signals busy after being called.
 */
import type { CallCore } from "../call-core.ts";
import { Cause, type CallOptions, type Channel, type Indication } from "../channel.ts";
import { isRequestFailure } from "../channel-tech.ts";
import {
  inheritVariables,
  parseSeconds,
  type AppContext,
  type AppResult,
  type Application,
} from "../dialplan/index.ts";
import type { Logger } from "../../util/logger.ts";
import { parseAppOptions, type AppOptions } from "./app-options.ts";
import { coreChannel, elapsedSeconds, isGone, waitForHangup } from "./core-channel.ts";

/** Final DIALSTATUS values. */
export type DialStatus = "ANSWER" | "BUSY" | "NOANSWER" | "CANCEL" | "CONGESTION" | "CHANUNAVAIL";

/** Options Dial accepts without acting on them (logged at debug). */
const IGNORED_OPTIONS = new Set(["t", "T", "k", "K", "h", "H", "w", "W", "x", "X", "A", "m", "o", "g"]);

/** Failure counters, Asterisk's `struct cause_args`. */
interface FailureCounts {
  busy: number;
  congestion: number;
  nochan: number;
}

/** One called target while the dial rings. */
interface DialLeg {
  readonly target: string;
  readonly ch: Channel;
  /** Set once the leg is no longer a candidate (it failed or the dial settled). */
  done: boolean;
  readonly offs: (() => void)[];
}

type RingOutcome =
  | { readonly kind: "answer"; readonly leg: DialLeg }
  | { readonly kind: "cancel" }
  | { readonly kind: "noanswer" }
  | { readonly kind: "failed"; readonly status: DialStatus; readonly cause: number };

/** Asterisk's handle_cause: how a target's hangup cause counts toward the final status. */
function countCause(cause: number, num: FailureCounts): void {
  switch (cause) {
    case Cause.UserBusy:
      num.busy++;
      break;
    case Cause.Congestion:
      num.congestion++;
      break;
    case Cause.NoAnswer:
    case Cause.NormalClearing:
      break;
    default:
      num.nochan++;
  }
}

function statusOfCause(cause: number): DialStatus {
  if (cause === Cause.UserBusy) return "BUSY";
  if (cause === Cause.Congestion) return "CONGESTION";
  if (cause === Cause.NoAnswer || cause === Cause.NormalClearing) return "NOANSWER";
  return "CHANUNAVAIL";
}

/** True when a resource string carries the `autoanswer` option (`100/autoanswer`). */
export function hasAutoAnswer(target: string): boolean {
  return target
    .split("/")
    .slice(2)
    .some((seg) => seg.trim().toLowerCase() === "autoanswer");
}

/** Dial() bound to a call core. */
export function createDial(core: CallCore): Application {
  return async (dch, args, ctx) => {
    const caller = coreChannel(dch, "Dial", ctx);
    if (!caller) {
      dch.vars.set("DIALSTATUS", "CHANUNAVAIL");
      return "continue";
    }
    const targets = (args[0] ?? "")
      .split("&")
      .map((t) => t.trim())
      .filter((t) => t !== "");
    if (targets.length === 0) {
      ctx.log.warn("Dial requires an argument (technology/resource)");
      caller.vars.set("DIALSTATUS", "INVALIDARGS");
      return "hangup";
    }
    const timeoutText = (args[1] ?? "").trim();
    let timeoutMs = timeoutText === "" ? undefined : parseSeconds(timeoutText);
    if (timeoutText !== "" && timeoutMs === undefined)
      ctx.log.warn("Dial: invalid timeout, dialing without one", { timeout: timeoutText });
    if (timeoutMs === 0) timeoutMs = undefined;
    const options = parseAppOptions(args[2] ?? "");
    for (const o of options.keys()) {
      if (IGNORED_OPTIONS.has(o)) ctx.log.debug("Dial: option accepted and ignored", { option: o });
      else if (o !== "r") ctx.log.debug("Dial: unsupported option ignored", { option: o });
    }
    return new DialAttempt(core, caller, ctx, targets, timeoutMs, options).run();
  };
}

/** One execution of Dial. */
class DialAttempt {
  private readonly log: Logger;
  private readonly legs: DialLeg[] = [];
  private readonly num: FailureCounts = { busy: 0, congestion: 0, nochan: 0 };
  private lastCause = 0;
  private sentRinging = false;
  private sentProgress = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly core: CallCore,
    private readonly caller: Channel,
    private readonly ctx: AppContext,
    private readonly targets: readonly string[],
    private readonly timeoutMs: number | undefined,
    private readonly options: AppOptions,
  ) {
    this.log = ctx.log;
  }

  async run(): Promise<AppResult> {
    const caller = this.caller;
    caller.vars.delete("ANSWEREDTIME");
    caller.vars.delete("ANSWEREDTIME_MS");
    caller.vars.delete("DIALEDPEERNAME");
    if (this.options.has("r")) this.indicateOnce("ringing");
    const outcome = await this.ring();
    if (outcome.kind !== "answer") return this.finishUnanswered(outcome);
    return this.connect(outcome.leg);
  }

  /** The ringing phase: resolves with the first decisive event. */
  private ring(): Promise<RingOutcome> {
    return new Promise<RingOutcome>((resolve) => {
      // An object, not a `let`: it is set from listeners, which control-flow analysis cannot see.
      const state = { settled: false };
      let timer: ReturnType<typeof setTimeout> | undefined;
      const offCaller: (() => void)[] = [];
      const settle = (o: RingOutcome): void => {
        if (state.settled) return;
        state.settled = true;
        if (timer !== undefined) clearTimeout(timer);
        for (const off of offCaller) off();
        for (const leg of this.legs) for (const off of leg.offs.splice(0)) off();
        resolve(o);
      };
      const checkAllGone = (): void => {
        if (state.settled || this.legs.some((l) => !l.done)) return;
        const total = this.targets.length;
        const { busy, congestion, nochan } = this.num;
        if (busy + congestion + nochan === total) {
          const status: DialStatus = busy > 0 ? "BUSY" : congestion > 0 ? "CONGESTION" : "CHANUNAVAIL";
          settle({ kind: "failed", status, cause: this.lastCause });
        } else {
          settle({ kind: "noanswer" });
        }
      };

      // The caller hanging up (or the run being hung up) cancels the dial.
      const wait = waitForHangup(this.caller, this.ctx);
      offCaller.push(() => wait.dispose());
      void wait.promise.then(() => settle({ kind: "cancel" }));
      if (isGone(this.caller, this.ctx)) {
        settle({ kind: "cancel" });
        return;
      }

      for (const target of this.targets) {
        const r = this.core.request(target, this.caller);
        if (isRequestFailure(r)) {
          this.log.info("Dial: target unavailable", { target, fail: r.fail, reason: r.reason });
          if (r.fail === "BUSY") this.num.busy++;
          else if (r.fail === "CONGESTION") this.num.congestion++;
          else this.num.nochan++;
          this.lastCause = r.cause;
          continue;
        }
        this.legs.push(this.prepare(target, r, settle, checkAllGone));
      }
      for (const leg of this.legs) {
        // A target may answer inside call() (auto-answer): stop calling the rest then.
        if (state.settled) break;
        const opts: CallOptions = {
          ...(hasAutoAnswer(leg.target) ? { autoAnswer: true } : {}),
          ...(this.timeoutMs === undefined ? {} : { timeout: Math.ceil(this.timeoutMs / 1000) }),
        };
        try {
          leg.ch.call(opts);
          this.core.events.emit("dial-begin", this.caller, leg.ch);
        } catch (err) {
          this.log.warn("Dial: calling the target failed", { target: leg.target, err });
          leg.ch.hangup(Cause.NormalUnspecified);
        }
      }
      if (this.timeoutMs !== undefined && !state.settled) {
        timer = setTimeout(() => settle({ kind: "noanswer" }), this.timeoutMs);
      }
      checkAllGone();
    });
  }

  /** Sets up an outbound channel's caller id and listeners. */
  private prepare(
    target: string,
    ch: Channel,
    settle: (o: RingOutcome) => void,
    checkAllGone: () => void,
  ): DialLeg {
    const caller = this.caller;
    // The callee's endpoint shows who calls (Asterisk copies the caller id to the outbound channel).
    ch.callerIdNum = caller.callerIdNum;
    ch.callerIdName = caller.callerIdName;
    ch.connectedNum = caller.callerIdNum;
    ch.connectedName = caller.callerIdName;
    inheritVariables(caller, ch);
    const leg: DialLeg = { target, ch, done: false, offs: [] };
    leg.offs.push(
      ch.on("progress", (_c, what) => {
        if (what === "ringing") this.indicateOnce("ringing");
        else if (what === "progress" || what === "proceeding") this.indicateOnce(what);
        // Asterisk hangs a busy/congested outgoing channel up and counts it (AST_CONTROL_BUSY).
        else if (what === "busy") ch.hangup(Cause.UserBusy);
        else if (what === "congestion") ch.hangup(Cause.Congestion);
      }),
      ch.on("answered", () => {
        leg.done = true;
        settle({ kind: "answer", leg });
      }),
      ch.on("hangup", (_c, cause) => {
        leg.done = true;
        countCause(cause, this.num);
        this.lastCause = cause;
        this.core.events.emit("dial-end", caller, ch, statusOfCause(cause));
        checkAllGone();
      }),
    );
    return leg;
  }

  private indicateOnce(what: Indication): void {
    if (what === "ringing") {
      if (this.sentRinging) return;
      this.sentRinging = true;
    } else {
      if (this.sentProgress) return;
      this.sentProgress = true;
    }
    if (!this.caller.hungUp) this.caller.indicate(what);
  }

  /** Hangs up every still-called target except `keep`, reporting `status` for each. */
  private hangupOthers(keep: DialLeg | undefined, cause: number, status: DialStatus): void {
    for (const leg of this.legs) {
      if (leg === keep || leg.ch.hungUp) continue;
      leg.done = true;
      leg.ch.hangup(cause);
      this.core.events.emit("dial-end", this.caller, leg.ch, status);
    }
  }

  private setDialedTime(end: number): void {
    this.caller.vars.set("DIALEDTIME", elapsedSeconds(this.startedAt, end));
    this.caller.vars.set("DIALEDTIME_MS", String(Math.max(0, end - this.startedAt)));
  }

  private finishUnanswered(outcome: Exclude<RingOutcome, { kind: "answer" }>): AppResult {
    const caller = this.caller;
    let status: DialStatus;
    if (outcome.kind === "cancel") {
      status = "CANCEL";
      this.hangupOthers(undefined, Cause.NormalClearing, "CANCEL");
    } else if (outcome.kind === "noanswer") {
      status = "NOANSWER";
      this.hangupOthers(undefined, Cause.NormalClearing, "NOANSWER");
    } else {
      status = outcome.status;
      // Asterisk leaves the last target's cause on the caller: a dialplan that ends now tells
      // the caller's endpoint "busy" rather than "normal clearing".
      if (outcome.cause > 0) this.ctx.setHangupCause(outcome.cause);
    }
    caller.vars.set("DIALSTATUS", status);
    this.setDialedTime(Date.now());
    this.log.info("Dial ended", { status, targets: this.targets.join("&") });
    return outcome.kind === "cancel" || isGone(caller, this.ctx) ? "hangup" : "continue";
  }

  /** The winner answered: drop the others, bridge, and stay until the call ends. */
  private async connect(winner: DialLeg): Promise<AppResult> {
    const caller = this.caller;
    const callee = winner.ch;
    this.hangupOthers(winner, Cause.AnsweredElsewhere, "CANCEL");
    const answeredAt = Date.now();
    caller.vars.set("DIALSTATUS", "ANSWER");
    caller.vars.set("DIALEDPEERNAME", callee.name);
    caller.vars.set("DIALEDPEERNUMBER", winner.target.slice(winner.target.indexOf("/") + 1));
    this.core.events.emit("dial-end", caller, callee, "ANSWER");
    if (isGone(caller, this.ctx)) {
      callee.hangup(Cause.NormalClearing);
      this.setDialedTime(answeredAt);
      return "hangup";
    }
    caller.answer();
    const bridge = this.core.bridge(caller, callee);
    const wait = waitForHangup(caller, this.ctx);
    let offEnd = (): void => undefined;
    try {
      await Promise.race([
        wait.promise,
        new Promise<void>((resolve) => {
          if (bridge.isClosed) resolve();
          offEnd = this.core.events.on("bridge-end", (b) => {
            if (b === bridge) resolve();
          });
        }),
      ]);
    } finally {
      offEnd();
      wait.dispose();
    }
    if (!bridge.isClosed) {
      // The run was hung up without the channel hanging up (or the bridge's own handler has not
      // run): end the call for both sides.
      bridge.close();
      callee.hangup(caller.hungUp ? caller.hangupCause : Cause.NormalClearing);
    }
    const end = Date.now();
    this.setDialedTime(end);
    caller.vars.set("ANSWEREDTIME", elapsedSeconds(answeredAt, end));
    caller.vars.set("ANSWEREDTIME_MS", String(end - answeredAt));
    if (isGone(caller, this.ctx)) return "hangup";
    // The caller survived the bridge (a transfer took the callee away): Asterisk continues only
    // with `g`; otherwise the dialplan stops.
    return this.options.has("g") ? "continue" : "hangup";
  }
}
