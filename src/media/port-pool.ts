/**
 * RTP/RTCP port allocation from the configured range (`rtp_start`–`rtp_end`). RTP takes the
 * even port and RTCP the next odd one (RFC 3550 §11; RFC 3551 §3 still asks for this pairing
 * when the ports are not signalled separately). Both sockets are bound, so a pair handed out
 * is really ours, and the RTCP port never answers the peer with ICMP port-unreachable.
 *
 * Ports some other program holds (EADDRINUSE/EACCES) are skipped, not reported. Every pair
 * handed out is counted in `inUse` until released, which lets tests assert that no port was
 * left behind.
 */
import { createSocket, type Socket, type SocketType } from "node:dgram";
import { lookup as dnsLookup, type LookupOneOptions } from "node:dns";
import { isIP } from "node:net";
import { LinekeyError } from "../util/errors.ts";
import { silentLogger, type Logger } from "../util/logger.ts";

/** Options of an `RtpPortPool`. */
export interface PortPoolOptions {
  /** First port of the range (inclusive). An odd value is rounded up to the next even port. */
  readonly rtpStart: number;
  /** Last port of the range (inclusive). The last pair must fit: its RTCP port ≤ rtpEnd. */
  readonly rtpEnd: number;
  /** Local address to bind (default "0.0.0.0"). */
  readonly host?: string;
  /** Socket family (default "udp4"). */
  readonly type?: SocketType;
  readonly logger?: Logger;
}

/** A bound RTP/RTCP socket pair. Call `release()` exactly when done; later calls do nothing. */
export interface RtpPortPair {
  readonly host: string;
  readonly rtpPort: number;
  readonly rtcpPort: number;
  readonly rtp: Socket;
  readonly rtcp: Socket;
  /** True once released (sockets closed, ports back in the pool). */
  readonly released: boolean;
  release(): void;
}

const SKIPPABLE = new Set(["EADDRINUSE", "EACCES", "EADDRNOTAVAIL"]);

function errCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") {
    return err.code;
  }
  return undefined;
}

function closeQuietly(s: Socket): void {
  try {
    s.close();
  } catch {
    // Already closed (ERR_SOCKET_DGRAM_NOT_RUNNING): nothing left to free.
  }
}

/**
 * dgram passes even an IP literal through dns.lookup, which defers every send() by a tick and
 * costs a few µs per packet. RTP destinations are IP literals (SDP c=, OpenReceiveChannelAck),
 * so those are answered synchronously: the datagram reaches the kernel inside send(). Names
 * still go to dns.lookup.
 */
function literalLookup(
  hostname: string,
  options: LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, options, callback);
}

function bindSocket(type: SocketType, host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type, reuseAddr: false, lookup: literalLookup });
    const onError = (err: Error): void => {
      closeQuietly(s);
      reject(err);
    };
    s.once("error", onError);
    // exclusive: with the cluster module a shared handle would let two relays read one port.
    s.bind({ port, address: host, exclusive: true }, () => {
      s.off("error", onError);
      resolve(s);
    });
  });
}

class PortPair implements RtpPortPair {
  private done = false;
  constructor(
    readonly host: string,
    readonly rtpPort: number,
    readonly rtp: Socket,
    readonly rtcp: Socket,
    private readonly onRelease: (pair: PortPair) => void,
  ) {}
  get rtcpPort(): number {
    return this.rtpPort + 1;
  }
  get released(): boolean {
    return this.done;
  }
  release(): void {
    if (this.done) return;
    this.done = true;
    // Listeners go with the sockets: a released pair must never call back into its old owner.
    this.rtp.removeAllListeners("message");
    this.rtcp.removeAllListeners("message");
    closeQuietly(this.rtp);
    closeQuietly(this.rtcp);
    this.onRelease(this);
  }
}

/** Allocates bound RTP/RTCP socket pairs from a port range. */
export class RtpPortPool {
  private readonly host: string;
  private readonly type: SocketType;
  private readonly log: Logger;
  private readonly first: number;
  private readonly pairs: number;
  /** 1 per pair index while reserved (binding or handed out). */
  private readonly reserved: Uint8Array;
  private reservedCount = 0;
  private cursor: number;
  private readonly live = new Set<PortPair>();
  private closed = false;

