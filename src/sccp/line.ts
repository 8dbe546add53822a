/**
 * Lines (directory numbers) and where they appear: a line is a `[lines]` section of sccp.conf;
 * it appears on every device that lists it (instance = its position in the device's `line =`
 * list, sccp-flows.md §14.1), several devices meaning a shared line (§14.3).
 */
import type { SccpConfig, SccpDeviceConfig, SccpLineConfig } from "../config/sccp-model.ts";
import type { SccpDevice } from "./device.ts";
import type { DeviceRegistry } from "./device-registry.ts";

/** One appearance of a line: a registered device and the line's instance on it. */
export interface LineAppearance {
  readonly device: SccpDevice;
  readonly instance: number;
}

/** Line lookups over the running configuration (which `reload` replaces). */
export class LineDirectory {
  constructor(
    private readonly registry: DeviceRegistry,
    private readonly config: () => SccpConfig,
  ) {}

  /** A line by its section name, or else by its caller-id number. */
  line(name: string): SccpLineConfig | undefined {
    const cfg = this.config();
    const byName = cfg.lines.get(name);
    if (byName !== undefined) return byName;
    for (const l of cfg.lines.values()) if (l.cidNum === name) return l;
    return undefined;
  }

  /** The line at `instance` on `device` (instances are 1-based). */
  lineOf(device: SccpDevice, instance: number): SccpLineConfig | undefined {
    const s = device.settings.lines[instance - 1];
    return s === undefined ? undefined : this.config().lines.get(s.name);
  }

  /** The instance of line `name` on `device`, if it has it. */
  instanceOf(device: SccpDevice, name: string): number | undefined {
    const i = device.settings.lines.findIndex((l) => l.name === name);
    return i < 0 ? undefined : i + 1;
  }

  /** Registered devices carrying line `name`, in registry order. */
  appearances(name: string): LineAppearance[] {
    const out: LineAppearance[] = [];
    for (const device of this.registry.list()) {
      if (device.state !== "registered") continue;
      const instance = this.instanceOf(device, name);
      if (instance !== undefined) out.push({ device, instance });
    }
    return out;
  }

  /** True when some device (registered or not) carries line `name`. */
  isConfigured(name: string): boolean {
    return this.registry.list().some((d) => this.instanceOf(d, name) !== undefined);
  }

  /** The device's own section (the guest template for guests). */
  deviceConfig(device: SccpDevice): SccpDeviceConfig | undefined {
    const cfg = this.config();
    if (device.settings.guest) return cfg.guest;
    return cfg.devices.get(device.name) ?? cfg.devices.get(device.name.toUpperCase());
  }

  /** `[general]` of the running configuration. */
  general(): SccpConfig["general"] {
    return this.config().general;
  }
}

/** Normalises a mailbox name: `100` and `100@default` are the same box. */
export function mailboxKey(mailbox: string): string {
  return mailbox.includes("@") ? mailbox : `${mailbox}@default`;
}
