/**
 * Header field names: compact forms (RFC 3261 §7.3.3 and the extensions that define one),
 * case-insensitive lookup keys, canonical spelling for generated headers, and which headers are
 * comma-separated lists (RFC 3261 §7.3.1).
 */

const COMPACT: Readonly<Record<string, string>> = {
  i: "call-id",
  m: "contact",
  e: "content-encoding",
  l: "content-length",
  c: "content-type",
  f: "from",
  t: "to",
  v: "via",
  s: "subject",
  k: "supported",
  o: "event",
  u: "allow-events",
  r: "refer-to",
  b: "referred-by",
  x: "session-expires",
};

const CANONICAL: Readonly<Record<string, string>> = {
  "call-id": "Call-ID",
  cseq: "CSeq",
  "www-authenticate": "WWW-Authenticate",
  "mime-version": "MIME-Version",
  rack: "RAck",
  rseq: "RSeq",
  "sip-etag": "SIP-ETag",
  "sip-if-match": "SIP-If-Match",
  "p-asserted-identity": "P-Asserted-Identity",
};

/**
 * Headers whose grammar is a comma-separated list, so `getAll` may split one line into several
 * values. Headers not listed here (Date, Call-ID, Authorization, Subject, unknown ones, …) can
 * carry commas inside a single value and are never split.
 */
const LIST_HEADERS: ReadonlySet<string> = new Set([
  "via",
  "contact",
  "route",
  "record-route",
  "path",
  "service-route",
  "allow",
  "allow-events",
  "supported",
  "require",
  "proxy-require",
  "unsupported",
  "accept",
  "accept-encoding",
  "accept-language",
  "content-encoding",
  "content-language",
  "call-info",
  "alert-info",
  "error-info",
  "in-reply-to",
  "warning",
  "p-asserted-identity",
  "p-preferred-identity",
  "history-info",
  "reason",
]);

/** Lower-case long form of a header name: `"V"` → `"via"`, `"Call-Id"` → `"call-id"`. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT[lower] ?? lower;
}

/** True when the header's values are a comma-separated list. */
export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(headerKey(name));
}

/** Conventional spelling for a header we generate: `"call-id"` → `"Call-ID"`, `"v"` → `"Via"`. */
export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  const special = CANONICAL[key];
  if (special !== undefined) return special;
  return key.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}
