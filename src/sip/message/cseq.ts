/**
 * CSeq header values (RFC 3261 §20.16): a sequence number below 2**31 and a method.
 */
import { SipParseError } from "./parse-error.ts";
import { isTokenCode, isWsCode } from "./lexer.ts";

/** A parsed CSeq. */
export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** RFC 3261 §8.1.1.5: the sequence number MUST be less than 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;

/**
 * Methods messages repeat (start lines, CSeq). A method cut from a header is a new (copied)
 * string, kept by the message's parse cache; the constant is shared instead.
 */
export const COMMON_METHODS: readonly string[] = [
  "INVITE",
  "ACK",
  "BYE",
  "CANCEL",
  "OPTIONS",
  "REGISTER",
  "SUBSCRIBE",
  "NOTIFY",
  "REFER",
  "PRACK",
  "UPDATE",
  "INFO",
  "MESSAGE",
  "PUBLISH",
];

function methodIn(s: string, a: number, b: number): string {
  for (const m of COMMON_METHODS) if (m.length === b - a && s.startsWith(m, a)) return m;
  return s.slice(a, b);
}

function malformed(): SipParseError {
  return new SipParseError("Malformed CSeq header");
}

/** Parses `CSeq: <number> <method>`; leading zeros are allowed (RFC 4475 §3.1.1.1). */
export function parseCSeq(value: string): CSeq {
  // digits, then SP/HTAB, then a token up to the end (LWS around the whole value allowed).
  let a = 0;
  let b = value.length;
  while (a < b && isWsCode(value.charCodeAt(a))) a++;
  while (b > a && isWsCode(value.charCodeAt(b - 1))) b--;
  let i = a;
  // Digits accumulate exactly up to 2**53, far beyond MAX_CSEQ; beyond, the sum only grows.
  let seq = 0;
  for (; i < b; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    seq = seq * 10 + (c - 0x30);
  }
  if (i === a) throw malformed();
  const spaceStart = i;
  while (i < b && isWsCode(value.charCodeAt(i))) i++;
  if (i === spaceStart || i === b) throw malformed();
  for (let j = i; j < b; j++) if (!isTokenCode(value.charCodeAt(j))) throw malformed();
  if (seq > MAX_CSEQ) throw new SipParseError("CSeq number too large");
  return { seq, method: methodIn(value, i, b) };
}

/** `9 INVITE` */
export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
