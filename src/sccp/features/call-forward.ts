/**
 * Call forward (sccp-flows.md §10): CFwdAll set from the phone with its soft key (digit entry
 * ended by '#', the CfwdAll key again, a speed dial or `callfwd_timeout`), shown with ForwardStat
 * and the "CfwdALL: 1234" banner, persisted per (device, line) in the database and restored at
 * start; and the redirect itself — CFwdAll, forward-on-busy and forward-on-no-answer from
 * sccp.conf all hand the call to a {@link ForwardRunner} on the target number.
 */
import type { ForwardsRepo } from "../../store/forwards-repo.ts";
import type { Logger } from "../../util/logger.ts";
import { Label, makeMessage } from "../protocol/index.ts";
import { CallLeg } from "../call-leg.ts";
import type { DeviceCalls } from "../device-calls.ts";
import type { SccpDevice } from "../device.ts";
import type { DriverContext } from "../driver-context.ts";
import type { SccpChannel } from "../sccp-channel.ts";
import { label, sendCallState, sendNotify, sendPrompt, sendSoftKeys, sendSpeaker } from "../phone-ui.ts";
import { endLeg } from "./hangup.ts";
import { ForwardRunner, type ForwardOrigin } from "./forward-runner.ts";
import { callerOf } from "./incoming.ts";

/** CFwdAll targets by (device, line), in memory and in the database. */
export class ForwardStore {
  private readonly targets = new Map<string, string>();
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: ForwardsRepo | undefined,
    private readonly log: Logger,
  ) {}

  /** Restores every forward saved by a previous run. */
  async load(): Promise<void> {
    if (this.repo === undefined) return;
    for (const f of await this.repo.loadAll()) this.targets.set(key(f.device, f.line), f.cfwdAll);
  }

  /** The CFwdAll target of a line on a device. */
  get(device: string, line: string): string | undefined {
    return this.targets.get(key(device, line));
  }

  /** Sets a target; the database write is queued (writes stay in order). */
  set(device: string, line: string, target: string): void {
    this.targets.set(key(device, line), target);
    this.persist((r) => r.set(device, line, target));
  }

  /** Clears a target. */
  clear(device: string, line: string): void {
    this.targets.delete(key(device, line));
    this.persist(async (r) => {
      await r.clear(device, line);
    });
  }

  /** Waits for queued database writes (before the database closes). */
  flush(): Promise<void> {
    return this.writes;
  }

  private persist(op: (repo: ForwardsRepo) => Promise<void>): void {
    const repo = this.repo;
    if (repo === undefined) return;
    this.writes = this.writes
      .then(() => op(repo))
      .catch((err: unknown) => {
        this.log.error("saving a call forward failed", { err });
      });
  }
}

function key(device: string, line: string): string {
  return `${device.toUpperCase()}\u0000${line}`;
}

/** The CFwdAll target of a line on any of its registered phones. */
export function lineForwardTarget(ctx: DriverContext, lineName: string): string | undefined {
  for (const { device } of ctx.lines.appearances(lineName)) {
    const t = ctx.forwards.get(device.name, lineName);
    if (t !== undefined) return t;
  }
  return undefined;
}

/** The CfwdAll key (sccp-flows.md §10.1): start entry, confirm it, or clear the forward. */
export function cfwdKey(ctx: DriverContext, dc: DeviceCalls, lineInstance: number): void {
  const focused = dc.focused();
  // Pressed again during entry: confirm (an empty entry cancels).
  if (focused?.purpose === "forward-input") {
    finishForwardInput(ctx, focused, focused.digits);
    return;
  }
  const instance = lineInstance > 0 ? lineInstance : (focused?.lineInstance ?? dc.selectedLine);
  const line = ctx.lines.lineOf(dc.device, instance);
  if (line === undefined) return;
  if (ctx.forwards.get(dc.device.name, line.name) !== undefined) {
    ctx.forwards.clear(dc.device.name, line.name);
    dc.device.sendForwardStat(instance);
    refreshBanner(ctx, dc);
    ctx.stateChanged();
    return;
  }
  // Only from idle or dial tone (the key is in the OnHook and OffHook sets).
  if (focused !== undefined) {
    if (focused.state !== "offhook" || focused.digits !== "") return;
    endLeg(ctx, focused);
  }
  const leg = new CallLeg({
    device: dc.device,
    lineInstance: instance,
    line,
    direction: "outgoing",
    state: "offhook",
    nat: false,
    purpose: "forward-input",
  });
  dc.add(leg);
  sendCallState(leg, "OffHook");
  // The OffHook set carries CfwdAll (confirm) and EndCall (cancel).
  sendSoftKeys(leg, "OffHook");
  sendSpeaker(dc.device, true);
  sendPrompt(leg, `${label(Label.CfwdAll)} ${label(Label.EnterNumber)}`);
  armInputTimer(ctx, leg);
}

