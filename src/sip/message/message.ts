/**
 * SIP requests and responses (RFC 3261 §7). Headers are an ordered list kept as received; the
 * typed accessors always reflect the current header list.
 *
 * Parsing is lazy and done once: the accessors of the headers every layer reads (top Via, From,
 * To, CSeq) keep the last parse together with the exact text it came from and reuse it while
 * the header still holds that text — a mutation of the header list is seen at the next call.
 * The parser seeds them with what its validation already parsed. The `peek…` accessors hand
 * out the shared parse (read-only by contract, no copy); the classic ones (`topVia`, `from`,
 * `to`) return a private copy the caller may modify.
 */
import { Buffer } from "node:buffer";
import { SipParseError } from "./parse-error.ts";
import { SipHeaders, type SipHeader } from "./headers.ts";
import { parseCSeq, type CSeq } from "./cseq.ts";
import { parseMaxForwards } from "./integer-headers.ts";
import { NameAddress, parseNameAddr } from "./name-addr.ts";
import { parseVia, type Via } from "./via.ts";
import { parseUri, type Uri } from "./uri.ts";
import { reasonPhrase } from "./status-reasons.ts";

/** How the header section is encoded on the wire. */
export type HeaderEncoding = "utf8" | "latin1";

/**
 * The body of messages without one. Shared: a zero-length Buffer has nothing to modify, and one
 * instance for all of them saves an allocation per message.
 */
const EMPTY_BODY = Buffer.alloc(0);

/** Parsed header values with the exact text each was parsed from. */
class ParseCache {
  viaText: string | undefined = undefined;
  via: Via | undefined = undefined;
  fromText: string | undefined = undefined;
  from: NameAddress | undefined = undefined;
  toText: string | undefined = undefined;
  to: NameAddress | undefined = undefined;
  cseqText: string | undefined = undefined;
  cseq: CSeq | undefined = undefined;
  /** The Request-URI (requests only); not copied to clones (callers may modify a SipUri). */
  uriText: string | undefined = undefined;
  uri: Uri | undefined = undefined;
}

interface MessageInit {
  headers?: SipHeaders | Iterable<SipHeader>;
  body?: Buffer | string;
  version?: string;
}

abstract class SipMessageBase {
  /** `SIP/2.0` */
  version: string;
  headers: SipHeaders;
  body: Buffer;
  /**
   * Encoding of the header section: UTF-8 (RFC 3261 §7.3.1), or latin1 when a peer sent bytes
   * that are not valid UTF-8, so that they are forwarded unchanged.
   */
  headerEncoding: HeaderEncoding = "utf8";
  /** Parse caches (see the file comment); one object, dropped whole by {@link compact}. */
  protected parsed: ParseCache | undefined = undefined;

  protected constructor(init: MessageInit) {
    this.version = init.version ?? "SIP/2.0";
    this.headers = init.headers instanceof SipHeaders ? init.headers : new SipHeaders(init.headers ?? []);
    const body = init.body;
    this.body = body === undefined ? EMPTY_BODY : typeof body === "string" ? bodyFromText(body) : body;
  }

  /**
   * @internal Seeds the parse caches with what the parser parsed while validating, each with the
   * exact text it came from (the top Via's only when there is one). Positional, so that the
   * parser hands them over without building an object per message.
   */
  primeParsed(
    viaText: string | undefined,
    via: Via | undefined,
    fromText: string,
    from: NameAddress,
    toText: string,
    to: NameAddress,
    cseqText: string,
    cseq: CSeq,
  ): void {
    const c = this.cache();
    if (viaText !== undefined && via !== undefined) {
      c.viaText = viaText;
      c.via = via;
    }
    c.fromText = fromText;
    c.from = from;
    c.toText = toText;
    c.to = to;
    c.cseqText = cseqText;
    c.cseq = cseq;
  }

  /**
   * Releases what a message kept for long (a completed transaction's request and response)
   * does not need until it is read again: the parse caches, and the header lines, folded into
   * one text (see SipHeaders.compact). Nothing observable changes; the next access re-reads.
   */
  compact(): void {
    this.headers.compact();
    this.parsed = undefined;
  }

  /** The parse caches, created on first use. */
  protected cache(): ParseCache {
    return (this.parsed ??= new ParseCache());
  }

  /** Copies the parse caches to a clone (they are keyed by text, so they stay valid there). */
  protected copyParsedTo(other: SipMessageBase): void {
    const c = this.parsed;
    if (c === undefined) return;
    const o = other.cache();
    o.viaText = c.viaText;
    o.via = c.via;
    o.fromText = c.fromText;
    o.from = c.from;
    o.toText = c.toText;
    o.to = c.to;
    o.cseqText = c.cseqText;
    o.cseq = c.cseq;
  }

  /** The body decoded as UTF-8. */
  get bodyText(): string {
    return this.body.toString("utf8");
  }

  /** Shortcut for `headers.get(name)`. */
  header(name: string): string | undefined {
    return this.headers.get(name);
  }

  get callId(): string {
    return this.required("Call-ID");
  }

  /** The CSeq (read-only: the object is shared by later calls while the header is unchanged). */
  get cseq(): CSeq {
    const text = this.required("CSeq");
    const c = this.cache();
    if (text !== c.cseqText || c.cseq === undefined) {
      // Not frozen: CSeq's readonly fields already keep callers from changing the shared parse.
      c.cseq = parseCSeq(text);
      c.cseqText = text;
    }
    return c.cseq;
  }

  /** A copy of the parsed From (the caller may modify it). */
  get from(): NameAddress {
    return this.peekFrom().clone();
  }

  /** A copy of the parsed To (the caller may modify it). */
  get to(): NameAddress {
    return this.peekTo().clone();
  }

