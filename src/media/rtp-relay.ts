/**
 * A two-leg RTP relay session: what a bridged call uses when media does not flow directly
 * between the phones (sccp-flows.md §5.1). Each leg has its own local RTP/RTCP port pair;
 * RTP received on leg A's port from A's remote is sent from leg B's port to B's remote, and
 * the other way round.
 *
 * By default packets pass unchanged. When the legs' codecs differ and both are G.711, the
 * payload is transcoded µ-law ↔ A-law in place and the payload type rewritten (sequence
 * number, timestamp and marker kept, so the receiver's jitter buffer sees one continuous
 * stream). Per leg, the SSRC of packets sent toward it can be forced.
 *
 * Packets are rewritten in the buffer Node handed to the 'message' listener — it is ours and
 * used once — so the relay allocates nothing per packet beyond what dgram itself does.
 * RTCP is not relayed: the RTCP sockets only hold the ports (each side's reports describe a
 * stream the other side never saw once SSRCs or codecs are rewritten; Asterisk terminates
 * RTCP per leg too).
 *
 * Two forwarding paths do the same per-packet work. When the native forwarder is built
 * (`native-forwarder.ts`) and the legs allow it (IPv4 sockets and remotes), both sockets are
 * handed to its thread and no packet reaches JavaScript; otherwise, or with
 * `LINEKEY_NATIVE_RTP=0`, the 'message' handlers below do it. A relay on the native path moves
 * to the JS path for good when a remote the engine cannot handle is signalled. Everything
 * else (configuration, counters, the 'latched' event) behaves the same on both paths.
 */
import { silentLogger, type Logger } from "../util/logger.ts";
import { TypedEmitter } from "../util/typed-emitter.ts";
import type { CodecName } from "./codecs.ts";
import type { RtpPortPool, RtpPortPair } from "./port-pool.ts";
import {
  RelayLeg,
  RelayRoute,
  type LatchMode,
  type RelayLegOptions,
  type RelayLegStats,
  type RtpAddress,
} from "./relay-leg.ts";
import { NativeForwarding } from "./native-forwarder.ts";
import { isRtp } from "./rtp-packet.ts";

/** Which code forwards a relay's packets: the native forwarder thread or the JS handlers. */
export type RelayPath = "native" | "js";

/** Leg names of a two-leg relay. */
export type LegId = "a" | "b";

/** Options of `RtpRelay.create`. */
export interface RtpRelayOptions {
  readonly a?: RelayLegOptions;
  readonly b?: RelayLegOptions;
  readonly logger?: Logger;
  /**
   * Use the native forwarder when it is available and the legs allow it (default true);
   * false keeps this relay on the JS path.
   */
  readonly native?: boolean;
}

/** Events of an `RtpRelay`. */
export type RtpRelayEvents = {
  /** A leg learned its remote address from an incoming packet. */
  latched: [leg: LegId, remote: RtpAddress];
};

/** Counters of both legs. */
export interface RtpRelayStats {
  readonly a: RelayLegStats;
  readonly b: RelayLegStats;
}

/** A two-leg RTP relay session. */
export class RtpRelay extends TypedEmitter<RtpRelayEvents> {
  readonly a: RelayLeg;
  readonly b: RelayLeg;
  private readonly logger: Logger;
  private isClosed = false;
  private native: NativeForwarding | undefined;

  /**
   * Allocates both legs' ports from `pool` and starts relaying. Rejects with the pool's
   * MEDIA_ERR_NO_PORTS (no port stays allocated then).
   */
  static async create(pool: RtpPortPool, opts: RtpRelayOptions = {}): Promise<RtpRelay> {
    const pa = await pool.allocate();
    let pb: RtpPortPair;
    try {
      pb = await pool.allocate();
    } catch (err) {
      pa.release();
      throw err;
    }
    return new RtpRelay(pa, pb, opts);
  }

