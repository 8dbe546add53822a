/**
 * Shared helpers of the media tests: loopback UDP endpoints that record what they receive,
 * a free random port range for pools, a per-file relay fixture, and a bounded wait.
 */
import { after, before } from "node:test";
import { createSocket, type Socket } from "node:dgram";
import { RtpPortPool } from "../../src/media/port-pool.ts";
import { serializeRtp } from "../../src/media/rtp-packet.ts";
import { RtpRelay, type RtpRelayOptions } from "../../src/media/rtp-relay.ts";

export const LOOPBACK = "127.0.0.1";

/** Polls `cond` until true; rejects after `boundMs` (a bound against hangs, not a timing check). */
export async function waitUntil(cond: () => boolean, what: string, boundMs = 5000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function bind(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", (err) => {
      s.close();
      reject(err);
    });
    s.bind(port, LOOPBACK, () => resolve(s));
  });
}

/** A fake phone: a UDP socket on 127.0.0.1 that records every datagram it receives. */
export class UdpEndpoint {
  readonly received: { msg: Buffer; port: number }[] = [];
  private constructor(readonly socket: Socket) {
    socket.on("message", (msg, rinfo) => this.received.push({ msg, port: rinfo.port }));
  }
  static async open(port = 0): Promise<UdpEndpoint> {
    return new UdpEndpoint(await bind(port));
  }
  get port(): number {
    return this.socket.address().port;
  }
  get address(): { address: string; port: number } {
    return { address: LOOPBACK, port: this.port };
  }
  send(buf: Uint8Array, port: number): void {
    this.socket.send(buf, port, LOOPBACK);
  }
  async waitFor(n: number, boundMs = 5000): Promise<void> {
    await waitUntil(() => this.received.length >= n, `${n} datagrams on port ${this.port}`, boundMs);
  }
  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}

/**
 * A random even port range of `pairs` pairs in 20000–32767 that is free right now (probed by
 * binding every port), so pool tests do not collide with other tests on this machine. The
 * range stays below Linux's ephemeral ports (32768+), where port-0 sockets would land.
 */
export async function freeRange(pairs: number): Promise<{ rtpStart: number; rtpEnd: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = 20000 + 2 * Math.floor(Math.random() * (6000 - pairs));
    const sockets: Socket[] = [];
    let ok = true;
    for (let p = start; p < start + pairs * 2; p++) {
      try {
        sockets.push(await bind(p));
      } catch {
        ok = false;
        break;
      }
    }
    for (const s of sockets) s.close();
    if (ok) return { rtpStart: start, rtpEnd: start + pairs * 2 - 1 };
  }
  throw new Error("no free port range found");
}

/** An RTP packet with a 160-byte payload filled with `fill` (or the given payload). */
export function rtp(
  seq: number,
  opts: { pt?: number; ssrc?: number; marker?: boolean; payload?: Uint8Array; fill?: number } = {},
): Buffer {
  return serializeRtp({
    payloadType: opts.pt ?? 0,
    sequenceNumber: seq,
    timestamp: seq * 160,
    ssrc: opts.ssrc ?? 0x11223344,
    marker: opts.marker ?? false,
    payload: opts.payload ?? new Uint8Array(160).fill(opts.fill ?? 0xff),
  });
}

/** A test file's port pool, endpoints and relays (see {@link relayFixture}). */
export interface RelayFixture {
  /** The pool (available once the file's `before` hook ran). */
  readonly pool: RtpPortPool;
  /** A recording endpoint, closed after the file's tests. */
  readonly endpoint: () => Promise<UdpEndpoint>;
  /** A relay on the pool, closed after the file's tests. */
  readonly relay: (opts?: RtpRelayOptions) => Promise<RtpRelay>;
}

/**
 * Registers the file's `before`/`after` hooks: a pool of `pairs` port pairs on loopback, and the
 * closing of every endpoint and relay made through the fixture, then of the pool.
 */
export function relayFixture(pairs: number): RelayFixture {
  let pool: RtpPortPool | undefined;
  const endpoints: UdpEndpoint[] = [];
  const relays: RtpRelay[] = [];
  before(async () => {
    pool = new RtpPortPool({ ...(await freeRange(pairs)), host: LOOPBACK });
  });
  after(() => {
    for (const r of relays) r.close();
    for (const e of endpoints) e.close();
    pool?.close();
  });
  const fixture: RelayFixture = {
    get pool(): RtpPortPool {
      if (pool === undefined) throw new Error("relay fixture used before its before() hook");
      return pool;
    },
    endpoint: async () => {
      const e = await UdpEndpoint.open();
      endpoints.push(e);
      return e;
    },
    relay: async (opts = {}) => {
      const r = await RtpRelay.create(fixture.pool, opts);
      relays.push(r);
      return r;
    },
  };
  return fixture;
}