  /** The parsed From, shared: do not modify. Throws SipParseError when missing or malformed. */
  peekFrom(): NameAddress {
    const text = this.required("From");
    const c = this.cache();
    if (text !== c.fromText || c.from === undefined) {
      c.from = parseNameAddr(text, "From");
      c.fromText = text;
    }
    return c.from;
  }

  /** The parsed To, shared: do not modify. Throws SipParseError when missing or malformed. */
  peekTo(): NameAddress {
    const text = this.required("To");
    const c = this.cache();
    if (text !== c.toText || c.to === undefined) {
      c.to = parseNameAddr(text, "To");
      c.toText = text;
    }
    return c.to;
  }

  /** `from.tag` without a copy. */
  get fromTag(): string | undefined {
    return this.peekFrom().tag;
  }

  /** `to.tag` without a copy. */
  get toTag(): string | undefined {
    return this.peekTo().tag;
  }

  /** All Via values, top first. */
  get vias(): Via[] {
    return this.headers.getAll("Via").map(parseVia);
  }

  /** A copy of the top Via (the caller may modify it), undefined when there is none. */
  get topVia(): Via | undefined {
    return this.peekTopVia()?.clone();
  }

  /**
   * The top Via, shared: do not modify (use {@link topVia} for a copy, {@link replaceTopVia} to
   * change it). Undefined when there is none; throws SipParseError when it is malformed.
   */
  peekTopVia(): Via | undefined {
    const text = this.headers.get("Via");
    if (text === undefined) return undefined;
    const c = this.cache();
    if (text !== c.viaText || c.via === undefined) {
      c.via = parseVia(text);
      c.viaText = text;
    }
    return c.via;
  }

  /**
   * Replaces the top Via value with `via` (`headers.replaceFirst`) and keeps `via` as its parse:
   * `via` must not be modified afterwards.
   */
  replaceTopVia(via: Via): void {
    const text = via.toString();
    this.headers.replaceFirst("Via", text);
    const c = this.cache();
    c.viaText = text;
    c.via = via;
  }

  /**
   * Puts `via` on top (`headers.prepend`) and keeps it as the top Via's parse: `via` must not be
   * modified afterwards. `text`, when given, must be exactly `via.toString()`: a caller that
   * builds the value text itself (every request this server sends) saves serialising it again.
   */
  prependVia(via: Via, text: string = via.toString()): void {
    this.headers.prepend("Via", text);
    const c = this.cache();
    c.viaText = text;
    c.via = via;
  }

  /** Contact values; the `*` of a REGISTER removing all bindings is left out. */
  get contacts(): NameAddress[] {
    return this.headers
      .getAll("Contact")
      .filter((c) => c !== "*")
      .map((c) => parseNameAddr(c, "Contact"));
  }

  get maxForwards(): number | undefined {
    const v = this.headers.get("Max-Forwards");
    return v === undefined ? undefined : parseMaxForwards(v);
  }

  private required(name: string): string {
    const v = this.headers.get(name);
    if (v === undefined) throw new SipParseError(`Missing ${name} header`);
    return v;
  }
}

/** A SIP request. */
export class SipRequest extends SipMessageBase {
  readonly kind = "request";
  /** Method as received (case-sensitive, RFC 3261 §7.1). */
  method: string;
  /** Request-URI text as received. */
  uri: string;

  constructor(init: MessageInit & { method: string; uri: string | Uri }) {
    super(init);
    this.method = init.method;
    this.uri = typeof init.uri === "string" ? init.uri : init.uri.toString();
  }

  /** @internal Seeds the Request-URI cache with the parser's parse of `uri`. */
  primeRequestUri(parsed: Uri): void {
    const c = this.cache();
    c.uri = parsed;
    c.uriText = this.uri;
  }

  /** The Request-URI, parsed (cached until `uri` changes). Throws SipParseError if malformed. */
  get requestUri(): Uri {
    const c = this.cache();
    if (c.uri === undefined || c.uriText !== this.uri) {
      c.uri = parseUri(this.uri);
      c.uriText = this.uri;
    }
    return c.uri;
  }

  /** A deep copy of the header list (the body buffer is shared: treat bodies as immutable). */
  clone(): SipRequest {
    const copy = new SipRequest({
      method: this.method,
      uri: this.uri,
      version: this.version,
      headers: this.headers.clone(),
      body: this.body,
    });
    copy.headerEncoding = this.headerEncoding;
    this.copyParsedTo(copy);
    return copy;
  }
}

/** A SIP response. */
export class SipResponse extends SipMessageBase {
  readonly kind = "response";
  status: number;
  reason: string;

  constructor(init: MessageInit & { status: number; reason?: string }) {
    super(init);
    this.status = init.status;
    this.reason = init.reason ?? reasonPhrase(init.status);
  }

  /** A deep copy of the header list (the body buffer is shared). */
  clone(): SipResponse {
    const copy = new SipResponse({
      status: this.status,
      reason: this.reason,
      version: this.version,
      headers: this.headers.clone(),
      body: this.body,
    });
    copy.headerEncoding = this.headerEncoding;
    this.copyParsedTo(copy);
    return copy;
  }
}

/**
 * A body given as text. Not `Buffer.from(text)`: small results of that are slices of a shared
 * 8 KB pool, and a message kept for long (a transaction's request, a dialog's INVITE) would keep
 * its whole pool slab alive.
 */
function bodyFromText(text: string): Buffer {
  if (text === "") return EMPTY_BODY;
  const out = Buffer.allocUnsafeSlow(Buffer.byteLength(text, "utf8"));
  out.write(text, 0, "utf8");
  return out;
}

/** Either kind of message; switch on `kind`. */
export type SipMessage = SipRequest | SipResponse;
