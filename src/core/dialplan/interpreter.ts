/**
 * The pbx loop: runs a channel through the dialplan, priority after priority, the way
 * Asterisk's __ast_pbx_run does, without knowing what the channel really is.
 *
 * - Start at the channel's context/exten/priority (`s` when exten is empty).
 * - Each step substitutes the priority's arguments, splits them, runs the application, then
 *   goes to the next priority or where the application jumped (labels resolved in the target).
 * - No priority at the current position: when the extension has no priority 1 either, it is an
 *   invalid extension: go to `i` (INVALID_EXTEN set) if the context has one, else end; when it
 *   does, the channel ran off the end of its extension: end (autofallthrough; the mode that waits
 *   for more digits needs a live channel and is not supported).
 * - When the loop ends for any reason the channel is hung up (`hungUp` set) and, if the context
 *   has an `h` extension, it runs from h,1 until a priority is missing or an application stops.
 *
 * Zero-time loops (`While(1)` with only NoOp/Set inside) would block the whole process in a
 * single-threaded server, so the loop yields to the event loop every `yieldEvery` steps and
 * stops a channel that runs more than `maxStepsPerSecond` priorities within one second
 * (reason `loop-limit`; the `h` extension still runs, with a fresh budget).
 */
import { LinekeyError } from "../../util/errors.ts";
import { silentLogger } from "../../util/logger.ts";
import type { Logger } from "../../util/logger.ts";
import { builtinApplications } from "./app-registry.ts";
import type { ApplicationRegistry } from "./app-registry.ts";
import { splitArgs } from "./args.ts";
import type { AppContext, AppResult, DialplanChannel } from "./channel.ts";
import { resolveLocation } from "./location.ts";
import { extensionExists, findPriority } from "./matcher.ts";
import type { FoundPriority } from "./matcher.ts";
import type { Dialplan } from "./model.ts";
import { CAUSE_NORMAL_CLEARING, pbxState } from "./pbx-state.ts";
import { builtinFunctions, channelScope, substitute } from "./variables.ts";
import type { FunctionRegistry } from "./variables.ts";

export type { AppContext, AppResult, Application, DialplanChannel } from "./channel.ts";

/** Why a pbx run ended. */
export type PbxEndReason =
  /** Hung up: Hangup(), an application that stopped the call, or the far end. */
  | "hangup"
  /** The extension does not exist and the context has no `i`. */
  | "invalid-extension"
  /** Ran off the end of the extension. */
  | "fell-through"
  /** Unknown application, an application that threw, or a Goto to an unknown label. */
  | "app-error"
  /** More than `maxStepsPerSecond` priorities in one second. */
  | "loop-limit";

/** The result of a run. */
export interface PbxOutcome {
  readonly reason: PbxEndReason;
  /** Q.850 cause to hang the channel up with (16 unless something set another). */
  readonly hangupCause: number;
  /** Where the main loop stopped (before the `h` extension ran). */
  readonly context: string;
  readonly exten: string;
  readonly priority: number;
  /** Whether an `h` extension ran. */
  readonly ranH: boolean;
  /** Applications executed, `h` included. */
  readonly steps: number;
}

/** A running pbx loop. */
export interface PbxRun {
  readonly channel: DialplanChannel;
  /** Settles when the loop and the `h` extension are done; never rejects. */
  readonly done: Promise<PbxOutcome>;
  /** Hangs the channel up: interrupts the running application (Wait) and ends the loop. */
  hangup(cause?: number): void;
}

/** Options of {@link DialplanInterpreter}. */
export interface InterpreterOptions {
  dialplan: Dialplan;
  /** Default: {@link builtinApplications}. */
  apps?: ApplicationRegistry;
  /** Default: {@link builtinFunctions}. */
  functions?: FunctionRegistry;
  /** Global variables shared by all channels. Default: a copy of the dialplan's `[globals]`. */
  globals?: Map<string, string>;
  logger?: Logger;
  /** Sleep used by Wait and friends; must resolve early when `signal` aborts. Default: setTimeout. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Monotonic clock in ms for the loop limit. Default: performance.now. */
  now?: () => number;
  /** Yield to the event loop every this many priorities. Default 64. */
  yieldEvery?: number;
  /** Stop a channel running more priorities than this within one second; 0 disables. Default 10000. */
  maxStepsPerSecond?: number;
}

