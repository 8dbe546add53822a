/**
 * The registrar (RFC 3261 §10.3): processes REGISTER, keeps the bindings in memory for lookups
 * and in the database (`sip_registrations`) so that a restart loses none, and expires them.
 *
 * Bindings are filed by user part: every configured domain and listening address names the same
 * set of users (Kamailio's usrloc with `use_domain = 0`). Requests for a binding go where its
 * REGISTER came from (Kamailio's `fix_nated_register`): phones behind NAT stay reachable.
 */
import type { Logger } from "../../util/logger.ts";
import { silentLogger } from "../../util/logger.ts";
import { TypedEmitter } from "../../util/typed-emitter.ts";
import type { RegistrationsRepo } from "../../store/registrations-repo.ts";
import type { SipHeader } from "../message/headers.ts";
import type { SipRequest } from "../message/message.ts";
import { parseDeltaSeconds } from "../message/integer-headers.ts";
import type { NameAddress } from "../message/name-addr.ts";
import { SipParseError } from "../message/parse-error.ts";
import { parseUri, uriEquals, type SipUri } from "../message/uri.ts";
import type { ReceivedInfo } from "../transport/types.ts";
import { bindingFromRow, bindingToRow, type Binding, type LookupResult } from "./binding.ts";
import { targetOfUriText } from "../dialog/uri-target.ts";

/** Expiry limits (seconds). */
export interface RegistrarSettings {
  readonly minExpires: number;
  readonly maxExpires: number;
  readonly defaultExpires: number;
}

/** Options of {@link Registrar}. */
export interface RegistrarOptions {
  readonly repo: RegistrationsRepo;
  readonly settings: RegistrarSettings;
  /** Milliseconds since the epoch. */
  readonly clock?: () => number;
  readonly logger?: Logger;
}

/** The answer to a REGISTER. */
export interface RegisterOutcome {
  readonly status: number;
  readonly reason: string;
  readonly headers: SipHeader[];
}

/** Events of the registrar. */
export type RegistrarEvents = {
  /** The bindings of a user changed (registered, refreshed, removed or expired). */
  changed: [user: string];
};

// Longest a timer may be set for (setTimeout's 32-bit limit).
const MAX_TIMER_MS = 2_147_483_647;

function fail(status: number, reason: string, headers: SipHeader[] = []): RegisterOutcome {
  return { status, reason, headers };
}

/** The registrar. Call {@link start} before use and {@link close} at the end. */
export class Registrar extends TypedEmitter<RegistrarEvents> {
  private readonly repo: RegistrationsRepo;
  private settings: RegistrarSettings;
  private readonly clock: () => number;
  private readonly log: Logger;
  /** Bindings by user. */
  private readonly byUser = new Map<string, Binding[]>();
  /** REGISTERs of one user are processed one at a time (each ends with a database write). */
  private readonly queues = new Map<string, Promise<unknown>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private closed = false;

  constructor(opts: RegistrarOptions) {
    const log = (opts.logger ?? silentLogger).child({ component: "sip-registrar" });
    super(log);
    this.repo = opts.repo;
    this.settings = opts.settings;
    this.clock = opts.clock ?? Date.now;
    this.log = log;
  }

  /** Restores the unexpired bindings from the database and starts the expiry timer. */
  async start(): Promise<void> {
    const now = this.nowS();
    await this.repo.deleteExpired(now);
    let restored = 0;
    for (const row of await this.repo.loadAll(now)) {
      const b = bindingFromRow(row);
      if (b === undefined) {
        this.log.warn("unusable stored registration skipped", { aor: row.aor, contact: row.contact });
        continue;
      }
      const list = this.byUser.get(b.user) ?? [];
      list.push(b);
      this.byUser.set(b.user, list);
      restored++;
    }
    if (restored > 0) this.log.info("registrations restored", { count: restored });
    this.arm();
  }

  /** Replaces the expiry limits (reload). */
  updateSettings(settings: RegistrarSettings): void {
    this.settings = settings;
  }

  /** Current expiry limits. */
  get limits(): RegistrarSettings {
    return this.settings;
  }

  /** Every live binding, by user then contact. */
  bindings(): Binding[] {
    const now = this.nowS();
    return [...this.byUser.keys()]
      .sort()
      .flatMap((u) => (this.byUser.get(u) ?? []).filter((b) => b.expires > now));
  }

  /** True when the user has at least one live binding. */
  isRegistered(user: string): boolean {
    const now = this.nowS();
    return (this.byUser.get(user) ?? []).some((b) => b.expires > now);
  }