  /** Prefer `create`; this takes ownership of two already-bound pairs. */
  constructor(pairA: RtpPortPair, pairB: RtpPortPair, opts: RtpRelayOptions = {}) {
    const log = opts.logger ?? silentLogger;
    super(log);
    this.logger = log;
    const onLatch = (leg: RelayLeg): void => {
      const id: LegId = leg === this.a ? "a" : "b";
      const remote = leg.remote;
      if (!remote) return;
      this.logger.debug("rtp latched", {
        leg: id,
        local: leg.localPort,
        remote: `${remote.address}:${remote.port}`,
      });
      this.emit("latched", id, remote);
    };
    this.a = new RelayLeg("a", pairA, opts.a ?? {}, onLatch);
    this.b = new RelayLeg("b", pairB, opts.b ?? {}, onLatch);
    const ab = new RelayRoute(this.a, this.b);
    const ba = new RelayRoute(this.b, this.a);
    // Registered on both paths: on the native one libuv does not read the sockets, so these
    // only run after a fall back to JS.
    this.a.onPacket((msg, address, port) => relay(this.a, this.b, ab, msg, address, port));
    this.b.onPacket((msg, address, port) => relay(this.b, this.a, ba, msg, address, port));
    if (opts.native !== false) {
      this.native = NativeForwarding.attach(
        this.a,
        this.b,
        ab,
        ba,
        () => {
          this.native = undefined;
          this.logger.debug("rtp relay moved to the JS path", { a: this.a.localPort, b: this.b.localPort });
        },
        (err) => this.logger.warn("native RTP forwarder refused a relay; using JS", { err }),
      );
    }
  }

  /** Which code forwards this relay's packets now. */
  get path(): RelayPath {
    return this.native?.attached ? "native" : "js";
  }

  /** The leg by name. */
  leg(id: LegId): RelayLeg {
    return id === "a" ? this.a : this.b;
  }

  /** Sets a leg's signalled remote address (restarts its latching). */
  setRemote(id: LegId, remote: RtpAddress | undefined): void {
    this.leg(id).setRemote(remote);
  }

  /** Changes a leg's latching mode. */
  setLatch(id: LegId, mode: LatchMode): void {
    this.leg(id).setLatch(mode);
  }

  /** Changes a leg's codec (and payload type). */
  setCodec(id: LegId, codec: CodecName, payloadType?: number): void {
    if (payloadType === undefined) this.leg(id).setCodec(codec);
    else this.leg(id).setCodec(codec, payloadType);
  }

  /** Forces (or, with undefined, stops forcing) the SSRC of packets sent toward a leg. */
  setSsrc(id: LegId, ssrc: number | undefined): void {
    this.leg(id).setSsrc(ssrc);
  }

  /**
   * Stops (`on` true) or resumes forwarding *toward* one leg; the other direction is not
   * affected. Packets that would have gone there count as dropped on the sending leg.
   */
  hold(toward: LegId, on = true): void {
    this.leg(toward).setHeld(on);
  }

  /** Counters of both legs. */
  stats(): RtpRelayStats {
    return { a: this.a.stats(), b: this.b.stats() };
  }

  /** True once closed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Stops relaying and returns both port pairs to the pool. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    // The engine lets go of the sockets before they close, so the ports are free on return.
    this.native?.close();
    this.native = undefined;
    this.a.close();
    this.b.close();
    this.removeAllListeners();
  }
}

/** The per-packet path: source check, hold, rewrite in place, send. */
function relay(
  from: RelayLeg,
  to: RelayLeg,
  route: RelayRoute,
  msg: Buffer,
  address: string,
  port: number,
): void {
  const length = msg.length;
  from.noteIn(length);
  if (!isRtp(msg) || !from.accept(address, port) || !to.canSend()) {
    from.noteDrop();
    return;
  }
  route.refresh();
  if (!route.identity && !route.apply(msg, length)) {
    from.noteDrop();
    return;
  }
  to.sendPacket(msg, length);
}
