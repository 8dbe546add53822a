/**
 * CSeq header values (RFC 3261 §20.16): a sequence number below 2**31 and a method.
 */
import { SipParseError } from "./parse-error.ts";
import { isToken, trimLws } from "./lexer.ts";

/** A parsed CSeq. */
export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** RFC 3261 §8.1.1.5: the sequence number MUST be less than 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;

/** Parses `CSeq: <number> <method>`; leading zeros are allowed (RFC 4475 §3.1.1.1). */
export function parseCSeq(value: string): CSeq {
  const m = /^(\d+)[ \t]+(\S+)$/.exec(trimLws(value));
  const digits = m?.[1];
  const method = m?.[2];
  if (digits === undefined || method === undefined || !isToken(method)) {
    throw new SipParseError("Malformed CSeq header");
  }
  const seq = Number(digits);
  if (seq > MAX_CSEQ) throw new SipParseError("CSeq number too large");
  return { seq, method };
}

/** `9 INVITE` */
export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
