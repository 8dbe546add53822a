/**
 * Playback(file[&file2…][,options]) with the semantics of Asterisk's app_playback:
 *
 * - the channel is answered first unless it is up already, or option `noanswer` is given;
 *   with `skip` nothing is played on a channel that is not up (PLAYBACKSTATUS stays SUCCESS);
 * - the files play one after the other; a file that cannot be played is logged ("ast_streamfile
 *   failed") and skipped, and PLAYBACKSTATUS ends FAILED; the dialplan continues;
 * - a hangup interrupts the playback and stops the dialplan.
 *
 * Audio: 8 kHz 16-bit mono WAV (see sound-files.ts), sent as paced G.711 RTP in the endpoint's
 * preferred law from a pool port pair the endpoint is told to send to. The media is opened at
 * the first playable file and closed when the application returns.
 */
import type { CallCore } from "../call-core.ts";
import type { Application } from "../dialplan/index.ts";
import { PromptPlayer, type PlaybackEnd } from "../../media/prompt-player.ts";
import { ChannelMediaPort } from "./channel-media.ts";
import { coreChannel, isGone, preferredG711, waitForHangup } from "./core-channel.ts";
import { loadSound } from "./sound-files.ts";

/** Playback() reading prompts from `soundsDir`. */
export function createPlayback(core: CallCore, soundsDir: string): Application {
  return async (dch, args, ctx) => {
    const ch = coreChannel(dch, "Playback", ctx);
    if (!ch) {
      dch.vars.set("PLAYBACKSTATUS", "FAILED");
      return "continue";
    }
    const files = (args[0] ?? "").split("&").filter((f) => f.trim() !== "");
    if (files.length === 0) {
      ctx.log.warn("Playback requires an argument (filename)");
      return "hangup";
    }
    const options = (args[1] ?? "").toLowerCase();
    if (ch.state !== "up") {
      if (options.includes("skip")) {
        ch.vars.set("PLAYBACKSTATUS", "SUCCESS");
        return "continue";
      }
      if (!options.includes("noanswer")) ch.answer();
    }
    let failed = false;
    let media: ChannelMediaPort | undefined;
    let player: PromptPlayer | undefined;
    const hang = waitForHangup(ch, ctx);
    try {
      for (const file of files) {
        if (isGone(ch, ctx)) break;
        const sound = await loadSound(soundsDir, file.trim());
        if (!sound.ok) {
          ctx.log.warn("Playback: cannot play file", { channel: ch.name, file, reason: sound.reason });
          failed = true;
          continue;
        }
        if (!player) {
          const codec = preferredG711(ch.codecs());
          if (codec === undefined) {
            ctx.log.warn("Playback: the channel offers no G.711 codec", { channel: ch.name });
            failed = true;
            break;
          }
          media = await ChannelMediaPort.open(core.pool, ch, codec);
          if (media.isClosed) break;
          const ptime = media.endpoint.ptime;
          player = new PromptPlayer(media.pair.rtp, {
            remote: media.endpoint.address,
            codec,
            packetMs: ptime >= 10 && ptime <= 60 ? ptime : 20,
            logger: ctx.log,
          });
        }
        const p = player;
        const ended = new Promise<PlaybackEnd>((resolve) => p.once("ended", resolve));
        ctx.log.debug("Playback: playing", { channel: ch.name, path: sound.path });
        p.play(sound.samples);
        await Promise.race([ended, hang.promise]);
        p.stop();
      }
    } catch (err) {
      ctx.log.warn("Playback failed", { channel: ch.name, err });
      failed = true;
    } finally {
      hang.dispose();
      player?.close();
      media?.close();
    }
    // Asterisk sets the status also when a hangup interrupted the playback.
    ch.vars.set("PLAYBACKSTATUS", failed ? "FAILED" : "SUCCESS");
    return isGone(ch, ctx) ? "hangup" : "continue";
  };
}
