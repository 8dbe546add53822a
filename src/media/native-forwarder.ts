/**
 * The optional native RTP forwarding engine (native/rtp-forwarder.c, built on install by
 * scripts/build-native.mjs into build/Release/rtp_forwarder.node) and the per-relay handle
 * `RtpRelay` uses to put a relay's two sockets on it.
 *
 * Why native: a JS receive-and-resend loop spends ~6 % of a core per 5000 packets/s in
 * per-packet syscalls and libuv callbacks alone. The engine runs one thread per process with
 * epoll over every attached socket and recvmmsg/sendmmsg batching, and does the same
 * per-packet work as `rtp-relay.ts` (RTP check, source check and latching, hold, PT /
 * µ-law↔A-law / SSRC rewrite, counters).
 *
 * Socket hand-over. The port pool's dgram sockets stay owned by JS. Attaching stops libuv
 * reading each socket (`uv_udp_recv_stop` through the handle's `recvStop()`: libuv drops the
 * fd from its epoll set and never calls recvmsg on it again) *before* the engine starts
 * reading its dup of the fd, so no datagram is ever read by both; `unref()` would not do that.
 * libuv may still send on the socket (a prompt played from the leg's port). Detaching to the
 * JS path is the reverse: the engine lets go first (synchronously), then `recvStart()`.
 * The handle is a dgram internal, reached through the socket's "state symbol" (not the
 * deprecated `_handle` getter, which warns); if it is not there the relay just stays on JS.
 *
 * The JS path remains the reference and the fallback: no addon, a non-Linux platform,
 * `LINEKEY_NATIVE_RTP=0`, IPv6 sockets, or a remote that is not an IPv4 literal (a relay
 * moves back to JS when one is signalled mid-call).
 */
import type { Socket } from "node:dgram";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { isIPv4 } from "node:net";
import { fileURLToPath } from "node:url";
import type { LatchMode, LegChange, LegOffload, RelayLeg, RelayLegStats, RelayRoute } from "./relay-leg.ts";

/** The addon's exports (see native/rtp-forwarder.c for each function's contract). */
interface Addon {
  attach(fdA: number, fdB: number, token: number): number;
  detach(slot: number, out?: Float64Array): boolean;
  setRemote(
    slot: number,
    leg: number,
    address: string | null,
    port: number,
    latch: number,
    gen: number,
  ): void;
  setHeld(slot: number, leg: number, held: boolean): void;
  setRoute(
    slot: number,
    leg: number,
    identity: boolean,
    ptIn: number,
    ptOut: number,
    table: Readonly<Uint8Array> | null,
    ssrc: number,
  ): void;
  stats(slot: number, out: Float64Array): boolean;
  sessions(): number;
  setLatchHandler(fn: (token: number, leg: number, gen: number, address: string, port: number) => void): void;
}

/** The parts of libuv's UDP handle (node's UDPWrap) that the hand-over uses. */
interface UdpHandle {
  readonly fd: number;
  recvStart(): number;
  recvStop(): number;
}

const ADDON_PATH = fileURLToPath(new URL("../../build/Release/rtp_forwarder.node", import.meta.url));
const LATCH_CODE: Record<LatchMode, number> = { off: 0, host: 1, any: 2 };
/** Per leg in a snapshot: packetsIn, bytesIn, packetsOut, bytesOut, dropped, latched, IPv4, port. */
const SNAPSHOT_STRIDE = 8;

const NO_STATS: RelayLegStats = { packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, dropped: 0 };

let addon: Addon | undefined;
let loadError: string | undefined;
let loaded = false;
const live = new Map<number, NativeForwarding>();
let nextToken = 1;

