/**
 * The module's RPC commands, named and answering as Kamailio's `sca` module does (reference §9):
 * each returns the lines `kamcmd` prints, or throws a {@link ScaRpcFault} (`error: 500 - …`).
 */
import { parseUri } from "../sip/message/uri.ts";
import { appearanceStateFromName, appearanceStateName } from "./appearance-state.ts";
import type { ScaContext } from "./context.ts";
import { NO_DIALOG } from "./dialog.ts";
import { ScaRpcFault } from "./errors.ts";
import { eventFromString } from "./event.ts";
import { deactivateAllSubscriptions } from "./lifecycle.ts";
import { subscriptionStateValue } from "./subscription-state.ts";

/** A command: its parameters as given (strings or numbers), its output lines. */
type Command = (params: readonly unknown[]) => string[];

function usage(message: string): ScaRpcFault {
  return new ScaRpcFault("SCA_ERR_RPC_USAGE", 500, message);
}

function failed(message: string): ScaRpcFault {
  return new ScaRpcFault("SCA_ERR_RPC_FAILED", 500, message);
}

function notImplemented(message: string): ScaRpcFault {
  return new ScaRpcFault("SCA_ERR_RPC_NOT_IMPLEMENTED", 600, message);
}

/** A string parameter (`S`), or undefined. */
function str(params: readonly unknown[], i: number): string | undefined {
  const v = params[i];
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

/** An integer parameter (`d`), or undefined. */
function int(params: readonly unknown[], i: number): number | undefined {
  const v = params[i];
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^[-+]?\d+$/.test(v.trim())) return Number.parseInt(v, 10);
  return undefined;
}

function userHostPort(uri: string): { user: string; hostPort: string } | undefined {
  try {
    const u = parseUri(uri);
    if (u.type === "sip")
      return { user: u.user ?? "", hostPort: `${u.host}${u.port === undefined ? "" : `:${u.port}`}` };
    if (u.type === "tel") return { user: u.number, hostPort: "" };
    return undefined;
  } catch {
    return undefined;
  }
}

/** The `sca.*` RPC commands of one module. */
export class ScaRpc {
  private readonly commands: ReadonlyMap<string, Command>;

  constructor(private readonly ctx: ScaContext) {
    this.commands = new Map<string, Command>([
      ["sca.all_subscriptions", () => this.allSubscriptions()],
      ["sca.subscription_count", (p) => this.subscriptionCount(p)],
      ["sca.show_subscription", (p) => this.showSubscription(p)],
      [
        "sca.subscribers",
        () => {
          throw notImplemented("Not yet implemented");
        },
      ],
      ["sca.deactivate_all_subscriptions", () => deactivateAllSubscriptions(this.ctx)],
      [
        "sca.deactivate_subscription",
        () => {
          throw notImplemented("Not implemented");
        },
      ],
      ["sca.all_appearances", () => this.allAppearances()],
      [
        "sca.show_appearance",
        () => {
          throw notImplemented("Not yet implemented");
        },
      ],
      ["sca.seize_appearance", (p) => this.seizeAppearance(p)],
      ["sca.update_appearance", (p) => this.updateAppearance(p)],
      ["sca.release_appearance", (p) => this.releaseAppearance(p)],
    ]);
  }

  /** The command names. */
  get methods(): string[] {
    return [...this.commands.keys()];
  }

  /** True when `method` is one of the commands. */
  has(method: string): boolean {
    return this.commands.has(method);
  }

  /**
   * Runs a command.
   *
   * @throws ScaRpcFault — `SCA_ERR_RPC_USAGE`/`SCA_ERR_RPC_FAILED` (fault 500),
   *   `SCA_ERR_RPC_NOT_IMPLEMENTED` (600), `SCA_ERR_RPC_UNKNOWN_METHOD` (500)
   */
  call(method: string, params: readonly unknown[] = []): string[] {
    const cmd = this.commands.get(method);
    if (cmd === undefined) throw new ScaRpcFault("SCA_ERR_RPC_UNKNOWN_METHOD", 500, "command not found");
    return cmd(params);
  }

