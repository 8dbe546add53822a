/**
 * Page(TECH/res[&TECH/res2…][,options[,timeout]]), as the seed uses it:
 * `Page(sccp/100/autoanswer&sccp/101/autoanswer,i,120 )` (one-way) and `…,di,120 )` (two-way).
 *
 * Asterisk's app_page calls every destination at once, auto-answered, and puts them with the
 * caller in a conference in which, without `d`, the destinations are muted. Options (Asterisk
 * documentation of Page): `d` full duplex; `i` "ignore attempts to forward the call" (passed to
 * the technology as `ignoreForward`); `q` "do not play beep to caller" (Linekey plays none
 * anyway); `s` "only dial a channel if its device state says that it is NOT_INUSE". `r`, `n`
 * and `A(x)` are accepted and ignored.
 *
 * Media: one-way → the caller's RTP fanned out to every answered callee (and each callee's
 * phone has its microphone muted: `oneWay` in the call options, sccp-flows.md §11); two-way
 * with one callee → an ordinary bridge; two-way with several → the mixer.
 *
 * Destinations that cannot be called (busy, unknown) are skipped. The page ends when the caller
 * hangs up, or when `timeout` seconds have passed; every callee is then hung up and every port
 * returned, and the caller — if still there — continues in the dialplan. Note: Asterisk
 * documents Page's timeout as the time destinations have to answer; here it also bounds the
 * whole page, so a page left open cannot hold every office loudspeaker.
 */
import type { Bridge } from "../bridge.ts";
import type { CallCore } from "../call-core.ts";
import { Cause, type CallOptions, type Channel } from "../channel.ts";
import { isRequestFailure } from "../channel-tech.ts";
import {
  inheritVariables,
  parseSeconds,
  type AppContext,
  type AppResult,
  type Application,
} from "../dialplan/index.ts";
import type { Logger } from "../../util/logger.ts";
import { parseAppOptions } from "./app-options.ts";
import { coreChannel, isGone, waitForHangup } from "./core-channel.ts";
import { PageMedia } from "./page-media.ts";

/** Call options of a paged channel (`ignoreForward` carries Page's `i`). */
export type PageCallOptions = CallOptions;

/** Page options Linekey accepts without acting on them. */
const IGNORED_OPTIONS = new Set(["q", "r", "n", "A"]);

/** How a page carries media. */
type PageMode = "one-way" | "bridge" | "mix";

interface PageSettings {
  readonly targets: readonly string[];
  readonly duplex: boolean;
  readonly ignoreForward: boolean;
  readonly onlyIdle: boolean;
  readonly timeoutMs: number | undefined;
}

/** Page() bound to a call core. */
export function createPage(core: CallCore): Application {
  return async (dch, args, ctx) => {
    const caller = coreChannel(dch, "Page", ctx);
    if (!caller) return "continue";
    const targets = (args[0] ?? "")
      .split("&")
      .map((t) => t.trim())
      .filter((t) => t !== "");
    if (targets.length === 0) {
      ctx.log.warn("This application requires at least one argument (destination(s) to page)");
      return "hangup";
    }
    const options = parseAppOptions(args[1] ?? "");
    for (const o of options.keys()) {
      if (IGNORED_OPTIONS.has(o)) ctx.log.debug("Page: option accepted and ignored", { option: o });
      else if (!"dis".includes(o)) ctx.log.debug("Page: unsupported option ignored", { option: o });
    }
    const timeoutText = (args[2] ?? "").trim();
    const timeoutMs = timeoutText === "" ? undefined : parseSeconds(timeoutText);
    if (timeoutText !== "" && timeoutMs === undefined)
      ctx.log.warn("Page: invalid timeout", { timeout: timeoutText });
    const settings: PageSettings = {
      targets,
      duplex: options.has("d"),
      ignoreForward: options.has("i"),
      onlyIdle: options.has("s"),
      timeoutMs: timeoutMs === 0 ? undefined : timeoutMs,
    };
    return new PageSession(core, caller, ctx, settings).run();
  };
}

/** One execution of Page. */
class PageSession {
  private readonly log: Logger;
  private readonly callees: Channel[] = [];
  private readonly offs: (() => void)[] = [];
  private media: PageMedia | undefined;
  private bridge: Bridge | undefined;
  private ended = false;
  private endPage: () => void = () => undefined;

