/**
 * The stateful proxy (RFC 3261 §16) and the observer hooks other modules build on.
 */
export type { ProxyContext, ProxyObserver } from "./proxy-observer.ts";
export { validateProxyRequest, type Rejection } from "./request-validation.ts";
export { preprocessRoute, type IsOwnUri } from "./route-preprocess.ts";
export { aggregateChallenges, bestFinal, type BranchFinal } from "./best-response.ts";
export {
  StatefulProxy,
  type NoBindingDecision,
  type ProxyTarget,
  type StatefulProxyOptions,
} from "./stateful-proxy.ts";
