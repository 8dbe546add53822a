/**
 * Pickup([ext[@context][&ext2[@context2]…]]): answers a call ringing elsewhere. Asterisk's
 * app_directed_pickup: without an argument the channel's pickup group is searched; with
 * `ext@context` the channel ringing that extension (the picker's context when none is given;
 * `ext@PICKUPMARK` matches the PICKUPMARK variable). Success connects the picker to the picked
 * call and ends its dialplan; failure — nothing ringing — continues the dialplan, and Asterisk
 * sets no variable.
 *
 * Finding and taking over a ringing call is the channel driver's business (the SCCP driver
 * knows which lines ring and their pickup groups), so the search is delegated to a provider
 * the driver registers. Without one, Pickup always fails (continues).
 */
import type { CallCore } from "../call-core.ts";
import type { Channel } from "../channel.ts";
import type { Application } from "../dialplan/index.ts";
import { coreChannel, isGone, waitForHangup } from "./core-channel.ts";

/** One directed pickup target. */
export interface PickupTarget {
  readonly exten: string;
  readonly context: string;
}

/**
 * Takes over a ringing call for `picker`. `targets` empty: the picker's pickup group. Resolves
 * true once `picker` is connected to the picked call (bridged through the core), false when
 * nothing rings.
 */
export type PickupProvider = (picker: Channel, targets: readonly PickupTarget[]) => Promise<boolean>;

/** Pickup() asking `provider()` (read at each run, so a driver may register later). */
export function createPickup(core: CallCore, provider: () => PickupProvider | undefined): Application {
  return async (dch, args, ctx) => {
    const ch = coreChannel(dch, "Pickup", ctx);
    if (!ch) return "continue";
    const targets: PickupTarget[] = (args[0] ?? "")
      .split("&")
      .map((t) => t.trim())
      .filter((t) => t !== "")
      .map((t) => {
        const at = t.indexOf("@");
        return at < 0
          ? { exten: t, context: ch.context }
          : { exten: t.slice(0, at), context: t.slice(at + 1) };
      });
    const find = provider();
    if (!find) {
      ctx.log.info("Pickup: no pickup provider registered, nothing to pick up", { channel: ch.name });
      return "continue";
    }
    let picked: boolean;
    try {
      picked = await find(ch, targets);
    } catch (err) {
      ctx.log.warn("Pickup failed", { channel: ch.name, err });
      picked = false;
    }
    if (!picked || isGone(ch, ctx)) {
      if (!picked) ctx.log.info("Pickup: no call to pick up", { channel: ch.name, targets: args[0] ?? "" });
      return isGone(ch, ctx) ? "hangup" : "continue";
    }
    // Picked: stay with the call until it ends (the pbx loop is the call's thread, as after Dial).
    const bridge = core.bridgeOf(ch);
    if (bridge && !bridge.isClosed) {
      const wait = waitForHangup(ch, ctx);
      let offEnd = (): void => undefined;
      try {
        await Promise.race([
          wait.promise,
          new Promise<void>((resolve) => {
            offEnd = core.events.on("bridge-end", (b) => {
              if (b === bridge) resolve();
            });
          }),
        ]);
      } finally {
        offEnd();
        wait.dispose();
      }
    }
    return "hangup";
  };
}
