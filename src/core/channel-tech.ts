/**
 * Channel technologies ("SCCP", "SIP"): how `Dial(TECH/resource)` creates an outbound channel.
 * Drivers register themselves; the core never imports a protocol.
 */
import type { Channel } from "./channel.ts";

/** Why a channel could not be created (Asterisk's DIALSTATUS words). */
export interface RequestFailure {
  readonly fail: "CHANUNAVAIL" | "BUSY" | "CONGESTION";
  readonly cause: number;
  readonly reason: string;
}

/** Device state of a resource, for hints, BLF and paging. */
export type ResourceState = "idle" | "inuse" | "ringing" | "busy" | "unavailable" | "unknown";

/** A channel technology. */
export interface ChannelTech {
  readonly name: string;
  /** Creates an outbound channel for `resource` ("100", "100/autoanswer"). */
  request(resource: string, requestor: Channel | undefined): Channel | RequestFailure;
  /** State of a resource (line 100 is ringing, in use, …). */
  state(resource: string): ResourceState;
}

/** True when a request failed. */
export function isRequestFailure(x: Channel | RequestFailure): x is RequestFailure {
  return "fail" in x;
}
