/**
 * A channel's media terminated on one local RTP port pair: what Playback and Echo use (the
 * channel talks to the server, not to another channel). Opening asks the endpoint where it
 * receives and tells it to send to the pair; closing stops the endpoint's media and returns the
 * pair to the pool, on every path.
 */
import type { CodecName } from "../../media/codecs.ts";
import type { RtpPortPool, RtpPortPair } from "../../media/port-pool.ts";
import type { Channel, MediaEndpoint } from "../channel.ts";
import { sendTarget } from "./core-channel.ts";

/** An open channel ↔ port pair media session. */
export class ChannelMediaPort {
  private closed = false;

  private constructor(
    readonly channel: Channel,
    readonly pair: RtpPortPair,
    /** Where the endpoint receives. */
    readonly endpoint: MediaEndpoint,
    readonly codec: CodecName,
  ) {}

  /**
   * Allocates a pair, opens the endpoint's receive side and points its sender at the pair.
   * Rejects (with nothing left allocated) when the pool is exhausted or the endpoint refuses.
   */
  static async open(pool: RtpPortPool, ch: Channel, codec: CodecName): Promise<ChannelMediaPort> {
    const pair = await pool.allocate();
    let endpoint: MediaEndpoint;
    try {
      endpoint = await ch.openMedia(codec);
    } catch (err) {
      pair.release();
      throw err;
    }
    const port = new ChannelMediaPort(ch, pair, endpoint, codec);
    if (ch.hungUp) {
      port.close();
      return port;
    }
    ch.startMedia(sendTarget(ch, pair.host, pair.rtpPort), codec);
    return port;
  }

  /** True once closed (or opened on a channel that hung up meanwhile). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops the endpoint's media (unless it hung up) and releases the pair. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.channel.hungUp) {
      try {
        this.channel.stopMedia();
      } catch {
        // The driver lost its endpoint; the pair is released below all the same.
      }
    }
    this.pair.release();
  }
}
