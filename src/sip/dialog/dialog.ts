/**
 * Dialog state (RFC 3261 §12): identifiers, sequence numbers, route set and remote target,
 * created from the request and response that establish it, and the requests sent within it.
 * Used by the B2BUA legs (INVITE dialogs) and the SCA NOTIFY sender (subscription dialogs).
 */
import type { Buffer } from "node:buffer";
import { LinekeyError } from "../../util/errors.ts";
import { MAX_CSEQ } from "../message/cseq.ts";
import type { SipHeader } from "../message/headers.ts";
import { SipRequest, type SipResponse } from "../message/message.ts";
import { parseNameAddr, type NameAddress } from "../message/name-addr.ts";
import { parseUri } from "../message/uri.ts";
import type { TransportProtocol, TransportTarget } from "../transport/types.ts";
import { targetOfUriText } from "./uri-target.ts";

/** Dialog states (RFC 3261 §12: early, confirmed; terminated when it ends). */
export type DialogState = "early" | "confirmed" | "terminated";

/** Which side created the dialog. */
export type DialogRole = "uac" | "uas";

/** The dialog ID (RFC 3261 §12): Call-ID, local tag, remote tag. */
export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/** `callId;localTag;remoteTag`, for maps. */
export function dialogKey(id: DialogId): string {
  return `${id.callId};${id.localTag};${id.remoteTag}`;
}

/**
 * The dialog ID a message belongs to, seen from the side that `role` names: a request received
 * by a UAS (local = To tag) or a response received by a UAC (local = From tag). Undefined when a
 * tag is missing or a header is malformed.
 */
export function dialogIdOf(
  message: SipRequest | SipResponse,
  side: "received-request" | "received-response",
): DialogId | undefined {
  try {
    const fromTag = message.from.tag;
    const toTag = message.to.tag;
    if (fromTag === undefined || toTag === undefined) return undefined;
    return side === "received-request"
      ? { callId: message.callId, localTag: toTag, remoteTag: fromTag }
      : { callId: message.callId, localTag: fromTag, remoteTag: toTag };
  } catch {
    return undefined;
  }
}

/** Options of {@link Dialog.createRequest}. */
export interface DialogRequestOptions {
  /** Contact header value (as written, e.g. `<sip:100@192.0.2.1:5060>`); default: the dialog's local contact; `false`: none. */
  readonly contact?: string | false;
  /** User-Agent header, placed after Content-Length as Kamailio's tm does. */
  readonly userAgent?: string;
  /** Headers appended after Contact, in order. */
  readonly headers?: Iterable<SipHeader>;
  readonly body?: Buffer | string;
}

// Methods whose request (and 2xx) refresh the remote target (RFC 3261 §12.2, RFC 6665 §4.1.2.2, RFC 3311).
const TARGET_REFRESH = new Set(["INVITE", "UPDATE", "SUBSCRIBE", "NOTIFY", "REFER"]);

function contactUri(message: SipRequest | SipResponse): string | undefined {
  try {
    return message.contacts[0]?.uri;
  } catch {
    return undefined;
  }
}

// Record-Route values of a message in order, one per element.
function recordRoutes(message: SipRequest | SipResponse): string[] {
  return message.headers.getAll("Record-Route");
}

/** A dialog. */
export class Dialog {
  readonly role: DialogRole;
  readonly id: DialogId;
  /** Local party as it appears in From (UAC) or To (UAS), tag included. */
  readonly local: NameAddress;
  /** Remote party as it appears in To (UAC) or From (UAS), tag included. */
  readonly remote: NameAddress;
  /** Last CSeq number sent; undefined until the UAS sends its first request. */
  localSeq: number | undefined;
  /** Last CSeq number received; undefined until the UAC receives a request. */
  remoteSeq: number | undefined;
  /** The remote Contact URI, where in-dialog requests go (RFC 3261 §12.1). */
  remoteTarget: string;
  /** Route set as Route header values, in the order they are sent. */
  routeSet: string[];
  /** Our Contact header value for requests and responses in this dialog. */
  localContact: string | undefined;
  /** The transport the dialog was set up over: the default for URIs without `transport=`. */
  transport: TransportProtocol;
  private current: DialogState;

  private constructor(init: {
    role: DialogRole;
    id: DialogId;
    local: NameAddress;
    remote: NameAddress;
    localSeq: number | undefined;
    remoteSeq: number | undefined;
    remoteTarget: string;
    routeSet: string[];
    localContact: string | undefined;
    state: DialogState;
    transport: TransportProtocol;
  }) {
    this.role = init.role;
    this.id = init.id;
    this.local = init.local;
    this.remote = init.remote;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localContact = init.localContact;
    this.current = init.state;
    this.transport = init.transport;
  }

