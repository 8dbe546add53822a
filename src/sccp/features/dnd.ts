/**
 * Do not disturb (sccp-flows.md §15, the DND soft key): a toggle per phone, shown in the idle
 * banner; while it is on, new calls to the phone's lines are refused as busy (unless another
 * phone of a shared line takes them, or forward-on-busy applies).
 */
import type { DeviceCalls } from "../device-calls.ts";
import type { DriverContext } from "../driver-context.ts";
import { refreshBanner } from "./call-forward.ts";

/** The DND soft key: toggles and shows the banner. */
export function toggleDnd(ctx: DriverContext, dc: DeviceCalls): void {
  setDnd(ctx, dc, !dc.dnd);
}

/** Sets DND on a phone. */
export function setDnd(ctx: DriverContext, dc: DeviceCalls, on: boolean): void {
  dc.dnd = on;
  ctx.log.info("do not disturb", { device: dc.device.name, on });
  refreshBanner(ctx, dc);
  ctx.stateChanged();
}
