/**
 * Busy-lamp fields (sccp-flows.md §14.4, sccp-protocol.md §9.12): a BLF speed dial shows the
 * state of the extension it dials — idle, in use, ringing ("alerting") or DND — from the
 * extension's hint (`exten => 101,hint,SCCP/101`) or, without one, the SCCP line of that
 * number. Any call or registration change schedules one refresh; only changed lamps are sent.
 */
import type { ResourceState } from "../../core/channel-tech.ts";
import { findHint } from "../../core/dialplan/index.ts";
import { BlfStatus, Stimulus, makeMessage } from "../protocol/index.ts";
import type { SccpDevice } from "../device.ts";
import type { DriverContext } from "../driver-context.ts";

/** Dynamic (V2) messages exist from protocol version 8 on (sccp-protocol.md §11 pitfall 5). */
const V2_MIN_VERSION = 8;

/** Busy lamps of every registered phone. */
export class BlfWatcher {
  private readonly sent = new Map<string, number>();
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(private readonly ctx: DriverContext) {}

  /** Schedules one refresh of every lamp on the next turn of the event loop. */
  schedule(): void {
    if (this.scheduled !== undefined || this.closed) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.refresh();
    });
  }

  /** FeatureStat status of the extension `number` as `device` watches it. */
  statusOf(device: SccpDevice, number: string): number {
    const resource = this.resourceFor(device, number);
    if (resource === undefined) return BlfStatus.Unknown;
    return toStatus(this.ctx.core.resourceState(resource), device);
  }

  /** Sends every BLF lamp of a phone (after registration, sccp-flows.md §1.2). */
  pushAll(device: SccpDevice): void {
    device.settings.speedDials.forEach((sd, i) => {
      if (sd.blf) this.send(device, i + 1, sd.label, this.statusOf(device, sd.number));
    });
  }

  /** Forgets what a phone was sent (it registered again and asks afresh). */
  forget(device: SccpDevice): void {
    const prefix = `${device.name}\u0000`;
    for (const k of [...this.sent.keys()]) if (k.startsWith(prefix)) this.sent.delete(k);
  }

  /** Cancels a scheduled refresh. */
  close(): void {
    this.closed = true;
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }

  private refresh(): void {
    for (const dc of this.ctx.allCalls()) {
      const device = dc.device;
      if (device.state !== "registered" || !device.configured) continue;
      device.settings.speedDials.forEach((sd, i) => {
        if (!sd.blf) return;
        const status = this.statusOf(device, sd.number);
        if (this.sent.get(`${device.name}\u0000${i + 1}`) !== status)
          this.send(device, i + 1, sd.label, status);
      });
    }
  }

  private send(device: SccpDevice, index: number, text: string, status: number): void {
    this.sent.set(`${device.name}\u0000${index}`, status);
    // wazo sends FeatureStatV2 at version 11; older firmware only knows the fixed FeatureStat.
    if (device.negotiatedVersion >= V2_MIN_VERSION) {
      device.send(
        makeMessage("FeatureStatV2", {
          featureIndex: index,
          featureID: Stimulus.BlfSpeedDial,
          featureStatus: status,
          featureTextLabel: text,
        }),
      );
    } else {
      device.send(
        makeMessage("FeatureStat", {
          featureIndex: index,
          featureID: Stimulus.BlfSpeedDial,
          featureTextLabel: text,
          featureStatus: status,
        }),
      );
    }
  }

  /** `TECH/resource` watched for `number`: the hint of the device's context, else an SCCP line. */
  private resourceFor(device: SccpDevice, number: string): string | undefined {
    const context = device.settings.lines[0]?.context;
    if (context !== undefined) {
      const hint = findHint(this.ctx.core.interpreter.dialplan, context, number);
      const first = hint?.split("&")[0]?.trim();
      if (first !== undefined && first.includes("/")) return first;
    }
    const line = this.ctx.lines.line(number);
    return line === undefined ? undefined : `SCCP/${line.name}`;
  }
}

/** ResourceState → FeatureStat status; 79x0 have no "alerting" icon: ringing shows in use (wazo). */
function toStatus(state: ResourceState, device: SccpDevice): number {
  switch (state) {
    case "idle":
      return BlfStatus.Idle;
    case "inuse":
      return BlfStatus.InUse;
    case "ringing":
      return device.model?.name === "7940" || device.model?.name === "7960"
        ? BlfStatus.InUse
        : BlfStatus.Alerting;
    case "busy":
      return BlfStatus.DND;
    case "unavailable":
    case "unknown":
      return BlfStatus.Unknown;
  }
}
