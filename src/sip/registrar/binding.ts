/**
 * A registrar binding (RFC 3261 §10.3) as the registrar keeps it in memory, and where requests
 * for it are sent.
 */
import type { SipRegistration } from "../../store/registrations-repo.ts";
import type { TransportProtocol, TransportTarget } from "../transport/types.ts";

/** One binding of an address-of-record to a contact. */
export interface Binding {
  /** `sip:user@domain` as registered (To URI without port and parameters). */
  readonly aor: string;
  /** The user part: bindings are filed by user, since all our domains share one user namespace. */
  readonly user: string;
  /** The Contact URI as the phone wrote it. */
  readonly contact: string;
  /** Absolute expiry, unix seconds. */
  readonly expires: number;
  readonly q?: number;
  readonly callId: string;
  readonly cseq: number;
  /** Path values (RFC 3327), in order. */
  readonly path: readonly string[];
  /** Where the REGISTER came from: requests for the binding go there (NAT traversal). */
  readonly source: TransportTarget;
  readonly userAgent?: string;
  readonly instance?: string;
  readonly regId?: number;
  /** Last change, unix seconds. */
  readonly updated: number;
}

/** A target of a lookup: the Request-URI to use and where to send the request. */
export interface LookupResult {
  /** The contact, used as the branch's Request-URI. */
  readonly uri: string;
  /** Where to send: the REGISTER's source, or the first Path hop. */
  readonly target: TransportTarget;
  /** Route header values to push (the Path of the binding). */
  readonly route: readonly string[];
  readonly q: number;
  readonly binding: Binding;
}

/** `udp:192.0.2.10:5060` (IPv6 addresses bracketed). */
export function formatSource(t: TransportTarget): string {
  const host = t.address.includes(":") ? `[${t.address}]` : t.address;
  return `${t.transport}:${host}:${t.port}`;
}

/** Inverse of {@link formatSource}; undefined when malformed. */
export function parseSource(text: string): TransportTarget | undefined {
  const m = /^(udp|tcp):(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/i.exec(text);
  if (!m) return undefined;
  const transport = (m[1] ?? "").toLowerCase() as TransportProtocol;
  const address = m[2] ?? m[3] ?? "";
  const port = Number(m[4]);
  return port > 0 && port <= 65535 ? { transport, address, port } : undefined;
}

/** The row stored for a binding. */
export function bindingToRow(b: Binding): SipRegistration {
  return {
    aor: b.aor,
    contact: b.contact,
    expires: b.expires,
    ...(b.q === undefined ? {} : { q: b.q }),
    callId: b.callId,
    cseq: b.cseq,
    ...(b.path.length === 0 ? {} : { path: b.path.join(",") }),
    received: formatSource(b.source),
    transport: b.source.transport,
    ...(b.userAgent === undefined ? {} : { userAgent: b.userAgent }),
    ...(b.instance === undefined ? {} : { instance: b.instance }),
    ...(b.regId === undefined ? {} : { regId: b.regId }),
    updated: b.updated,
  };
}

/** A binding from a stored row; undefined when the row cannot be used (bad AoR or source). */
export function bindingFromRow(r: SipRegistration): Binding | undefined {
  const m = /^sips?:([^@]+)@/i.exec(r.aor);
  const source = parseSource(r.received);
  if (!m || m[1] === undefined || source === undefined) return undefined;
  return {
    aor: r.aor,
    user: m[1],
    contact: r.contact,
    expires: r.expires,
    ...(r.q === undefined ? {} : { q: r.q }),
    callId: r.callId,
    cseq: r.cseq,
    path: r.path === undefined ? [] : splitPath(r.path),
    source,
    ...(r.userAgent === undefined ? {} : { userAgent: r.userAgent }),
    ...(r.instance === undefined ? {} : { instance: r.instance }),
    ...(r.regId === undefined ? {} : { regId: r.regId }),
    updated: r.updated,
  };
}

// Path values are name-addrs: commas inside <> do not separate them.
function splitPath(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "<") depth++;
    else if (ch === ">") depth--;
    if (ch === "," && depth === 0) {
      if (cur.trim() !== "") out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}
