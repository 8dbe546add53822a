/**
 * One-way 1:N RTP fan-out for paging (`Page()`, sccp-flows.md §11): the caller's audio,
 * received on the source leg, is sent to every destination leg, each from its own local
 * port pair (a SIP phone behind NAT only accepts media from the port it sends to, and a paged
 * phone's own RTP must land somewhere). What destinations send is counted and dropped: a
 * page is listen-only; two-way paging needs a mixer, not a relay.
 *
 * Destinations join and leave while the page runs (phones answer at different moments).
 * Unlike the 1:1 relay, the received buffer cannot be rewritten in place — it may already be
 * queued for an earlier destination — so a destination that needs a rewrite (other codec,
 * other PT, forced SSRC) gets a copy in a small ring of buffers reused per destination.
 */
import { silentLogger, type Logger } from "../util/logger.ts";
import { TypedEmitter } from "../util/typed-emitter.ts";
import type { RtpPortPool, RtpPortPair } from "./port-pool.ts";
import {
  RelayLeg,
  RelayRoute,
  type RelayLegOptions,
  type RelayLegStats,
  type RtpAddress,
} from "./relay-leg.ts";
import { isRtp } from "./rtp-packet.ts";
import { LinekeyError } from "../util/errors.ts";

/** Options of `RtpFanout.create`. */
export interface RtpFanoutOptions {
  /** The source leg (the caller). */
  readonly source?: RelayLegOptions;
  readonly logger?: Logger;
}

/** Options of one destination; `name` labels it in stats and logs. */
export interface FanoutDestinationOptions extends RelayLegOptions {
  readonly name?: string;
}

/** Events of an `RtpFanout`. */
export type RtpFanoutEvents = {
  /** The source or a destination learned its remote address from an incoming packet. */
  latched: [leg: RelayLeg, remote: RtpAddress];
};

/** Counters of the source and of every current destination. */
export interface RtpFanoutStats {
  readonly source: RelayLegStats;
  readonly destinations: readonly (RelayLegStats & { readonly name: string })[];
}

/**
 * The ring size must exceed the number of sends that can still hold a buffer: dgram defers each
 * send to the next tick (address lookup) and queues it only when the socket buffer is full.
 */
const RING = 8;
/** Larger than any RTP packet on an Ethernet path; bigger packets get a one-off buffer. */
const SCRATCH_BYTES = 1500;

class Destination {
  readonly route: RelayRoute;
  private ring: Buffer[] | undefined;
  private next = 0;
  constructor(
    readonly leg: RelayLeg,
    source: RelayLeg,
  ) {
    this.route = new RelayRoute(source, leg);
  }
  /** A buffer of at least `length` bytes that no pending send uses. */
  scratch(length: number): Buffer {
    if (length > SCRATCH_BYTES) return Buffer.allocUnsafe(length);
    this.ring ??= Array.from({ length: RING }, () => Buffer.allocUnsafe(SCRATCH_BYTES));
    const buf = this.ring[this.next] ?? Buffer.allocUnsafe(SCRATCH_BYTES);
    this.next = (this.next + 1) % RING;
    return buf;
  }
}

/** A one-way 1:N RTP fan-out. */
export class RtpFanout extends TypedEmitter<RtpFanoutEvents> {
  readonly source: RelayLeg;
  private readonly pool: RtpPortPool;
  private readonly logger: Logger;
  private dests: Destination[] = [];
  private isClosed = false;
  private counter = 0;
  private readonly onLatch = (leg: RelayLeg): void => {
    const remote = leg.remote;
    if (!remote) return;
    this.logger.debug("rtp latched", {
      leg: leg.name,
      local: leg.localPort,
      remote: `${remote.address}:${remote.port}`,
    });
    this.emit("latched", leg, remote);
  };

  /** Allocates the source leg's ports and starts listening. */
  static async create(pool: RtpPortPool, opts: RtpFanoutOptions = {}): Promise<RtpFanout> {
    return new RtpFanout(pool, await pool.allocate(), opts);
  }

  /** Prefer `create`; this takes ownership of an already-bound pair for the source. */
  constructor(pool: RtpPortPool, sourcePair: RtpPortPair, opts: RtpFanoutOptions = {}) {
    const log = opts.logger ?? silentLogger;
    super(log);
    this.logger = log;
    this.pool = pool;
    this.source = new RelayLeg("source", sourcePair, opts.source ?? {}, this.onLatch);
    this.source.onPacket((msg, address, port) => this.fanOut(msg, address, port));
  }

  /** Current destinations, in the order they were added. */
  get destinations(): readonly RelayLeg[] {
    return this.dests.map((d) => d.leg);
  }

  /**
   * Adds a destination with its own port pair. Rejects with MEDIA_ERR_NO_PORTS from the pool,
   * or MEDIA_ERR_CLOSED when the fan-out was closed meanwhile.
   */
  async addDestination(opts: FanoutDestinationOptions = {}): Promise<RelayLeg> {
    if (this.isClosed) throw new LinekeyError("MEDIA_ERR_CLOSED", "RTP fan-out is closed");
    const pair = await this.pool.allocate();
    if (this.closedNow()) {
      pair.release();
      throw new LinekeyError("MEDIA_ERR_CLOSED", "RTP fan-out is closed");
    }
    const leg = new RelayLeg(opts.name ?? `dest-${++this.counter}`, pair, opts, this.onLatch);
    // One-way: what a destination sends only serves latching and counters.
    leg.onPacket((msg, address, port) => {
      leg.noteIn(msg.length);
      if (isRtp(msg)) leg.accept(address, port);
      leg.noteDrop();
    });
    // Copy-on-write: an in-flight fanOut keeps iterating the array it started with.
    this.dests = [...this.dests, new Destination(leg, this.source)];
    return leg;
  }

  /** Removes a destination and returns its ports to the pool. Unknown legs are ignored. */
  removeDestination(leg: RelayLeg): void {
    const kept = this.dests.filter((d) => d.leg !== leg);
    if (kept.length === this.dests.length) return;
    this.dests = kept;
    leg.close();
  }

  /** Counters of the source and the current destinations. */
  stats(): RtpFanoutStats {
    return {
      source: this.source.stats(),
      destinations: this.dests.map((d) => ({ name: d.leg.name, ...d.leg.stats() })),
    };
  }

  /** True once closed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Stops, and returns every port pair (source and destinations) to the pool. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const d of this.dests) d.leg.close();
    this.dests = [];
    this.source.close();
    this.removeAllListeners();
  }

  /** A method, not a field read, because it is re-checked after an await. */
  private closedNow(): boolean {
    return this.isClosed;
  }

  private fanOut(msg: Buffer, address: string, port: number): void {
    const src = this.source;
    const length = msg.length;
    src.noteIn(length);
    if (!isRtp(msg) || !src.accept(address, port)) {
      src.noteDrop();
      return;
    }
    let delivered = 0;
    for (const d of this.dests) {
      const leg = d.leg;
      if (!leg.canSend()) continue;
      const route = d.route;
      route.refresh();
      if (route.identity) {
        leg.sendPacket(msg, length);
      } else {
        const out = d.scratch(length);
        msg.copy(out, 0, 0, length);
        if (!route.apply(out, length)) continue;
        leg.sendPacket(out, length);
      }
      delivered++;
    }
    if (delivered === 0) src.noteDrop();
  }
}
