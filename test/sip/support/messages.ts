/**
 * Request builders for SIP tests: well-formed requests with a fresh branch, as a UAC core
 * would send them.
 */
import { SipRequest, generateBranch, generateCallId, generateTag } from "../../../src/sip/message/index.ts";
import type { Endpoint, TransportProtocol } from "../../../src/sip/transport/index.ts";

/** Options of {@link makeRequest}. */
export interface MakeRequestOptions {
  /** Where the sender listens (the Via sent-by). */
  readonly from: Endpoint;
  /** Where the request goes (the Request-URI host). */
  readonly to: Endpoint;
  readonly transport?: TransportProtocol;
  readonly branch?: string;
  readonly callId?: string;
  readonly cseq?: number;
  readonly body?: string;
  readonly rport?: boolean;
}

/** A request from `from` to `to` with Via, Max-Forwards, From (tagged), To, Call-ID, CSeq. */
export function makeRequest(method: string, o: MakeRequestOptions): SipRequest {
  const transport = (o.transport ?? "udp").toUpperCase();
  const branch = o.branch ?? generateBranch();
  const rport = o.rport === true ? ";rport" : "";
  return new SipRequest({
    method,
    uri: `sip:bob@${o.to.address}:${o.to.port}`,
    headers: [
      {
        name: "Via",
        value: `SIP/2.0/${transport} ${o.from.address}:${o.from.port};branch=${branch}${rport}`,
      },
      { name: "Max-Forwards", value: "70" },
      { name: "From", value: `<sip:alice@${o.from.address}>;tag=${generateTag()}` },
      { name: "To", value: `<sip:bob@${o.to.address}>` },
      { name: "Call-ID", value: o.callId ?? generateCallId() },
      { name: "CSeq", value: `${o.cseq ?? 1} ${method}` },
    ],
    ...(o.body === undefined ? {} : { body: o.body }),
  });
}
