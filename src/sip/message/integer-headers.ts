/**
 * Headers whose value is a non-negative integer: Max-Forwards (RFC 3261 §20.22),
 * Content-Length (§20.14) and delta-seconds such as Expires (§20.19).
 */
import { SipParseError } from "./parse-error.ts";
import { trimLws } from "./lexer.ts";

/** Largest delta-seconds value; larger values are clamped to it (RFC 3261 §20.19, RFC 4475 §3.1.2.4). */
export const MAX_DELTA_SECONDS = 2 ** 32 - 1;

function digits(value: string, what: string): string {
  const v = trimLws(value);
  if (!/^\d+$/.test(v)) throw new SipParseError(`Malformed ${what} header`);
  return v;
}

/** Max-Forwards: 0–255 (RFC 4475 §3.1.2.4 treats larger values as malformed). */
export function parseMaxForwards(value: string): number {
  const n = Number(digits(value, "Max-Forwards"));
  if (n > 255) throw new SipParseError("Max-Forwards too large");
  return n;
}

/** Content-Length: a non-negative safe integer. */
export function parseContentLength(value: string): number {
  const n = Number(digits(value, "Content-Length"));
  if (!Number.isSafeInteger(n)) throw new SipParseError("Content-Length too large");
  return n;
}

/** delta-seconds (Expires, expires=, Min-Expires): overlarge values clamp to 2**32-1. */
export function parseDeltaSeconds(value: string, what = "Expires"): number {
  const n = Number(digits(value, what));
  return Number.isFinite(n) && n < MAX_DELTA_SECONDS ? n : MAX_DELTA_SECONDS;
}
