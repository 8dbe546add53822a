/**
 * Button template of a device (sccp-protocol.md §6.2): lines first (instances 1..n), then speed
 * dials (instances 1..m, plain 0x02 or BLF 0x15). Instance numbers are counted per type, as CUCM
 * does; the phone then asks LineStatReq(n) and SpeedDialStatReq(k)/FeatureStatReq(k) with them.
 */
import type { DeviceSettings } from "./device-settings.ts";

/** Button definitions used (sccp-protocol.md §9.6). */
export const ButtonType = { Line: 0x09, SpeedDial: 0x02, BlfSpeedDial: 0x15, Undefined: 0xff } as const;

/** One template entry. */
export interface TemplateButton {
  readonly instanceNumber: number;
  readonly buttonDefinition: number;
}

/** At most 42 entries fit in ButtonTemplate (§6.2). */
export const MAX_TEMPLATE_BUTTONS = 42;

/** Builds the template for a device's configuration. */
export function buildButtonTemplate(settings: DeviceSettings): TemplateButton[] {
  const buttons: TemplateButton[] = [];
  settings.lines.forEach((_, i) =>
    buttons.push({ instanceNumber: i + 1, buttonDefinition: ButtonType.Line }),
  );
  settings.speedDials.forEach((sd, i) =>
    buttons.push({
      instanceNumber: i + 1,
      buttonDefinition: sd.blf ? ButtonType.BlfSpeedDial : ButtonType.SpeedDial,
    }),
  );
  return buttons.slice(0, MAX_TEMPLATE_BUTTONS);
}
