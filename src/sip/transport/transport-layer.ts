/**
 * The SIP transport layer (RFC 3261 §18) over UDP and TCP, IPv4 and IPv6: listeners, the TCP
 * connection pool (reuse keyed by remote address:port, idle close), Via `received`/`rport`
 * stamping of inbound requests, response routing by the top Via, and 400 answers to malformed
 * requests.
 */
import type { Buffer } from "node:buffer";
import { createSocket, type Socket as UdpSocket, type RemoteInfo } from "node:dgram";
import { lookup as dnsLookup, type LookupOneOptions } from "node:dns";
import { createServer, connect, isIP, type Server, type Socket } from "node:net";
import { LinekeyError } from "../../util/errors.ts";
import { silentLogger, type Logger } from "../../util/logger.ts";
import { TypedEmitter } from "../../util/typed-emitter.ts";
import { createResponse } from "../message/create-response.ts";
import { generateTag } from "../message/ids.ts";
import type { SipMessage, SipResponse } from "../message/message.ts";
import { SipParseError } from "../message/parse-error.ts";
import { parseMessage } from "../message/parser.ts";
import { serialize } from "../message/serializer.ts";
import { createParseErrorResponse } from "./parse-error-response.ts";
import type { FrameEvent, StreamFramerOptions } from "./stream-framer.ts";
import { TcpConnection, endpointKey } from "./tcp-connection.ts";
import type {
  Endpoint,
  InboundListener,
  InboundMessage,
  ReceivedInfo,
  SendFailureListener,
  SipTransport,
  TransportProtocol,
  TransportTarget,
} from "./types.ts";
import { normalizeAddress, responseRoute, stampReceived, type ResponseRoute } from "./via-received.ts";

/** One address to listen on. Port 0 picks a free port (see {@link SipTransportLayer.listeners}). */
export interface ListenSpec {
  readonly transport: TransportProtocol;
  readonly address: string;
  readonly port: number;
}

/** A bound listener. */
export interface BoundListener {
  readonly transport: TransportProtocol;
  readonly address: string;
  readonly port: number;
  readonly family: "IPv4" | "IPv6";
}

/** Options of {@link SipTransportLayer}. */
export interface TransportLayerOptions {
  readonly listen: readonly ListenSpec[];
  readonly logger?: Logger;
  /** Close a TCP connection after this long without traffic (default 120 s, Kamailio's tcp_connection_lifetime). */
  readonly tcpIdleTimeoutMs?: number;
  /** Give up opening a TCP connection after this long (default 10 s). */
  readonly tcpConnectTimeoutMs?: number;
  readonly framer?: StreamFramerOptions;
}

interface UdpEntry {
  readonly socket: UdpSocket;
  readonly listener: BoundListener;
}

/** Bytes of an all-white-space datagram: CRLF keep-alives and NUL pings some phones send. */
function isKeepAlive(buf: Buffer): boolean {
  for (const b of buf) if (b !== 0x0d && b !== 0x0a && b !== 0x20 && b !== 0x00) return false;
  return true;
}

function family(address: string): "IPv4" | "IPv6" {
  return isIP(address) === 6 ? "IPv6" : "IPv4";
}

/**
 * The UDP sockets' address lookup. dgram resolves every destination with `dns.lookup`, which
 * for an IP literal (nearly every SIP target) still costs a `process.nextTick` round per
 * datagram; a literal is answered at once here, names still go to `dns.lookup`.
 */
function literalFirstLookup(
  hostname: string,
  options: LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const version = isIP(hostname);
  if (version !== 0) {
    callback(null, hostname, version);
    return;
  }
  dnsLookup(hostname, options, callback);
}

/**
 * Wanted receive buffer of a UDP socket. The kernel default (about 200 KB, some 100 datagrams)
 * overflows while the single event loop is busy — a database commit, a burst of NOTIFY answers
 * after a call event — and every datagram lost there costs a retransmission 500 ms later. The
 * kernel caps the value at net.core.rmem_max.
 */
const UDP_RECEIVE_BUFFER = 4 * 1024 * 1024;

