/**
 * HTTP Digest as SIP uses it (RFC 3261 §22.4, RFC 2617, RFC 7616, RFC 8760): the hash
 * computations for MD5 and SHA-256, the `Authorization` / `Proxy-Authorization` credentials
 * parser and the challenge formatter.
 */
import { createHash } from "node:crypto";

/** Algorithms Linekey offers and accepts (RFC 8760 §2: SHA-256 and MD5; no -sess variants). */
export type DigestAlgorithm = "MD5" | "SHA-256";

/** Parsed digest credentials. Values are unquoted; absent parameters are undefined. */
export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  /** As written (`MD5` when absent, RFC 7616 §3.4). */
  readonly algorithm: string;
  readonly qop?: string;
  readonly nc?: string;
  readonly cnonce?: string;
  readonly opaque?: string;
}

/** Inputs of {@link digestResponse}. */
export interface DigestInput {
  readonly algorithm: DigestAlgorithm;
  readonly username: string;
  readonly realm: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  readonly nonce: string;
  /** `auth`, or undefined for the RFC 2069 form without qop. */
  readonly qop?: "auth" | undefined;
  readonly nc?: string | undefined;
  readonly cnonce?: string | undefined;
}

function h(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm === "MD5" ? "md5" : "sha256")
    .update(text, "utf8")
    .digest("hex");
}

/** Maps the `algorithm` parameter to one Linekey accepts; undefined for others (and -sess). */
export function digestAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  const v = (value ?? "MD5").toUpperCase();
  if (v === "MD5") return "MD5";
  if (v === "SHA-256") return "SHA-256";
  return undefined;
}

/**
 * The expected `response` value (RFC 7616 §3.4.1): `H(H(A1):nonce:nc:cnonce:qop:H(A2))` with
 * qop, `H(H(A1):nonce:H(A2))` without (RFC 2069), where A1 = `username:realm:password` and
 * A2 = `method:uri`.
 */
export function digestResponse(d: DigestInput): string {
  const ha1 = h(d.algorithm, `${d.username}:${d.realm}:${d.password}`);
  const ha2 = h(d.algorithm, `${d.method}:${d.uri}`);
  if (d.qop === undefined) return h(d.algorithm, `${ha1}:${d.nonce}:${ha2}`);
  return h(d.algorithm, `${ha1}:${d.nonce}:${d.nc ?? ""}:${d.cnonce ?? ""}:${d.qop}:${ha2}`);
}

/**
 * Parses `Digest username="…", realm="…", …` (RFC 7616 §3.4). Parameter names are
 * case-insensitive, values may be quoted (with backslash escapes) or tokens. Undefined when the
 * scheme is not Digest or a required parameter is missing.
 */
export function parseDigestCredentials(value: string): DigestCredentials | undefined {
  const m = /^\s*digest\s+/i.exec(value);
  if (!m) return undefined;
  const params = new Map<string, string>();
  let i = m[0].length;
  const s = value;
  while (i < s.length) {
    while (i < s.length && /[\s,]/.test(s.charAt(i))) i++;
    const nameStart = i;
    while (i < s.length && /[A-Za-z0-9_-]/.test(s.charAt(i))) i++;
    const name = s.slice(nameStart, i).toLowerCase();
    while (i < s.length && /\s/.test(s.charAt(i))) i++;
    if (name === "" || s[i] !== "=") return undefined;
    i++;
    while (i < s.length && /\s/.test(s.charAt(i))) i++;
    let v = "";
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) return undefined;
        const c = s.charAt(i);
        if (c === "\\" && i + 1 < s.length) {
          v += s.charAt(i + 1);
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          v += c;
          i++;
        }
      }
    } else {
      const start = i;
      while (i < s.length && !/[\s,]/.test(s.charAt(i))) i++;
      v = s.slice(start, i);
    }
    if (!params.has(name)) params.set(name, v);
  }
  const username = params.get("username");
  const realm = params.get("realm");
  const nonce = params.get("nonce");
  const uri = params.get("uri");
  const response = params.get("response");
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined)
    return undefined;
  if (response === undefined) return undefined;
  const opt = (k: string): Record<string, string> => {
    const v = params.get(k);
    return v === undefined ? {} : { [k]: v };
  };
  return {
    username,
    realm,
    nonce,
    uri,
    response,
    algorithm: params.get("algorithm") ?? "MD5",
    ...opt("qop"),
    ...opt("nc"),
    ...opt("cnonce"),
    ...opt("opaque"),
  };
}

/** `Digest realm="…", nonce="…", qop="auth", algorithm=…[, stale=true]` (RFC 7616 §3.3). */
export function formatChallenge(
  realm: string,
  nonce: string,
  algorithm: DigestAlgorithm,
  stale: boolean,
): string {
  return `Digest realm="${realm}", nonce="${nonce}", qop="auth", algorithm=${algorithm}${stale ? ", stale=true" : ""}`;
}