  /** `<AoR user> <subscriber host>[:<port>] <event> <seconds left> <state>` per subscription. */
  private allSubscriptions(): string[] {
    const now = this.ctx.now();
    return this.ctx.subscriptions.all().map((sub) => {
      const state = subscriptionStateValue(sub.state);
      const aor = userHostPort(sub.aor);
      const subscriber = userHostPort(sub.subscriber);
      if (aor === undefined || subscriber === undefined) {
        return `${sub.aor} ${sub.subscriber} ${sub.event} ${sub.expires} ${state}`;
      }
      return `${aor.user} ${subscriber.hostPort} ${sub.event} ${sub.expires - now} ${state}`;
    });
  }

  private subscriptionCount(params: readonly unknown[]): string[] {
    const name = str(params, 0);
    const event = name === undefined ? undefined : eventFromString(name);
    if (event === undefined) throw usage("usage: sca.subscription_count {call-info | line-seize}");
    const n = this.ctx.subscriptions.all().filter((s) => s.event === event).length;
    return [`${n} ${event}`];
  }

  private showSubscription(params: readonly unknown[]): string[] {
    const aor = str(params, 0);
    const name = str(params, 1);
    const event = name === undefined ? undefined : eventFromString(name);
    if (aor === undefined || event === undefined) {
      throw usage("usage: sca.show_subscription sip:user@domain {call-info | line-seize} [sip:user@IP]");
    }
    const contact = str(params, 2);
    const slot = this.ctx.subscriptions.slotOf(aor, event);
    return this.ctx.subscriptions
      .all()
      .filter((s) => s.slot === slot && s.aor === aor && (contact === undefined || s.subscriber === contact))
      .map((s) => `${s.aor} ${s.event} ${s.subscriber} ${s.expires}`);
  }

  /** `<AoR> <index> <state> <mtime> <owner> <callee> <call-id> <from-tag> <to-tag>`. */
  private allAppearances(): string[] {
    const lines: string[] = [];
    for (const list of this.ctx.appearances.all()) {
      for (const a of list.appearances) {
        lines.push(
          `${list.aor} ${a.index} ${appearanceStateName(a.state)} ${a.mtime} ${a.owner} ${a.callee} ` +
            `${a.dialog.callId} ${a.dialog.fromTag} ${a.dialog.toTag}`,
        );
      }
    }
    return lines;
  }

  private seizeAppearance(params: readonly unknown[]): string[] {
    const aor = str(params, 0);
    const owner = str(params, 1);
    if (aor === undefined || owner === undefined) throw usage("usage: sca.seize_appearance sip:user@domain");
    // No SCA check: the list is created when missing (reference §9).
    const app = this.ctx.appearances.seizeNextAvailable(aor, owner);
    const line = `Seized ${aor} appearance-index ${app.index} for ${owner}`;
    this.ctx.notifier.notifyCallInfoSubscribers(aor);
    return [line];
  }

  private updateAppearance(params: readonly unknown[]): string[] {
    const aor = str(params, 0);
    const index = int(params, 1);
    const stateName = str(params, 2);
    if (aor === undefined || index === undefined || stateName === undefined) {
      throw usage(
        "Usage: sca.update_appearance sip:user@domain appearance-index appearance-state [appearance-uri]",
      );
    }
    const uri = str(params, 3);
    const state = appearanceStateFromName(stateName);
    if (state === undefined) throw failed(`${stateName}: invalid state`);
    // Index 0 would select by an absent dialog (Kamailio dereferences NULL there).
    const outcome =
      index > 0 ? this.ctx.appearances.updateIndex(aor, index, state, uri, NO_DIALOG) : "not-in-use";
    if (outcome !== "ok") throw failed(`Failed to update ${aor} appearance-index ${index}`);
    this.ctx.notifier.notifyCallInfoSubscribers(aor);
    return [];
  }

  private releaseAppearance(params: readonly unknown[]): string[] {
    const aor = str(params, 0);
    const index = int(params, 1);
    if (aor === undefined || index === undefined)
      throw usage("usage: sca.release_appearance user@domain appearance-index");
    const outcome = this.ctx.appearances.releaseIndex(aor, index);
    if (outcome === "not-shared") throw failed(`No appearances for ${aor}`);
    if (outcome === "not-in-use") throw failed(`${aor} appearance index ${index} is not in use`);
    this.ctx.notifier.notifyCallInfoSubscribers(aor);
    return [];
  }
}