function raiseReceiveBuffer(socket: UdpSocket): void {
  try {
    if (socket.getRecvBufferSize() < UDP_RECEIVE_BUFFER) socket.setRecvBufferSize(UDP_RECEIVE_BUFFER);
  } catch {
    // Not allowed or not supported here: the default stays.
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

// A failure found before anything was sent is reported once the current call has returned, as
// the rejection of `send` would have been: a transaction is not terminated in the middle of
// its own transmit.
function failLater(listener: SendFailureListener, err: unknown): void {
  const error = asError(err);
  queueMicrotask(() => {
    listener.sendFailed(error);
  });
}

function routeOfResponse(response: SipResponse): ResponseRoute {
  const via = response.peekTopVia();
  const route = via === undefined ? undefined : responseRoute(via);
  if (route === undefined) {
    throw new LinekeyError("SIP_ERR_TRANSPORT", "response has no usable top Via");
  }
  return route;
}

function noUdpSocket(): LinekeyError {
  return new LinekeyError("SIP_ERR_TRANSPORT", "no UDP socket");
}

function udpSendFailed(address: string, port: number, cause: Error): LinekeyError {
  return new LinekeyError("SIP_ERR_TRANSPORT", `udp send to ${address}:${port} failed`, { cause });
}

// An IPv4 destination through an IPv6 socket needs the v4-mapped form.
function udpDestination(entry: UdpEntry, address: string, ipVersion: number): string {
  return entry.listener.family === "IPv6" && ipVersion === 4 ? `::ffff:${address}` : address;
}

/** SIP over UDP and TCP. Call {@link start} before use and {@link close} at the end. */
export class SipTransportLayer implements SipTransport {
  private readonly logger: Logger;
  private readonly emitter: TypedEmitter<{ message: [InboundMessage] }>;
  private readonly udp: UdpEntry[] = [];
  private readonly servers: { server: Server; listener: BoundListener }[] = [];
  private readonly connections = new Map<string, TcpConnection>();
  private readonly aliases = new Map<string, TcpConnection>();
  private readonly connecting = new Map<string, Promise<TcpConnection>>();
  private readonly idleTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private started = false;
  private closed = false;

  constructor(private readonly options: TransportLayerOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: "sip-transport" });
    this.emitter = new TypedEmitter(this.logger);
    this.idleTimeoutMs = options.tcpIdleTimeoutMs ?? 120_000;
    this.connectTimeoutMs = options.tcpConnectTimeoutMs ?? 10_000;
  }

  /** Binds every listener. Rejects (after closing what was bound) if one cannot be bound. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      for (const spec of this.options.listen) {
        if (spec.transport === "udp") await this.bindUdp(spec);
        else await this.bindTcp(spec);
      }
    } catch (err) {
      await this.close();
      const detail = err instanceof Error ? err.message : String(err);
      throw new LinekeyError("SIP_ERR_TRANSPORT", `cannot listen: ${detail}`, { cause: err });
    }
  }

  /** The bound listeners with their actual ports. */
  get listeners(): BoundListener[] {
    return [...this.udp.map((u) => u.listener), ...this.servers.map((s) => s.listener)];
  }

  /** A bound address for a transport (preferring the family asked for), e.g. for a Via sent-by. */
  localEndpoint(transport: TransportProtocol, preferFamily?: "IPv4" | "IPv6"): Endpoint | undefined {
    const all = this.listeners.filter((l) => l.transport === transport);
    const l = all.find((x) => preferFamily === undefined || x.family === preferFamily) ?? all[0];
    return l === undefined ? undefined : { address: l.address, port: l.port };
  }

  /** Number of open TCP connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  onMessage(listener: InboundListener): () => void {
    return this.emitter.on("message", listener);
  }

  async send(message: SipMessage, target: TransportTarget): Promise<void> {
    const data = serialize(message);
    if (target.transport === "udp") await this.sendUdp(data, target.address, target.port);
    else await this.sendTcp(data, target.address, target.port);
  }

  async sendResponse(response: SipResponse): Promise<void> {
    const route = routeOfResponse(response);
    const data = serialize(response);
    if (route.transport === "udp") await this.sendUdp(data, route.address, route.port);
    else await this.sendResponseTcp(data, route);
  }

  dispatch(message: SipMessage, target: TransportTarget, listener: SendFailureListener): void {
    let data: Buffer;
    try {
      data = serialize(message);
    } catch (err) {
      failLater(listener, err);
      return;
    }
    if (target.transport === "udp") {
      this.dispatchUdp(data, target.address, target.port, listener);
      return;
    }
    this.sendTcp(data, target.address, target.port).catch((err: unknown) => {
      listener.sendFailed(asError(err));
    });
  }

  dispatchResponse(response: SipResponse, listener: SendFailureListener): void {
    let route: ResponseRoute;
    let data: Buffer;
    try {
      route = routeOfResponse(response);
      data = serialize(response);
    } catch (err) {
      failLater(listener, err);
      return;
    }
    if (route.transport === "udp") {
      this.dispatchUdp(data, route.address, route.port, listener);
      return;
    }
    this.sendResponseTcp(data, route).catch((err: unknown) => {
      listener.sendFailed(asError(err));
    });
  }

  /** Closes every socket and connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.connections.values()]) c.close();
    this.connections.clear();
    this.aliases.clear();
    const waits: Promise<void>[] = [];
    for (const u of this.udp.splice(0)) {
      waits.push(
        new Promise((resolve) => {
          try {
            u.socket.close(() => {
              resolve();
            });
          } catch {
            resolve();
          }
        }),
      );
    }
    for (const s of this.servers.splice(0)) {
      waits.push(
        new Promise((resolve) => {
          s.server.close(() => {
            resolve();
          });
        }),
      );
    }
    await Promise.all(waits);
    this.emitter.removeAllListeners();
  }

  private async bindUdp(spec: ListenSpec): Promise<void> {
    const fam = family(spec.address);
    const socket = createSocket({ type: fam === "IPv6" ? "udp6" : "udp4", lookup: literalFirstLookup });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(spec.port, spec.address, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    raiseReceiveBuffer(socket);
    const bound = socket.address();
    const listener: BoundListener = {
      transport: "udp",
      address: bound.address,
      port: bound.port,
      family: fam,
    };
    socket.on("error", (err) => {
      this.logger.warn("udp socket error", { err, local: `${listener.address}:${listener.port}` });
    });
    // One Endpoint object for every datagram of this socket (transactions keep it).
    const local: Endpoint = { address: listener.address, port: listener.port };
    socket.on("message", (buf: Buffer, rinfo: RemoteInfo) => {
      this.onDatagram(buf, rinfo, local);
    });
    this.udp.push({ socket, listener });
  }

  private async bindTcp(spec: ListenSpec): Promise<void> {
    const server = createServer((socket) => {
      this.adopt(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: spec.address, port: spec.port }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (err) => {
      this.logger.warn("tcp server error", { err });
    });
    const addr = server.address();
    const port = typeof addr === "object" && addr !== null ? addr.port : spec.port;
    const address = typeof addr === "object" && addr !== null ? addr.address : spec.address;
    this.servers.push({
      server,
      listener: { transport: "tcp", address, port, family: family(spec.address) },
    });
  }

  private adopt(socket: Socket): TcpConnection {
    const conn = new TcpConnection(socket, {
      idleTimeoutMs: this.idleTimeoutMs,
      logger: this.logger,
      ...(this.options.framer === undefined ? {} : { framer: this.options.framer }),
      onFrame: (c, ev) => {
        this.onFrame(c, ev);
      },
      onClose: (c) => {
        this.forget(c);
      },
    });
    if (this.closed) {
      conn.close();
      return conn;
    }
    this.connections.set(conn.key, conn);
    return conn;
  }

  private forget(conn: TcpConnection): void {
    if (this.connections.get(conn.key) === conn) this.connections.delete(conn.key);
    for (const [k, c] of this.aliases) if (c === conn) this.aliases.delete(k);
  }

  private findConnection(address: string, port: number): TcpConnection | undefined {
    const key = endpointKey(address, port);
    const c = this.connections.get(key) ?? this.aliases.get(key);
    return c === undefined || c.closed ? undefined : c;
  }

  // An open connection to the endpoint, reusing one when it exists (RFC 3261 §18.1.1).
  private async connection(address: string, port: number): Promise<TcpConnection> {
    const found = this.findConnection(address, port);
    if (found) return found;
    if (this.closed) throw new LinekeyError("SIP_ERR_TRANSPORT", "transport is closed");
    const key = endpointKey(address, port);
    let pending = this.connecting.get(key);
    if (pending === undefined) {
      pending = this.open(address, port).finally(() => this.connecting.delete(key));
      this.connecting.set(key, pending);
    }
    return pending;
  }

  private open(address: string, port: number): Promise<TcpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new LinekeyError("SIP_ERR_TRANSPORT", `connect to ${address}:${port} timed out`));
      }, this.connectTimeoutMs);
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(new LinekeyError("SIP_ERR_TRANSPORT", `connect to ${address}:${port} failed`, { cause: err }));
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        const conn = this.adopt(socket);
        // A name or another spelling of the address finds this connection too.
        const asked = endpointKey(address, port);
        if (asked !== conn.key) this.aliases.set(asked, conn);
        if (conn.closed) reject(new LinekeyError("SIP_ERR_TRANSPORT", "transport is closed"));
        else resolve(conn);
      });
    });
  }

  private async sendTcp(data: Buffer, address: string, port: number): Promise<void> {
    const conn = await this.connection(address, port);
    await conn.write(data);
  }

  private async sendResponseTcp(data: Buffer, route: ResponseRoute): Promise<void> {
    // RFC 3261 §18.2.2: reuse the connection the request came on; if it is gone, open one to
    // received (or sent-by) at the sent-by port.
    const existing = this.findConnection(route.address, route.port);
    const conn = existing ?? (await this.connection(route.address, route.connectPort));
    await conn.write(data);
  }

  private udpSocket(ipVersion: number): UdpEntry | undefined {
    if (this.udp.length === 1) return this.udp[0];
    const fam = ipVersion === 6 ? "IPv6" : "IPv4";
    return this.udp.find((u) => u.listener.family === fam) ?? this.udp[0];
  }

  private sendUdp(data: Buffer, address: string, port: number): Promise<void> {
    const ipVersion = isIP(address);
    const entry = this.udpSocket(ipVersion);
    if (entry === undefined) return Promise.reject(noUdpSocket());
    return new Promise((resolve, reject) => {
      entry.socket.send(data, port, udpDestination(entry, address, ipVersion), (err) => {
        if (err) reject(udpSendFailed(address, port, err));
        else resolve();
      });
    });
  }

  private dispatchUdp(data: Buffer, address: string, port: number, listener: SendFailureListener): void {
    const ipVersion = isIP(address);
    const entry = this.udpSocket(ipVersion);
    if (entry === undefined) {
      failLater(listener, noUdpSocket());
      return;
    }
    try {
      // The callback is what hears of a failed send: without one, dgram drops send errors.
      entry.socket.send(data, port, udpDestination(entry, address, ipVersion), (err) => {
        if (err) listener.sendFailed(udpSendFailed(address, port, err));
      });
    } catch (err) {
      // A closed socket or a bad port, which sendUdp's promise would turn into a rejection.
      failLater(listener, err);
    }
  }

  private onDatagram(buf: Buffer, rinfo: RemoteInfo, local: Endpoint): void {
    if (isKeepAlive(buf)) return;
    const info: ReceivedInfo = {
      transport: "udp",
      remote: { address: normalizeAddress(rinfo.address), port: rinfo.port },
      local,
    };
    let message: SipMessage;
    try {
      message = parseMessage(buf, { datagram: true });
    } catch (err) {
      if (err instanceof SipParseError) this.onMalformed(err, info, undefined);
      else this.logger.error("unexpected parser failure", { err });
      return;
    }
    this.deliver(message, info, undefined);
  }

  private onFrame(conn: TcpConnection, ev: FrameEvent): void {
    const info: ReceivedInfo = { transport: "tcp", remote: conn.remote, local: conn.local };
    if (ev.type === "ping") {
      // RFC 5626 §3.5.1: answer a CRLFCRLF ping with a CRLF pong.
      conn.write("\r\n").catch(() => undefined);
      return;
    }
    if (ev.type === "error") {
      this.onFramingError(conn, ev, info);
      return;
    }
    let message: SipMessage;
    try {
      message = parseMessage(ev.data, { datagram: false });
    } catch (err) {
      if (err instanceof SipParseError) this.onMalformed(err, info, conn);
      else this.logger.error("unexpected parser failure", { err });
      return;
    }
    this.deliver(message, info, conn);
  }

  private onFramingError(
    conn: TcpConnection,
    ev: Extract<FrameEvent, { type: "error" }>,
    info: ReceivedInfo,
  ): void {
    this.logger.warn("malformed sip stream", { remote: conn.key, reason: ev.reason });
    let answer: SipResponse | undefined;
    if (ev.head !== undefined) {
      try {
        const m = parseMessage(ev.head, { datagram: true });
        if (m.kind === "request" && m.method !== "ACK") {
          answer = createResponse(m, 400, ev.reason, { toTag: generateTag() });
        }
      } catch (err) {
        if (err instanceof SipParseError) answer = createParseErrorResponse(err);
      }
    }
    const done = (): void => {
      if (ev.fatal) conn.end();
    };
    if (answer === undefined) {
      done();
      return;
    }
    this.logger.debug("answering malformed request", { remote: info.remote, status: answer.status });
    conn.write(serialize(answer)).then(done, done);
  }

  private onMalformed(err: SipParseError, info: ReceivedInfo, conn: TcpConnection | undefined): void {
    const level = err.isRequest === undefined ? "debug" : "warn";
    this.logger[level]("malformed sip message", {
      transport: info.transport,
      remote: `${info.remote.address}:${info.remote.port}`,
      reason: err.reason,
      request: err.isRequest,
    });
    // RFC 3261 §18.1.2: a malformed response is discarded. A request is answered when its Via
    // can be read (§8.2.1 / §16.3); ACK is never answered.
    const answer = err.method === "ACK" ? undefined : createParseErrorResponse(err);
    if (answer === undefined) return;
    const send = conn !== undefined ? conn.write(serialize(answer)) : this.answerDatagram(answer, info);
    send.catch((e: unknown) => {
      this.logger.debug("cannot answer malformed request", { err: e });
    });
  }

  private answerDatagram(answer: SipResponse, info: ReceivedInfo): Promise<void> {
    // The malformed request was never stamped: do it on the answer's copy of the top Via so the
    // usual RFC 3261 §18.2.2 / RFC 3581 §5 routing applies.
    const via = answer.topVia;
    if (via !== undefined) {
      if (via.hasRport && via.rport === undefined) via.params.set("rport", String(info.remote.port));
      via.params.set("received", info.remote.address);
      answer.headers.replaceFirst("Via", via.toString());
    }
    const route = via === undefined ? undefined : responseRoute(via);
    return this.sendUdp(serialize(answer), info.remote.address, route?.port ?? info.remote.port);
  }

  private deliver(message: SipMessage, info: ReceivedInfo, conn: TcpConnection | undefined): void {
    if (message.kind === "request") {
      stampReceived(message, info.remote);
      if (conn !== undefined) {
        // Remember which connection answers go back on (RFC 3261 §18.2.2): the response route
        // may name the sent-by port rather than the connection's source port.
        const via = message.topVia;
        const route = via === undefined ? undefined : responseRoute(via);
        if (route?.transport === "tcp") {
          const key = endpointKey(route.address, route.port);
          const current = this.findConnection(route.address, route.port);
          if (current === undefined) this.aliases.set(key, conn);
        }
      }
    }
    this.emitter.emit("message", {
      message,
      transport: info.transport,
      remote: info.remote,
      local: info.local,
    });
  }
}

/** Creates and starts a transport layer. */
export async function startTransportLayer(options: TransportLayerOptions): Promise<SipTransportLayer> {
  const layer = new SipTransportLayer(options);
  await layer.start();
  return layer;
}
