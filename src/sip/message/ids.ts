/**
 * Random identifiers: Via branches (RFC 3261 §8.1.1.7), tags (§19.3) and Call-IDs (§8.1.1.4).
 * All carry at least 64 bits of randomness from the system CSPRNG.
 *
 * The random bytes come from a pool refilled {@link POOL_SIZE} bytes at a time: one
 * `randomFillSync` call serves a few hundred identifiers instead of one call (and one Buffer)
 * per identifier, while every identifier still gets its own fresh CSPRNG bytes, never reused —
 * tags must stay cryptographically random (§19.3), and an unguessable branch keeps a peer that
 * sees our requests from forging responses to the transactions of others.
 */
import { randomFillSync } from "node:crypto";
import { BRANCH_MAGIC_COOKIE } from "./via.ts";

const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_SIZE);
let offset = POOL_SIZE;

/** The position of `n` fresh random bytes in the pool. */
function take(n: number): number {
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += n;
  return at;
}

/** A new branch: the magic cookie `z9hG4bK` followed by 96 random bits (token characters only). */
export function generateBranch(): string {
  const at = take(12);
  return `${BRANCH_MAGIC_COOKIE}${pool.toString("base64url", at, at + 12)}`;
}

/** A new From/To tag: 64 random bits in hex. */
export function generateTag(): string {
  const at = take(8);
  return pool.toString("hex", at, at + 8);
}

/** A new Call-ID: 128 random bits in hex, `@host` appended when given. */
export function generateCallId(host?: string): string {
  const at = take(16);
  const id = pool.toString("hex", at, at + 16);
  return host === undefined ? id : `${id}@${host}`;
}
