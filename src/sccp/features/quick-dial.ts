/**
 * Buttons that dial a known number at once (sccp-flows.md §3.3, §14.4, §15): speed dials
 * (Stimulus 0x02) and BLF speed dials (0x15), Redial (soft key or Stimulus 0x01: the last
 * number dialled from the phone) and the Messages key (Stimulus 0x0F: the device's `vmexten`).
 * During CFwdAll entry a speed dial sets the forward target instead (wazo).
 */
import type { DeviceCalls } from "../device-calls.ts";
import type { DriverContext } from "../driver-context.ts";
import { finishForwardInput } from "./call-forward.ts";
import { dialKnownNumber } from "./dialing.ts";

/** A speed-dial (or BLF speed-dial) button, by its 1-based instance. */
export function speedDial(ctx: DriverContext, dc: DeviceCalls, instance: number): void {
  const sd = dc.device.settings.speedDials[instance - 1];
  if (sd === undefined) return;
  const focused = dc.focused();
  if (focused?.purpose === "forward-input") {
    finishForwardInput(ctx, focused, sd.number);
    return;
  }
  dialKnownNumber(ctx, dc, sd.number, 0);
}

/** Redial: the last number dialled from this phone; nothing when there is none. */
export function redial(ctx: DriverContext, dc: DeviceCalls, lineInstance: number): void {
  if (dc.lastDialled === "") return;
  dialKnownNumber(ctx, dc, dc.lastDialled, lineInstance);
}

/** The Messages key: calls the voicemail number of the device. */
export function voicemail(ctx: DriverContext, dc: DeviceCalls): void {
  const number =
    dc.device.settings.voicemail ?? ctx.lines.deviceConfig(dc.device)?.vmexten ?? ctx.lines.general().vmexten;
  dialKnownNumber(ctx, dc, number, 0);
}
