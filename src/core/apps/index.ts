/**
 * The dialplan applications that act on call channels and need the call core: Answer, Busy,
 * Congestion, Progress, Ringing, Echo, Dial, Page, Playback, Pickup. They complement the
 * built-ins of the dialplan (NoOp, Set, Goto, Gosub, While, Wait, Hangup…), which need no core.
 */
import type { CallCore } from "../call-core.ts";
import type { Application, ApplicationRegistry } from "../dialplan/index.ts";
import { createDial } from "./dial.ts";
import { createEcho } from "./echo.ts";
import { answer, busy, congestion, progress, ringing } from "./indication-apps.ts";
import { createPage } from "./page.ts";
import { createPickup, type PickupProvider } from "./pickup.ts";
import { createPlayback } from "./playback.ts";

export { parseAppOptions } from "./app-options.ts";
export type { AppOptions } from "./app-options.ts";
export type { DialStatus } from "./dial.ts";
export type { PageCallOptions } from "./page.ts";
export type { PickupProvider, PickupTarget } from "./pickup.ts";
export { loadSound, soundCandidates } from "./sound-files.ts";
export type { SoundLookup } from "./sound-files.ts";

export { DEFAULT_SOUNDS_DIR } from "../../config/linekey-conf.ts";

/** Options of the channel applications. */
export interface ChannelAppsOptions {
  /** Folder of the prompts (`hello-world` → `<soundsDir>/en/hello-world.wav`, …). */
  readonly soundsDir: string;
  /** Where Pickup() finds ringing calls; the SCCP driver may also register one later. */
  readonly pickupProvider?: PickupProvider;
}

/** The channel applications of one call core. */
export interface ChannelApps {
  /** Applications by their Asterisk name. */
  readonly apps: ReadonlyMap<string, Application>;
  /** Sets (or, with undefined, removes) the provider Pickup() delegates to. */
  setPickupProvider(provider: PickupProvider | undefined): void;
}

/** Creates the channel applications bound to `core`. */
export function createChannelApps(core: CallCore, opts: ChannelAppsOptions): ChannelApps {
  let pickupProvider = opts.pickupProvider;
  const apps = new Map<string, Application>([
    ["Answer", answer],
    ["Busy", busy],
    ["Congestion", congestion],
    ["Progress", progress],
    ["Ringing", ringing],
    ["Echo", createEcho(core)],
    ["Dial", createDial(core)],
    ["Page", createPage(core)],
    ["Playback", createPlayback(core, opts.soundsDir)],
    ["Pickup", createPickup(core, () => pickupProvider)],
  ]);
  return {
    apps,
    setPickupProvider: (provider) => {
      pickupProvider = provider;
    },
  };
}

/** Creates the channel applications and registers them in `registry` (replacing same names). */
export function registerChannelApps(
  registry: ApplicationRegistry,
  core: CallCore,
  opts: ChannelAppsOptions,
): ChannelApps {
  const created = createChannelApps(core, opts);
  for (const [name, app] of created.apps) registry.register(name, app);
  return created;
}
