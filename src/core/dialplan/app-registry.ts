/**
 * Dialplan applications by name. Names are case-insensitive, as in Asterisk (`noop` runs NoOp).
 * The channel layer registers its own (Answer, Dial, Playback, Page, ...) next to the built-ins.
 */
import type { ConfigWarning } from "../../config/config-errors.ts";
import { hangup, noOp, set, verbose, wait } from "./basic-apps.ts";
import type { Application } from "./channel.ts";
import { gosub, gosubReturn, goto, gotoIf } from "./goto-apps.ts";
import { HINT_PRIORITY } from "./model.ts";
import type { Dialplan } from "./model.ts";
import { continueWhile, endWhile, exitWhile, whileApp } from "./while-apps.ts";

/** Applications by case-insensitive name. */
export class ApplicationRegistry {
  private readonly apps = new Map<string, { name: string; app: Application }>();

  /** Registers `app` under `name`; a second registration of a name replaces the first. */
  register(name: string, app: Application): this {
    this.apps.set(name.toLowerCase(), { name, app });
    return this;
  }

  unregister(name: string): boolean {
    return this.apps.delete(name.toLowerCase());
  }

  get(name: string): Application | undefined {
    return this.apps.get(name.toLowerCase())?.app;
  }

  has(name: string): boolean {
    return this.apps.has(name.toLowerCase());
  }

  /** Registered names, as they were registered, sorted. */
  names(): string[] {
    return [...this.apps.values()].map((a) => a.name).sort();
  }
}

/**
 * A registry with the applications that need no media: NoOp, Verbose, Set, Goto, GotoIf,
 * Gosub, Return, While, EndWhile, ExitWhile, ContinueWhile, Hangup, Wait.
 */
export function builtinApplications(): ApplicationRegistry {
  return new ApplicationRegistry()
    .register("NoOp", noOp)
    .register("Verbose", verbose)
    .register("Set", set)
    .register("Goto", goto)
    .register("GotoIf", gotoIf)
    .register("Gosub", gosub)
    .register("Return", gosubReturn)
    .register("While", whileApp)
    .register("EndWhile", endWhile)
    .register("ExitWhile", exitWhile)
    .register("ContinueWhile", continueWhile)
    .register("Hangup", hangup)
    .register("Wait", wait);
}

/**
 * Warnings for priorities whose application is not registered (a typo, or a module that is
 * not loaded). Meant to run once every application is registered, after loading the dialplan.
 */
export function unknownApplications(dp: Dialplan, apps: ApplicationRegistry): ConfigWarning[] {
  const out: ConfigWarning[] = [];
  for (const ctx of dp.contexts.values()) {
    for (const ext of ctx.extensions) {
      for (const p of ext.priorities) {
        if (p.priority === HINT_PRIORITY || apps.has(p.app)) continue;
        out.push({
          file: p.file ?? "(dialplan)",
          line: p.line ?? 0,
          key: `${ext.name}@${ctx.name}`,
          message: `unknown application '${p.app}' at priority ${p.priority}`,
        });
      }
    }
  }
  return out;
}
