/**
 * Errors of the SCA module, with stable codes. RPC faults carry the numeric fault code Kamailio's
 * `sca` module answers with (500 for usage and state errors, 600 for commands it never implemented).
 */

/** Every stable error code the SCA module raises. */
export type ScaErrorCode =
  /** An RPC command was called with missing or malformed arguments. */
  | "SCA_ERR_RPC_USAGE"
  /** An RPC command could not do what it was asked (index not in use, bad state, …). */
  | "SCA_ERR_RPC_FAILED"
  /** An RPC command Kamailio declares but never implemented. */
  | "SCA_ERR_RPC_NOT_IMPLEMENTED"
  /** An RPC method name nobody serves. */
  | "SCA_ERR_RPC_UNKNOWN_METHOD"
  /** The module was used after `close()`. */
  | "SCA_ERR_CLOSED";

/** An SCA failure with a stable `code`. */
export class ScaError extends Error {
  readonly code: ScaErrorCode;
  constructor(code: ScaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ScaError";
    this.code = code;
  }
}

/** An RPC fault: what `kamcmd` prints as `error: <faultCode> - <message>`. */
export class ScaRpcFault extends ScaError {
  readonly faultCode: number;
  constructor(code: ScaErrorCode, faultCode: number, message: string) {
    super(code, message);
    this.name = "ScaRpcFault";
    this.faultCode = faultCode;
  }
}
