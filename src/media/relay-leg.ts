/**
 * One side of an RTP relay: a local RTP/RTCP socket pair from the pool, the remote RTP address
 * packets toward this side are sent to, its codec/payload type, and its counters. Shared by the
 * 1:1 relay (`rtp-relay.ts`) and the paging fan-out (`rtp-fanout.ts`).
 *
 * Remote address and latching. The signalled address (SDP c=/m=, OpenReceiveChannelAck) is
 * where we send. With `latch: "host"` or `"any"`, the first RTP packet received from the
 * signalled host (any port) or from anywhere replaces it — symmetric RTP / "comedia"
 * (RFC 4961), which phones behind NAT need because their signalled address is private or their
 * source port is rewritten. After latching, only that exact address:port is accepted until
 * the remote is signalled again. With `latch: "off"` packets are accepted from the signalled
 * host only, from any port (RFC 3550 does not require a sender to send from its receive port).
 *
 * The hot path (`accept`, `sendPacket`, the counters) allocates nothing and never logs.
 *
 * A leg's packets may be handled outside this class: `RtpRelay` hands both legs' sockets to
 * the native forwarder (`native-forwarder.ts`) when it can. The leg then stays the place where
 * configuration is set and read; every change is passed on through its `LegOffload`, and the
 * counters are this leg's own plus the offload's.
 */
import type { Socket } from "node:dgram";
import { CODECS, type CodecName } from "./codecs.ts";
import { transcodeInPlace, transcodeTable } from "./g711.ts";
import type { RtpPortPair } from "./port-pool.ts";
import { rtpPayloadEnd, rtpPayloadOffset } from "./rtp-packet.ts";

/** A UDP address. */
export interface RtpAddress {
  readonly address: string;
  readonly port: number;
}

/** How a leg learns its remote address from incoming packets (see file comment). */
export type LatchMode = "off" | "host" | "any";

/** Options of one relay leg. */
export interface RelayLegOptions {
  /** Signalled remote RTP address; may be set later with `setRemote`. */
  readonly remote?: RtpAddress | undefined;
  /** Codec spoken on this leg (default "ulaw"). */
  readonly codec?: CodecName;
  /** RTP payload type of that codec on this leg (default: the codec's table value). */
  readonly payloadType?: number;
  /** Latching (default "off"). */
  readonly latch?: LatchMode;
  /** SSRC written into every packet sent toward this leg (default: keep the sender's). */
  readonly ssrc?: number | undefined;
}

/** Counters of one leg. `dropped` = received on this leg's socket and forwarded nowhere. */
export interface RelayLegStats {
  readonly packetsIn: number;
  readonly bytesIn: number;
  readonly packetsOut: number;
  readonly bytesOut: number;
  readonly dropped: number;
}

/** What a leg's configuration change affects, for a `LegOffload`. */
export type LegChange = "remote" | "held" | "route";

/**
 * @internal Something that forwards a leg's packets instead of the JS path (the native
 * forwarder). The leg reports every configuration change and adds the offload's counters.
 */
export interface LegOffload {
  /** Called after the leg's configuration changed. */
  legChanged(leg: RelayLeg, change: LegChange): void;
  /** Counters the offload accumulated for this leg since it took over. */
  legCounters(leg: RelayLeg): RelayLegStats;
}

/** A relay leg. Create through `RtpRelay` or `RtpFanout`, which own its sockets. */
export class RelayLeg {
  private signalledAddress = "";
  private signalledPort = 0;
  private sendAddress = "";
  private sendPort = 0;
  private latchMode: LatchMode;
  private isLatched = false;
  private legCodec: CodecName;
  private pt: number;
  private rewriteSsrc: number;
  private isHeld = false;
  private version = 0;
  private pIn = 0;
  private bIn = 0;
  private pOut = 0;
  private bOut = 0;
  private drops = 0;
  private offload: LegOffload | undefined;
  private readonly socket: Socket;

  /** @internal `onLatch` runs once each time the leg learns an address. */
  constructor(
    readonly name: string,
    private readonly pair: RtpPortPair,
    opts: RelayLegOptions,
    private readonly onLatch: (leg: RelayLeg) => void,
  ) {
    this.socket = pair.rtp;
    this.latchMode = opts.latch ?? "off";
    this.legCodec = opts.codec ?? "ulaw";
    this.pt = opts.payloadType ?? CODECS[this.legCodec].payloadType;
    this.rewriteSsrc = opts.ssrc === undefined ? -1 : opts.ssrc >>> 0;
    if (opts.remote) this.setRemote(opts.remote);
  }

