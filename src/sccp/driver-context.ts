/**
 * What the SCCP driver's features share: the call core, the line directory, every phone's
 * calls, the live SCCP channels, the call-forward store and a few driver-wide services. The
 * driver implements it; each feature module receives it and never reaches into the driver.
 */
import type { CallCore } from "../core/call-core.ts";
import type { Channel } from "../core/channel.ts";
import type { Logger } from "../util/logger.ts";
import type { DeviceCalls } from "./device-calls.ts";
import type { SccpDevice } from "./device.ts";
import type { LineDirectory } from "./line.ts";
import type { SccpChannel, SccpChannelHooks } from "./sccp-channel.ts";
import type { ForwardStore } from "./features/call-forward.ts";

/** The driver as its features see it. */
export interface DriverContext {
  readonly core: CallCore;
  readonly log: Logger;
  readonly lines: LineDirectory;
  readonly forwards: ForwardStore;
  /** The hooks every SccpChannel of this driver is created with. */
  readonly hooks: SccpChannelHooks;
  /** Calls a line may hold at once on one phone (call waiting beyond this is refused). */
  readonly maxCallsPerLine: number;
  /** The calls of a device (undefined for a device the driver does not know). */
  calls(device: SccpDevice): DeviceCalls | undefined;
  /** Every known device's calls. */
  allCalls(): Iterable<DeviceCalls>;
  /** Live SCCP channels, oldest first. */
  channels(): Iterable<SccpChannel>;
  /** Starts tracking a new SCCP channel (forgotten when it hangs up). */
  track(ch: SccpChannel): void;
  /** A line's state may have changed: refresh busy lamps (debounced). */
  stateChanged(): void;
  /**
   * Joins the parties bridged with `p` and with `q` (see `joinThrough`); `p` and `q` leave the
   * phones at once even when their dialplan still has to end them. False when nothing changed.
   */
  joinThrough(p: Channel, q: Channel): boolean;
  /** A stand-in channel (transfer, forward, pickup) may be ready to be joined: try now. */
  joinPending(ch: Channel): void;
  /** Runs `fn` on the next turn of the event loop unless the driver closed meanwhile. */
  later(fn: () => void): void;
}
