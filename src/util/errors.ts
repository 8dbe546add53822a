/**
 * Errors with stable codes. Callers match on `code`, never on message text, so messages can be
 * improved without breaking anyone.
 */

/** Every stable error code Linekey raises. Grouped by layer prefix. */
export type ErrorCode =
  | "CONFIG_ERR_SYNTAX"
  | "CONFIG_ERR_VALUE"
  | "CONFIG_ERR_MISSING"
  | "CONFIG_ERR_DUPLICATE"
  | "CONFIG_ERR_INCLUDE"
  | "CONFIG_ERR_IO"
  | "SCCP_ERR_FRAME_LENGTH"
  | "SCCP_ERR_UNKNOWN_MESSAGE"
  | "SCCP_ERR_ENCODE"
  | "SCCP_ERR_SESSION_CLOSED"
  | "SCCP_ERR_UNKNOWN_DEVICE"
  | "SCCP_ERR_NOT_REGISTERED"
  | "SCCP_ERR_MEDIA"
  | "SIP_ERR_PARSE"
  | "SIP_ERR_TRANSPORT"
  | "SIP_ERR_TRANSACTION"
  | "SIP_ERR_TIMEOUT"
  | "SIP_ERR_STATUS"
  | "SIP_ERR_DIALOG"
  | "STORE_ERR_URL"
  | "STORE_ERR_QUERY"
  | "STORE_ERR_SCHEMA"
  | "STORE_ERR_VALUE"
  | "MGMT_ERR_NO_SERVER"
  | "MGMT_ERR_COMMAND"
  | "MGMT_ERR_IN_USE"
  | "MGMT_ERR_LISTEN"
  | "CORE_ERR_DIALPLAN"
  | "MEDIA_ERR_NO_PORTS"
  | "MEDIA_ERR_FORMAT"
  | "MEDIA_ERR_CLOSED";

/** Base class: an error with a stable `code`. */
export class LinekeyError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LinekeyError";
    this.code = code;
  }
}

/** A configuration problem, always tied to a file, and when known a line and a key. */
export class ConfigError extends LinekeyError {
  readonly file: string;
  readonly line: number | undefined;
  readonly key: string | undefined;
  constructor(
    code: ErrorCode,
    file: string,
    line: number | undefined,
    key: string | undefined,
    detail: string,
  ) {
    super(
      code,
      `${file}${line === undefined ? "" : `:${line}`}${key === undefined ? "" : `: ${key}`}: ${detail}`,
    );
    this.name = "ConfigError";
    this.file = file;
    this.line = line;
    this.key = key;
  }
}

/** A SIP failure that maps to a final response (status and reason phrase). */
export class SipError extends LinekeyError {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, detail?: string) {
    super("SIP_ERR_STATUS", detail ?? `${status} ${reason}`);
    this.name = "SipError";
    this.status = status;
    this.reason = reason;
  }
}
