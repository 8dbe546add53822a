/**
 * JSON-RPC 2.0 over HTTP on a loopback port (Kamailio's `jsonrpcs` transport): POST a request
 * object (or a batch array) to any path, get the response object back. Commands register by
 * name (`sca.all_subscriptions`, …); a command returns a JSON value (the `sca.*` commands: the
 * lines `kamcmd` prints, as an array of strings) or throws an error carrying a numeric
 * `faultCode` (Kamailio's RPC fault, e.g. 500 or 600).
 *
 * The port is `[general] rpc_port` of linekey.conf (0 = off), bound to `rpc_bindaddr`
 * (127.0.0.1): the commands change SCA state, so keep them off the network.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { LinekeyError } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";

/** A command: positional parameters in, a JSON value out. */
export type RpcHandler = (params: readonly unknown[]) => unknown;

/** JSON-RPC error codes of the specification. */
export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INTERNAL_ERROR = -32603;

/** Largest request body accepted. */
const MAX_BODY = 1 << 20;

/** A JSON-RPC error object. */
export interface RpcErrorObject {
  readonly code: number;
  readonly message: string;
}

/** A JSON-RPC response. */
export type RpcResponse =
  | { readonly jsonrpc: "2.0"; readonly id: unknown; readonly result: unknown }
  | { readonly jsonrpc: "2.0"; readonly id: unknown; readonly error: RpcErrorObject };

/** The commands served. */
export class RpcRegistry {
  private readonly handlers = new Map<string, RpcHandler>();

  /** Adds a command; a second registration of a name replaces the first. */
  register(method: string, handler: RpcHandler): void {
    this.handlers.set(method, handler);
  }

  /** Registered names, sorted. */
  get methods(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /** Runs one request object; undefined for a notification (no id). */
  async dispatch(req: unknown): Promise<RpcResponse | undefined> {
    if (typeof req !== "object" || req === null || Array.isArray(req)) {
      return { jsonrpc: "2.0", id: null, error: { code: RPC_INVALID_REQUEST, message: "Invalid Request" } };
    }
    const r = req as Record<string, unknown>;
    const id = "id" in r ? r["id"] : undefined;
    const method = r["method"];
    const params = r["params"] ?? [];
    if (
      r["jsonrpc"] !== "2.0" ||
      typeof method !== "string" ||
      (!Array.isArray(params) && typeof params !== "object")
    ) {
      return {
        jsonrpc: "2.0",
        id: id ?? null,
        error: { code: RPC_INVALID_REQUEST, message: "Invalid Request" },
      };
    }
    const handler = method === "system.listMethods" ? () => this.methods : this.handlers.get(method);
    let response: RpcResponse;
    if (handler === undefined) {
      response = {
        jsonrpc: "2.0",
        id: id ?? null,
        error: { code: RPC_METHOD_NOT_FOUND, message: "Method not found" },
      };
    } else {
      const positional = Array.isArray(params) ? params : Object.values(params);
      try {
        const result: unknown = await handler(positional);
        response = { jsonrpc: "2.0", id: id ?? null, result: result ?? null };
      } catch (err) {
        response = { jsonrpc: "2.0", id: id ?? null, error: errorObject(err) };
      }
    }
    return id === undefined ? undefined : response;
  }
}

function errorObject(err: unknown): RpcErrorObject {
  if (err instanceof Error) {
    const fault = (err as { faultCode?: unknown }).faultCode;
    return { code: typeof fault === "number" ? fault : RPC_INTERNAL_ERROR, message: err.message };
  }
  return { code: RPC_INTERNAL_ERROR, message: String(err) };
}

/** The HTTP listener. */
export class RpcServer {
  private server: Server | undefined;

  constructor(
    private readonly registry: RpcRegistry,
    private readonly log: Logger,
    /** `GET /metrics` body (Prometheus text); absent: 404. */
    private readonly metrics?: () => string,
  ) {}

