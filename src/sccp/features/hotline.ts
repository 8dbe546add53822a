/**
 * Hotline / private line automatic ringdown (sccp-flows.md §13): going off hook on a line with
 * `hotline` dials that number — at once, or after `hotline_delay` seconds of dial tone during
 * which the user may dial something else (any digit cancels the hotline).
 */
import type { CallLeg } from "../call-leg.ts";
import type { DriverContext } from "../driver-context.ts";
import { placeCall } from "./dialing.ts";

/**
 * Starts the hotline of an off-hook leg, if its line has one. True when the number was dialled
 * at once (no dial tone wanted); false otherwise (a delayed hotline plays dial tone meanwhile).
 */
export function startHotline(ctx: DriverContext, leg: CallLeg): boolean {
  const number = leg.line.hotline;
  if (number === undefined || leg.purpose !== "call") return false;
  const delay = leg.line.hotlineDelay;
  if (delay <= 0) {
    placeCall(ctx, leg, number);
    return true;
  }
  leg.arm("hotline", delay * 1000, () => {
    if (leg.state === "offhook" && leg.digits === "") placeCall(ctx, leg, number);
  });
  return false;
}
