/**
 * Choosing the response a stateful proxy forwards when every branch has failed
 * (RFC 3261 §16.7 steps 6 and 7).
 */
import type { SipResponse } from "../message/message.ts";

/** A branch's final outcome: a response received, or one the proxy stands in for (408, 503). */
export type BranchFinal =
  | { readonly kind: "received"; readonly response: SipResponse }
  | { readonly kind: "local"; readonly status: number; readonly reason: string };

function statusOf(f: BranchFinal): number {
  return f.kind === "received" ? f.response.status : f.status;
}

// Within a class, a response some element actually sent beats one the proxy made up (a timeout
// says less than a 486), then the lower code wins, as Kamailio's t_pick_branch does.
function better(a: BranchFinal, b: BranchFinal): boolean {
  const ca = Math.floor(statusOf(a) / 100);
  const cb = Math.floor(statusOf(b) / 100);
  // RFC 3261 §16.7 step 6: "The proxy MUST choose from the 6xx class responses if any exist in
  // the context. If no 6xx class responses are present, the proxy SHOULD choose from the lowest
  // response class stored in the response context."
  if (ca !== cb) {
    if (ca === 6) return true;
    if (cb === 6) return false;
    return ca < cb;
  }
  if (a.kind !== b.kind) return a.kind === "received";
  return statusOf(a) < statusOf(b);
}

/** The best of the branch finals (at least one). */
export function bestFinal(finals: readonly BranchFinal[]): BranchFinal | undefined {
  let best: BranchFinal | undefined;
  for (const f of finals) if (best === undefined || better(f, best)) best = f;
  return best;
}

/**
 * RFC 3261 §16.7 step 7: "If the selected response is a 401 (Unauthorized) or 407 (Proxy
 * Authentication Required), the proxy MUST collect any WWW-Authenticate and Proxy-Authenticate
 * header field values from all other 401 (Unauthorized) and 407 (Proxy Authentication
 * Required) responses received so far in this response context and add them to this response".
 */
export function aggregateChallenges(chosen: SipResponse, finals: readonly BranchFinal[]): void {
  if (chosen.status !== 401 && chosen.status !== 407) return;
  for (const f of finals) {
    if (f.kind !== "received" || f.response === chosen) continue;
    if (f.response.status !== 401 && f.response.status !== 407) continue;
    for (const name of ["WWW-Authenticate", "Proxy-Authenticate"]) {
      for (const line of f.response.headers.lines(name)) chosen.headers.append(line.name, line.value);
    }
  }
}
