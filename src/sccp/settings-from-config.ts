/**
 * Resolves sccp.conf into the runtime settings of each device (lines in instance order, speed
 * dials, time settings) and the guest policy.
 */
import type { SccpConfig, SccpDeviceConfig } from "../config/sccp-model.ts";
import { deviceFingerprint } from "../config/sccp-conf.ts";
import type { DeviceSettings, LineSettings } from "./device-settings.ts";
import type { GuestPolicy } from "./device-registry.ts";

function resolve(cfg: SccpConfig, dev: SccpDeviceConfig, name: string, fingerprint: string): DeviceSettings {
  const lines: LineSettings[] = [];
  for (const lineName of dev.lines) {
    const l = cfg.lines.get(lineName);
    if (!l) continue; // the config loader already refused unknown references
    lines.push({
      name: l.name,
      cidNum: l.cidNum,
      cidName: l.cidName,
      label: l.label ?? l.cidNum,
      context: l.context,
    });
  }
  return {
    name,
    model: dev.model,
    lines,
    speedDials: dev.speeddials.map((s) => ({ number: s.extension, label: s.label, blf: s.blf })),
    voicemail: dev.vmexten || dev.voicemail,
    dateformat: dev.dateformat,
    timezone: dev.timezone,
    keepalive: dev.keepalive,
    guest: dev.guest,
    fingerprint,
  };
}

/** Settings of every configured device. */
export function deviceSettingsFromConfig(cfg: SccpConfig): DeviceSettings[] {
  return [...cfg.devices.values()].map((d) => resolve(cfg, d, d.name, deviceFingerprint(cfg, d.name)));
}

/** Guest policy from `[general] guest` / `max_guests` and the `[guest]` device template. */
export function guestPolicyFromConfig(cfg: SccpConfig): GuestPolicy {
  const template = cfg.guest;
  return {
    enabled: cfg.general.guest && template !== undefined,
    max: cfg.general.maxGuests,
    settingsFor: (name) => {
      if (!template) throw new Error("no [guest] device in sccp.conf");
      return { ...resolve(cfg, template, name, "guest"), guest: true };
    },
  };
}
