/**
 * One TCP connection carrying SIP in either direction: framing of inbound bytes, ordered
 * writes, and the idle timer that closes a connection nobody uses.
 */
import type { Socket } from "node:net";
import type { Buffer } from "node:buffer";
import { LinekeyError } from "../../util/errors.ts";
import type { Logger } from "../../util/logger.ts";
import { StreamFramer, type FrameEvent, type StreamFramerOptions } from "./stream-framer.ts";
import { normalizeAddress } from "./via-received.ts";
import type { Endpoint } from "./types.ts";

/** Options of a {@link TcpConnection}. */
export interface TcpConnectionOptions {
  /** Close after this long without a byte in either direction (0 disables). */
  readonly idleTimeoutMs: number;
  readonly logger: Logger;
  readonly framer?: StreamFramerOptions;
  /** Called for each framing event, in stream order. */
  readonly onFrame: (connection: TcpConnection, event: FrameEvent) => void;
  /** Called once when the connection is gone, whoever closed it. */
  readonly onClose: (connection: TcpConnection) => void;
}

/** The connection-pool key of a remote endpoint. */
export function endpointKey(address: string, port: number): string {
  return `${normalizeAddress(address)}|${port}`;
}

/** A SIP-over-TCP connection. */
export class TcpConnection {
  readonly remote: Endpoint;
  readonly local: Endpoint;
  readonly key: string;
  private readonly framer: StreamFramer;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private isClosed = false;

  constructor(
    private readonly socket: Socket,
    private readonly options: TcpConnectionOptions,
  ) {
    this.remote = { address: normalizeAddress(socket.remoteAddress ?? ""), port: socket.remotePort ?? 0 };
    this.local = { address: normalizeAddress(socket.localAddress ?? ""), port: socket.localPort ?? 0 };
    this.key = endpointKey(this.remote.address, this.remote.port);
    this.framer = new StreamFramer(options.framer);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.touch();
      for (const ev of this.framer.push(chunk)) {
        if (this.isClosed) return;
        options.onFrame(this, ev);
      }
    });
    socket.on("error", (err) => {
      options.logger.debug("tcp connection error", { remote: this.key, err });
    });
    socket.on("close", () => {
      this.close();
    });
    this.touch();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Writes bytes; rejects with SIP_ERR_TRANSPORT if the connection is closed or the write fails. */
  write(data: Buffer | string): Promise<void> {
    if (this.isClosed || this.socket.destroyed) {
      return Promise.reject(new LinekeyError("SIP_ERR_TRANSPORT", `connection to ${this.key} is closed`));
    }
    this.touch();
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => {
        if (err) reject(new LinekeyError("SIP_ERR_TRANSPORT", `write to ${this.key} failed`, { cause: err }));
        else resolve();
      });
    });
  }

  /** Sends what is queued, then closes (used after a fatal framing error). */
  end(): void {
    if (this.isClosed) return;
    this.socket.end(() => {
      this.close();
    });
  }

  /** Closes the connection now; idempotent. */
  close(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.isClosed) return;
    this.isClosed = true;
    this.socket.destroy();
    this.options.onClose(this);
  }

  private touch(): void {
    if (this.isClosed || this.options.idleTimeoutMs <= 0) return;
    if (this.idleTimer === undefined) {
      this.idleTimer = setTimeout(() => {
        this.options.logger.debug("closing idle tcp connection", { remote: this.key });
        this.close();
      }, this.options.idleTimeoutMs);
    } else {
      this.idleTimer.refresh();
    }
  }
}