  /** Local address the sockets are bound to (the pool's host). */
  get localHost(): string {
    return this.pair.host;
  }
  /** Local RTP port: what to advertise in SDP / StartMediaTransmission. */
  get localPort(): number {
    return this.pair.rtpPort;
  }
  /**
   * The leg's RTP socket, for generators that must send from this leg's port (a prompt to a
   * NAT'd phone). Hold the relay toward this leg meanwhile; never close the socket. While a
   * relay forwards natively, libuv does not read it: its 'message' listeners stay silent.
   */
  get rtpSocket(): Socket {
    return this.socket;
  }
  /** Local RTCP port (RTP + 1). */
  get localRtcpPort(): number {
    return this.pair.rtcpPort;
  }
  /** Where packets toward this leg go now (signalled or latched); undefined while unknown. */
  get remote(): RtpAddress | undefined {
    return this.sendPort === 0 ? undefined : { address: this.sendAddress, port: this.sendPort };
  }
  /** True once the remote was learned from an incoming packet. */
  get latched(): boolean {
    return this.isLatched;
  }
  get latch(): LatchMode {
    return this.latchMode;
  }
  get codec(): CodecName {
    return this.legCodec;
  }
  get payloadType(): number {
    return this.pt;
  }
  /** SSRC forced on packets toward this leg, or undefined. */
  get ssrc(): number | undefined {
    return this.rewriteSsrc < 0 ? undefined : this.rewriteSsrc;
  }
  /** True while forwarding toward this leg is stopped. */
  get held(): boolean {
    return this.isHeld;
  }
  /** @internal The signalled remote (as opposed to a latched one), or undefined. */
  get signalledRemote(): RtpAddress | undefined {
    return this.signalledPort === 0
      ? undefined
      : { address: this.signalledAddress, port: this.signalledPort };
  }
  /** @internal Bumped on every codec/PT/SSRC change so routes know to recompute. */
  get configVersion(): number {
    return this.version;
  }

  /** Sets the signalled remote (undefined: unknown) and restarts latching. */
  setRemote(remote: RtpAddress | undefined): void {
    this.signalledAddress = remote?.address ?? "";
    this.signalledPort = remote?.port ?? 0;
    this.sendAddress = this.signalledAddress;
    this.sendPort = this.signalledPort;
    this.isLatched = false;
    this.offload?.legChanged(this, "remote");
  }

  /** Changes the latching mode and restarts latching. */
  setLatch(mode: LatchMode): void {
    this.latchMode = mode;
    this.setRemote(
      this.signalledPort === 0 ? undefined : { address: this.signalledAddress, port: this.signalledPort },
    );
  }

  /** Changes this leg's codec (and payload type; default: the codec's). */
  setCodec(codec: CodecName, payloadType: number = CODECS[codec].payloadType): void {
    this.legCodec = codec;
    this.pt = payloadType & 0x7f;
    this.version++;
    this.offload?.legChanged(this, "route");
  }

  /** Forces (number) or stops forcing (undefined) the SSRC of packets sent toward this leg. */
  setSsrc(ssrc: number | undefined): void {
    this.rewriteSsrc = ssrc === undefined ? -1 : ssrc >>> 0;
    this.version++;
    this.offload?.legChanged(this, "route");
  }

  /** Stops (true) or resumes (false) forwarding toward this leg. */
  setHeld(held: boolean): void {
    this.isHeld = held;
    this.offload?.legChanged(this, "held");
  }

  /** A snapshot of the counters. */
  stats(): RelayLegStats {
    const own: RelayLegStats = {
      packetsIn: this.pIn,
      bytesIn: this.bIn,
      packetsOut: this.pOut,
      bytesOut: this.bOut,
      dropped: this.drops,
    };
    return this.offload ? addStats(own, this.offload.legCounters(this)) : own;
  }

  /** @internal Hands packet handling to `offload` (undefined: back to the JS path). */
  setOffload(offload: LegOffload | undefined): void {
    this.offload = offload;
  }

  /** @internal Adds counters accumulated elsewhere (an offload that let go) to this leg's. */
  absorbStats(s: RelayLegStats): void {
    this.pIn += s.packetsIn;
    this.bIn += s.bytesIn;
    this.pOut += s.packetsOut;
    this.bOut += s.bytesOut;
    this.drops += s.dropped;
  }

  /** @internal Records a remote learned from an incoming packet (by `accept` or an offload). */
  learnRemote(address: string, port: number): void {
    this.sendAddress = address;
    this.sendPort = port;
    this.isLatched = true;
    this.onLatch(this);
  }

  /** @internal Counts a received datagram. */
  noteIn(bytes: number): void {
    this.pIn++;
    this.bIn += bytes;
  }

