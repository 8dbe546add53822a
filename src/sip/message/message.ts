/**
 * SIP requests and responses (RFC 3261 §7). Headers are an ordered list kept as received; the
 * typed accessors parse on each call, so they always reflect the current header list.
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

  protected constructor(init: MessageInit) {
    this.version = init.version ?? "SIP/2.0";
    this.headers = init.headers instanceof SipHeaders ? init.headers : new SipHeaders(init.headers ?? []);
    const body = init.body ?? Buffer.alloc(0);
    this.body = typeof body === "string" ? Buffer.from(body, "utf8") : body;
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

  get cseq(): CSeq {
    return parseCSeq(this.required("CSeq"));
  }

  get from(): NameAddress {
    return parseNameAddr(this.required("From"), "From");
  }

  get to(): NameAddress {
    return parseNameAddr(this.required("To"), "To");
  }

  /** All Via values, top first. */
  get vias(): Via[] {
    return this.headers.getAll("Via").map(parseVia);
  }

  /** The top Via, undefined when there is none. */
  get topVia(): Via | undefined {
    const v = this.headers.get("Via");
    return v === undefined ? undefined : parseVia(v);
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
  private cachedUriText: string | undefined;
  private cachedUri: Uri | undefined;

  constructor(init: MessageInit & { method: string; uri: string | Uri }) {
    super(init);
    this.method = init.method;
    this.uri = typeof init.uri === "string" ? init.uri : init.uri.toString();
  }

  /** The Request-URI, parsed (cached until `uri` changes). Throws SipParseError if malformed. */
  get requestUri(): Uri {
    if (this.cachedUri === undefined || this.cachedUriText !== this.uri) {
      this.cachedUri = parseUri(this.uri);
      this.cachedUriText = this.uri;
    }
    return this.cachedUri;
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
    return copy;
  }
}

/** Either kind of message; switch on `kind`. */
export type SipMessage = SipRequest | SipResponse;