  /**
   * Starts listening; port 0 picks a free one.
   *
   * @throws LinekeyError `MGMT_ERR_LISTEN` when the address cannot be bound
   */
  async listen(host: string, port: number): Promise<{ address: string; port: number }> {
    const server = createServer((req, res) => {
      this.serve(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err) => {
        reject(
          new LinekeyError("MGMT_ERR_LISTEN", `RPC cannot listen on ${host}:${port}: ${err.message}`, {
            cause: err,
          }),
        );
      });
      server.listen(port, host, () => {
        resolve();
      });
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    this.log.info("JSON-RPC listening", { address: a.address, port: a.port });
    return { address: a.address, port: a.port };
  }

  /** Stops listening and closes idle connections. */
  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s === undefined) return;
    s.closeIdleConnections();
    await new Promise<void>((resolve) => {
      s.close(() => {
        resolve();
      });
    });
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const reply = (status: number, body: unknown): void => {
      const text = body === undefined ? "" : JSON.stringify(body);
      res.writeHead(status, {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(text),
      });
      res.end(text);
    };
    if (req.method === "GET" && req.url === "/metrics" && this.metrics !== undefined) {
      const text = this.metrics();
      res.writeHead(200, {
        "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
        "Content-Length": Buffer.byteLength(text),
      });
      res.end(text);
      return;
    }
    if (req.method !== "POST") {
      res.setHeader("Allow", "POST");
      reply(405, {
        jsonrpc: "2.0",
        id: null,
        error: { code: RPC_INVALID_REQUEST, message: "POST a JSON-RPC request" },
      });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reply(413, {
          jsonrpc: "2.0",
          id: null,
          error: { code: RPC_INVALID_REQUEST, message: "Request too large" },
        });
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        reply(200, { jsonrpc: "2.0", id: null, error: { code: RPC_PARSE_ERROR, message: "Parse error" } });
        return;
      }
      const run = async (): Promise<unknown> => {
        if (!Array.isArray(parsed)) return this.registry.dispatch(parsed);
        if (parsed.length === 0)
          return {
            jsonrpc: "2.0",
            id: null,
            error: { code: RPC_INVALID_REQUEST, message: "Invalid Request" },
          };
        const out = (await Promise.all(parsed.map((p) => this.registry.dispatch(p)))).filter(
          (x) => x !== undefined,
        );
        return out.length === 0 ? undefined : out;
      };
      run().then(
        (body) => {
          if (body === undefined) {
            res.writeHead(204);
            res.end();
          } else reply(200, body);
        },
        (err: unknown) => {
          this.log.error("RPC dispatch failed", { err });
          reply(500, {
            jsonrpc: "2.0",
            id: null,
            error: { code: RPC_INTERNAL_ERROR, message: "Internal error" },
          });
        },
      );
    });
  }
}

/**
 * Calls one method on a running server.
 *
 * @throws LinekeyError `MGMT_ERR_NO_SERVER` when nothing answers, `MGMT_ERR_COMMAND` for a reply
 *   that is not JSON-RPC
 */
export function rpcCall(
  target: { host: string; port: number },
  method: string,
  params: readonly unknown[],
  timeoutMs = 10_000,
): Promise<RpcResponse> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.host,
        port: target.port,
        method: "POST",
        path: "/RPC",
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as RpcResponse);
          } catch {
            reject(
              new LinekeyError("MGMT_ERR_COMMAND", `RPC answered HTTP ${res.statusCode ?? 0} without JSON`),
            );
          }
        });
      },
    );
    req.on("timeout", () => {
      req.destroy(new Error("timed out"));
    });
    req.on("error", (err) => {
      reject(
        new LinekeyError(
          "MGMT_ERR_NO_SERVER",
          `no RPC server at ${target.host}:${target.port}: ${err.message}`,
          { cause: err },
        ),
      );
    });
    req.end(body);
  });
}

/**
 * What `kamcmd` prints for a response: each line of a string or string array result; other
 * values as indented JSON; an error as `error: <code> - <message>`.
 */
export function formatRpcResponse(res: RpcResponse): { ok: boolean; text: string } {
  if ("error" in res) return { ok: false, text: `error: ${res.error.code} - ${res.error.message}\n` };
  const r = res.result;
  if (r === null || r === undefined) return { ok: true, text: "" };
  if (typeof r === "string") return { ok: true, text: `${r}\n` };
  if (Array.isArray(r) && r.every((x) => typeof x === "string"))
    return { ok: true, text: r.map((l) => `${l}\n`).join("") };
  return { ok: true, text: `${JSON.stringify(r, null, 2)}\n` };
}

/** Where `linekey rpc` finds the server: `[general] rpc_bindaddr`/`rpc_port` of linekey.conf. */
export function rpcTargetOf(general: {
  rpcBindaddr: string;
  rpcPort: number;
}): { host: string; port: number } | undefined {
  if (general.rpcPort === 0) return undefined;
  const wildcard = general.rpcBindaddr === "0.0.0.0" || general.rpcBindaddr === "::";
  return { host: wildcard ? "127.0.0.1" : general.rpcBindaddr, port: general.rpcPort };
}

/**
 * `linekey [--config DIR] rpc METHOD [ARGS…] [--json]`: calls one method and prints what
 * `kamcmd` would (or the JSON response with `--json`). Arguments that are integers are sent as
 * numbers, as kamcmd does. Returns the exit status (0 ok, 1 RPC error, 2 usage or no server).
 */
export async function runRpcCli(
  general: { rpcBindaddr: string; rpcPort: number },
  words: readonly string[],
  write: (text: string) => void,
): Promise<number> {
  const json = words.includes("--json");
  const rest = words.filter((w) => w !== "--json");
  const method = rest[0];
  if (method === undefined) {
    write("usage: linekey [--config DIR] rpc METHOD [ARGS...] [--json]\n");
    return 2;
  }
  const target = rpcTargetOf(general);
  if (target === undefined) {
    write("error: JSON-RPC is off (set rpc_port in [general] of linekey.conf)\n");
    return 2;
  }
  const params = rest.slice(1).map((a) => (/^-?\d{1,15}$/.test(a) ? Number(a) : a));
  let res: RpcResponse;
  try {
    res = await rpcCall(target, method, params);
  } catch (err) {
    write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if (json) {
    write(`${JSON.stringify(res)}\n`);
    return "error" in res ? 1 : 0;
  }
  const out = formatRpcResponse(res);
  write(out.text);
  return out.ok ? 0 : 1;
}
