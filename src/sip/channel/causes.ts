/**
 * SIP status codes ⇄ Q.850 hangup causes for the SIP legs of the call core, after Asterisk's
 * `hangup_sip2cause` / `hangup_cause2sip` (chan_sip, chan_pjsip) and RFC 3398 §7.2.4.1
 * (ISUP cause → SIP status), and the RFC 3326 `Reason` header that carries the cause along.
 */

/** Q.850 causes the SIP legs use beyond those of `Cause` in core/channel.ts. */
export const Q850 = {
  Unallocated: 1,
  NoRouteDestination: 3,
  NormalClearing: 16,
  UserBusy: 17,
  NoUserResponse: 18,
  NoAnswer: 19,
  SubscriberAbsent: 20,
  CallRejected: 21,
  NumberChanged: 22,
  AnsweredElsewhere: 26,
  DestinationOutOfOrder: 27,
  InvalidNumberFormat: 28,
  FacilityRejected: 29,
  NormalUnspecified: 31,
  Congestion: 34,
  TemporaryFailure: 41,
  IncompatibleDestination: 88,
  RecoveryOnTimerExpiry: 102,
  Interworking: 127,
} as const;

/** The Q.850 cause a final failure response to our INVITE stands for (UAC side). */
export function causeOfStatus(status: number): number {
  switch (status) {
    case 404:
      return Q850.Unallocated;
    case 410:
      return Q850.NumberChanged;
    case 403:
    case 603:
      return Q850.CallRejected;
    case 408:
      return Q850.NoUserResponse;
    case 480:
      return Q850.NoAnswer;
    case 484:
      return Q850.InvalidNumberFormat;
    case 486:
    case 600:
      return Q850.UserBusy;
    case 487:
      return Q850.NormalClearing;
    case 488:
    case 606:
      return Q850.IncompatibleDestination;
    case 501:
      return Q850.FacilityRejected;
    case 502:
      return Q850.DestinationOutOfOrder;
    case 503:
      return Q850.Congestion;
    case 504:
      return Q850.RecoveryOnTimerExpiry;
    default:
      if (status >= 600) return Q850.CallRejected;
      if (status >= 500) return Q850.TemporaryFailure;
      return Q850.NormalUnspecified;
  }
}

/** The final response an unanswered inbound call is refused with, for a hangup cause (UAS side). */
export function statusOfCause(cause: number): { status: number; reason: string } {
  switch (cause) {
    case Q850.Unallocated:
    case Q850.NoRouteDestination:
      return { status: 404, reason: "Not Found" };
    case Q850.UserBusy:
      return { status: 486, reason: "Busy Here" };
    case Q850.NoUserResponse:
      return { status: 408, reason: "Request Timeout" };
    case Q850.CallRejected:
      return { status: 603, reason: "Decline" };
    case Q850.NumberChanged:
      return { status: 410, reason: "Gone" };
    case Q850.DestinationOutOfOrder:
      return { status: 502, reason: "Bad Gateway" };
    case Q850.InvalidNumberFormat:
      return { status: 484, reason: "Address Incomplete" };
    case Q850.FacilityRejected:
      return { status: 501, reason: "Not Implemented" };
    case Q850.Congestion:
    case Q850.TemporaryFailure:
      return { status: 503, reason: "Service Unavailable" };
    case Q850.IncompatibleDestination:
      return { status: 488, reason: "Not Acceptable Here" };
    case Q850.RecoveryOnTimerExpiry:
      return { status: 504, reason: "Server Time-out" };
    default:
      // Normal clearing, no answer, subscriber absent, answered elsewhere…: nobody took the call.
      return { status: 480, reason: "Temporarily Unavailable" };
  }
}

/** `Reason: Q.850;cause=17;text="User busy"` (RFC 3326 §2). */
export function reasonHeader(cause: number): string {
  return `Q.850;cause=${cause}`;
}

/** The Q.850 cause of a `Reason` header value, if it carries one (RFC 3326 §2). */
export function causeOfReason(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /(?:^|,)\s*Q\.850\s*;(?:[^,]*;)?\s*cause\s*=\s*(\d{1,3})/i.exec(value);
  const n = m?.[1] === undefined ? NaN : Number(m[1]);
  return Number.isInteger(n) && n > 0 && n < 128 ? n : undefined;
}