/** A sleep on the global setTimeout (so node:test mock timers drive it), ended early by `signal`. */
function timerSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const finish = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    signal.addEventListener("abort", finish, { once: true });
  });
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface RunState {
  readonly controller: AbortController;
  readonly log: Logger;
  steps: number;
  windowStart: number;
  windowSteps: number;
}

type StepResult = "next" | "jumped" | "hangup" | "error" | "limit";

const running = new WeakSet<DialplanChannel>();

/** Read through a function: an application may hang the channel up while the loop awaits it. */
function isHungUp(ch: DialplanChannel, st: RunState): boolean {
  return ch.hungUp || st.controller.signal.aborted;
}

/** Runs channels through a dialplan. One interpreter serves every channel of the server. */
export class DialplanInterpreter {
  /** The dialplan in use; assigning a new one (reload) affects running channels at their next step. */
  dialplan: Dialplan;
  readonly apps: ApplicationRegistry;
  readonly functions: FunctionRegistry;
  readonly globals: Map<string, string>;
  private readonly log: Logger;
  private readonly sleepImpl: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly yieldEvery: number;
  private readonly maxStepsPerSecond: number;

  constructor(opts: InterpreterOptions) {
    this.dialplan = opts.dialplan;
    this.apps = opts.apps ?? builtinApplications();
    this.functions = opts.functions ?? builtinFunctions();
    this.globals = opts.globals ?? new Map(opts.dialplan.globals);
    this.log = opts.logger ?? silentLogger;
    this.sleepImpl = opts.sleep ?? timerSleep;
    this.now = opts.now ?? (() => performance.now());
    this.yieldEvery = Math.max(1, opts.yieldEvery ?? 64);
    this.maxStepsPerSecond = opts.maxStepsPerSecond ?? 10_000;
  }

  /**
   * Starts the pbx loop for `ch`. `signal`, when given, hangs the channel up when it aborts
   * (the channel layer's hangup). Throws CORE_ERR_DIALPLAN if `ch` already runs a loop.
   */
  start(ch: DialplanChannel, opts: { signal?: AbortSignal } = {}): PbxRun {
    if (running.has(ch))
      throw new LinekeyError("CORE_ERR_DIALPLAN", `channel ${ch.name} already runs the dialplan`);
    running.add(ch);
    const controller = new AbortController();
    const hangup = (cause?: number): void => {
      if (cause !== undefined && cause > 0) pbxState(ch).hangupCause = cause;
      ch.hungUp = true;
      controller.abort();
    };
    const external = opts.signal;
    const onAbort = (): void => hangup();
    if (external?.aborted === true) hangup();
    else external?.addEventListener("abort", onAbort, { once: true });
    const state: RunState = {
      controller,
      log: this.log.child({ channel: ch.name }),
      steps: 0,
      windowStart: this.now(),
      windowSteps: 0,
    };
    const done = this.runLoop(ch, state).finally(() => {
      running.delete(ch);
      // The channel's signal may outlive this run (a later run, a transfer): do not leak into it.
      external?.removeEventListener("abort", onAbort);
    });
    return { channel: ch, done, hangup };
  }

  /** Runs `ch` through the dialplan to the end. */
  run(ch: DialplanChannel, opts: { signal?: AbortSignal } = {}): Promise<PbxOutcome> {
    return this.start(ch, opts).done;
  }

  private async runLoop(ch: DialplanChannel, st: RunState): Promise<PbxOutcome> {
    if (ch.exten === "") {
      ch.exten = "s";
      ch.priority = 1;
    }
    let reason: PbxEndReason;
    for (;;) {
      if (isHungUp(ch, st)) {
        reason = "hangup";
        break;
      }
      const dp = this.dialplan;
      const found = findPriority(dp, ch.context, ch.exten, ch.priority);
      if (found === undefined) {
        const where = { context: ch.context, exten: ch.exten, priority: ch.priority };
        if (!extensionExists(dp, ch.context, ch.exten, 1)) {
          if (!dp.contexts.has(ch.context)) st.log.warn("no such context", where);
          if (extensionExists(dp, ch.context, "i", 1)) {
            st.log.info("sent to invalid extension", where);
            ch.vars.set("INVALID_EXTEN", ch.exten);
            ch.exten = "i";
            ch.priority = 1;
            continue;
          }
          st.log.warn("sent to invalid extension but no 'i' extension", where);
          reason = "invalid-extension";
          break;
        }
        st.log.info("auto fallthrough", { ...where, status: ch.vars.get("DIALSTATUS") ?? "UNKNOWN" });
        reason = "fell-through";
        break;
      }
      const r = await this.step(ch, found, st);
      if (r === "next") {
        if (isHungUp(ch, st)) {
          reason = "hangup";
          break;
        }
        ch.priority++;
      } else if (r !== "jumped") {
        reason = r === "limit" ? "loop-limit" : r === "error" ? "app-error" : "hangup";
        break;
      }
    }
    const end = { context: ch.context, exten: ch.exten, priority: ch.priority };
    ch.hungUp = true;
    const ranH = await this.runH(ch, st);
    const cause = pbxState(ch).hangupCause;
    return { reason, hangupCause: cause > 0 ? cause : CAUSE_NORMAL_CLEARING, ...end, ranH, steps: st.steps };
  }

