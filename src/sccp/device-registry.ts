/**
 * Name → device map and the registration decision: accept, replace an old session, or reject
 * (sccp-flows.md §1.3, §16.3; the replacement rule avoids chan-sccp's "come back later" loops).
 */
import type { Logger } from "../util/logger.ts";
import { TypedEmitter } from "../util/typed-emitter.ts";
import type { MessageOf } from "./protocol/index.ts";
import type { SccpSession, SessionCloseReason } from "./session.ts";
import { SccpDevice, type ServerIdentity } from "./device.ts";
import type { DeviceSettings } from "./device-settings.ts";
import { modelByName, modelByType } from "./models.ts";

/** Registry events, forwarded from every device. */
export interface RegistryEvents extends Record<string, unknown[]> {
  registered: [device: SccpDevice];
  unregistered: [device: SccpDevice, reason: SessionCloseReason];
  rejected: [name: string, reason: string, remote: string];
  added: [device: SccpDevice];
  removed: [device: SccpDevice];
}

/** Guest (auto-provisioning) policy: unknown devices may register on a guest line. */
export interface GuestPolicy {
  readonly enabled: boolean;
  readonly max: number;
  /** Settings for a guest device named `name`. */
  settingsFor(name: string): DeviceSettings;
}

/** Holds every known device. */
export class DeviceRegistry extends TypedEmitter<RegistryEvents> {
  private readonly devices = new Map<string, SccpDevice>();
  private guests = 0;

  constructor(
    private readonly server: ServerIdentity,
    private readonly log: Logger,
    private guestPolicy: GuestPolicy = { enabled: false, max: 0, settingsFor: () => unreachable() },
  ) {
    super(log);
  }

  get size(): number {
    return this.devices.size;
  }

  get(name: string): SccpDevice | undefined {
    return this.devices.get(name.toUpperCase());
  }

  list(): SccpDevice[] {
    return [...this.devices.values()];
  }

  registeredCount(): number {
    let n = 0;
    for (const d of this.devices.values()) if (d.state === "registered") n++;
    return n;
  }

  setGuestPolicy(policy: GuestPolicy): void {
    this.guestPolicy = policy;
  }

  /** Adds (or replaces the settings of) a configured device. */
  upsert(settings: DeviceSettings): SccpDevice {
    const key = settings.name.toUpperCase();
    const existing = this.devices.get(key);
    if (existing) {
      existing.settings = settings;
      return existing;
    }
    const device = new SccpDevice(settings, this.server, this.log.child({ device: settings.name }));
    device.on("registered", (d) => this.emit("registered", d));
    device.on("unregistered", (d, reason) => {
      this.emit("unregistered", d, reason);
      if (d.settings.guest) {
        // A guest leaves no trace once its phone is gone.
        this.devices.delete(key);
        this.guests--;
        this.emit("removed", d);
      }
    });
    this.devices.set(key, device);
    this.emit("added", device);
    return device;
  }

  /** Removes a device; its phone is disconnected. */
  remove(name: string): void {
    const d = this.get(name);
    if (!d) return;
    this.devices.delete(d.name.toUpperCase());
    d.session?.close("reset", "device removed from configuration");
    this.emit("removed", d);
  }

  /** Decides on a Register received on a session that has no device yet. */
  register(session: SccpSession, reg: MessageOf<"Register">): SccpDevice | undefined {
    const name = reg.deviceName.toUpperCase();
    let device = this.devices.get(name);
    if (!device) {
      if (!this.guestPolicy.enabled || this.guests >= this.guestPolicy.max) {
        this.reject(session, name, "Unknown device");
        return undefined;
      }
      this.guests++;
      device = this.upsert(this.guestPolicy.settingsFor(name));
    }
    const old = device.session;
    if (old && !old.isClosed && old !== session) {
      // sccp-flows.md §16.3: the same phone (same address) or a silent old session is replaced at
      // once; a live session from elsewhere keeps the device until it times out.
      const silentMs = Date.now() - old.lastSeen;
      if (old.remoteAddress === session.remoteAddress || silentMs > device.settings.keepalive * 1000) {
        this.log.info("replacing previous session", { device: name, old: old.remoteAddress });
        old.close("replaced", "device registered again on a new connection");
      } else {
        this.reject(session, name, "Device already registered");
        return undefined;
      }
    }
    const announced = modelByType(reg.deviceType)?.name;
    if (device.settings.model && announced && modelByName(device.settings.model)?.name !== announced) {
      // The configured model only documents the desk; the phone's own Register is the truth.
      this.log.warn("configured model differs from the registering phone", {
        device: name,
        configured: device.settings.model,
        phone: announced,
      });
    }
    device.attach(session, reg);
    return device;
  }

  private reject(session: SccpSession, name: string, text: string): void {
    this.log.warn("registration rejected", { device: name, reason: text, remote: session.remoteAddress });
    session.send({ type: "RegisterReject", text });
    session.close("rejected", text);
    this.emit("rejected", name, text, session.remoteAddress);
  }
}

function unreachable(): never {
  throw new Error("guest registration is disabled");
}
