/**
 * The console listener behind `linekey -r` / `-rx`: a UNIX domain socket (and optionally a
 * loopback TCP port for systems without UNIX sockets) speaking the newline-delimited JSON of
 * console-protocol.ts. Commands run through a CommandRegistry; log lines are pushed to consoles
 * that subscribed.
 *
 * The console has no authentication: access control is the socket file's permissions (0600 in
 * a 0700 folder by default). A TCP console is reachable by every local user; use it only where
 * UNIX sockets are unavailable.
 */
import { chmod, lstat, mkdir, unlink } from "node:fs/promises";
import { connect, createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { dirname } from "node:path";
import { LinekeyError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import type { CommandOutcome } from "./commands.ts";
import { MAX_SOCKET_PATH_BYTES } from "./console-path.ts";
import { LineReader, encodeLine, parseRequest } from "./console-protocol.ts";
import type { ConsoleRequest, ConsoleResponse, ServerMessage } from "./console-protocol.ts";

/** What the server needs from a command registry. */
export interface CommandRunner {
  run(line: string): Promise<CommandOutcome>;
  complete(line: string): [string[], string];
}

/** Options for {@link ConsoleServer.listen}. At least one of `path` and `tcp` is required. */
export interface ConsoleListenOptions {
  /** UNIX socket path (see consoleSocketPath). */
  readonly path?: string | undefined;
  /** Loopback TCP listener; port 0 picks a free port (read it back from `tcpAddress`). */
  readonly tcp?: { readonly port: number; readonly host?: string } | undefined;
  /** Sent to consoles when they subscribe to logs, e.g. "Linekey 0.1.0 on host (pid 123)". */
  readonly banner?: string | undefined;
  /** Permission bits for the socket file; default 0o600 (owner only). */
  readonly socketMode?: number | undefined;
}

/** Per-connection request backlog above which reading pauses (a client flooding requests). */
const PAUSE_AT = 64;
const RESUME_AT = 16;
/** Output queued to one console above which pushed log lines are dropped for it. */
const MAX_LOG_BACKLOG_BYTES = 1024 * 1024;
/** How long the stale-socket probe waits for a connect to complete. */
const PROBE_TIMEOUT_MS = 1000;

interface Client {
  readonly socket: Socket;
  readonly reader: LineReader;
  /** Requests of this connection run one after the other so replies keep request order. */
  chain: Promise<void>;
  queued: number;
  logs: boolean;
}

/**
 * Console listener. `new ConsoleServer(registry, log)`, `await listen({ path })`, and
 * `await close()` on shutdown.
 */
export class ConsoleServer {
  private readonly clients = new Set<Client>();
  private unixServer: Server | undefined;
  private tcpServer: Server | undefined;
  private boundPath: string | undefined;
  private banner: string | undefined;
  private started = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly commands: CommandRunner,
    private readonly log?: Logger,
  ) {}

  /**
   * Starts listening. A leftover socket file nobody answers on is removed first; if another
   * server answers on it, rejects with MGMT_ERR_IN_USE and leaves it alone. Other failures
   * (path too long, not a socket, permissions, non-loopback TCP host) reject with MGMT_ERR_LISTEN.
   */
  async listen(opts: ConsoleListenOptions): Promise<void> {
    // Set before the first await so two overlapping calls cannot both bind.
    if (this.started)
      throw new LinekeyError("MGMT_ERR_LISTEN", "listen() may be called once per console server");
    this.started = true;
    const { path, tcp } = opts;
    if (path === undefined && tcp === undefined) {
      throw new LinekeyError("MGMT_ERR_LISTEN", "console server needs a socket path or a TCP port");
    }
    if (tcp) assertLoopback(tcp.host ?? "127.0.0.1");
    this.banner = opts.banner;
    try {
      if (path !== undefined) {
        await prepareSocketPath(path);
        const server = this.newServer();
        await listen(server, path, `console socket ${path}`, this.log);
        this.unixServer = server;
        this.boundPath = path;
        await chmod(path, opts.socketMode ?? 0o600);
        this.log?.info("console listening", { path });
      }
      if (tcp) {
        const host = tcp.host ?? "127.0.0.1";
        const server = this.newServer();
        await listen(server, { host, port: tcp.port }, `console TCP ${host}:${tcp.port}`, this.log);
        this.tcpServer = server;
        this.log?.info("console listening", { tcp: `${host}:${this.tcpAddress?.port ?? tcp.port}` });
      }
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** The UNIX socket path while listening. */
  get path(): string | undefined {
    return this.boundPath;
  }

  /** The bound TCP address while listening (port resolved when 0 was asked). */
  get tcpAddress(): { host: string; port: number } | undefined {
    const a = this.tcpServer?.address();
    return a !== undefined && a !== null && typeof a === "object"
      ? { host: a.address, port: a.port }
      : undefined;
  }

  /** Number of connected consoles. */
  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Pushes one log line to every console that subscribed with `{"subscribe":"logs"}`. Consoles
   * too far behind silently miss lines. This never logs itself: a logger sink may call it.
   */
  broadcastLog(line: string): void {
    const text = line.endsWith("\n") ? line.slice(0, -1) : line;
    let encoded: string | undefined;
    for (const c of this.clients) {
      if (!c.logs || !c.socket.writable || c.socket.writableLength > MAX_LOG_BACKLOG_BYTES) continue;
      encoded ??= encodeLine({ log: text });
      c.socket.write(encoded);
    }
  }

  /** Stops listening, disconnects every console and removes the socket file. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const servers = [this.unixServer, this.tcpServer].filter((s): s is Server => s !== undefined);
    const closed = servers.map((s) => new Promise<void>((res) => s.close(() => res())));
    for (const c of this.clients) c.socket.destroy();
    this.clients.clear();
    await Promise.all(closed);
    if (this.boundPath !== undefined) {
      // libuv usually unlinks a pipe it bound on close; this covers the rest.
      await unlink(this.boundPath).catch(() => undefined);
      this.log?.info("console closed", { path: this.boundPath });
    }
    this.unixServer = undefined;
    this.tcpServer = undefined;
  }

  private newServer(): Server {
    return createServer((socket) => {
      this.accept(socket);
    });
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const client: Client = {
      socket,
      reader: new LineReader(),
      chain: Promise.resolve(),
      queued: 0,
      logs: false,
    };
    this.clients.add(client);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(client, chunk));
    socket.on("error", (err) => this.log?.debug("console connection error", { err }));
    socket.on("close", () => this.clients.delete(client));
    this.log?.debug("console attached", { clients: this.clients.size });
  }

  private onData(client: Client, chunk: string): void {
    let lines: string[];
    try {
      lines = client.reader.push(chunk);
    } catch (err) {
      // An endless line is not a console; answer once and hang up rather than buffer forever.
      const message = err instanceof Error ? err.message : String(err);
      client.socket.end(encodeLine({ id: null, error: message }));
      return;
    }
    for (const line of lines) {
      client.queued++;
      if (client.queued >= PAUSE_AT) client.socket.pause();
      client.chain = client.chain
        .then(async () => {
          send(client.socket, await this.handle(client, parseRequest(line)));
        })
        .catch((err: unknown) => {
          // Unreachable by design (handle() catches); a rejected chain would kill the process.
          this.log?.error("console request failed", { err });
        })
        .finally(() => {
          client.queued--;
          if (client.queued <= RESUME_AT && client.socket.isPaused()) client.socket.resume();
        });
    }
  }

  private async handle(client: Client, req: ConsoleRequest): Promise<ConsoleResponse> {
    switch (req.kind) {
      case "cmd": {
        // CommandRegistry.run never rejects; a CommandRunner double might, so guard anyway.
        const out = await this.commands.run(req.cmd).catch((err: unknown): CommandOutcome => ({
          ok: false,
          output: err instanceof Error ? err.message : String(err),
        }));
        return { id: req.id, ok: out.ok, output: out.output };
      }
      case "complete": {
        try {
          const [completions, prefix] = this.commands.complete(req.line);
          return { id: req.id, completions, prefix };
        } catch (err) {
          return { id: req.id, error: err instanceof Error ? err.message : String(err) };
        }
      }
      case "subscribe":
        client.logs = true;
        return this.banner === undefined
          ? { id: req.id, subscribed: "logs" }
          : { id: req.id, subscribed: "logs", banner: this.banner };
      case "unsubscribe":
        client.logs = false;
        return { id: req.id, subscribed: null };
      case "invalid":
        return { id: req.id, error: req.error };
    }
  }
}

function send(socket: Socket, msg: ServerMessage): void {
  if (socket.writable) socket.write(encodeLine(msg));
}

function assertLoopback(host: string): void {
  if (host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return;
  throw new LinekeyError(
    "MGMT_ERR_LISTEN",
    `console TCP listener must bind a loopback address (127.0.0.1, ::1), not ${host}: it has no authentication`,
  );
}

function errnoOf(err: unknown): string | undefined {
  if (err instanceof Error && "code" in err && typeof err.code === "string") return err.code;
  return undefined;
}

/** Creates the socket folder and clears a stale socket file, or explains why it cannot. */
async function prepareSocketPath(path: string): Promise<void> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new LinekeyError(
      "MGMT_ERR_LISTEN",
      `console socket path is ${Buffer.byteLength(path)} bytes, the limit is ${MAX_SOCKET_PATH_BYTES}: ${path} (set console_socket to a shorter path)`,
    );
  }
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new LinekeyError(
      "MGMT_ERR_LISTEN",
      `cannot create folder for console socket ${path}: ${String(err)}`,
      {
        cause: err,
      },
    );
  }
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return;
    throw new LinekeyError("MGMT_ERR_LISTEN", `cannot inspect console socket ${path}: ${String(err)}`, {
      cause: err,
    });
  }
  if (!isSocket) {
    // Never delete a regular file someone pointed console_socket at by mistake.
    throw new LinekeyError("MGMT_ERR_LISTEN", `${path} exists and is not a socket; not replacing it`);
  }
  const probe = await probeSocket(path);
  if (probe.state === "answered") {
    throw new LinekeyError(
      "MGMT_ERR_IN_USE",
      `another Linekey server is already running with console socket ${path} (attach with 'linekey -r')`,
    );
  }
  if (probe.state === "error") {
    throw new LinekeyError("MGMT_ERR_LISTEN", `cannot check console socket ${path}: ${probe.message}`);
  }
  await unlink(path).catch((err: unknown) => {
    if (errnoOf(err) !== "ENOENT") {
      throw new LinekeyError(
        "MGMT_ERR_LISTEN",
        `cannot remove stale console socket ${path}: ${String(err)}`,
        {
          cause: err,
        },
      );
    }
  });
}