  /**
   * The UAC's dialog from the request it sent and a 1xx (early) or 2xx (confirmed) response
   * carrying a To tag. Throws LinekeyError `SIP_ERR_DIALOG` when the response cannot create one.
   */
  static fromUac(request: SipRequest, response: SipResponse, transport: TransportProtocol = "udp"): Dialog {
    const to = response.to;
    const from = request.from;
    // RFC 3261 §12.1.2: only a response with a To tag, 101-299, creates a dialog.
    if (to.tag === undefined || from.tag === undefined || response.status <= 100 || response.status >= 300) {
      throw new LinekeyError("SIP_ERR_DIALOG", `a ${response.status} without To tag creates no dialog`);
    }
    // RFC 3261 §12.1.2: "The route set MUST be set to the list of URIs in the Record-Route header
    // field from the response, taken in reverse order"; the remote target is the response Contact.
    return new Dialog({
      role: "uac",
      id: { callId: request.callId, localTag: from.tag, remoteTag: to.tag },
      local: from,
      remote: to,
      localSeq: request.cseq.seq,
      remoteSeq: undefined,
      remoteTarget: contactUri(response) ?? request.uri,
      routeSet: recordRoutes(response).reverse(),
      localContact: request.headers.get("Contact"),
      state: response.status < 200 ? "early" : "confirmed",
      transport,
    });
  }

  /**
   * The UAS's dialog from the request it received and the response it sends (which carries our
   * To tag). 1xx → early, 2xx → confirmed.
   */
  static fromUas(request: SipRequest, response: SipResponse, transport: TransportProtocol = "udp"): Dialog {
    const to = response.to;
    const from = request.from;
    if (to.tag === undefined || from.tag === undefined || response.status <= 100 || response.status >= 300) {
      throw new LinekeyError("SIP_ERR_DIALOG", `a ${response.status} without To tag creates no dialog`);
    }
    // RFC 3261 §12.1.1: route set = Record-Route of the request in order; remote target = the
    // request's Contact; remote sequence number = the request's CSeq; local one empty.
    return new Dialog({
      role: "uas",
      id: { callId: request.callId, localTag: to.tag, remoteTag: from.tag },
      local: to,
      remote: from,
      localSeq: undefined,
      remoteSeq: request.cseq.seq,
      remoteTarget: contactUri(request) ?? request.from.uri,
      routeSet: recordRoutes(request),
      localContact: response.headers.get("Contact"),
      state: response.status < 200 ? "early" : "confirmed",
      transport,
    });
  }

  get state(): DialogState {
    return this.current;
  }

  /** `callId;localTag;remoteTag`. */
  get key(): string {
    return dialogKey(this.id);
  }

  /** Early → confirmed (the UAS sent, or the UAC received, a 2xx). */
  confirm(): void {
    if (this.current === "early") this.current = "confirmed";
  }

  /** Ends the dialog (BYE, final failure of the initial INVITE, subscription end). */
  terminate(): void {
    this.current = "terminated";
  }

  /**
   * A request received in this dialog (RFC 3261 §12.2.2). Returns 500 when it is out of order
   * (its CSeq below the remote sequence number; ACK and CANCEL reuse the INVITE's number), else
   * records the sequence number and refreshes the remote target.
   */
  receiveRequest(req: SipRequest): { ok: true } | { ok: false; status: 500; reason: string } {
    const seq = req.cseq.seq;
    if (req.method !== "ACK" && req.method !== "CANCEL") {
      // RFC 3261 §12.2.2: "If the remote sequence number is not empty, but the sequence number
      // of the request is lower than the remote sequence number, the request is out of order
      // and MUST be rejected with a 500 (Server Internal Error) response."
      if (this.remoteSeq !== undefined && seq < this.remoteSeq) {
        return { ok: false, status: 500, reason: "Server Internal Error" };
      }
      this.remoteSeq = seq;
    }
    // RFC 3261 §12.2.2: a target refresh request replaces the remote target with its Contact.
    if (TARGET_REFRESH.has(req.method)) {
      const c = contactUri(req);
      if (c !== undefined) this.remoteTarget = c;
    }
    return { ok: true };
  }

  /**
   * A response received to a request sent in this dialog (UAC side of a transaction).
   * RFC 3261 §13.2.2.4 / §12.2.1.2: a 2xx to the initial INVITE confirms an early dialog and
   * its Record-Route recomputes the route set; a 2xx to a target refresh updates the target.
   */
  receiveResponse(res: SipResponse): void {
    const method = res.cseq.method;
    if (res.status >= 200 && res.status < 300) {
      if (this.current === "early") {
        this.current = "confirmed";
        if (this.role === "uac") this.routeSet = recordRoutes(res).reverse();
      }
      if (TARGET_REFRESH.has(method)) {
        const c = contactUri(res);
        if (c !== undefined) this.remoteTarget = c;
      }
    } else if (res.status > 100 && res.status < 200 && this.current === "early") {
      const c = contactUri(res);
      if (c !== undefined) this.remoteTarget = c;
    }
  }

