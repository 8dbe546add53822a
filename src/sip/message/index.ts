/**
 * SIP message layer: parsing, serialisation and header value grammars.
 */
export { SipParseError, type SipParseErrorDetails } from "./parse-error.ts";
export { SipHeaders, type SipHeader } from "./headers.ts";
export { headerKey, isListHeader, canonicalHeaderName } from "./header-names.ts";
export { Params, parseHeaderParams, unquoteParam, type Param } from "./params.ts";
export {
  SipUri,
  TelUri,
  GenericUri,
  parseUri,
  parseSipUri,
  parseHostPort,
  unbracket,
  uriEquals,
  type Uri,
  type UriHeader,
} from "./uri.ts";
export { NameAddress, parseNameAddr } from "./name-addr.ts";
export { Via, parseVia, BRANCH_MAGIC_COOKIE } from "./via.ts";
export { parseCSeq, formatCSeq, MAX_CSEQ, type CSeq } from "./cseq.ts";
export {
  parseMaxForwards,
  parseContentLength,
  parseDeltaSeconds,
  MAX_DELTA_SECONDS,
} from "./integer-headers.ts";
export { SipRequest, SipResponse, type SipMessage, type HeaderEncoding } from "./message.ts";
export { parseMessage, skipLeadingCrlf, type ParseOptions } from "./parser.ts";
export { serialize, startLine } from "./serializer.ts";
export { createResponse, type CreateResponseOptions } from "./create-response.ts";
export { createCancel } from "./create-cancel.ts";
export { generateBranch, generateTag, generateCallId } from "./ids.ts";
export { reasonPhrase } from "./status-reasons.ts";
export { quote } from "./lexer.ts";
