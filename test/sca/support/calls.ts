/**
 * Builders of the call messages an SCA test feeds the proxy hooks: INVITEs, re-INVITEs, replies,
 * ACK, BYE, CANCEL, as phones and a remote UAS send them (cf. the s04 scenario).
 */
import { SipRequest, SipResponse, createResponse, generateBranch } from "../../../src/sip/message/index.ts";
import { DOMAIN } from "./testbed.ts";

/** SDP with one audio stream in the given direction. */
export function sdp(direction: "sendrecv" | "sendonly" | "recvonly" | "inactive", conn = DOMAIN): string {
  return [
    "v=0",
    `o=- 1 1 IN IP4 ${conn}`,
    "s=-",
    `c=IN IP4 ${conn}`,
    "t=0 0",
    "m=audio 40000 RTP/AVP 0",
    "a=rtpmap:0 PCMU/8000",
    `a=${direction}`,
    "",
  ].join("\r\n");
}

/** One call leg: who calls whom, with which dialog identifiers. */
export class CallLeg {
  toTag: string | undefined;
  private cseq = 0;

  constructor(
    readonly o: {
      /** From URI (the SCA AoR of the caller). */
      from: string;
      /** Request-URI and To URI. */
      to: string;
      /** Contact of the calling phone. */
      contact: string;
      /** Contact of the far end. */
      remoteContact: string;
      callId: string;
      fromTag: string;
      fromDisplay?: string;
      toDisplay?: string;
      requestUri?: string;
    },
  ) {}

  /** A request of the caller in this dialog (INVITE/re-INVITE/BYE/ACK/CANCEL). */
  request(method: string, opts: { callInfo?: string; body?: string; cseq?: number } = {}): SipRequest {
    const seq = opts.cseq ?? (method === "ACK" || method === "CANCEL" ? this.cseq : ++this.cseq);
    const from = `${this.o.fromDisplay === undefined ? "" : `${this.o.fromDisplay} `}<${this.o.from}>;tag=${this.o.fromTag}`;
    const to = `${this.o.toDisplay === undefined ? "" : `${this.o.toDisplay} `}<${this.o.to}>${this.toTag === undefined || method === "CANCEL" ? "" : `;tag=${this.toTag}`}`;
    const headers = [
      { name: "Via", value: `SIP/2.0/UDP ${DOMAIN}:5084;branch=${generateBranch()}` },
      { name: "From", value: from },
      { name: "To", value: to },
      { name: "Call-ID", value: this.o.callId },
      { name: "CSeq", value: `${seq} ${method}` },
      { name: "Contact", value: `<${this.o.contact}>` },
      { name: "Max-Forwards", value: "70" },
      ...(opts.callInfo === undefined ? [] : [{ name: "Call-Info", value: opts.callInfo }]),
      ...(opts.body === undefined ? [] : [{ name: "Content-Type", value: "application/sdp" }]),
    ];
    const uri = this.toTag === undefined ? (this.o.requestUri ?? this.o.to) : this.o.remoteContact;
    return new SipRequest({ method, uri, headers, ...(opts.body === undefined ? {} : { body: opts.body }) });
  }

  /** The far end's reply to `req` (To tag set on the first reply that is not 100). */
  reply(
    req: SipRequest,
    status: number,
    opts: { toTag?: string; body?: string; callInfo?: string } = {},
  ): SipResponse {
    if (status > 100 && this.toTag === undefined) this.toTag = opts.toTag ?? "uas-1";
    const res = createResponse(req, status, undefined, {
      ...(status > 100 && this.toTag !== undefined ? { toTag: this.toTag } : {}),
      headers: [
        { name: "Contact", value: `<${this.o.remoteContact}>` },
        ...(opts.callInfo === undefined ? [] : [{ name: "Call-Info", value: opts.callInfo }]),
        ...(opts.body === undefined ? [] : [{ name: "Content-Type", value: "application/sdp" }]),
      ],
      ...(opts.body === undefined ? {} : { body: opts.body }),
    });
    return res;
  }

  /** A request of the far end in this dialog (its BYE): From/To swapped. */
  remoteRequest(method: string, cseq = 1): SipRequest {
    return new SipRequest({
      method,
      uri: this.o.contact,
      headers: [
        { name: "Via", value: `SIP/2.0/UDP ${DOMAIN}:5090;branch=${generateBranch()}` },
        { name: "From", value: `<${this.o.to}>;tag=${this.toTag ?? ""}` },
        { name: "To", value: `<${this.o.from}>;tag=${this.o.fromTag}` },
        { name: "Call-ID", value: this.o.callId },
        { name: "CSeq", value: `${cseq} ${method}` },
        { name: "Contact", value: `<${this.o.remoteContact}>` },
      ],
    });
  }
}
