/**
 * SIP transport layer: UDP/TCP listeners, stream framing, Via received/rport, response routing.
 */
export {
  isReliable,
  transportFromVia,
  type Endpoint,
  type InboundListener,
  type InboundMessage,
  type ReceivedInfo,
  type SendFailureListener,
  type SipTransport,
  type TransportProtocol,
  type TransportTarget,
} from "./types.ts";
export { StreamFramer, type FrameEvent, type StreamFramerOptions } from "./stream-framer.ts";
export {
  DEFAULT_SIP_PORT,
  normalizeAddress,
  responseRoute,
  stampReceived,
  type ResponseRoute,
} from "./via-received.ts";
export { createParseErrorResponse } from "./parse-error-response.ts";
export { TcpConnection, endpointKey, type TcpConnectionOptions } from "./tcp-connection.ts";
export {
  SipTransportLayer,
  startTransportLayer,
  type BoundListener,
  type ListenSpec,
  type TransportLayerOptions,
} from "./transport-layer.ts";