/** A digit (or '#') during forward entry. */
export function forwardDigit(ctx: DriverContext, leg: CallLeg, digit: string): void {
  if (digit === "#") {
    finishForwardInput(ctx, leg, leg.digits);
    return;
  }
  leg.digits += digit;
  armInputTimer(ctx, leg);
}

/** Ends forward entry: sets the forward to `target`, or cancels when it is empty. */
export function finishForwardInput(ctx: DriverContext, leg: CallLeg, target: string): void {
  const dc = ctx.calls(leg.device);
  leg.disarm("cfwd");
  endLeg(ctx, leg);
  if (dc === undefined || target === "") return;
  ctx.forwards.set(dc.device.name, leg.line.name, target);
  dc.device.sendForwardStat(leg.lineInstance);
  refreshBanner(ctx, dc);
  ctx.stateChanged();
}

function armInputTimer(ctx: DriverContext, leg: CallLeg): void {
  const seconds = ctx.lines.general().callfwdTimeout;
  leg.arm("cfwd", seconds * 1000, () => {
    finishForwardInput(ctx, leg, leg.digits);
  });
}

/**
 * The idle banner (wazo): "DND" and/or "CfwdALL: <target>" of the first forwarded line;
 * ClearNotify when neither applies.
 */
export function refreshBanner(ctx: DriverContext, dc: DeviceCalls): void {
  const device = dc.device;
  const parts: string[] = [];
  // 79x0 firmware P0030801SR02 shows "UNDEFINED!" for the DND label (chan-sccp #502): plain text.
  if (dc.dnd) parts.push(isSeries79x0(device) ? "DND" : label(Label.DND));
  const target = firstForward(ctx, device);
  if (target !== undefined) parts.push(`${label(Label.CfwdAll)}: ${target}`);
  if (parts.length === 0) device.send(makeMessage("ClearNotify", {}));
  else sendNotify(device, parts.join("     "));
}

function isSeries79x0(device: SccpDevice): boolean {
  const model = device.model?.name;
  return model === "7940" || model === "7960";
}

function firstForward(ctx: DriverContext, device: SccpDevice): string | undefined {
  for (const l of device.settings.lines) {
    const t = ctx.forwards.get(device.name, l.name);
    if (t !== undefined) return t;
  }
  return undefined;
}

/**
 * Redirects an outbound channel to `target` (sccp-flows.md §10.2/§10.3): its phones stop
 * ringing and a ForwardRunner runs the dialplan on the target for the same caller.
 */
export function startForward(ctx: DriverContext, ch: SccpChannel, target: string): void {
  if (target === "" || ch.released) {
    ctx.later(() => {
      ch.remoteHangup();
    });
    return;
  }
  for (const leg of [...ch.legs]) endLeg(ctx, leg);
  ch.legs = [];
  ch.role = "forwarded";
  ch.forwardTarget = target;
  const runner = new ForwardRunner(ch, target, callerOf(ch), ctx.log);
  ch.joinPartner = runner;
  ctx.log.info("call forwarded", { line: ch.line.name, target, channel: ch.name });
  ctx.core.add(runner);
  runner.markRing();
  ctx.core.startPbx(runner);
  ctx.stateChanged();
}

/** For a channel dialled by a forward's dialplan run: who was called before the forward. */
export function forwardedFrom(ch: SccpChannel): ForwardOrigin | undefined {
  const r = ch.requestor;
  return r instanceof ForwardRunner ? r.origin : undefined;
}
