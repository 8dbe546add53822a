/**
 * A two-party bridge: joins two channels, sets up their media — phone to phone when both can
 * (direct RTP) and share a codec, otherwise through an RTP relay, transcoding G.711 µ-law ↔
 * A-law when the parties have no codec in common — and tears it all down on every hangup path.
 */
import type { Logger } from "../util/logger.ts";
import type { RtpPortPool } from "../media/port-pool.ts";
import { RtpRelay } from "../media/rtp-relay.ts";
import { canTranscode, chooseCodec, type CodecName } from "../media/codecs.ts";
import type { Channel } from "./channel.ts";

/** How the bridge carries media. */
export type MediaMode = "none" | "direct" | "relay";

/** What a bridge needs from the core. */
export interface BridgeDeps {
  readonly pool: RtpPortPool;
  readonly log: Logger;
  /** Address of the relay's sockets as a channel's endpoint must reach them. */
  relayAddressFor(ch: Channel): string;
  /** Called once the bridge is torn down. */
  onClosed(bridge: Bridge): void;
}

let nextBridgeId = 1;

/** Codecs for each side: the same when they share one, else a transcodable G.711 pair. */
export function negotiateCodecs(
  a: readonly CodecName[],
  b: readonly CodecName[],
): [CodecName, CodecName] | undefined {
  const common = chooseCodec(a, b);
  if (common) return [common, common];
  const g711 = (list: readonly CodecName[]): CodecName | undefined =>
    list.find((c) => c === "ulaw" || c === "alaw");
  const ca = g711(a);
  const cb = g711(b);
  return ca && cb && canTranscode(ca, cb) ? [ca, cb] : undefined;
}

/** Two channels talking to each other. */
export class Bridge {
  readonly id = nextBridgeId++;
  mediaMode: MediaMode = "none";
  codecs: [CodecName, CodecName] | undefined;
  private relay: RtpRelay | undefined;
  private closed = false;
  private mediaGeneration = 0;
  private readonly held = new Set<Channel>();
  private readonly offs: (() => void)[] = [];

  constructor(
    private a: Channel,
    private b: Channel,
    private readonly deps: BridgeDeps,
  ) {
    this.attach(a);
    this.attach(b);
    void this.setupMedia();
  }

  /** The two channels. */
  get channels(): [Channel, Channel] {
    return [this.a, this.b];
  }

  /** The party across from `ch`. */
  peerOf(ch: Channel): Channel | undefined {
    if (ch === this.a) return this.b;
    if (ch === this.b) return this.a;
    return undefined;
  }

  /** Replaces one party by another (transfer, pickup); media is set up again. */
  replace(oldCh: Channel, newCh: Channel): void {
    if (this.closed) return;
    if (oldCh === this.a) this.a = newCh;
    else if (oldCh === this.b) this.b = newCh;
    else return;
    oldCh.bridgeId = undefined;
    this.held.delete(oldCh);
    this.detachAll();
    this.attach(this.a);
    this.attach(this.b);
    void this.setupMedia();
  }

  /** Removes `ch` from the bridge without hanging it up (transfer); the bridge ends. */
  release(ch: Channel): Channel | undefined {
    const peer = this.peerOf(ch);
    ch.bridgeId = undefined;
    this.close();
    return peer;
  }

  /** Ends the bridge: media stopped, relay ports returned. Channels are not hung up. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.mediaGeneration++;
    this.detachAll();
    this.teardownMedia();
    for (const ch of [this.a, this.b]) if (ch.bridgeId === this.id) ch.bridgeId = undefined;
    this.deps.onClosed(this);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** True when a media setup started at `generation` was overtaken (hold, replace, close). */
  private isStale(generation: number): boolean {
    return generation !== this.mediaGeneration || this.closed;
  }

  private attach(ch: Channel): void {
    ch.bridgeId = this.id;
    this.offs.push(
      ch.on("hangup", (_c, cause) => {
        // A two-party bridge ends with either party; the other is hung up with the same cause.
        const peer = this.peerOf(ch);
        this.close();
        peer?.hangup(cause);
      }),
      ch.on("hold", (_c, held) => {
        this.onHold(ch, held);
      }),
      ch.on("dtmf", (_c, digit) => {
        // Digits pressed during the call go to the other party (an IVR or voicemail behind it).
        this.peerOf(ch)?.sendDtmf(digit);
      }),
    );
  }

  private detachAll(): void {
    for (const off of this.offs.splice(0)) off();
  }

  private onHold(ch: Channel, held: boolean): void {
    const peer = this.peerOf(ch);
    if (held) {
      this.held.add(ch);
      peer?.indicate("hold");
      this.mediaGeneration++;
      this.teardownMedia();
    } else {
      this.held.delete(ch);
      peer?.indicate("unhold");
      if (this.held.size === 0) void this.setupMedia();
    }
  }

  private teardownMedia(): void {
    for (const ch of [this.a, this.b]) {
      if (!ch.hungUp) {
        try {
          ch.stopMedia();
        } catch (err) {
          this.deps.log.warn("stopMedia failed", { channel: ch.name, err });
        }
      }
    }
    this.relay?.close();
    this.relay = undefined;
    this.mediaMode = "none";
  }

  /** Opens both receive sides, then points each sender at the other or at the relay. */
  private async setupMedia(): Promise<void> {
    const generation = ++this.mediaGeneration;
    this.teardownMedia();
    const a = this.a;
    const b = this.b;
    const codecs = negotiateCodecs(a.codecs(), b.codecs());
    if (!codecs) {
      this.deps.log.warn("no common or transcodable codec: bridge without media", { a: a.name, b: b.name });
      return;
    }
    this.codecs = codecs;
    try {
      const [ea, eb] = await Promise.all([a.openMedia(codecs[0]), b.openMedia(codecs[1])]);
      if (this.isStale(generation)) return;
      if (codecs[0] === codecs[1] && a.directMediaCapable() && b.directMediaCapable()) {
        // sccp-flows.md §5.2: each phone is told the other's receive address; no relay.
        a.startMedia(eb.address, codecs[0]);
        b.startMedia(ea.address, codecs[1]);
        this.mediaMode = "direct";
        return;
      }
      const relay = await RtpRelay.create(this.deps.pool, {
        a: { remote: ea.address, codec: codecs[0], latch: "host" },
        b: { remote: eb.address, codec: codecs[1], latch: "host" },
        logger: this.deps.log,
      });
      if (this.isStale(generation)) {
        relay.close();
        return;
      }
      this.relay = relay;
      a.startMedia({ address: this.deps.relayAddressFor(a), port: relay.a.localPort }, codecs[0]);
      b.startMedia({ address: this.deps.relayAddressFor(b), port: relay.b.localPort }, codecs[1]);
      this.mediaMode = "relay";
    } catch (err) {
      // A phone that refuses its receive channel, or no free RTP port: the call stays up, silent.
      this.deps.log.warn("media setup failed", { a: a.name, b: b.name, err });
    }
  }
}