  /** @internal Counts a received datagram that went nowhere. */
  noteDrop(): void {
    this.drops++;
  }

  /** @internal True when packets toward this leg can be sent now (not held, remote known). */
  canSend(): boolean {
    return !this.isHeld && this.sendPort !== 0;
  }

  /**
   * @internal Source check for a packet received on this leg, latching when allowed.
   * Returns false when the packet must be dropped.
   */
  accept(address: string, port: number): boolean {
    if (this.isLatched) return port === this.sendPort && address === this.sendAddress;
    switch (this.latchMode) {
      case "off":
        return this.signalledPort !== 0 && address === this.signalledAddress;
      case "host":
        if (this.signalledPort === 0 || address !== this.signalledAddress) return false;
        break;
      case "any":
        break;
    }
    this.learnRemote(address, port);
    return true;
  }

  /** @internal Sends `buf[0..length)` toward this leg's remote. Call `canSend()` first. */
  sendPacket(buf: Buffer, length: number): void {
    this.pOut++;
    this.bOut += length;
    if (length === buf.length) this.socket.send(buf, this.sendPort, this.sendAddress);
    else this.socket.send(buf, 0, length, this.sendPort, this.sendAddress);
  }

  /** @internal Registers the receive handler of the leg's RTP socket. */
  onPacket(fn: (msg: Buffer, address: string, port: number) => void): void {
    this.socket.on("message", (msg, rinfo) => fn(msg, rinfo.address, rinfo.port));
  }

  /** Closes the sockets and returns the ports to the pool. Idempotent. */
  close(): void {
    this.pair.release();
  }

  /** True once closed. */
  get closed(): boolean {
    return this.pair.released;
  }
}

function addStats(x: RelayLegStats, y: RelayLegStats): RelayLegStats {
  return {
    packetsIn: x.packetsIn + y.packetsIn,
    bytesIn: x.bytesIn + y.bytesIn,
    packetsOut: x.packetsOut + y.packetsOut,
    bytesOut: x.bytesOut + y.bytesOut,
    dropped: x.dropped + y.dropped,
  };
}

/**
 * How packets from one leg are rewritten toward another, recomputed whenever either leg's
 * configuration version changes.
 */
export class RelayRoute {
  private fromVersion = -1;
  private toVersion = -1;
  /** Payload type expected from the sending leg; only packets with it are transcoded. */
  ptIn = 0;
  ptOut = 0;
  table: Readonly<Uint8Array> | undefined;
  /** SSRC to write, or -1 to keep the sender's. */
  ssrc = -1;
  /** True when packets pass unchanged. */
  identity = true;

  constructor(
    private readonly from: RelayLeg,
    private readonly to: RelayLeg,
  ) {}

  /** Recomputes the rewrite if either leg changed; cheap enough for every packet. */
  refresh(): void {
    const from = this.from;
    const to = this.to;
    if (from.configVersion === this.fromVersion && to.configVersion === this.toVersion) return;
    this.fromVersion = from.configVersion;
    this.toVersion = to.configVersion;
    this.ptIn = from.payloadType;
    this.ptOut = to.payloadType;
    const a = from.codec;
    const b = to.codec;
    // Only G.711 µ↔A is transcodable; any other mismatch passes through unchanged (the
    // signalling layer should not have produced it, and rewriting would not make it decodable).
    this.table =
      (a === "ulaw" || a === "alaw") && (b === "ulaw" || b === "alaw") ? transcodeTable(a, b) : undefined;
    this.ssrc = to.ssrc ?? -1;
    this.identity = this.table === undefined && this.ptIn === this.ptOut && this.ssrc < 0;
  }

  /**
   * Rewrites an RTP packet in place: transcodes the payload and sets the PT when it carries
   * the sending leg's codec (telephone-event, CN and other payloads keep theirs), keeps
   * seq/timestamp/marker, and writes the SSRC if forced. False when the header is malformed.
   */
  apply(buf: Buffer, length: number): boolean {
    const b1 = buf[1] ?? 0;
    if ((b1 & 0x7f) === this.ptIn) {
      const table = this.table;
      if (table !== undefined) {
        const off = rtpPayloadOffset(buf, length);
        if (off < 0) return false;
        const end = rtpPayloadEnd(buf, off, length);
        if (end < 0) return false;
        transcodeInPlace(buf, off, end, table);
      }
      if (this.ptOut !== this.ptIn) buf[1] = (b1 & 0x80) | this.ptOut;
    }
    if (this.ssrc >= 0) buf.writeUInt32BE(this.ssrc, 8);
    return true;
  }
}
