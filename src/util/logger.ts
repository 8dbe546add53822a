/**
 * A small structured logger. Records go to a sink (stderr by default) as one line each, either
 * human-readable text or JSON. Child loggers add context fields (device, call, ...).
 */

/** Log levels, lowest first. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "silent";

const ORDER: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, silent: 100 };

/** One log record as handed to a sink. */
export interface LogRecord {
  readonly time: number;
  readonly level: Exclude<LogLevel, "silent">;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Where records go. */
export type LogSink = (record: LogRecord) => void;

/** Structured logger with child contexts. */
export interface Logger {
  readonly level: LogLevel;
  trace(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  enabled(level: LogLevel): boolean;
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === "string") return /^[\w.:/@-]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v);
  return JSON.stringify(v);
}

/** Text sink: `2026-11-21T10:00:00.000Z INFO  msg key=value ...` on stderr. */
export function textSink(write: (line: string) => void = (l) => process.stderr.write(l)): LogSink {
  return (r) => {
    const kv = Object.entries(r.fields)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(" ");
    write(
      `${new Date(r.time).toISOString()} ${r.level.toUpperCase().padEnd(5)} ${r.msg}${kv ? ` ${kv}` : ""}\n`,
    );
  };
}

/** JSON-lines sink on stderr. */
export function jsonSink(write: (line: string) => void = (l) => process.stderr.write(l)): LogSink {
  return (r) => {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r.fields)) fields[k] = v instanceof Error ? v.message : v;
    write(`${JSON.stringify({ time: r.time, level: r.level, msg: r.msg, ...fields })}\n`);
  };
}

class SinkLogger implements Logger {
  constructor(
    readonly level: LogLevel,
    private readonly sink: LogSink,
    private readonly context: Readonly<Record<string, unknown>>,
  ) {}
  enabled(level: LogLevel): boolean {
    return ORDER[level] >= ORDER[this.level] && level !== "silent";
  }
  private emit(level: Exclude<LogLevel, "silent">, msg: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < ORDER[this.level]) return;
    try {
      this.sink({
        time: Date.now(),
        level,
        msg,
        fields: fields ? { ...this.context, ...fields } : this.context,
      });
    } catch {
      // A broken sink (closed stderr) must never break call handling.
    }
  }
  trace(msg: string, fields?: Record<string, unknown>): void {
    this.emit("trace", msg, fields);
  }
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.emit("debug", msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.emit("info", msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.emit("warn", msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.emit("error", msg, fields);
  }
  child(fields: Record<string, unknown>): Logger {
    return new SinkLogger(this.level, this.sink, { ...this.context, ...fields });
  }
}

/** Creates a logger. Defaults: level `info`, text on stderr. */
export function createLogger(opts: { level?: LogLevel; sink?: LogSink } = {}): Logger {
  return new SinkLogger(opts.level ?? "info", opts.sink ?? textSink(), {});
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = createLogger({ level: "silent" });

/** A logger that keeps records in memory, for tests that assert what was logged. */
export function memoryLogger(level: LogLevel = "trace"): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  return { logger: createLogger({ level, sink: (r) => records.push(r) }), records };
}
