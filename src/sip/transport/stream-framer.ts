/**
 * Incremental framing of SIP over a byte stream (RFC 3261 §18.3): a message ends after the
 * empty line plus Content-Length octets. Reads may split a message anywhere or carry several.
 * CRLFs between messages are skipped (§7.5); a double CRLF at a message boundary is an RFC 5626
 * §3.5.1 keep-alive ping, to be answered with a single CRLF pong.
 */
import { Buffer } from "node:buffer";
import { headerKey } from "../message/header-names.ts";

/** What a push of bytes produced, in stream order. */
export type FrameEvent =
  /** One complete message (headers and body), ready for `parseMessage(data, { datagram: false })`. */
  | { readonly type: "message"; readonly data: Buffer }
  /** An RFC 5626 CRLFCRLF ping: answer with CRLF. */
  | { readonly type: "ping" }
  /**
   * A framing error. `head` is the header section when it could be read (to answer 400).
   * `fatal`: the stream cannot be re-synchronised and the connection must be closed.
   */
  | { readonly type: "error"; readonly reason: string; readonly fatal: boolean; readonly head?: Buffer };

/** Framer limits. */
export interface StreamFramerOptions {
  /** Largest header section accepted (default 65536 bytes). */
  readonly maxHeaderBytes?: number;
  /** Largest body accepted (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");

/** Finds Content-Length in a header section; undefined if absent, "error" if malformed or repeated. */
function contentLength(head: string): number | "error" | undefined {
  let found: number | undefined;
  const lines = head.split("\r\n").slice(1);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const colon = line.indexOf(":");
    if (colon <= 0 || line[0] === " " || line[0] === "\t") continue;
    if (headerKey(line.slice(0, colon).trim()) !== "content-length") continue;
    let value = line.slice(colon + 1);
    // Folded continuation lines belong to this value.
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1] ?? "")) value += lines[++i] ?? "";
    value = value.trim();
    if (!/^\d{1,15}$/.test(value) || found !== undefined) return "error";
    found = Number(value);
  }
  return found;
}

/** Stateful framer for one connection. */
export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;
  private failed = false;

  constructor(options: StreamFramerOptions = {}) {
    this.maxHeaderBytes = options.maxHeaderBytes ?? 65536;
    this.maxBodyBytes = options.maxBodyBytes ?? 1 << 20;
  }

  /** Bytes held while waiting for the rest of a message. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Adds bytes and returns every event they complete. After a fatal error, returns nothing. */
  push(chunk: Uint8Array): FrameEvent[] {
    if (this.failed) return [];
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const events: FrameEvent[] = [];
    for (;;) {
      const ev = this.next();
      if (ev === undefined) break;
      events.push(ev);
      if (ev.type === "error" && ev.fatal) {
        this.failed = true;
        this.buffer = Buffer.alloc(0);
        break;
      }
    }
    return events;
  }

  private next(): FrameEvent | undefined {
    const b = this.buffer;
    // RFC 5626 §3.5.1 / RFC 3261 §7.5: CRLFs at a message boundary.
    let i = 0;
    while (b[i] === 0x0d && b[i + 1] === 0x0a) {
      if (b[i + 2] === 0x0d && b[i + 3] === 0x0a) {
        this.buffer = b.subarray(i + 4);
        return { type: "ping" };
      }
      // "\r\n\r" may be the start of a ping: wait for the next byte.
      if (b.length - i < 4 && (b[i + 2] === undefined || b[i + 2] === 0x0d)) {
        this.buffer = b.subarray(i);
        return undefined;
      }
      i += 2;
    }
    if (i > 0) this.buffer = b.subarray(i);
    const buf = this.buffer;
    if (buf.length === 0) return undefined;
    const headEnd = buf.indexOf(CRLFCRLF);
    if (headEnd < 0) {
      if (buf.length > this.maxHeaderBytes)
        return { type: "error", reason: "Header section too large", fatal: true };
      return undefined;
    }
    if (headEnd > this.maxHeaderBytes)
      return { type: "error", reason: "Header section too large", fatal: true };
    const head = buf.subarray(0, headEnd + 4);
    const length = contentLength(head.toString("latin1"));
    if (length === "error") return { type: "error", reason: "Bad Content-Length", fatal: true, head };
    if (length === undefined) {
      // RFC 3261 §18.3: Content-Length MUST be used on streams. Answer 400 and read on as if 0.
      this.buffer = buf.subarray(head.length);
      return { type: "error", reason: "Missing Content-Length", fatal: false, head };
    }
    if (length > this.maxBodyBytes)
      return { type: "error", reason: "Message body too large", fatal: true, head };
    const total = head.length + length;
    if (buf.length < total) return undefined;
    const data = Buffer.from(buf.subarray(0, total));
    this.buffer = buf.subarray(total);
    return { type: "message", data };
  }
}
