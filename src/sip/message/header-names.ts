/**
 * Header field names: compact forms (RFC 3261 §7.3.3 and the extensions that define one),
 * case-insensitive lookup keys, canonical spelling for generated headers, and which headers are
 * comma-separated lists (RFC 3261 §7.3.1).
 */

// A Map, not an object literal: a header named "constructor" or "__proto__" must not find
// Object.prototype's members.
const COMPACT: ReadonlyMap<string, string> = new Map([
  ["i", "call-id"],
  ["m", "contact"],
  ["e", "content-encoding"],
  ["l", "content-length"],
  ["c", "content-type"],
  ["f", "from"],
  ["t", "to"],
  ["v", "via"],
  ["s", "subject"],
  ["k", "supported"],
  ["o", "event"],
  ["u", "allow-events"],
  ["r", "refer-to"],
  ["b", "referred-by"],
  ["x", "session-expires"],
]);

const CANONICAL: ReadonlyMap<string, string> = new Map([
  ["call-id", "Call-ID"],
  ["cseq", "CSeq"],
  ["www-authenticate", "WWW-Authenticate"],
  ["mime-version", "MIME-Version"],
  ["rack", "RAck"],
  ["rseq", "RSeq"],
  ["sip-etag", "SIP-ETag"],
  ["sip-if-match", "SIP-If-Match"],
  ["p-asserted-identity", "P-Asserted-Identity"],
]);

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

/**
 * Raw spelling → key, for the names seen so far. Header names repeat endlessly ("Via",
 * "Call-ID", the constants callers look up with), so after the first message the key is one Map
 * hit away and always the same string instance (compared by pointer in lookups). Bounded: names
 * from the wire are attacker-chosen, and past the bound they are simply computed each time.
 */
const KEYS = new Map<string, string>();
const MAX_CACHED_KEYS = 2048;

/** Lower-case long form of a header name: `"V"` → `"via"`, `"Call-Id"` → `"call-id"`. */
export function headerKey(name: string): string {
  const hit = KEYS.get(name);
  if (hit !== undefined) return hit;
  const lower = name.toLowerCase();
  const long = COMPACT.get(lower) ?? lower;
  // Every spelling of a header maps to one key instance: the cached key of the lower-case form.
  const key = KEYS.get(long) ?? long;
  if (KEYS.size < MAX_CACHED_KEYS) {
    KEYS.set(long, key);
    KEYS.set(name, key);
  }
  return key;
}

/** True when the header's values are a comma-separated list. */
export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(headerKey(name));
}

/** {@link isListHeader} for a name already turned into its key. */
export function isListKey(key: string): boolean {
  return LIST_HEADERS.has(key);
}

/** Conventional spelling for a header we generate: `"call-id"` → `"Call-ID"`, `"v"` → `"Via"`. */
export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  const special = CANONICAL.get(key);
  if (special !== undefined) return special;
  return key.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}
