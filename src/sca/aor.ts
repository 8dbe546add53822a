/**
 * Addresses-of-record as Kamailio's `sca` module derives them from URIs (reference §3.1, §6.1):
 * plain string surgery on the URI text, not URI normalisation, because the AoR strings are hash
 * keys and compared byte for byte.
 */
import { parseUri } from "../sip/message/uri.ts";
import { StringMemo } from "./memo.ts";

/** The URI cut at its first `;` (scheme, user, host and port kept). */
export function extractAor(uri: string): string {
  const semi = uri.indexOf(";");
  return semi < 0 ? uri : uri.slice(0, semi);
}

/** User, host and port of a URI as the module's parser sees them; undefined when it does not parse. */
interface UriParts {
  readonly scheme: string;
  readonly user: string;
  readonly host: string;
  readonly port: string;
}

function parseUriParts(uri: string): UriParts | undefined {
  try {
    const u = parseUri(uri);
    if (u.type === "sip") {
      return {
        scheme: u.scheme,
        user: u.user ?? "",
        host: u.host,
        port: u.port === undefined ? "" : String(u.port),
      };
    }
    if (u.type === "tel") return { scheme: "tel", user: u.number, host: "", port: "" };
    return undefined;
  } catch {
    return undefined;
  }
}

/** URI parts by URI text: a phone's calls repeat its From, To and Contact URIs. */
const uriPartsMemo = new StringMemo(parseUriParts, 4096);

function uriParts(uri: string): UriParts | undefined {
  return uriPartsMemo.get(uri);
}

/**
 * The canonical AoR of a From (request) or To (reply) URI given the message's Contact URI
 * (reference §6.1): the URI cut at `;` when the Contact has no user or the same user; otherwise
 * `<Contact scheme>:<Contact user>@<host>[:<port>]` of the From/To URI. Undefined when a URI
 * does not parse (Kamailio then gives up on the message).
 */
export function canonicalAor(addressUri: string, contactUri: string | undefined): string | undefined {
  const base = extractAor(addressUri);
  if (contactUri === undefined) return base;
  const contact = uriParts(contactUri);
  if (contact === undefined) return undefined;
  const addr = uriParts(addressUri);
  if (addr === undefined) return undefined;
  if (contact.user === "" || contact.user === addr.user) return base;
  return `${contact.scheme}:${contact.user}@${addr.host}${addr.port === "" ? "" : `:${addr.port}`}`;
}

/**
 * The AoR of a far end for a pick-up (Kamailio's `sca_uri_build_aor`): the Contact text up to its
 * `@` (scheme included), then the domain part of `domainUri` (after its `@`, or its `:`).
 * Undefined when the Contact has no user (it cannot be an SCA line) or the domain URI is bad.
 */
export function aorFromContact(contactUri: string, domainUri: string): string | undefined {
  const at = contactUri.indexOf("@");
  if (at < 0) return undefined;
  let d = domainUri.indexOf("@");
  if (d < 0) d = domainUri.indexOf(":");
  if (d < 0) return undefined;
  return `${contactUri.slice(0, at)}@${domainUri.slice(d + 1)}`;
}
