/**
 * Stateless digest nonces: a timestamp and random bits signed with an HMAC, so any nonce this
 * process issued can be checked (and its age read) without remembering it, as Kamailio's `auth`
 * module does. The key is random per process: a restart simply makes phones re-authenticate.
 */
import { Buffer } from "node:buffer";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** What a nonce check found. */
export type NonceState = "valid" | "stale" | "invalid";

const TS_BYTES = 4;
const RAND_BYTES = 8;
const MAC_BYTES = 16;
// Clock skew tolerated for nonces stamped "in the future" (another node's clock).
const FUTURE_SLACK_S = 5;

/** Issues and checks nonces for one realm. */
export class NonceSource {
  private readonly key: Buffer;

  /**
   * @param realm - bound into the MAC, so a nonce of one realm is not valid in another
   * @param lifetimeS - age after which a nonce is stale (RFC 7616 §3.3 `stale=true`)
   */
  constructor(
    private readonly realm: string,
    readonly lifetimeS: number,
    key: Buffer = randomBytes(32),
  ) {
    this.key = key;
  }

  /** A new nonce stamped with `nowMs`. */
  issue(nowMs: number): string {
    const head = Buffer.alloc(TS_BYTES + RAND_BYTES);
    head.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 0);
    randomBytes(RAND_BYTES).copy(head, TS_BYTES);
    return Buffer.concat([head, this.mac(head)]).toString("base64url");
  }

  /** Checks a nonce: not ours (or tampered) → invalid; older than the lifetime → stale. */
  check(nonce: string, nowMs: number): NonceState {
    if (!/^[A-Za-z0-9_-]+$/.test(nonce)) return "invalid";
    const raw = Buffer.from(nonce, "base64url");
    if (raw.length !== TS_BYTES + RAND_BYTES + MAC_BYTES) return "invalid";
    const head = raw.subarray(0, TS_BYTES + RAND_BYTES);
    if (!timingSafeEqual(raw.subarray(TS_BYTES + RAND_BYTES), this.mac(head))) return "invalid";
    const issued = head.readUInt32BE(0);
    const now = Math.floor(nowMs / 1000);
    if (issued > now + FUTURE_SLACK_S) return "invalid";
    return now - issued > this.lifetimeS ? "stale" : "valid";
  }

  private mac(head: Buffer): Buffer {
    return createHmac("sha256", this.key)
      .update(head)
      .update(this.realm, "utf8")
      .digest()
      .subarray(0, MAC_BYTES);
  }
}