type Probe = { state: "answered" } | { state: "stale" } | { state: "error"; message: string };

/** "answered" when something accepts connections on `path`, "stale" when nothing does. */
function probeSocket(path: string): Promise<Probe> {
  return new Promise((res) => {
    const sock = connect(path);
    const done = (result: Probe): void => {
      clearTimeout(timer);
      sock.destroy();
      res(result);
    };
    // A listener that never completes the connect is still someone else's: do not take over.
    const timer = setTimeout(() => done({ state: "answered" }), PROBE_TIMEOUT_MS);
    sock.once("connect", () => done({ state: "answered" }));
    sock.once("error", (err) => {
      const code = errnoOf(err);
      done(
        code === "ECONNREFUSED" || code === "ENOENT"
          ? { state: "stale" }
          : { state: "error", message: String(err) },
      );
    });
  });
}

function listen(
  server: Server,
  where: string | { host: string; port: number },
  label: string,
  log: Logger | undefined,
): Promise<void> {
  return new Promise((res, rej) => {
    const onError = (err: Error): void => {
      const code = errnoOf(err);
      rej(
        code === "EADDRINUSE"
          ? new LinekeyError("MGMT_ERR_IN_USE", `${label} is already in use`, { cause: err })
          : new LinekeyError("MGMT_ERR_LISTEN", `cannot listen on ${label}: ${err.message}`, { cause: err }),
      );
    };
    server.once("error", onError);
    const onListening = (): void => {
      server.off("error", onError);
      server.on("error", (err) => log?.warn("console listener error", { err }));
      res();
    };
    if (typeof where === "string") server.listen(where, onListening);
    else server.listen(where.port, where.host, onListening);
  });
}
