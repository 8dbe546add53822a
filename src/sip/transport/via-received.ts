/**
 * Server-side Via processing of a received request: `received` (RFC 3261 §18.2.1) and the
 * `rport` value (RFC 3581 §4), and the address a response goes back to (RFC 3261 §18.2.2,
 * RFC 3581 §5).
 */
import type { SipRequest } from "../message/message.ts";
import { SipParseError } from "../message/parse-error.ts";
import { unbracket } from "../message/uri.ts";
import type { Via } from "../message/via.ts";
import { transportFromVia, type Endpoint, type TransportProtocol } from "./types.ts";

/** The SIP default port for UDP and TCP (RFC 3261 §19.1.2). */
export const DEFAULT_SIP_PORT = 5060;

/** `::ffff:192.0.2.1` (an IPv4 peer on a dual-stack socket) → `192.0.2.1`. */
export function normalizeAddress(address: string): string {
  // The usual case, a dotted IPv4 address, is already normal (and needs no new string).
  if (isPlainIpv4(address)) return address;
  const lower = unbracket(address).toLowerCase();
  return lower.startsWith("::ffff:") && lower.includes(".") ? lower.slice(7) : lower;
}

function isPlainIpv4(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x2e && (c < 0x30 || c > 0x39)) return false;
  }
  return true;
}

/**
 * Adds `received` to the top Via when its host is not the source address, or always when the
 * Via has `rport` (RFC 3581 §4), and fills an empty `rport` with the source port. `rport` keeps
 * its place; `received` is appended. Returns false when the top Via is missing or malformed.
 */
export function stampReceived(request: SipRequest, remote: Endpoint): boolean {
  let current: Via | undefined;
  try {
    current = request.peekTopVia();
  } catch (err) {
    if (err instanceof SipParseError) return false;
    throw err;
  }
  if (current === undefined) return false;
  const source = normalizeAddress(remote.address);
  const differs = normalizeAddress(current.host) !== source;
  if (!differs && !current.hasRport) return true;
  // The parse is shared with the message: stamp a copy and install it.
  const top = current.clone();
  if (top.hasRport && top.rport === undefined) top.params.set("rport", String(remote.port));
  // RFC 3261 §18.2.1: received holds the bare address (IPv6 without brackets).
  top.params.set("received", source);
  request.replaceTopVia(top);
  return true;
}

/** Where a response goes, from the top Via of the response. */
export interface ResponseRoute {
  readonly transport: TransportProtocol;
  /** `maddr`, else `received`, else the sent-by host. */
  readonly address: string;
  /**
   * UDP: where to send (`rport` value, else sent-by port, else 5060). TCP: the port of the
   * connection the request came on when `rport` tells it, else the sent-by port.
   */
  readonly port: number;
  /** Port to open a new connection to when the original one is gone (sent-by port or 5060). */
  readonly connectPort: number;
}

/**
 * RFC 3261 §18.2.2 with RFC 3581 §5. Undefined when the Via names a transport Linekey does not
 * speak (TLS, SCTP, WS).
 */
export function responseRoute(via: Via): ResponseRoute | undefined {
  const transport = transportFromVia(via.transport);
  if (transport === undefined) return undefined;
  const sentByPort = via.port ?? DEFAULT_SIP_PORT;
  const maddr = via.maddr;
  if (maddr !== undefined) return { transport, address: maddr, port: sentByPort, connectPort: sentByPort };
  const address = via.received ?? unbracket(via.host);
  return { transport, address, port: via.rport ?? sentByPort, connectPort: sentByPort };
}
