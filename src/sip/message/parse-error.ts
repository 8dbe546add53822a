/**
 * The one error the SIP parsers throw. It carries a short reason that can go on the wire as the
 * reason phrase of the error response, and enough of the message for the transport to answer.
 */
import { LinekeyError } from "../../util/errors.ts";
import type { SipHeaders } from "./headers.ts";

/** What is known about a message that failed to parse. */
export interface SipParseErrorDetails {
  /** True when the start line was a request line, false for a status line, undefined if unknown. */
  readonly isRequest?: boolean | undefined;
  /** Status to answer with: 400, or 505 for an unsupported SIP version (RFC 3261 §21.5.6). */
  readonly status?: number;
  /** The header lines read before the error, when the header section could be split. */
  readonly headers?: SipHeaders | undefined;
  /** The request method, when the start line was a request line that could be split. */
  readonly method?: string | undefined;
}

/** A malformed SIP message, URI or header value (code `SIP_ERR_PARSE`). */
export class SipParseError extends LinekeyError {
  /** Short, printable reason (no CR/LF, no bytes from the input), usable as a reason phrase. */
  readonly reason: string;
  readonly isRequest: boolean | undefined;
  readonly status: number;
  readonly headers: SipHeaders | undefined;
  readonly method: string | undefined;
  constructor(reason: string, details: SipParseErrorDetails = {}) {
    super("SIP_ERR_PARSE", reason);
    this.name = "SipParseError";
    this.reason = reason;
    this.isRequest = details.isRequest;
    this.status = details.status ?? 400;
    this.headers = details.headers;
    this.method = details.method;
  }

  /** A copy with message-level details added (used when a header parser fails inside the parser). */
  withDetails(details: SipParseErrorDetails): SipParseError {
    return new SipParseError(this.reason, {
      isRequest: details.isRequest ?? this.isRequest,
      status: details.status ?? this.status,
      headers: details.headers ?? this.headers,
      method: details.method ?? this.method,
    });
  }
}
