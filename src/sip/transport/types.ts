/**
 * Transport-layer types shared by the real UDP/TCP transport and by test doubles. The
 * transaction layer and everything above it depend only on {@link SipTransport}.
 */
import type { SipMessage, SipResponse } from "../message/message.ts";

/** Transports Linekey speaks. TCP is reliable (RFC 3261 §17: no retransmissions). */
export type TransportProtocol = "udp" | "tcp";

/** An IP address (no brackets for IPv6) and a port. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** Where to send a message: transport, address and port. `address` may be a host name. */
export interface TransportTarget extends Endpoint {
  readonly transport: TransportProtocol;
}

/** How a message arrived. */
export interface ReceivedInfo {
  readonly transport: TransportProtocol;
  readonly remote: Endpoint;
  readonly local: Endpoint;
}

/** A parsed inbound message with its arrival information. */
export interface InboundMessage extends ReceivedInfo {
  readonly message: SipMessage;
}

/** Listener for inbound messages. */
export type InboundListener = (inbound: InboundMessage) => void;

/**
 * Told when a send made with {@link SipTransport.dispatch} or
 * {@link SipTransport.dispatchResponse} fails. One object serves all the sends of its owner (a
 * transaction is its own listener).
 */
export interface SendFailureListener {
  /** The message was not sent: `error` is what `send` or `sendResponse` would reject with. */
  sendFailed(error: Error): void;
}

/** What the transaction layer needs from a transport. */
export interface SipTransport {
  /**
   * Sends a message to a target. Resolves once the bytes are handed to the socket; rejects with
   * a LinekeyError `SIP_ERR_TRANSPORT` when that fails (connection refused, no socket, …).
   */
  send(message: SipMessage, target: TransportTarget): Promise<void>;
  /**
   * Sends a response where its top Via says (RFC 3261 §18.2.2, RFC 3581 §5): over the
   * connection the request came on for TCP, to `received`:`rport` for UDP.
   */
  sendResponse(response: SipResponse): Promise<void>;
  /**
   * Optional: {@link send} for a sender that only needs to hear of failures (a transaction, RFC
   * 3261 §17.1.4), without a promise per message. A failure goes to `listener`, never before
   * this call returns; success is not reported.
   */
  dispatch?(message: SipMessage, target: TransportTarget, listener: SendFailureListener): void;
  /** Optional: {@link sendResponse} with failures reported as by {@link dispatch} (§17.2.4). */
  dispatchResponse?(response: SipResponse, listener: SendFailureListener): void;
  /** Subscribes to inbound messages; returns the unsubscribe function. */
  onMessage(listener: InboundListener): () => void;
}

/** True for transports that do their own retransmission (RFC 3261 §17.1.1.2, §17.1.2.2). */
export function isReliable(transport: TransportProtocol): boolean {
  return transport === "tcp";
}

/** Maps a Via transport (`UDP`, `TCP`, …) to ours; undefined for those Linekey does not speak. */
export function transportFromVia(viaTransport: string): TransportProtocol | undefined {
  const t = viaTransport.toUpperCase();
  if (t === "UDP") return "udp";
  if (t === "TCP") return "tcp";
  return undefined;
}
