/**
 * Checks applied by the repositories before writing, so that a value is refused the same way on
 * SQLite (which would store almost anything) and on PostgreSQL (which rejects a 1.5 for an
 * INTEGER or a 300-character VARCHAR(255) with a driver error).
 */

import { LinekeyError } from "../util/errors.ts";

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** An INTEGER column value. @throws LinekeyError `STORE_ERR_VALUE` */
export function int32(column: string, v: number): number {
  if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) {
    throw new LinekeyError("STORE_ERR_VALUE", `${column}: ${v} is not a 32-bit integer`);
  }
  return v;
}

/** A BIGINT column value (limited to what a JS number holds exactly). @throws LinekeyError `STORE_ERR_VALUE` */
export function int64(column: string, v: number): number {
  if (!Number.isSafeInteger(v))
    throw new LinekeyError("STORE_ERR_VALUE", `${column}: ${v} is not an integer`);
  return v;
}

/** A DOUBLE PRECISION column value. @throws LinekeyError `STORE_ERR_VALUE` */
export function finite(column: string, v: number): number {
  if (!Number.isFinite(v))
    throw new LinekeyError("STORE_ERR_VALUE", `${column}: ${v} is not a finite number`);
  return v;
}

/**
 * A text column value. NUL is refused because PostgreSQL cannot store it in text.
 *
 * @param maxLength - the VARCHAR size, if any (counted in characters, as PostgreSQL does)
 * @throws LinekeyError `STORE_ERR_VALUE`
 */
export function text(column: string, v: string, maxLength?: number): string {
  if (v.includes("\0")) throw new LinekeyError("STORE_ERR_VALUE", `${column}: contains a NUL character`);
  // A string has at most as many code points as UTF-16 units: only a long one needs counting.
  if (maxLength !== undefined && v.length > maxLength && codePoints(v) > maxLength) {
    throw new LinekeyError("STORE_ERR_VALUE", `${column}: longer than ${maxLength} characters`);
  }
  return v;
}

/** Length in Unicode code points, which is what PostgreSQL's VARCHAR(n) limits. */
function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