  constructor(
    private readonly core: CallCore,
    private readonly caller: Channel,
    private readonly ctx: AppContext,
    private readonly settings: PageSettings,
  ) {
    this.log = ctx.log;
  }

  async run(): Promise<AppResult> {
    const caller = this.caller;
    caller.answer();
    this.requestTargets();
    if (this.callees.length === 0) {
      this.log.info("Page: no destination could be paged", { targets: this.settings.targets.join("&") });
      return isGone(caller, this.ctx) ? "hangup" : "continue";
    }
    const mode: PageMode = !this.settings.duplex ? "one-way" : this.callees.length === 1 ? "bridge" : "mix";
    const hang = waitForHangup(caller, this.ctx);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const ended = new Promise<void>((resolve) => {
        this.endPage = resolve;
      });
      if (mode !== "bridge") {
        try {
          this.media = await PageMedia.open(this.core.pool, caller, mode === "mix", this.log);
        } catch (err) {
          this.log.warn("Page: no media for the caller, paging without audio", { channel: caller.name, err });
        }
      }
      if (isGone(caller, this.ctx)) return "hangup";
      for (const callee of this.callees) this.callTarget(callee, mode);
      if (this.settings.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.log.info("Page: timeout, ending the page");
          this.endPage();
        }, this.settings.timeoutMs);
      }
      await Promise.race([hang.promise, ended]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      hang.dispose();
      this.cleanup();
    }
    return isGone(caller, this.ctx) ? "hangup" : "continue";
  }

  /** Requests every destination; busy or unknown ones are skipped. */
  private requestTargets(): void {
    for (const target of this.settings.targets) {
      if (this.settings.onlyIdle) {
        const state = this.core.resourceState(target);
        if (state !== "idle") {
          this.log.info("Page: destination not idle, skipped", { target, state });
          continue;
        }
      }
      const r = this.core.request(target, this.caller);
      if (isRequestFailure(r)) {
        this.log.info("Page: destination skipped", { target, fail: r.fail, reason: r.reason });
        continue;
      }
      this.callees.push(r);
    }
  }

  private callTarget(callee: Channel, mode: PageMode): void {
    const caller = this.caller;
    callee.callerIdNum = caller.callerIdNum;
    callee.callerIdName = caller.callerIdName;
    callee.connectedNum = caller.callerIdNum;
    callee.connectedName = caller.callerIdName;
    inheritVariables(caller, callee);
    this.offs.push(
      callee.on("answered", () => this.onAnswered(callee, mode)),
      callee.on("hangup", () => this.media?.leave(callee)),
      callee.on("progress", (_c, what) => {
        if (what === "busy") callee.hangup(Cause.UserBusy);
        else if (what === "congestion") callee.hangup(Cause.Congestion);
      }),
    );
    const opts: PageCallOptions = {
      autoAnswer: true,
      oneWay: !this.settings.duplex,
      ...(this.settings.ignoreForward ? { ignoreForward: true } : {}),
      ...(this.settings.timeoutMs === undefined
        ? {}
        : { timeout: Math.ceil(this.settings.timeoutMs / 1000) }),
    };
    try {
      callee.call(opts);
    } catch (err) {
      this.log.warn("Page: calling a destination failed", { channel: callee.name, err });
      callee.hangup(Cause.NormalUnspecified);
    }
  }

  private onAnswered(callee: Channel, mode: PageMode): void {
    if (this.ended) return;
    if (mode !== "bridge") {
      void this.media?.join(callee);
      return;
    }
    if (this.bridge || this.caller.hungUp) return;
    const bridge = this.core.bridge(this.caller, callee);
    this.bridge = bridge;
    // The bridge hangs the other party up when one leaves; the page is over then.
    this.offs.push(
      this.core.events.on("bridge-end", (b) => {
        if (b === bridge) this.endPage();
      }),
    );
  }

  /** Ends the page: media and bridge down (without hanging the caller up), callees hung up. */
  private cleanup(): void {
    this.ended = true;
    for (const off of this.offs.splice(0)) off();
    this.media?.close();
    if (this.bridge && !this.bridge.isClosed) this.bridge.close();
    for (const callee of this.callees) callee.hangup(Cause.NormalClearing);
  }
}
