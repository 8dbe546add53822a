/**
 * Joining calls through channels that step aside: after a transfer (the transferring party's
 * two calls), a forward (the forwarded line and the dialplan run that reached the target) or a
 * directed pickup (the ringing channel and the channel that picked it up), the remaining two
 * parties are put in one bridge and the channels in between are dropped. Used by every driver
 * (SCCP transfers, SIP REFER).
 *
 * Uses the bridge operations: `release` ends one bridge without hanging its other party up,
 * `replace` swaps a party of the other bridge; media is set up again for the new pair.
 */
import type { CallCore } from "./call-core.ts";
import { Cause, type Channel } from "./channel.ts";

/**
 * `p` is bridged with X and `q` with Y: bridges X with Y, drops `p` and `q`, and tells X and Y
 * who they now talk to. False (nothing changed) unless both are bridged, in different bridges.
 *
 * Which bridge goes matters because a Dial waits on its bridge: when a bridge ends, the Dial
 * that made it returns and its caller's dialplan ends. So the bridge released is the one whose
 * remaining party does not run the dialplan (it moves into the other bridge), and a dropped
 * channel that runs the dialplan is not hung up — its dialplan ends it once its bridge is over
 * (hanging it up would make its Dial end the bridge the others now use).
 */
export function joinThrough(core: CallCore, p: Channel, q: Channel): boolean {
  const inPbx = (c: Channel): boolean => core.isInPbx(c);
  const bp = core.bridgeOf(p);
  const bq = core.bridgeOf(q);
  if (bp === undefined || bq === undefined || bp === bq) return false;
  const x = bp.peerOf(p);
  const y = bq.peerOf(q);
  if (x === undefined || y === undefined || x.released || y.released) return false;
  const releaseP = !inPbx(x) || inPbx(y);
  const [released, leaving, kept, replaced, mover, stays] = releaseP
    ? [bp, p, bq, q, x, y]
    : [bq, q, bp, p, y, x];
  released.release(leaving);
  kept.replace(replaced, mover);
  for (const d of [leaving, replaced]) if (!inPbx(d)) d.hangup(Cause.NormalClearing);
  announce(mover, stays);
  return true;
}

/**
 * `drop` is bridged with X; `takeOver` (not bridged) takes its place: X talks to `takeOver`
 * (answered if it was not) and `drop` is dropped as in {@link joinThrough}.
 */
export function replaceParty(core: CallCore, drop: Channel, takeOver: Channel): boolean {
  const b = core.bridgeOf(drop);
  if (b === undefined || takeOver.released) return false;
  const x = b.peerOf(drop);
  if (x === undefined) return false;
  takeOver.answer();
  b.replace(drop, takeOver);
  if (!core.isInPbx(drop)) drop.hangup(Cause.NormalClearing);
  announce(x, takeOver);
  return true;
}

/** Refreshes both parties' displays (a recurring complaint when it is missing: chan-sccp #473). */
function announce(x: Channel, y: Channel): void {
  const ix = x.partyIdentity();
  const iy = y.partyIdentity();
  x.updateConnectedLine(iy.num, iy.name);
  y.updateConnectedLine(ix.num, ix.name);
}
