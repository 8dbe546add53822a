/**
 * One TCP connection from a phone: framing, decoding at the negotiated protocol version,
 * batched writes. The session knows nothing about registration; the device layer drives it.
 */
import type { Socket } from "node:net";
import type { Logger } from "../util/logger.ts";
import { TypedEmitter } from "../util/typed-emitter.ts";
import { SccpFrameReader, decodeMessage, encodeMessage } from "./protocol/index.ts";

import type { SccpMessage, UnknownMessage } from "./protocol/index.ts";

/** Why a session ended. */
export type SessionCloseReason =
  | "remote-closed"
  | "socket-error"
  | "framing-lost"
  | "keepalive-timeout"
  | "auth-timeout"
  | "unregistered"
  | "replaced"
  | "rejected"
  | "reset"
  | "server-shutdown";

/** Events a session emits. */
export interface SessionEvents extends Record<string, unknown[]> {
  message: [msg: SccpMessage | UnknownMessage];
  close: [reason: SessionCloseReason, detail: string];
}

let nextSessionId = 1;

/** An SCCP TCP session. */
export class SccpSession extends TypedEmitter<SessionEvents> {
  readonly id = nextSessionId++;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly connectedAt: number;
  /** Last time any message arrived (ms since epoch); the keepalive watchdog reads it. */
  lastSeen: number;
  /** Protocol version used to decode and encode bodies (0 until registration negotiates it). */
  protocolVersion = 0;
  /** The device bound to this session once it registered. Opaque to the session. */
  owner: unknown = undefined;
  private readonly reader = new SccpFrameReader();
  private closed = false;
  private corked = false;

  constructor(
    private readonly socket: Socket,
    private readonly log: Logger,
    now: number = Date.now(),
  ) {
    super(log);
    this.remoteAddress = normaliseAddress(socket.remoteAddress ?? "");
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = normaliseAddress(socket.localAddress ?? "");
    this.connectedAt = now;
    this.lastSeen = now;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.onData(chunk);
    });
    socket.on("error", (err) => {
      this.shutdown("socket-error", err.message);
    });
    socket.on("close", () => {
      this.shutdown("remote-closed", "connection closed by peer");
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Encodes and queues one message. Writes made in the same tick leave in one TCP segment. */
  send(msg: SccpMessage): void {
    if (this.closed) return;
    if (this.log.enabled("trace")) this.log.trace("send", { type: msg.type });
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(encodeMessage(msg, this.protocolVersion));
  }

  /** Closes the session: pending writes are flushed, then the socket ends. */
  close(reason: SessionCloseReason = "server-shutdown", detail = ""): void {
    if (this.closed) return;
    this.socket.end();
    // A phone that never reads would keep the socket half-open: destroy after a grace period.
    const t = setTimeout(() => this.socket.destroy(), 2000);
    t.unref();
    this.shutdown(reason, detail);
  }

  private shutdown(reason: SessionCloseReason, detail: string): void {
    if (this.closed) return;
    this.closed = true;
    if (reason === "remote-closed" || reason === "socket-error") this.socket.destroy();
    this.emit("close", reason, detail);
    this.removeAllListeners();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastSeen = Date.now();
    this.reader.push(chunk);
    for (;;) {
      const r = this.reader.next();
      if (r.kind === "need-more") return;
      if (r.kind === "malformed") {
        // sccp-protocol.md §2: an absurd length means framing is lost; nothing after it can be trusted.
        this.log.warn("framing lost, closing session", { reason: r.reason });
        this.close("framing-lost", r.reason);
        return;
      }
      let msg: SccpMessage | UnknownMessage;
      try {
        msg = decodeMessage(r.id, r.body, this.protocolVersion);
      } catch (err) {
        // Decoding is lenient by design; a throw here is a codec bug. Log it, keep the session.
        this.log.error("undecodable message ignored", { id: r.id, err });
        continue;
      }
      if (this.log.enabled("trace")) this.log.trace("recv", { type: msg.type });
      this.emit("message", msg);
      // A handler may have closed the session (Unregister, reject): stop reading then.
      if (this.isClosed) return;
    }
  }
}

/** IPv4-mapped IPv6 ("::ffff:10.0.0.1") reads as the IPv4 address. */
export function normaliseAddress(a: string): string {
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}
