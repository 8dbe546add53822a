/**
 * Digest authentication of requests from local users (RFC 3261 §22): 401 + WWW-Authenticate for
 * REGISTER (registrar, §22.2), 407 + Proxy-Authenticate otherwise (proxy, §22.3), offering
 * MD5 and SHA-256 (RFC 8760; one challenge each, in the configured order), `qop=auth`, stateless nonces with `stale=true` on expiry,
 * and a per-nonce `nc` replay check. Unknown users and wrong passwords both get 403 after a
 * well-formed response, so the answers do not tell which user names exist.
 */
import { Buffer } from "node:buffer";
import { timingSafeEqual } from "node:crypto";
import type { SipHeader } from "../message/headers.ts";
import type { SipRequest } from "../message/message.ts";
import {
  digestAlgorithm,
  digestResponse,
  formatChallenge,
  parseDigestCredentials,
  type DigestAlgorithm,
  type DigestCredentials,
} from "./digest.ts";
import { NonceSource } from "./nonce.ts";

/** Options of {@link DigestAuthenticator}. */
export interface DigestAuthenticatorOptions {
  readonly realm: string;
  /** The password of a user, undefined when there is no such user (or it has none). */
  readonly secretOf: (username: string) => string | undefined;
  /** Nonce lifetime in seconds before `stale=true` (default 300, Kamailio's nonce_expire). */
  readonly nonceLifetimeS?: number;
  /** Algorithms offered, in challenge order (default MD5, SHA-256: see linekey.conf auth_algorithms). */
  readonly algorithms?: readonly DigestAlgorithm[];
  readonly clock?: () => number;
}

/** Outcome of {@link DigestAuthenticator.check}. */
export type AuthResult =
  | { readonly ok: true; readonly username: string }
  | {
      readonly ok: false;
      readonly status: 400 | 401 | 403 | 407;
      readonly reason: string;
      /** Challenge headers to add to the response. */
      readonly headers: SipHeader[];
    };

// Most nc values remembered per nonce; a client past it is sent a fresh nonce.
const MAX_NC_PER_NONCE = 4096;

/** Checks credentials and builds challenges. */
export class DigestAuthenticator {
  readonly realm: string;
  readonly algorithms: readonly DigestAlgorithm[];
  private readonly nonces: NonceSource;
  private readonly secretOf: (username: string) => string | undefined;
  private readonly clock: () => number;
  /** nc values seen per nonce still alive: the replay check (RFC 7616 §3.4.1 / §5.7). */
  private readonly seen = new Map<string, { issuedMs: number; ncs: Set<number> }>();
  private lastPrune = 0;

  constructor(opts: DigestAuthenticatorOptions) {
    this.realm = opts.realm;
    this.algorithms = opts.algorithms ?? ["MD5", "SHA-256"];
    this.nonces = new NonceSource(opts.realm, opts.nonceLifetimeS ?? 300);
    this.secretOf = opts.secretOf;
    this.clock = opts.clock ?? Date.now;
  }

  /** Number of nonces whose nc values are being tracked. */
  get trackedNonces(): number {
    return this.seen.size;
  }

  /** A challenge: the status (401 for REGISTER, 407 otherwise) and one header per algorithm. */
  challenge(req: SipRequest, stale = false): AuthResult & { ok: false } {
    const registrar = req.method === "REGISTER";
    const name = registrar ? "WWW-Authenticate" : "Proxy-Authenticate";
    const nonce = this.nonces.issue(this.clock());
    return {
      ok: false,
      status: registrar ? 401 : 407,
      reason: registrar ? "Unauthorized" : "Proxy Authentication Required",
      headers: this.algorithms.map((a) => ({ name, value: formatChallenge(this.realm, nonce, a, stale) })),
    };
  }

  /**
   * Authenticates a request. Credentials are read from Authorization (REGISTER) or
   * Proxy-Authorization (others) for our realm; none → a challenge.
   */
  check(req: SipRequest): AuthResult {
    const creds = this.credentialsOf(req);
    if (creds === undefined) return this.challenge(req);
    const algorithm = digestAlgorithm(creds.algorithm);
    const qop = creds.qop?.toLowerCase();
    // RFC 7616 §3.4: with qop, nc and cnonce are required; only qop=auth was offered.
    if (algorithm === undefined || (qop !== undefined && qop !== "auth")) return this.challenge(req);
    if (
      qop !== undefined &&
      (creds.nc === undefined || creds.cnonce === undefined || !/^[0-9a-f]{8}$/i.test(creds.nc))
    ) {
      return { ok: false, status: 400, reason: "Bad Request - malformed credentials", headers: [] };
    }
    const now = this.clock();
    const nonceState = this.nonces.check(creds.nonce, now);
    // Not our nonce (another process, a restart, or forged): a fresh challenge, not stale.
    if (nonceState === "invalid") return this.challenge(req);
    const secret = this.secretOf(creds.username);
    // An unknown user costs the same hashing as a known one: the timing tells nothing either.
    const expected = digestResponse({
      algorithm,
      username: creds.username,
      realm: this.realm,
      password: secret ?? "\u0000no such user",
      method: req.method,
      uri: creds.uri,
      nonce: creds.nonce,
      qop: qop === "auth" ? "auth" : undefined,
      nc: creds.nc,
      cnonce: creds.cnonce,
    });
    if (!sameHex(expected, creds.response) || secret === undefined) {
      return { ok: false, status: 403, reason: "Forbidden", headers: [] };
    }
    // RFC 7616 §3.3: a correct response with an expired nonce gets stale=true, so the phone
    // retries with the new nonce without asking the user.
    if (nonceState === "stale") return this.challenge(req, true);
    if (qop !== undefined && !this.firstUse(creds.nonce, Number.parseInt(creds.nc ?? "0", 16), now)) {
      return this.challenge(req, true);
    }
    return { ok: true, username: creds.username };
  }

  /** Drops the nc bookkeeping. */
  close(): void {
    this.seen.clear();
  }

  private credentialsOf(req: SipRequest): DigestCredentials | undefined {
    const header = req.method === "REGISTER" ? "Authorization" : "Proxy-Authorization";
    for (const v of req.headers.getAll(header)) {
      const c = parseDigestCredentials(v);
      if (c !== undefined && c.realm === this.realm) return c;
    }
    return undefined;
  }

  // Records nc for the nonce; false when it was already used (a replay).
  private firstUse(nonce: string, nc: number, now: number): boolean {
    this.prune(now);
    let entry = this.seen.get(nonce);
    if (entry === undefined) {
      entry = { issuedMs: now, ncs: new Set() };
      this.seen.set(nonce, entry);
    }
    if (entry.ncs.has(nc) || entry.ncs.size >= MAX_NC_PER_NONCE) return false;
    entry.ncs.add(nc);
    return true;
  }

  // Forgets nonces that have gone stale: their nc sets can no longer matter.
  private prune(now: number): void {
    const lifetimeMs = this.nonces.lifetimeS * 1000;
    if (now - this.lastPrune < lifetimeMs) return;
    this.lastPrune = now;
    for (const [nonce, e] of this.seen) {
      if (this.nonces.check(nonce, now) !== "valid" || now - e.issuedMs > 2 * lifetimeMs)
        this.seen.delete(nonce);
    }
  }
}

function sameHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given.toLowerCase(), "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
