/**
 * The client side of the console: `linekey -rx "COMMAND"` ({@link runCommand}) and the
 * interactive `linekey -r` ({@link attachConsole}), both over console-protocol.ts.
 */
import { connect } from "node:net";
import type { Socket } from "node:net";
import { clearScreenDown, createInterface, cursorTo } from "node:readline";
import type { CompleterResult } from "node:readline";
import { LinekeyError } from "../util/errors.ts";
import type { CommandOutcome } from "./commands.ts";
import { LineReader, describeTarget, encodeLine, parseServerMessage } from "./console-protocol.ts";
import type { ConsoleResponse, ConsoleTarget } from "./console-protocol.ts";

export type { ConsoleTarget } from "./console-protocol.ts";

/** Default for {@link runCommand}: long enough for a slow command, short enough for scripts. */
const DEFAULT_TIMEOUT_MS = 10_000;

interface Pending {
  resolve(msg: ConsoleResponse): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
}

function noServer(target: ConsoleTarget, detail: string, cause?: unknown): LinekeyError {
  const where = describeTarget(target);
  const hint =
    "path" in target ? ` (is the server running? does ${where} exist?)` : " (is the server running?)";
  return new LinekeyError(
    "MGMT_ERR_NO_SERVER",
    `Unable to connect to Linekey at ${where}: ${detail}${hint}`,
    {
      cause,
    },
  );
}

/**
 * One open console connection: many requests, answered in order, plus pushed log lines.
 * Used by {@link runCommand} and {@link attachConsole}; exported for tools and tests.
 */