  /**
   * A new request within the dialog (RFC 3261 §12.2.1.1): To = remote party with its tag, From
   * = local party with ours, Call-ID, CSeq one above the last one sent, Request-URI and Route
   * from the route set and remote target (loose or strict routing), Max-Forwards 70, Contact.
   * Header order follows Kamailio's tm (Route, To, From, CSeq, Call-ID, Max-Forwards,
   * Content-Length, User-Agent, Contact, extra headers). No Via: the sender adds the top Via
   * (`SipServer.sendRequest` does).
   */
  createRequest(method: string, opts: DialogRequestOptions = {}): SipRequest {
    if (method === "ACK" || method === "CANCEL") {
      throw new LinekeyError(
        "SIP_ERR_DIALOG",
        `${method} is not built with createRequest (use createAck / createCancel)`,
      );
    }
    if (this.current === "terminated") throw new LinekeyError("SIP_ERR_DIALOG", "the dialog has ended");
    // RFC 3261 §12.2.1.1: "the CSeq header field value … MUST be obtained by incrementing the
    // local sequence number by one"; an empty one starts at 1 (§8.1.1.5: any value below 2**31).
    const seq = this.localSeq === undefined ? 1 : this.localSeq + 1;
    if (seq > MAX_CSEQ) throw new LinekeyError("SIP_ERR_DIALOG", "CSeq space exhausted");
    this.localSeq = seq;
    return this.build(method, seq, opts);
  }

  /**
   * The ACK of a 2xx to the INVITE sent with CSeq `inviteSeq` (RFC 3261 §13.2.2.4): built like an
   * in-dialog request but with the INVITE's CSeq number, method ACK; the local sequence number
   * is left alone.
   */
  createAck(inviteSeq: number, opts: DialogRequestOptions = {}): SipRequest {
    return this.build("ACK", inviteSeq, opts);
  }

  /** Where a request built by this dialog goes first: the first Route, else the remote target. */
  nextHop(): TransportTarget | undefined {
    const { uri, routes } = this.requestUriAndRoutes();
    const first = routes[0];
    if (first !== undefined) {
      try {
        return targetOfUriText(parseNameAddr(first, "Route").uri, this.transport);
      } catch {
        return undefined;
      }
    }
    return targetOfUriText(uri, this.transport);
  }

  private requestUriAndRoutes(): { uri: string; routes: string[] } {
    const first = this.routeSet[0];
    if (first === undefined) return { uri: this.remoteTarget, routes: [] };
    let firstUri: string;
    let loose = true;
    try {
      const na = parseNameAddr(first, "Route");
      firstUri = na.uri;
      const u = parseUri(firstUri);
      loose = u.type === "sip" && u.params.has("lr");
    } catch {
      return { uri: this.remoteTarget, routes: [...this.routeSet] };
    }
    // RFC 3261 §12.2.1.1: with a loose router first, the Request-URI is the remote target and
    // the route set is sent as Route. Otherwise (strict router) the Request-URI is the first
    // route URI and the remote target is appended as the last Route.
    if (loose) return { uri: this.remoteTarget, routes: [...this.routeSet] };
    return { uri: firstUri, routes: [...this.routeSet.slice(1), `<${this.remoteTarget}>`] };
  }

  private build(method: string, seq: number, opts: DialogRequestOptions): SipRequest {
    const { uri, routes } = this.requestUriAndRoutes();
    const headers: SipHeader[] = routes.map((r) => ({ name: "Route", value: r }));
    headers.push(
      { name: "To", value: this.remote.toString() },
      { name: "From", value: this.local.toString() },
      { name: "CSeq", value: `${seq} ${method}` },
      { name: "Call-ID", value: this.id.callId },
      { name: "Max-Forwards", value: "70" },
      { name: "Content-Length", value: "0" },
    );
    if (opts.userAgent !== undefined) headers.push({ name: "User-Agent", value: opts.userAgent });
    const contact = opts.contact ?? this.localContact;
    if (contact !== undefined && contact !== false) headers.push({ name: "Contact", value: contact });
    if (opts.headers) headers.push(...opts.headers);
    return new SipRequest({ method, uri, headers, ...(opts.body === undefined ? {} : { body: opts.body }) });
  }
}
