/**
 * Where a request goes, from a URI, the way RFC 3263 §4 would decide it but without DNS:
 * Linekey's peers are phones and servers named by IP address or by a host name the system
 * resolver knows, with an explicit port or the default 5060.
 */
import type { SipRequest } from "../message/message.ts";
import { parseNameAddr } from "../message/name-addr.ts";
import { parseUri, type SipUri } from "../message/uri.ts";
import { DEFAULT_SIP_PORT } from "../transport/via-received.ts";
import type { TransportProtocol, TransportTarget } from "../transport/types.ts";

/**
 * The transport, address and port for a SIP URI: `maddr` wins over the host (RFC 3261 §19.1.1),
 * `transport=tcp` selects TCP (sips: too, for lack of TLS), otherwise `fallback` (UDP). Undefined
 * for transports Linekey does not speak (tls, sctp, ws).
 */
export function targetOfUri(uri: SipUri, fallback: TransportProtocol = "udp"): TransportTarget | undefined {
  const param = uri.params.get("transport");
  let transport: TransportProtocol;
  // RFC 3263 §4.1: an explicit transport parameter decides; sips: means TLS, which Linekey
  // replaces by TCP (phones that insist on TLS are out of scope).
  if (typeof param === "string") {
    const t = param.toLowerCase();
    if (t === "udp" || t === "tcp") transport = t;
    else return undefined;
  } else transport = uri.scheme === "sips" ? "tcp" : fallback;
  const maddr = uri.params.get("maddr");
  const address = typeof maddr === "string" && maddr !== "" ? maddr.replace(/^\[|\]$/g, "") : uri.hostAddress;
  // RFC 3263 §4.2: with a numeric address and no port, the transport's default port.
  return { transport, address, port: uri.port ?? DEFAULT_SIP_PORT };
}

/** Parses a URI text and resolves it with {@link targetOfUri}; undefined when not a usable SIP URI. */
export function targetOfUriText(
  text: string,
  fallback: TransportProtocol = "udp",
): TransportTarget | undefined {
  try {
    const uri = parseUri(text);
    return uri.type === "sip" ? targetOfUri(uri, fallback) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The next hop of a request as a UAC sends it (RFC 3261 §8.1.2): the first Route URI when there
 * is a Route, otherwise the Request-URI.
 */
export function requestTarget(
  req: SipRequest,
  fallback: TransportProtocol = "udp",
): TransportTarget | undefined {
  const route = req.headers.get("Route");
  if (route !== undefined) {
    try {
      return targetOfUriText(parseNameAddr(route, "Route").uri, fallback);
    } catch {
      return undefined;
    }
  }
  return targetOfUriText(req.uri, fallback);
}
