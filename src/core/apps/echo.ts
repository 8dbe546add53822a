/**
 * Echo(): sends the caller's media back to it — the classic audio loop test. Asterisk's
 * app_echo: "Echos back any media or DTMF frames read from the calling channel back to itself
 * […] If '#' detected application exits", continuing the dialplan; a hangup stops the dialplan.
 *
 * The channel's media is terminated on a pool port pair; every RTP packet from the endpoint's
 * host is returned, unchanged, to the address it came from (symmetric RTP, as the relay
 * latches). Unlike Asterisk, the channel is answered first: SCCP phones only open their media
 * on a connected call, so an unanswered echo would be silent.
 */
import type { CallCore } from "../call-core.ts";
import type { Application } from "../dialplan/index.ts";
import { isRtp } from "../../media/rtp-packet.ts";
import { ChannelMediaPort } from "./channel-media.ts";
import { coreChannel, isGone, waitForHangup } from "./core-channel.ts";

/** Echo() bound to a call core (for its port pool). */
export function createEcho(core: CallCore): Application {
  return async (dch, _args, ctx) => {
    const ch = coreChannel(dch, "Echo", ctx);
    if (!ch) return "continue";
    ch.answer();
    const codec = ch.codecs()[0];
    if (codec === undefined) {
      ctx.log.warn("Echo: the channel offers no codec", { channel: ch.name });
      return isGone(ch, ctx) ? "hangup" : "continue";
    }
    let media: ChannelMediaPort | undefined;
    const wait = waitForHangup(ch, ctx);
    let offDtmf = (): void => undefined;
    try {
      const hash = new Promise<void>((resolve) => {
        offDtmf = ch.on("dtmf", (_c, digit) => {
          if (digit === "#") resolve();
        });
      });
      media = await ChannelMediaPort.open(core.pool, ch, codec);
      const socket = media.pair.rtp;
      const host = media.endpoint.address.address;
      socket.on("message", (msg, rinfo) => {
        if (!isRtp(msg) || rinfo.address !== host) return;
        socket.send(msg, rinfo.port, rinfo.address);
      });
      await Promise.race([wait.promise, hash]);
    } catch (err) {
      ctx.log.warn("Echo: media setup failed", { channel: ch.name, err });
    } finally {
      offDtmf();
      wait.dispose();
      media?.close();
    }
    return isGone(ch, ctx) ? "hangup" : "continue";
  };
}
