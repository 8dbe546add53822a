/**
 * Random identifiers: Via branches (RFC 3261 §8.1.1.7), tags (§19.3) and Call-IDs (§8.1.1.4).
 * All carry at least 64 bits of randomness from the system CSPRNG.
 */
import { randomBytes } from "node:crypto";
import { BRANCH_MAGIC_COOKIE } from "./via.ts";

/** A new branch: the magic cookie `z9hG4bK` followed by 96 random bits (token characters only). */
export function generateBranch(): string {
  return `${BRANCH_MAGIC_COOKIE}${randomBytes(12).toString("base64url")}`;
}

/** A new From/To tag: 64 random bits in hex. */
export function generateTag(): string {
  return randomBytes(8).toString("hex");
}

/** A new Call-ID: 128 random bits in hex, `@host` appended when given. */
export function generateCallId(host?: string): string {
  const id = randomBytes(16).toString("hex");
  return host === undefined ? id : `${id}@${host}`;
}
