/**
 * The media of a page with a hub in the middle: one-way pages fan the caller's RTP out to every
 * answered callee (`RtpFanout`; what the callees send is dropped), two-way pages with several
 * callees mix everyone (`AudioMixer`; each hears the others). Asterisk builds both on a
 * conference (app_page → ConfBridge/MeetMe, non-duplex members muted); here the one-way case
 * needs no decoding at all.
 *
 * Callees join when they answer and leave when they hang up, in any order and at any moment,
 * also while a join is still opening the callee's media: every step after an await re-checks
 * that the page and the callee are still there, so no port outlives the page.
 */
import type { G711Law } from "../../media/g711.ts";
import { AudioMixer } from "../../media/mixer.ts";
import type { RtpPortPool } from "../../media/port-pool.ts";
import type { RtpAddress } from "../../media/relay-leg.ts";
import { RtpFanout } from "../../media/rtp-fanout.ts";
import type { Logger } from "../../util/logger.ts";
import type { Channel } from "../channel.ts";
import { preferredG711, sendTarget } from "./core-channel.ts";

/** A local RTP port a member's endpoint sends to; `remove` returns it to the pool. */
interface HubPort {
  readonly host: string;
  readonly port: number;
  remove(): void;
}

/** The fan-out or the mixer, as the page sees them. */
interface Hub {
  add(name: string, remote: RtpAddress, codec: G711Law): Promise<HubPort>;
  close(): void;
}

function fanoutHub(fanout: RtpFanout): Hub {
  return {
    add: async (name, remote, codec) => {
      const leg = await fanout.addDestination({ name, remote, codec, latch: "host" });
      return { host: leg.localHost, port: leg.localPort, remove: () => fanout.removeDestination(leg) };
    },
    close: () => fanout.close(),
  };
}

function mixerHub(mixer: AudioMixer): Hub {
  return {
    add: async (name, remote, codec) => {
      const p = await mixer.addParticipant({ name, remote, codec, latch: "host" });
      return { host: p.localHost, port: p.localPort, remove: () => mixer.removeParticipant(p) };
    },
    close: () => mixer.close(),
  };
}

/** The media of one page. */
export class PageMedia {
  private readonly members = new Map<Channel, HubPort>();
  private readonly joining = new Set<Channel>();
  private closed = false;

  private constructor(
    private readonly hub: Hub,
    private readonly caller: Channel,
    private readonly log: Logger,
  ) {}

  /**
   * Opens the caller's media onto a new hub: a mixer when `duplex`, else a fan-out whose source
   * is the caller. Rejects (nothing left allocated) when the caller has no G.711 codec, the
   * endpoint refuses, or the pool is exhausted.
   */
  static async open(pool: RtpPortPool, caller: Channel, duplex: boolean, log: Logger): Promise<PageMedia> {
    const codec = preferredG711(caller.codecs());
    if (codec === undefined) throw new Error(`${caller.name} offers no G.711 codec`);
    const ep = await caller.openMedia(codec);
    let hub: Hub;
    let port: { host: string; port: number };
    if (duplex) {
      const mixer = new AudioMixer(pool, {
        logger: log,
        packetMs: ep.ptime >= 10 && ep.ptime <= 60 ? ep.ptime : 20,
      });
      try {
        const p = await mixer.addParticipant({ name: caller.name, remote: ep.address, codec, latch: "host" });
        port = { host: p.localHost, port: p.localPort };
      } catch (err) {
        mixer.close();
        throw err;
      }
      hub = mixerHub(mixer);
    } else {
      const fanout = await RtpFanout.create(pool, {
        source: { remote: ep.address, codec, latch: "host" },
        logger: log,
      });
      port = { host: fanout.source.localHost, port: fanout.source.localPort };
      hub = fanoutHub(fanout);
    }
    const media = new PageMedia(hub, caller, log);
    if (!caller.hungUp) caller.startMedia(sendTarget(caller, port.host, port.port), codec);
    return media;
  }

  /** Number of callees whose media is connected. */
  get memberCount(): number {
    return this.members.size;
  }

  /** Connects an answered callee. Never rejects: a callee that cannot join stays silent. */
  async join(callee: Channel): Promise<void> {
    if (this.closed || this.members.has(callee) || this.joining.has(callee)) return;
    const codec = preferredG711(callee.codecs());
    if (codec === undefined) {
      this.log.warn("Page: callee offers no G.711 codec, no audio for it", { channel: callee.name });
      return;
    }
    this.joining.add(callee);
    try {
      const ep = await callee.openMedia(codec);
      if (!this.stillWanted(callee)) return;
      const port = await this.hub.add(callee.name, ep.address, codec);
      if (!this.stillWanted(callee)) {
        port.remove();
        return;
      }
      this.members.set(callee, port);
      callee.startMedia(sendTarget(callee, port.host, port.port), codec);
    } catch (err) {
      if (!this.isClosed())
        this.log.warn("Page: media setup failed for a callee", { channel: callee.name, err });
    } finally {
      this.joining.delete(callee);
    }
  }

  /** Disconnects a callee (it hung up); its port returns to the pool. */
  leave(callee: Channel): void {
    this.joining.delete(callee);
    const port = this.members.get(callee);
    if (!port) return;
    this.members.delete(callee);
    port.remove();
  }

  /** Stops every member's media and the caller's, and returns every port. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const ch of [this.caller, ...this.members.keys()]) {
      if (ch.hungUp) continue;
      try {
        ch.stopMedia();
      } catch (err) {
        this.log.debug("stopMedia failed", { channel: ch.name, err });
      }
    }
    this.members.clear();
    this.joining.clear();
    this.hub.close();
  }

  /** Re-checked after every await of a join. */
  private stillWanted(callee: Channel): boolean {
    return !this.isClosed() && !callee.hungUp && this.joining.has(callee);
  }

  /** A method, not a field read, because it is re-checked after an await. */
  private isClosed(): boolean {
    return this.closed;
  }
}
