/**
 * Headers whose value is a non-negative integer: Max-Forwards (RFC 3261 §20.22),
 * Content-Length (§20.14) and delta-seconds such as Expires (§20.19).
 */
import { SipParseError } from "./parse-error.ts";
import { isWsCode } from "./lexer.ts";

/** Largest delta-seconds value; larger values are clamped to it (RFC 3261 §20.19, RFC 4475 §3.1.2.4). */
export const MAX_DELTA_SECONDS = 2 ** 32 - 1;

/**
 * The number written as digits (with LWS around them). Digits accumulate exactly up to 2**53;
 * beyond, the sum only grows, so every limit check below sees the same as with Number(text).
 */
function digits(value: string, what: string): number {
  let a = 0;
  let b = value.length;
  while (a < b && isWsCode(value.charCodeAt(a))) a++;
  while (b > a && isWsCode(value.charCodeAt(b - 1))) b--;
  if (a === b) throw new SipParseError(`Malformed ${what} header`);
  let n = 0;
  for (let i = a; i < b; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) throw new SipParseError(`Malformed ${what} header`);
    n = n * 10 + (c - 0x30);
  }
  return n;
}

/** Max-Forwards: 0–255 (RFC 4475 §3.1.2.4 treats larger values as malformed). */
export function parseMaxForwards(value: string): number {
  const n = digits(value, "Max-Forwards");
  if (n > 255) throw new SipParseError("Max-Forwards too large");
  return n;
}

/** Content-Length: a non-negative safe integer. */
export function parseContentLength(value: string): number {
  const n = digits(value, "Content-Length");
  if (!Number.isSafeInteger(n)) throw new SipParseError("Content-Length too large");
  return n;
}

/** delta-seconds (Expires, expires=, Min-Expires): overlarge values clamp to 2**32-1. */
export function parseDeltaSeconds(value: string, what = "Expires"): number {
  const n = digits(value, what);
  return Number.isFinite(n) && n < MAX_DELTA_SECONDS ? n : MAX_DELTA_SECONDS;
}