  constructor(opts: PortPoolOptions) {
    const start = opts.rtpStart + (opts.rtpStart & 1);
    const valid =
      Number.isInteger(opts.rtpStart) &&
      Number.isInteger(opts.rtpEnd) &&
      start >= 1 &&
      opts.rtpEnd <= 65535 &&
      start + 1 <= opts.rtpEnd;
    if (!valid) {
      throw new LinekeyError(
        "MEDIA_ERR_NO_PORTS",
        `RTP port range ${opts.rtpStart}-${opts.rtpEnd} holds no even/odd port pair`,
      );
    }
    this.host = opts.host ?? "0.0.0.0";
    this.type = opts.type ?? "udp4";
    this.log = opts.logger ?? silentLogger;
    this.first = start;
    this.pairs = Math.floor((opts.rtpEnd - start + 1) / 2);
    this.reserved = new Uint8Array(this.pairs);
    // Start at a random pair so a restarted server does not reuse the ports its previous run's
    // calls used: late packets of those calls would land in new calls.
    this.cursor = Math.floor(Math.random() * this.pairs);
  }

  /** Number of pairs in the range. */
  get capacity(): number {
    return this.pairs;
  }

  /** Pairs handed out (or being bound) and not yet released. */
  get inUse(): number {
    return this.reservedCount;
  }

  /**
   * Binds and returns the next free pair. Ports held by other programs are skipped.
   * Rejects with MEDIA_ERR_NO_PORTS when every pair is taken or unbindable, MEDIA_ERR_CLOSED
   * after `close()`, or the bind error itself for anything unexpected.
   */
  async allocate(): Promise<RtpPortPair> {
    let skipped = 0;
    const tried = new Set<number>();
    for (;;) {
      if (this.isClosed()) throw new LinekeyError("MEDIA_ERR_CLOSED", "RTP port pool is closed");
      const index = this.nextFree(tried);
      if (index < 0) break;
      tried.add(index);
      this.reserve(index);
      const port = this.first + index * 2;
      let rtp: Socket | undefined;
      try {
        rtp = await bindSocket(this.type, this.host, port);
        const rtcp = await bindSocket(this.type, this.host, port + 1);
        if (this.isClosed()) {
          closeQuietly(rtp);
          closeQuietly(rtcp);
          this.unreserve(index);
          throw new LinekeyError("MEDIA_ERR_CLOSED", "RTP port pool is closed");
        }
        return this.handOut(port, rtp, rtcp);
      } catch (err) {
        if (err instanceof LinekeyError) throw err;
        if (rtp) closeQuietly(rtp);
        this.unreserve(index);
        if (!SKIPPABLE.has(errCode(err) ?? "")) throw err;
        skipped++;
      }
    }
    throw new LinekeyError(
      "MEDIA_ERR_NO_PORTS",
      `no free RTP port pair in ${this.first}-${this.first + this.pairs * 2 - 1} ` +
        `(${this.reservedCount} in use, ${skipped} held by other programs)`,
    );
  }

  /** Releases every outstanding pair and refuses further allocations. */
  close(): void {
    this.closed = true;
    for (const p of [...this.live]) p.release();
  }

  /** A method, not a field read, because it is re-checked after every await. */
  private isClosed(): boolean {
    return this.closed;
  }

  private handOut(port: number, rtp: Socket, rtcp: Socket): PortPair {
    const pair = new PortPair(this.host, port, rtp, rtcp, (p) => {
      this.live.delete(p);
      this.unreserve((p.rtpPort - this.first) / 2);
    });
    // Without an 'error' listener a socket error would be thrown from the event loop and take
    // the whole server down; one relay's socket trouble is not worth that.
    const onError = (err: Error): void => this.log.warn("rtp socket error", { port, err });
    rtp.on("error", onError);
    rtcp.on("error", onError);
    this.live.add(pair);
    return pair;
  }

  /** Next unreserved pair index not in `tried`, round-robin from the cursor; -1 if none. */
  private nextFree(tried: ReadonlySet<number>): number {
    for (let i = 0; i < this.pairs; i++) {
      const index = this.cursor;
      this.cursor = (this.cursor + 1) % this.pairs;
      if (this.reserved[index] === 0 && !tried.has(index)) return index;
    }
    return -1;
  }

  private reserve(index: number): void {
    this.reserved[index] = 1;
    this.reservedCount++;
  }

  private unreserve(index: number): void {
    if (this.reserved[index] !== 1) return;
    this.reserved[index] = 0;
    this.reservedCount--;
  }
}
