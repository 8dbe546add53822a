/**
 * Incremental SCCP frame reader (reference §2). A TCP read may hold several frames or part of
 * one; chunks are queued without copying and a frame is copied out only when it spans chunks,
 * so many small reads cost O(total bytes), not O(n²).
 */

/** Largest accepted `length` header value; anything above means framing is lost (§2). */
export const MAX_FRAME_LENGTH = 4096;

/** Result of {@link SccpFrameReader.next}. */
export type FrameResult =
  | { kind: "need-more" }
  | { kind: "message"; id: number; headerVersion: number; body: Buffer; raw: Buffer }
  | { kind: "malformed"; reason: string };

const NEED_MORE: FrameResult = { kind: "need-more" };

/** Splits a byte stream into SCCP frames. After a "malformed" result it stays malformed. */
export class SccpFrameReader {
  private chunks: Buffer[] = [];
  /** Index of the first live chunk in `chunks` (avoids Array#shift on every frame). */
  private head = 0;
  /** Bytes of `chunks[head]` already consumed. */
  private headOffset = 0;
  private total = 0;
  private failure: FrameResult | undefined;

  /** Queues bytes received from the socket. The reader keeps a reference, not a copy. */
  push(chunk: Buffer): void {
    if (this.failure || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Bytes queued and not yet returned as frames. */
  get buffered(): number {
    return this.total;
  }

  /** The next complete frame, "need-more", or "malformed" (sticky) when framing is lost. */
  next(): FrameResult {
    if (this.failure) return this.failure;
    if (this.total < 8) return NEED_MORE;
    const length = this.peekU32(0);
    // §2: length counts messageId + body, so it is at least 4; over the limit = framing lost.
    if (length < 4 || length > MAX_FRAME_LENGTH) {
      this.failure = {
        kind: "malformed",
        reason: length < 4 ? `frame length ${length} < 4` : `frame length ${length} > ${MAX_FRAME_LENGTH}`,
      };
      this.chunks = [];
      this.head = 0;
      this.headOffset = 0;
      this.total = 0;
      return this.failure;
    }
    const frameSize = length + 8;
    if (this.total < frameSize) return NEED_MORE;
    const raw = this.take(frameSize);
    return {
      kind: "message",
      headerVersion: raw.readUInt32LE(4),
      id: raw.readUInt32LE(8),
      body: raw.subarray(12),
      raw,
    };
  }

  /** Reads a little-endian u32 at logical position `pos` of the queued bytes (may span chunks). */
  private peekU32(pos: number): number {
    let chunkIndex = this.head;
    let off = this.headOffset + pos;
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 4; i++) {
      let c = this.chunks[chunkIndex];
      while (c && off >= c.length) {
        off -= c.length;
        chunkIndex++;
        c = this.chunks[chunkIndex];
      }
      value += (c?.[off] ?? 0) * mul;
      mul *= 256;
      off++;
    }
    return value;
  }

  /** Removes `n` bytes from the front; zero-copy when they lie in one chunk. */
  private take(n: number): Buffer {
    const first = this.chunks[this.head];
    if (!first) return Buffer.alloc(0);
    let out: Buffer;
    if (first.length - this.headOffset >= n) {
      out = first.subarray(this.headOffset, this.headOffset + n);
      this.headOffset += n;
      if (this.headOffset === first.length) this.advanceChunk();
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[this.head];
        if (!c) break;
        const avail = c.length - this.headOffset;
        const want = Math.min(avail, n - filled);
        c.copy(out, filled, this.headOffset, this.headOffset + want);
        filled += want;
        this.headOffset += want;
        if (this.headOffset === c.length) this.advanceChunk();
      }
    }
    this.total -= n;
    return out;
  }

  private advanceChunk(): void {
    this.chunks[this.head] = EMPTY_CHUNK;
    this.head++;
    this.headOffset = 0;
    // Compact once the consumed prefix dominates, keeping pushes and takes amortised O(1).
    if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

const EMPTY_CHUNK = Buffer.alloc(0);
