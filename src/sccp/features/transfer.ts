/**
 * The Transfer soft key (sccp-flows.md §9). First press: the call is held and a consultation
 * leg gets dial tone on the same line. Second press: when the target answered, the held party
 * is joined to it (attended); while the target still rings, the transfer completes as soon as it
 * answers (early/blind, chan-sccp #294). `transfer_mode = blind` completes by itself once the
 * target rings; `auto` also completes when the user hangs up during the consultation.
 * A busy or failing target leaves the consultation showing busy/reorder and the original call
 * held, to be resumed.
 */
import { Label } from "../protocol/index.ts";
import type { CallLeg } from "../call-leg.ts";
import type { DeviceCalls } from "../device-calls.ts";
import type { DriverContext } from "../driver-context.ts";
import { label, sendNotify } from "../phone-ui.ts";
import { dialNow, startOffHook } from "./dialing.ts";
import { endLeg } from "./hangup.ts";

/** The Transfer key on a leg (or on the focused call when the key carried no reference). */
export function transferKey(ctx: DriverContext, dc: DeviceCalls, pressed: CallLeg | undefined): void {
  const leg = pressed ?? dc.focused();
  if (leg === undefined) return;
  const consult = leg.transferOf !== undefined ? leg : dc.legs.find((l) => l.transferOf === leg);
  if (consult !== undefined) {
    completeTransfer(ctx, consult);
    return;
  }
  if (leg.state !== "connected" || leg.channel === undefined) {
    sendNotify(dc.device, label(Label.KeyIsNotActive), 5);
    return;
  }
  // First press: hold the call, consultation leg with dial tone on the same line (§9.1).
  const next = startOffHook(ctx, dc, leg.lineInstance, { speaker: true, transferOf: leg });
  if (next !== undefined && ctx.lines.general().transferMode === "blind") next.completeTransferOnRing = true;
}

/** True when hanging up this consultation should complete the transfer (`transfer_mode = auto`). */
export function transfersOnHangup(ctx: DriverContext, leg: CallLeg): boolean {
  return (
    leg.transferOf !== undefined &&
    ctx.lines.general().transferMode === "auto" &&
    (leg.state === "ringout" || leg.state === "connected")
  );
}

/** Completes (or arms the completion of) the transfer of `consult.transferOf` to `consult`'s target. */
export function completeTransfer(ctx: DriverContext, consult: CallLeg): void {
  const orig = consult.transferOf;
  const origCh = orig?.channel;
  if (orig === undefined || origCh === undefined || origCh.released) return;
  switch (consult.state) {
    case "offhook":
      // Transfer pressed while dialling: dial now, complete once the target rings.
      consult.completeTransferOnRing = true;
      dialNow(ctx, consult);
      return;
    case "proceeding":
      consult.completeTransferOnRing = true;
      return;
    case "ringout":
      handOver(ctx, consult);
      return;
    // Answered (or held again after switching back and forth): join now.
    case "connected":
    case "hold": {
      const consultCh = consult.channel;
      if (consultCh === undefined) return;
      if (!ctx.joinThrough(origCh, consultCh)) {
        // The consultation is not bridged (it reached an application): nothing to join.
        sendNotify(consult.device, label(Label.KeyIsNotActive), 5);
      }
      return;
    }
    default:
      return;
  }
}

/**
 * Early (blind) completion while the target rings: both calls leave the phone now; the driver
 * joins the held party to the target when the target answers, and hangs the held party up if
 * the target never does.
 */
export function handOver(ctx: DriverContext, consult: CallLeg): void {
  const orig = consult.transferOf;
  const origCh = orig?.channel;
  const consultCh = consult.channel;
  if (orig === undefined || origCh === undefined || consultCh === undefined) return;
  origCh.role = "handover";
  consultCh.role = "handover";
  origCh.joinPartner = consultCh;
  consultCh.joinPartner = origCh;
  endLeg(ctx, consult);
  endLeg(ctx, orig);
  ctx.log.info("transfer handed over", { held: origCh.name, target: consultCh.name });
  // The consultation may already be answered and bridged (auto-answering target).
  ctx.later(() => {
    ctx.joinPending(consultCh);
  });
}
