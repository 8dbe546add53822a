/**
 * The console wire protocol shared by console-server and console-client: newline-delimited JSON
 * over a UNIX socket or loopback TCP.
 *
 * Requests:  `{"id":1,"cmd":"sccp show devices"}`, `{"id":2,"complete":"sccp sh"}`,
 *            `{"id":3,"subscribe":"logs"}` (id optional), `{"unsubscribe":"logs"}`.
 * Responses: `{"id":1,"ok":true,"output":"..."}`, `{"id":2,"completions":[...],"prefix":"sh"}`,
 *            `{"id":3,"subscribed":"logs","banner":"..."}`, `{"id":null,"error":"bad JSON: ..."}`.
 * Pushes:    `{"log":"..."}` to connections that subscribed to logs.
 * The server answers requests of one connection in the order they arrived.
 */
import { LinekeyError } from "../util/errors.ts";

/** Where a console listens / a client connects. */
export type ConsoleTarget = { readonly path: string } | { readonly host: string; readonly port: number };

/** A request id: whatever the client sent (number or string), or null when it sent none. */
export type RequestId = number | string | null;

/** A request as the server understands it after validation. */
export type ConsoleRequest =
  | { readonly kind: "cmd"; readonly id: RequestId; readonly cmd: string }
  | { readonly kind: "complete"; readonly id: RequestId; readonly line: string }
  | { readonly kind: "subscribe"; readonly id: RequestId; readonly topic: "logs" }
  | { readonly kind: "unsubscribe"; readonly id: RequestId; readonly topic: "logs" }
  | { readonly kind: "invalid"; readonly id: RequestId; readonly error: string };

/** A reply to one request. */
export type ConsoleResponse =
  | { id: RequestId; ok: boolean; output: string }
  | { id: RequestId; completions: string[]; prefix: string }
  | { id: RequestId; subscribed: "logs" | null; banner?: string }
  | { id: RequestId; error: string };

/** A log line pushed to subscribed consoles. */
export interface LogPush {
  log: string;
}

/** Anything the server sends. */
export type ServerMessage = ConsoleResponse | LogPush;

/** Longest line either side accepts; a peer sending more without a newline is cut off. */
export const MAX_LINE_CHARS = 1024 * 1024;

/** Serialises one message as a protocol line. */
export function encodeLine(msg: ServerMessage | Record<string, unknown>): string {
  return `${JSON.stringify(msg)}\n`;
}

/**
 * Reassembles newline-delimited lines from string chunks (set the socket's encoding to utf8 so
 * multi-byte characters split across chunks are decoded whole).
 */
export class LineReader {
  private buf = "";
  /** Returns the complete lines in `chunk`; throws MGMT_ERR_COMMAND when a line exceeds the limit. */
  push(chunk: string): string[] {
    this.buf += chunk;
    const parts = this.buf.split("\n");
    this.buf = parts.pop() ?? "";
    if (this.buf.length > MAX_LINE_CHARS) {
      this.buf = "";
      throw new LinekeyError("MGMT_ERR_COMMAND", `console line longer than ${MAX_LINE_CHARS} characters`);
    }
    return parts.map((p) => (p.endsWith("\r") ? p.slice(0, -1) : p)).filter((p) => p.trim() !== "");
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function idOf(v: unknown): RequestId {
  return typeof v === "number" || typeof v === "string" ? v : null;
}

/** Parses and validates one request line; malformed input yields `kind: "invalid"`, never a throw. */
export function parseRequest(line: string): ConsoleRequest {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch (err) {
    return {
      kind: "invalid",
      id: null,
      error: `bad JSON: ${err instanceof Error ? err.message : "parse error"}`,
    };
  }
  if (!isRecord(msg)) return { kind: "invalid", id: null, error: "bad request: expected a JSON object" };
  const id = idOf(msg.id);
  if (msg.id !== undefined && msg.id !== null && id === null) {
    return { kind: "invalid", id: null, error: "bad request: id must be a number or a string" };
  }
  if (typeof msg.cmd === "string") return { kind: "cmd", id, cmd: msg.cmd };
  if (typeof msg.complete === "string") return { kind: "complete", id, line: msg.complete };
  if (msg.subscribe === "logs") return { kind: "subscribe", id, topic: "logs" };
  if (msg.unsubscribe === "logs") return { kind: "unsubscribe", id, topic: "logs" };
  if ("subscribe" in msg || "unsubscribe" in msg) {
    return { kind: "invalid", id, error: 'bad request: the only subscription is "logs"' };
  }
  return { kind: "invalid", id, error: "bad request: expected one of cmd, complete, subscribe" };
}

/** Parses one line from the server; undefined when it is not a console protocol message. */
export function parseServerMessage(line: string): ServerMessage | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(msg)) return undefined;
  if (typeof msg.log === "string") return { log: msg.log };
  const id = idOf(msg.id);
  if (typeof msg.ok === "boolean" && typeof msg.output === "string") {
    return { id, ok: msg.ok, output: msg.output };
  }
  if (Array.isArray(msg.completions) && typeof msg.prefix === "string") {
    const completions = msg.completions.filter((c): c is string => typeof c === "string");
    return { id, completions, prefix: msg.prefix };
  }
  if ("subscribed" in msg) {
    const subscribed = msg.subscribed === "logs" ? "logs" : null;
    return typeof msg.banner === "string" ? { id, subscribed, banner: msg.banner } : { id, subscribed };
  }
  if (typeof msg.error === "string") return { id, error: msg.error };
  return undefined;
}

/** Human-readable target, for messages. */
export function describeTarget(target: ConsoleTarget): string {
  return "path" in target ? target.path : `${target.host}:${target.port}`;
}