export class ConsoleConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly reader = new LineReader();
  private onLog: ((line: string) => void) | undefined;
  private lost: LinekeyError | undefined;
  /** Resolves when the connection is gone (closed by either side). */
  readonly closed: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    readonly target: ConsoleTarget,
  ) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.onData(chunk);
    });
    this.closed = new Promise((res) => {
      socket.once("close", () => {
        this.fail(noServer(target, "connection closed by the server"));
        res();
      });
    });
    socket.on("error", () => {
      // 'close' follows and settles everything; without a listener the error would throw.
    });
  }

  /** Connects; rejects with MGMT_ERR_NO_SERVER when nothing answers within `timeoutMs`. */
  static connect(target: ConsoleTarget, opts: { timeoutMs?: number } = {}): Promise<ConsoleConnection> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((res, rej) => {
      const socket = "path" in target ? connect(target.path) : connect(target.port, target.host);
      const timer = setTimeout(() => {
        socket.destroy();
        rej(noServer(target, `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        const code = "code" in err && typeof err.code === "string" ? err.code : err.message;
        rej(noServer(target, code, err));
      };
      socket.once("error", onError);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.off("error", onError);
        res(new ConsoleConnection(socket, target));
      });
    });
  }

  /** Runs one command line on the server. */
  async run(line: string, timeoutMs?: number): Promise<CommandOutcome> {
    const reply = await this.request({ cmd: line }, timeoutMs);
    if ("ok" in reply)
      return reply.ok ? { ok: true, output: reply.output } : { ok: false, output: reply.output };
    if ("error" in reply) return { ok: false, output: reply.error };
    throw this.protocolError();
  }

  /** Asks the server to complete `line`; result in node:readline completer shape. */
  async complete(line: string, timeoutMs?: number): Promise<CompleterResult> {
    const reply = await this.request({ complete: line }, timeoutMs);
    if ("completions" in reply) return [reply.completions, reply.prefix];
    if ("error" in reply) return [[], ""];
    throw this.protocolError();
  }

  /** Subscribes to pushed log lines; resolves with the server's banner, if it has one. */
  async subscribeLogs(onLog: (line: string) => void, timeoutMs?: number): Promise<string | undefined> {
    this.onLog = onLog;
    const reply = await this.request({ subscribe: "logs" }, timeoutMs);
    return "banner" in reply ? reply.banner : undefined;
  }

  /** Closes the connection; pending requests reject with MGMT_ERR_NO_SERVER. */
  close(): void {
    this.socket.destroy();
  }

  private request(body: Record<string, unknown>, timeoutMs?: number): Promise<ConsoleResponse> {
    if (this.lost) return Promise.reject(this.lost);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.pending.delete(id);
              reject(noServer(this.target, `no answer within ${timeoutMs} ms`));
            }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.write(encodeLine({ id, ...body }));
    });
  }

  private onData(chunk: string): void {
    let lines: string[];
    try {
      lines = this.reader.push(chunk);
    } catch {
      this.fail(this.protocolError());
      this.socket.destroy();
      return;
    }
    for (const line of lines) {
      const msg = parseServerMessage(line);
      if (msg === undefined) {
        // Something else listens there (another service's socket): not a Linekey console.
        this.fail(this.protocolError());
        this.socket.destroy();
        return;
      }
      if ("log" in msg) {
        this.onLog?.(msg.log);
        continue;
      }
      if (typeof msg.id !== "number") continue;
      const p = this.pending.get(msg.id);
      if (!p) continue;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      p.resolve(msg);
    }
  }

  private fail(err: LinekeyError): void {
    this.lost ??= err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  private protocolError(): LinekeyError {
    return noServer(this.target, "the peer does not speak the Linekey console protocol");
  }
}

/**
 * Runs one command on the server (`linekey -rx`). Resolves with the command's outcome, also
 * when the command is unknown or failed (`ok: false`). Rejects with MGMT_ERR_NO_SERVER when no
 * server answers: missing socket, connection refused, or no reply within `timeoutMs` (default
 * 10 s, covering connect and command).
 */
export async function runCommand(
  target: ConsoleTarget,
  line: string,
  opts: { timeoutMs?: number } = {},
): Promise<CommandOutcome> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  const conn = await ConsoleConnection.connect(target, { timeoutMs });
  try {
    return await conn.run(line, Math.max(1, timeoutMs - (Date.now() - started)));
  } finally {
    conn.close();
  }
}

/** Options for {@link attachConsole}. */
export interface AttachOptions {
  readonly input?: NodeJS.ReadableStream;
  readonly output?: NodeJS.WritableStream;
  /** Default `linekey*CLI> `. */
  readonly prompt?: string;
  /** Line editing and Tab completion; default: whether `output` is a TTY. */
  readonly terminal?: boolean;
  /** Connect timeout, default 10 s. Commands themselves may take as long as they need. */
  readonly timeoutMs?: number;
  /** Ends the console when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * The interactive console (`linekey -r`): a readline prompt whose lines run on the server, with
 * Tab completion from the server and the server's log lines printed above the prompt.
 * `exit`, `quit`, Ctrl-D or Ctrl-C leave it. Rejects with MGMT_ERR_NO_SERVER when it cannot
 * connect; otherwise resolves when the console ends (also when the server goes away).
 */
export async function attachConsole(target: ConsoleTarget, opts: AttachOptions = {}): Promise<void> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const terminal = opts.terminal ?? ("isTTY" in output && output.isTTY);
  const conn = await ConsoleConnection.connect(
    target,
    opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs },
  );

  let busy = false;
  let ended = false;
  // A function, not the variable: TypeScript keeps narrowings of `ended` across awaits.
  const isEnded = (): boolean => ended;
  const write = (text: string): void => {
    if (text !== "") output.write(text.endsWith("\n") ? text : `${text}\n`);
  };
  const rl = createInterface({
    input,
    output,
    terminal,
    prompt: opts.prompt ?? "linekey*CLI> ",
    historySize: 1000,
    completer: (line: string, callback: (err: null | Error, result: CompleterResult) => void) => {
      conn.complete(line, 5000).then(
        (result) => {
          callback(null, result);
        },
        () => {
          callback(null, [[], line]);
        },
      );
    },
  });

  const printAbove = (text: string): void => {
    if (ended) return;
    if (!terminal || busy) {
      write(text);
      return;
    }
    // Wipe the prompt line, print, then redraw prompt and whatever was being typed.
    cursorTo(output, 0);
    clearScreenDown(output);
    write(text);
    rl.prompt(true);
  };

  const done = new Promise<void>((resolve) => {
    rl.once("close", () => {
      ended = true;
      if (terminal) output.write("\n");
      conn.close();
      resolve();
    });
  });
  const onAbort = (): void => {
    rl.close();
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  if (opts.signal?.aborted) rl.close();

  void conn.closed.then(() => {
    if (ended) return;
    write("Disconnected from Linekey server");
    rl.close();
  });

  // Lines typed while a command runs queue up and run in order, like a shell.
  let queue = Promise.resolve();
  rl.on("line", (line: string) => {
    const cmd = line.trim();
    if (/^(exit|quit)$/i.test(cmd)) {
      rl.close();
      return;
    }
    queue = queue.then(async () => {
      if (ended) return;
      if (cmd !== "") {
        busy = true;
        try {
          write((await conn.run(cmd)).output);
        } catch {
          // The connection dropped; conn.closed reports it and ends the console.
          return;
        } finally {
          busy = false;
        }
      }
      if (!isEnded()) rl.prompt();
    });
  });

  try {
    const banner = await conn.subscribeLogs(printAbove, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    write(banner === undefined ? `Connected to Linekey at ${describeTarget(target)}` : banner);
  } catch {
    // An old or busy server without log push still runs commands; carry on without logs.
  }
  if (!isEnded()) rl.prompt();
  await done;
  opts.signal?.removeEventListener("abort", onAbort);
}
