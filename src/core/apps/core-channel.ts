/**
 * What every channel application needs besides its own logic: the core `Channel` behind a
 * `DialplanChannel`, a wait for its hangup, the address an endpoint must send relayed RTP to,
 * and the G.711 codec the media layer can play and mix.
 */
import type { G711Law } from "../../media/g711.ts";
import type { CodecName } from "../../media/codecs.ts";
import type { RtpAddress } from "../../media/relay-leg.ts";
import { Channel, mediaTargetFor } from "../channel.ts";
import type { AppContext, DialplanChannel } from "../dialplan/index.ts";

/**
 * The core channel an application runs on, or undefined (logged) when the dialplan runs on
 * something else (a test double, a future Local channel).
 */
export function coreChannel(ch: DialplanChannel, app: string, ctx: AppContext): Channel | undefined {
  if (ch instanceof Channel) return ch;
  ctx.log.warn(`${app}: not a call channel, nothing to do`, { channel: ch.name });
  return undefined;
}

/** True once the application should stop: the channel hung up or the pbx run was hung up. */
export function isGone(ch: Channel, ctx: AppContext): boolean {
  return ch.hungUp || ctx.signal.aborted;
}

/** A wait for the end of a channel; `dispose` removes its listeners (call it in `finally`). */
export interface HangupWait {
  readonly promise: Promise<void>;
  dispose(): void;
}

/** Resolves when `ch` hangs up or the application's run is hung up (its signal aborts). */
export function waitForHangup(ch: Channel, ctx: AppContext): HangupWait {
  let dispose = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    if (isGone(ch, ctx)) {
      resolve();
      return;
    }
    const done = (): void => {
      dispose();
      resolve();
    };
    const off = ch.on("hangup", done);
    ctx.signal.addEventListener("abort", done, { once: true });
    dispose = () => {
      off();
      ctx.signal.removeEventListener("abort", done);
    };
  });
  return { promise, dispose: () => dispose() };
}

/** Where `ch`'s endpoint must send RTP to reach a local socket on `host` (see `mediaTargetFor`). */
export function sendTarget(ch: Channel, host: string, port: number): RtpAddress {
  return mediaTargetFor(ch, host, port);
}

/** The endpoint's preferred G.711 law: the codecs the mixer and the prompt player speak. */
export function preferredG711(codecs: readonly CodecName[]): G711Law | undefined {
  for (const c of codecs) if (c === "ulaw" || c === "alaw") return c;
  return undefined;
}

/** Whole seconds between two `Date.now()` values (Asterisk's DIALEDTIME/ANSWEREDTIME unit). */
export function elapsedSeconds(from: number, to: number): string {
  return String(Math.max(0, Math.floor((to - from) / 1000)));
}