  /**
   * The contacts of an AoR (a `sip:` URI or a bare user name), highest q first (RFC 3261 §16.6
   * may fork to all of them; order only matters for sequential forking).
   */
  lookup(aor: string | SipUri): LookupResult[] {
    const user = typeof aor === "string" ? userOf(aor) : aor.user;
    if (user === undefined) return [];
    const now = this.nowS();
    const out: LookupResult[] = [];
    for (const b of this.byUser.get(user) ?? []) {
      if (b.expires <= now) continue;
      const first = b.path[0];
      const viaPath =
        first === undefined ? undefined : targetOfUriText(stripBrackets(first), b.source.transport);
      out.push({ uri: b.contact, target: viaPath ?? b.source, route: b.path, q: b.q ?? 1, binding: b });
    }
    return out.sort((a, b) => b.q - a.q);
  }

  /**
   * Processes a REGISTER whose Request-URI names one of our domains (RFC 3261 §10.3 steps 4-8;
   * the caller did steps 1-3: domain, Require, authentication). `authUser` is the authenticated
   * user name, checked against the To user (step 4), undefined when authentication is off.
   */
  register(req: SipRequest, received: ReceivedInfo, authUser?: string): Promise<RegisterOutcome> {
    let user: string | undefined;
    try {
      const toUri = req.to.parsedUri;
      user = toUri.type === "sip" ? toUri.user : undefined;
    } catch {
      return Promise.resolve(fail(400, "Bad Request - malformed To"));
    }
    // RFC 3261 §10.3 step 5: the To header holds the address-of-record.
    if (user === undefined) return Promise.resolve(fail(404, "Not Found"));
    // RFC 3261 §10.3 step 4: the authenticated user must be allowed to change this AoR.
    if (authUser !== undefined && authUser !== user) return Promise.resolve(fail(403, "Forbidden"));
    const key = user;
    const prev = this.queues.get(key) ?? Promise.resolve();
    const run = prev.then(() => this.process(req, received, key));
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  /** Stops the expiry timer. Bindings stay in the database for the next start. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.removeAllListeners();
  }

  private nowS(): number {
    return Math.floor(this.clock() / 1000);
  }

  private async process(req: SipRequest, received: ReceivedInfo, user: string): Promise<RegisterOutcome> {
    const now = this.nowS();
    const to = req.to;
    const aor = aorOf(to, user);
    const callId = req.callId;
    const seq = req.cseq.seq;
    const rawContacts = req.headers.getAll("Contact");
    let headerExpires: number | undefined;
    const expiresHeader = req.headers.get("Expires");
    if (expiresHeader !== undefined) {
      try {
        headerExpires = parseDeltaSeconds(expiresHeader);
      } catch {
        return fail(400, "Bad Request - malformed Expires");
      }
    }
    const current = (this.byUser.get(user) ?? []).filter((b) => b.expires > now);
    let next: Binding[];
    const removed: Binding[] = [];
    const written: Binding[] = [];
    if (rawContacts.includes("*")) {
      // RFC 3261 §10.3 step 6: "*" must be alone and come with Expires: 0.
      if (rawContacts.length !== 1 || headerExpires !== 0) return fail(400, "Bad Request - invalid use of *");
      for (const b of current) {
        // Same Call-ID: only a higher CSeq may remove (otherwise the request is out of order).
        if (b.callId === callId && seq <= b.cseq) return fail(500, "Server Internal Error - out of order");
      }
      removed.push(...current);
      next = [];
    } else {
      let contacts: NameAddress[];
      try {
        contacts = req.contacts;
      } catch {
        return fail(400, "Bad Request - malformed Contact");
      }
      next = [...current];
      const path = req.headers.getAll("Path");
      const userAgent = req.headers.get("User-Agent");
      for (const c of contacts) {
        let uri: SipUri;
        try {
          const parsed = parseUri(c.uri);
          if (parsed.type !== "sip") return fail(400, "Bad Request - unsupported Contact URI");
          uri = parsed;
        } catch {
          return fail(400, "Bad Request - malformed Contact");
        }
        let expires = headerExpires ?? this.settings.defaultExpires;
        const param = c.param("expires");
        if (param !== undefined) {
          try {
            expires = parseDeltaSeconds(param);
          } catch {
            return fail(400, "Bad Request - malformed expires parameter");
          }
        }
        // RFC 3261 §10.3 step 7 / §20.23: a non-zero expiry below the minimum is refused with
        // 423 and Min-Expires; above the maximum it is shortened.
        if (expires > 0 && expires < this.settings.minExpires) {
          return fail(423, "Interval Too Brief", [
            { name: "Min-Expires", value: String(this.settings.minExpires) },
          ]);
        }
        expires = Math.min(expires, this.settings.maxExpires);
        const i = next.findIndex((b) => sameContact(b.contact, uri));
        const existing = i < 0 ? undefined : next[i];
        // RFC 3261 §10.3 step 7: same Call-ID with a CSeq not above the stored one aborts.
        if (existing !== undefined && existing.callId === callId && seq <= existing.cseq) {
          return fail(500, "Server Internal Error - out of order");
        }
        if (expires === 0) {
          if (existing !== undefined) {
            removed.push(existing);
            next.splice(i, 1);
          }
          continue;
        }
        const qText = c.param("q");
        const q = qText === undefined ? undefined : Number(qText);
        if (q !== undefined && !(q >= 0 && q <= 1)) return fail(400, "Bad Request - invalid q");
        const instance = c.param("+sip.instance");
        const regIdText = c.param("reg-id");
        const b: Binding = {
          aor,
          user,
          contact: c.uri,
          expires: now + expires,
          ...(q === undefined ? {} : { q }),
          callId,
          cseq: seq,
          path,
          source: {
            transport: received.transport,
            address: received.remote.address,
            port: received.remote.port,
          },
          ...(userAgent === undefined ? {} : { userAgent }),
          ...(instance === undefined || instance === "" ? {} : { instance }),
          ...(regIdText === undefined || !/^\d+$/.test(regIdText) ? {} : { regId: Number(regIdText) }),
          updated: now,
        };
        if (i < 0) next.push(b);
        else next[i] = b;
        written.push(b);
      }
    }
    // Persist first: a binding the database does not hold would be lost on restart.
    for (const b of removed) await this.repo.remove(b.aor, b.contact);
    if (written.length > 0) await this.repo.upsertMany(written.map(bindingToRow));
    if (this.closed) return fail(503, "Service Unavailable");
    if (next.length === 0) this.byUser.delete(user);
    else this.byUser.set(user, next);
    if (removed.length > 0 || written.length > 0) {
      this.log.debug("bindings updated", { aor, bindings: next.length });
      this.emit("changed", user);
    }
    this.arm();
    // RFC 3261 §10.3 step 8: the 200 lists every current binding with its remaining time.
    const headers: SipHeader[] = next.map((b) => ({
      name: "Contact",
      value: `<${b.contact}>;expires=${Math.max(0, b.expires - now)}${b.q === undefined ? "" : `;q=${b.q}`}`,
    }));
    // RFC 3327 §5.3: a registrar that stored a Path echoes it in the 200.
    for (const p of req.headers.getAll("Path")) headers.push({ name: "Path", value: p });
    return { status: 200, reason: "OK", headers };
  }

  // One timer, set for the earliest expiry.
  private arm(): void {
    if (this.closed) return;
    let earliest = Infinity;
    for (const list of this.byUser.values()) for (const b of list) earliest = Math.min(earliest, b.expires);
    if (earliest === this.timerAt && this.timer !== undefined) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = earliest;
    if (earliest === Infinity) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, earliest * 1000 - this.clock() + 1));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      void this.expire();
    }, delay);
    this.timer.unref();
  }

  private async expire(): Promise<void> {
    const now = this.nowS();
    const changed: string[] = [];
    for (const [user, list] of this.byUser) {
      const live = list.filter((b) => b.expires > now);
      if (live.length === list.length) continue;
      changed.push(user);
      if (live.length === 0) this.byUser.delete(user);
      else this.byUser.set(user, live);
    }
    try {
      await this.repo.deleteExpired(now);
    } catch (err) {
      this.log.error("cannot delete expired registrations", { err });
    }
    for (const u of changed) {
      this.log.debug("bindings expired", { user: u });
      this.emit("changed", u);
    }
    this.arm();
  }
}

// `sip:user@host` from the To name-addr (host lower-case, no port or parameters).
function aorOf(to: NameAddress, user: string): string {
  const uri = to.parsedUri;
  if (uri.type !== "sip") return `sip:${user}`;
  return `${uri.scheme}:${user}@${uri.host.toLowerCase()}`;
}

function userOf(aor: string): string | undefined {
  if (!aor.includes(":")) return aor === "" ? undefined : aor;
  try {
    const u = parseUri(aor);
    return u.type === "sip" ? u.user : undefined;
  } catch (err) {
    if (err instanceof SipParseError) return undefined;
    throw err;
  }
}

function sameContact(stored: string, uri: SipUri): boolean {
  try {
    return uriEquals(parseUri(stored), uri);
  } catch {
    return stored === uri.toString();
  }
}

function stripBrackets(nameAddr: string): string {
  const m = /<([^>]*)>/.exec(nameAddr);
  return m?.[1] ?? nameAddr;
}