  /** Runs the `h` extension of the channel's context, if there is one. */
  private async runH(ch: DialplanChannel, st: RunState): Promise<boolean> {
    if (!extensionExists(this.dialplan, ch.context, "h", 1)) return false;
    ch.exten = "h";
    ch.priority = 1;
    st.windowStart = this.now();
    st.windowSteps = 0;
    for (;;) {
      const found = findPriority(this.dialplan, ch.context, ch.exten, ch.priority);
      if (found === undefined) break;
      const r = await this.step(ch, found, st);
      if (r === "next") ch.priority++;
      else if (r !== "jumped") break;
    }
    return true;
  }

  /** Counts a step against the loop limit; false when the channel went over it. */
  private countStep(ch: DialplanChannel, st: RunState): boolean {
    st.steps++;
    const now = this.now();
    if (now - st.windowStart >= 1000) {
      st.windowStart = now;
      st.windowSteps = 0;
    }
    st.windowSteps++;
    if (this.maxStepsPerSecond > 0 && st.windowSteps > this.maxStepsPerSecond) {
      st.log.error("dialplan loop limit: too many priorities per second, stopping the channel", {
        limit: this.maxStepsPerSecond,
        context: ch.context,
        exten: ch.exten,
        priority: ch.priority,
      });
      return false;
    }
    return true;
  }

  private async step(ch: DialplanChannel, found: FoundPriority, st: RunState): Promise<StepResult> {
    if (!this.countStep(ch, st)) return "limit";
    if (st.steps % this.yieldEvery === 0) await yieldToEventLoop();
    const p = found.priority;
    const app = this.apps.get(p.app);
    if (app === undefined) {
      st.log.warn("no such application", {
        app: p.app,
        context: ch.context,
        exten: ch.exten,
        priority: ch.priority,
      });
      return "error";
    }
    const log = st.log;
    const scope = channelScope(ch, this.globals);
    const data = substitute(p.appData, scope, this.functions, { log });
    const signal = st.controller.signal;
    const ctx: AppContext = {
      data,
      context: ch.context,
      exten: ch.exten,
      priority: ch.priority,
      dialplan: this.dialplan,
      scope,
      functions: this.functions,
      log,
      signal,
      sleep: (ms) => this.sleepImpl(ms, signal).catch(() => undefined),
      substitute: (text) => substitute(text, scope, this.functions, { log }),
      setHangupCause: (cause) => {
        pbxState(ch).hangupCause = cause;
      },
    };
    if (log.enabled("debug")) {
      log.debug("executing", { at: `${ch.exten}@${ch.context}:${ch.priority}`, app: p.app, data });
    }
    // What `core show channels` prints in its Application(Data) column while the app runs.
    ch.application = `${p.app}(${data})`;
    let result: AppResult;
    try {
      result = await app(ch, splitArgs(data), ctx);
    } catch (err) {
      log.error("application failed", {
        app: p.app,
        context: ch.context,
        exten: ch.exten,
        priority: ch.priority,
        err,
      });
      return "error";
    }
    if (result === "continue") return "next";
    if (result === "hangup") return "hangup";
    const dest = resolveLocation(this.dialplan, ch, result.goto);
    if (typeof dest === "string") {
      log.warn("bad jump", {
        app: p.app,
        detail: dest,
        context: ch.context,
        exten: ch.exten,
        priority: ch.priority,
      });
      return "error";
    }
    ch.context = dest.context;
    ch.exten = dest.exten;
    ch.priority = dest.priority;
    return "jumped";
  }
}
