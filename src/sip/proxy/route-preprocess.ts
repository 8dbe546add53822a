/**
 * Route information preprocessing (RFC 3261 §16.4): undo a strict router's rewrite of the
 * Request-URI, and remove the Route values that name this proxy (loose routing, `;lr`).
 */
import type { SipRequest } from "../message/message.ts";
import { parseNameAddr } from "../message/name-addr.ts";

/** Whether a URI (text) names this proxy. */
export type IsOwnUri = (uri: string) => boolean;

/**
 * Applies RFC 3261 §16.4 to `req` in place. Returns how many of our Route values were removed.
 * Several consecutive ones can be ours: the double Record-Route written when a dialog crosses
 * from UDP to TCP (as Kamailio's `enable_double_rr`).
 */
export function preprocessRoute(req: SipRequest, isOwn: IsOwnUri): number {
  // RFC 3261 §16.4: "If the Request-URI contains a value this proxy previously placed into a
  // Record-Route header field …, the proxy MUST replace the Request-URI in the request with the
  // last value from the Route header field, and remove that value from the Route header field."
  // Our Record-Route URIs carry no user part, which tells them from a local user's URI.
  if (isOwn(req.uri) && isRecordRouteUri(req.uri)) {
    const routes = req.headers.getAll("Route");
    const last = routes.at(-1);
    if (last !== undefined) {
      try {
        const uri = parseNameAddr(last, "Route").uri;
        routes.pop();
        req.headers.delete("Route");
        for (const r of routes) req.headers.append("Route", r);
        req.uri = uri;
      } catch {
        // A malformed Route leaves the request as it was; routing will fail on it later.
      }
    }
  }
  // RFC 3261 §16.4: "If the first value in the Route header field indicates this proxy, the
  // proxy MUST remove that value from the request."
  let removed = 0;
  for (;;) {
    const top = req.headers.get("Route");
    if (top === undefined) break;
    let uri: string;
    try {
      uri = parseNameAddr(top, "Route").uri;
    } catch {
      break;
    }
    if (!isOwn(uri)) break;
    req.headers.shift("Route");
    removed++;
  }
  return removed;
}

function isRecordRouteUri(uri: string): boolean {
  return /^sips?:[^@]*$/i.test(uri) && /;lr(?:[=;]|$)/i.test(uri);
}
