/**
 * The SCCP listener: accepts phone connections, runs the pre-registration part of the protocol
 * (Register, early KeepAlive, Alarm) and the timers that drop silent phones.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "../util/logger.ts";
import { SccpSession } from "./session.ts";
import type { DeviceRegistry } from "./device-registry.ts";
import { SccpDevice } from "./device.ts";
import type { SccpMessage, UnknownMessage } from "./protocol/index.ts";

/** Listener options. */
export interface SccpServerOptions {
  readonly bindaddr: string;
  readonly port: number;
  /** Seconds a connection may stay without a successful Register (`authtimeout`). */
  readonly authtimeout: number;
  /** Watchdog period in ms (default 1000); tests may shorten it. */
  readonly sweepMs?: number;
}

/** SCCP TCP server. */
export class SccpServer {
  private readonly server: Server;
  private readonly sessions = new Set<SccpSession>();
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Alarm texts seen before Register, handed to the device once it is known. */
  private readonly earlyAlarms = new WeakMap<SccpSession, string>();

  constructor(
    private options: SccpServerOptions,
    private readonly registry: DeviceRegistry,
    private readonly log: Logger,
  ) {
    this.server = createServer({ noDelay: true }, (socket) => {
      this.accept(socket);
    });
    this.server.on("error", (err) => {
      this.log.error("sccp listener error", { err });
    });
  }

  /** Starts listening; resolves with the bound address and port (port 0 picks one). */
  async listen(): Promise<{ address: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(err);
      };
      this.server.once("error", onError);
      this.server.listen(this.options.port, this.options.bindaddr, () => {
        this.server.off("error", onError);
        resolve();
      });
    });
    const addr = this.server.address();
    if (addr === null || typeof addr === "string") throw new Error("sccp listener has no TCP address");
    this.sweepTimer = setInterval(() => {
      this.sweep(Date.now());
    }, this.options.sweepMs ?? 1000);
    this.sweepTimer.unref();
    this.log.info("sccp listening", { address: addr.address, port: addr.port });
    return { address: addr.address, port: addr.port };
  }

  /** Connected sessions (registered or not). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Applies new timer settings (reload). */
  updateOptions(options: Partial<Pick<SccpServerOptions, "authtimeout">>): void {
    this.options = { ...this.options, ...options };
  }

  /** Stops listening and closes every session. */
  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const s of [...this.sessions]) s.close("server-shutdown", "server stopping");
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const session = new SccpSession(
      socket,
      this.log.child({ remote: `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}` }),
    );
    this.sessions.add(session);
    session.on("message", (msg) => {
      this.dispatch(session, msg);
    });
    session.on("close", (reason, detail) => {
      this.sessions.delete(session);
      if (reason !== "server-shutdown") this.log.debug("session closed", { reason, detail });
    });
  }

  private dispatch(session: SccpSession, msg: SccpMessage | UnknownMessage): void {
    const owner = session.owner;
    if (owner instanceof SccpDevice) {
      owner.handle(msg);
      return;
    }
    switch (msg.type) {
      case "Register": {
        const device = this.registry.register(session, msg);
        const alarm = this.earlyAlarms.get(session);
        if (device && alarm !== undefined) device.noteAlarm(alarm);
        return;
      }
      // sccp-protocol.md §6.1: some devices send KeepAlive before Register; answering is harmless.
      case "KeepAlive":
        session.send({ type: "KeepAliveAck" });
        return;
      case "Alarm":
        this.earlyAlarms.set(session, msg.text);
        this.log.info("phone alarm before register", { remote: session.remoteAddress, text: msg.text });
        return;
      default:
        // wazo ignores everything until Register; so do we (but say so at debug level).
        this.log.debug("message before register ignored", { type: msg.type });
    }
  }

  /** The watchdog: `authtimeout` for unregistered connections, 2 × keepalive for silent phones. */
  private sweep(now: number): void {
    for (const s of this.sessions) {
      const owner = s.owner;
      if (owner instanceof SccpDevice) {
        // sccp-flows.md §2: nothing for 2 × keepalive → treat as connection loss.
        if (now - s.lastSeen > owner.settings.keepalive * 2000) {
          this.log.info("keepalive timeout", { device: owner.name });
          s.close("keepalive-timeout", "no message for 2 x keepalive");
        }
      } else if (now - s.connectedAt > this.options.authtimeout * 1000) {
        this.log.info("auth timeout: no Register", { remote: s.remoteAddress });
        s.close("auth-timeout", "no Register within authtimeout");
      }
    }
  }
}