function load(): Addon | undefined {
  if (loaded) return addon;
  loaded = true;
  if (process.platform !== "linux") {
    loadError = `not supported on ${process.platform}`;
    return undefined;
  }
  if (!existsSync(ADDON_PATH)) {
    loadError = `${ADDON_PATH} not built (npm ci or node scripts/build-native.mjs)`;
    return undefined;
  }
  try {
    const required: unknown = createRequire(import.meta.url)(ADDON_PATH);
    if (!isAddon(required)) throw new Error("unexpected exports");
    required.setLatchHandler(onNativeLatch);
    addon = required;
  } catch (err) {
    loadError = `cannot load ${ADDON_PATH}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return addon;
}

function isAddon(x: unknown): x is Addon {
  if (typeof x !== "object" || x === null) return false;
  const names = [
    "attach",
    "detach",
    "setRemote",
    "setHeld",
    "setRoute",
    "stats",
    "sessions",
    "setLatchHandler",
  ];
  return names.every((n) => typeof Reflect.get(x, n) === "function");
}

function forcedOff(): boolean {
  return process.env.LINEKEY_NATIVE_RTP === "0";
}

/**
 * True when new relays can forward natively: the addon is built and loads, and
 * `LINEKEY_NATIVE_RTP=0` is not set (read on every call, so it can be flipped at run time for
 * relays created afterwards).
 */
export function nativeForwarderAvailable(): boolean {
  return !forcedOff() && load() !== undefined;
}

/** Why `nativeForwarderAvailable()` is false (for logs and the benchmark), or undefined. */
export function nativeForwarderUnavailableReason(): string | undefined {
  if (forcedOff()) return "LINEKEY_NATIVE_RTP=0";
  return load() === undefined ? loadError : undefined;
}

/** Relay sessions the native engine forwards for right now, in this process. */
export function nativeSessionCount(): number {
  return addon?.sessions() ?? 0;
}

/** Latch notifications arrive on the JS thread through the addon's threadsafe function. */
function onNativeLatch(token: number, leg: number, gen: number, address: string, port: number): void {
  live.get(token)?.latched(leg, gen, address, port);
}

/** The libuv handle under a dgram socket, or undefined when Node's internals differ. */
function udpHandle(socket: Socket): UdpHandle | undefined {
  for (const sym of Object.getOwnPropertySymbols(socket)) {
    if (sym.description !== "state symbol") continue;
    const state: unknown = Reflect.get(socket, sym);
    const handle: unknown =
      typeof state === "object" && state !== null ? Reflect.get(state, "handle") : undefined;
    if (typeof handle !== "object" || handle === null) return undefined;
    const fd: unknown = Reflect.get(handle, "fd");
    const h = handle as Partial<UdpHandle>;
    if (
      typeof fd === "number" &&
      fd >= 0 &&
      typeof h.recvStart === "function" &&
      typeof h.recvStop === "function"
    ) {
      return handle as UdpHandle;
    }
    return undefined;
  }
  return undefined;
}

function isIPv4Socket(socket: Socket): boolean {
  try {
    return socket.address().family === "IPv4";
  } catch {
    return false; // not bound (or closed)
  }
}

/** A remote the engine can send to: unknown, or an IPv4 literal. */
function nativeRemote(leg: RelayLeg): boolean {
  const r = leg.signalledRemote;
  return r === undefined || isIPv4(r.address);
}

function ipv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function legStats(snap: Float64Array, i: number): RelayLegStats {
  const o = i * SNAPSHOT_STRIDE;
  return {
    packetsIn: snap[o] ?? 0,
    bytesIn: snap[o + 1] ?? 0,
    packetsOut: snap[o + 2] ?? 0,
    bytesOut: snap[o + 3] ?? 0,
    dropped: snap[o + 4] ?? 0,
  };
}

/**
 * One relay's pair of sockets on the native engine. While attached, the legs' counters include
 * the engine's and every leg configuration change is passed on; `detach` hands the sockets
 * back to libuv, `close` lets go of them just before they are closed.
 */
export class NativeForwarding implements LegOffload {
  private readonly token = nextToken++;
  private readonly legs: readonly [RelayLeg, RelayLeg];
  private readonly routes: readonly [RelayRoute, RelayRoute];
  private readonly handles: readonly [UdpHandle, UdpHandle];
  /** Generation of each leg's signalled remote; latch news for an older one is stale. */
  private readonly remoteGen = [0, 0];
  private readonly snap = new Float64Array(2 * SNAPSHOT_STRIDE);
  private slot = -1;
  private readonly onSocketClose = (): void => this.close();

  /**
   * Puts legs `a` and `b` (of one relay; `ab`/`ba` are its routes) on the native engine, or
   * returns undefined and leaves them untouched when it cannot (see the file comment; the
   * engine's own refusal, e.g. out of file descriptors, is passed to `onError`). `onDetach`
   * runs when the relay falls back to the JS path mid-call.
   */
  static attach(
    a: RelayLeg,
    b: RelayLeg,
    ab: RelayRoute,
    ba: RelayRoute,
    onDetach: () => void,
    onError: (err: unknown) => void = () => undefined,
  ): NativeForwarding | undefined {
    const engine = nativeForwarderAvailable() ? addon : undefined;
    if (!engine || !nativeRemote(a) || !nativeRemote(b)) return undefined;
    if (!isIPv4Socket(a.rtpSocket) || !isIPv4Socket(b.rtpSocket)) return undefined;
    const ha = udpHandle(a.rtpSocket);
    const hb = udpHandle(b.rtpSocket);
    if (!ha || !hb) return undefined;
    try {
      return new NativeForwarding(engine, [a, b], [ab, ba], [ha, hb], onDetach);
    } catch (err) {
      onError(err);
      return undefined;
    }
  }

  private constructor(
    private readonly engine: Addon,
    legs: readonly [RelayLeg, RelayLeg],
    routes: readonly [RelayRoute, RelayRoute],
    handles: readonly [UdpHandle, UdpHandle],
    private readonly onDetach: () => void,
  ) {
    this.legs = legs;
    this.routes = routes;
    this.handles = handles;
    // libuv stops reading first: from here until the engine reads, datagrams wait in the
    // socket's kernel buffer, and level-triggered epoll reports them at once.
    handles[0].recvStop();
    handles[1].recvStop();
    try {
      this.slot = engine.attach(handles[0].fd, handles[1].fd, this.token);
    } catch (err) {
      handles[0].recvStart();
      handles[1].recvStart();
      throw err;
    }
    live.set(this.token, this);
    this.pushRemote(0);
    this.pushRemote(1);
    this.pushHeld(0);
    this.pushHeld(1);
    this.pushRoutes();
    for (const leg of legs) {
      leg.setOffload(this);
      // The pool (or anyone) closing a socket under us: let go at once.
      leg.rtpSocket.once("close", this.onSocketClose);
    }
  }

  /** True while the engine forwards for this relay. */
  get attached(): boolean {
    return this.slot >= 0;
  }

  /** @internal */
  legChanged(leg: RelayLeg, change: LegChange): void {
    if (this.slot < 0) return;
    const i = leg === this.legs[0] ? 0 : 1;
    switch (change) {
      case "remote":
        if (!nativeRemote(leg)) {
          // A host name (or IPv6) remote: the engine cannot compare or send to it.
          this.detach(i);
          return;
        }
        this.pushRemote(i);
        return;
      case "held":
        this.pushHeld(i);
        return;
      case "route":
        this.pushRoutes();
        return;
    }
  }

  /** @internal */
  legCounters(leg: RelayLeg): RelayLegStats {
    if (this.slot < 0 || !this.engine.stats(this.slot, this.snap)) return NO_STATS;
    return legStats(this.snap, leg === this.legs[0] ? 0 : 1);
  }

  /** @internal A leg latched in the engine. */
  latched(i: number, gen: number, address: string, port: number): void {
    const leg = this.legs[i];
    if (this.slot < 0 || !leg || gen !== this.remoteGen[i]) return;
    leg.learnRemote(address, port);
  }

  /**
   * Moves the relay back to the JS path mid-call: the engine lets go of the sockets, counters
   * and latched remotes carry over, then libuv reads again. `except` is a leg whose remote was
   * just re-signalled (its engine-side latch is stale).
   */
  detach(except = -1): void {
    if (!this.release(except)) return;
    this.legs.forEach((leg, i) => {
      const handle = this.handles[i];
      // A socket closed meanwhile (its 'close' event not yet emitted) must stay closed.
      if (handle && udpHandle(leg.rtpSocket) === handle) handle.recvStart();
    });
    this.onDetach();
  }

  /** Lets go of the sockets for good (they are about to close). Idempotent. */
  close(): void {
    this.release(-1);
  }

  private release(except: number): boolean {
    if (this.slot < 0) return false;
    const slot = this.slot;
    this.slot = -1;
    live.delete(this.token);
    const snap = this.snap.fill(0);
    this.engine.detach(slot, snap);
    this.legs.forEach((leg, i) => {
      leg.rtpSocket.off("close", this.onSocketClose);
      leg.setOffload(undefined);
      leg.absorbStats(legStats(snap, i));
      const o = i * SNAPSHOT_STRIDE;
      // A latch whose notification is still queued would otherwise be lost.
      if (i !== except && snap[o + 5] === 1 && !leg.latched)
        leg.learnRemote(ipv4(snap[o + 6] ?? 0), snap[o + 7] ?? 0);
    });
    return true;
  }

  private pushRemote(i: number): void {
    const leg = this.legs[i];
    if (!leg) return;
    const gen = ((this.remoteGen[i] ?? 0) + 1) >>> 0;
    this.remoteGen[i] = gen;
    const r = leg.signalledRemote;
    this.engine.setRemote(this.slot, i, r?.address ?? null, r?.port ?? 0, LATCH_CODE[leg.latch], gen);
  }

  private pushHeld(i: number): void {
    const leg = this.legs[i];
    if (leg) this.engine.setHeld(this.slot, i, leg.held);
  }

  private pushRoutes(): void {
    this.routes.forEach((route, i) => {
      route.refresh();
      this.engine.setRoute(
        this.slot,
        i,
        route.identity,
        route.ptIn,
        route.ptOut,
        route.table ?? null,
        route.ssrc,
      );
    });
  }
}
