/**
 * Blind transfer by REFER (RFC 3515, RFC 5589 §6): a SIP phone in a bridged call asks for the
 * remaining party to be sent to another number. The referred number runs through the dialplan
 * (in the transferor's context) on a stand-in channel; when that call is answered and bridged,
 * the remaining party and the new one are joined and the transferor's leg is dropped. The
 * transferor follows along in NOTIFYs carrying message/sipfrag status lines (RFC 3515 §2.4.5).
 *
 * A REFER whose Refer-To carries `Replaces` (RFC 3891, attended transfer) naming another of
 * the phone's calls through Linekey joins the two remaining parties at once.
 */
import type { CallCore } from "../../core/call-core.ts";
import { joinThrough } from "../../core/bridge-join.ts";
import { Cause, Channel, type CallOptions, type Indication, type MediaEndpoint } from "../../core/channel.ts";
import type { CodecName } from "../../media/codecs.ts";
import type { RtpAddress } from "../../media/relay-leg.ts";
import { LinekeyError } from "../../util/errors.ts";
import type { Logger } from "../../util/logger.ts";
import type { SipHeader } from "../message/headers.ts";
import type { SipRequest } from "../message/message.ts";
import { parseNameAddr } from "../message/name-addr.ts";
import { parseUri } from "../message/uri.ts";
import type { ServerTransaction } from "../transaction/transaction-types.ts";
import { statusOfCause } from "./causes.ts";
import type { SipChannel } from "./sip-channel.ts";

/** What a transfer needs from the driver. */
export interface TransferDeps {
  readonly core: CallCore;
  readonly log: Logger;
  /** The dialplan context of a SIP user (the transferor's: where the number is dialled). */
  contextOf(user: string): string;
  /** The channel of another dialog of ours (a Replaces target), by Call-ID and tags. */
  findDialog(callId: string, tagA: string, tagB: string): SipChannel | undefined;
}

/**
 * The stand-in for the transferor while the referred number is dialled: it runs the dialplan
 * (so Dial rings the target) and has no endpoint of its own; it leaves as soon as it is bridged.
 */
export class TransferChannel extends Channel {
  private readonly idleMedia: { reject: (e: Error) => void }[] = [];

  constructor(
    resource: string,
    context: string,
    exten: string,
    log: Logger,
    private readonly codecList: readonly CodecName[],
    private readonly address: string,
    private readonly onIndicate: (what: Indication) => void,
  ) {
    super("SIP", resource, "inbound", context, exten, log);
  }

  /** Runs the dialplan from state `ring` (an inbound channel, Asterisk's AST_STATE_RING). */
  markRing(): void {
    this.setState("ring");
  }

  override call(_opts: CallOptions): void {
    // Never called: the stand-in is an inbound channel.
  }

  protected override doAnswer(): void {
    // Nothing to answer: the remaining party is already up.
  }

  override indicate(what: Indication): void {
    this.onIndicate(what);
  }

  protected override doHangup(_cause: number): void {
    for (const w of this.idleMedia.splice(0))
      w.reject(new LinekeyError("SIP_ERR_DIALOG", `${this.name} hung up`));
  }

  override codecs(): readonly CodecName[] {
    return this.codecList;
  }

  override directMediaCapable(): boolean {
    return false;
  }

  override openMedia(_codec: CodecName): Promise<MediaEndpoint> {
    // The bridge it is in is replaced before media matters; the pending setup settles (stale)
    // when the stand-in hangs up.
    if (this.released) return Promise.reject(new LinekeyError("SIP_ERR_DIALOG", `${this.name} is hung up`));
    return new Promise((_resolve, reject) => this.idleMedia.push({ reject }));
  }

  override startMedia(_target: RtpAddress | undefined, _codec: CodecName): void {
    // No endpoint.
  }

  override stopMedia(): void {
    // No endpoint.
  }

  override serverAddress(): string {
    return this.address;
  }

  override updateConnectedLine(num: string, name: string): void {
    this.connectedNum = num;
    this.connectedName = name;
  }
}

/** The party a channel stands for, as the other side should see it. */
function sipfrag(status: number, reason: string): string {
  return `SIP/2.0 ${status} ${reason}\r\n`;
}

/** The implicit subscription of one REFER (RFC 3515 §2.4.4), reported with NOTIFYs. */
class ReferReport {
  private ended = false;

  constructor(
    private readonly ch: SipChannel,
    private readonly enabled: boolean,
  ) {}

  notify(status: number, reason: string, final: boolean): void {
    if (!this.enabled || this.ended) return;
    if (final) this.ended = true;
    const headers: SipHeader[] = [
      { name: "Event", value: "refer" },
      { name: "Subscription-State", value: final ? "terminated;reason=noresource" : "active;expires=60" },
      { name: "Content-Type", value: "message/sipfrag;version=2.0" },
    ];
    void this.ch.sendInDialog("NOTIFY", headers, sipfrag(status, reason));
  }
}

/** Handles a REFER received in `ch`'s dialog. */
export function handleRefer(
  deps: TransferDeps,
  ch: SipChannel,
  req: SipRequest,
  tx: ServerTransaction,
): void {
  const reply = (status: number, reason: string, headers: SipHeader[] = []): void => {
    try {
      tx.reply(status, reason, { headers });
    } catch (err) {
      deps.log.debug("REFER answer not sent", { channel: ch.name, err });
    }
  };
  const referTo = req.headers.get("Refer-To");
  let uri;
  try {
    if (referTo === undefined) throw new Error("no Refer-To");
    uri = parseUri(parseNameAddr(referTo, "Refer-To").uri);
  } catch {
    // RFC 3515 §2.4.1: "A REFER request MUST contain exactly one Refer-To header field value".
    reply(400, "Bad Request - Refer-To");
    return;
  }
  if (uri.type !== "sip" || uri.user === undefined) {
    reply(416, "Unsupported URI Scheme");
    return;
  }
  const bridge = deps.core.bridgeOf(ch);
  const remaining = bridge?.peerOf(ch);
  if (ch.dialog?.state !== "confirmed" || bridge === undefined || remaining === undefined) {
    reply(603, "Decline - not in a connected call");
    return;
  }
  // RFC 4488: "Refer-Sub: false" asks for no implicit subscription (no NOTIFYs).
  const subscribe = (req.header("Refer-Sub") ?? "").trim().toLowerCase() !== "false";
  const replaces = uri.headers.find((h) => h.name.toLowerCase() === "replaces");
  if (replaces !== undefined) {
    attended(deps, ch, decodeURIComponent(replaces.value), subscribe, reply);
    return;
  }
  reply(202, "Accepted", subscribe ? [] : [{ name: "Refer-Sub", value: "false" }]);
  const report = new ReferReport(ch, subscribe);
  report.notify(100, "Trying", false);
  blind(deps, ch, remaining, unescapeUser(uri.user), report);
}

function unescapeUser(user: string): string {
  try {
    return decodeURIComponent(user);
  } catch {
    return user;
  }
}

/** RFC 5589 §6: the transferee (the remaining party) is connected to the referred number. */
function blind(
  deps: TransferDeps,
  ch: SipChannel,
  remaining: Channel,
  exten: string,
  report: ReferReport,
): void {
  const core = deps.core;
  const who = remaining.partyIdentity();
  let joined = false;
  const standIn = new TransferChannel(
    `${ch.user}-xfer`,
    deps.contextOf(ch.user),
    exten,
    deps.log,
    remaining.codecs(),
    ch.serverAddress(),
    (what) => {
      if (what === "ringing") report.notify(180, "Ringing", false);
    },
  );
  standIn.callerIdNum = who.num;
  standIn.callerIdName = who.name;
  standIn.vars.set("TRANSFERERNAME", ch.name);
  // The transferor may hang up as soon as the REFER is accepted: its leg stays, detached,
  // until the transfer is decided (its BYE would otherwise end the remaining party's call).
  ch.keepOnBye = true;
  const finish = (): void => {
    offBridge();
    ch.keepOnBye = false;
  };
  const offBridge = core.events.on("bridge-new", (b) => {
    if (!b.channels.includes(standIn)) return;
    // After the Dial that made the bridge has settled on it (it waits on its bridge).
    setImmediate(() => {
      if (joined || standIn.released) return;
      joined = true;
      finish();
      if (ch.released || core.bridgeOf(ch) === undefined) {
        report.notify(487, "Request Terminated", true);
        standIn.hangup(Cause.NormalClearing);
        return;
      }
      report.notify(200, "OK", true);
      const held = ch.heldByRemote;
      if (!joinThrough(core, ch, standIn)) {
        deps.log.warn("transfer: the calls could not be joined", { transferor: ch.name });
        standIn.hangup(Cause.NormalClearing);
        return;
      }
      // The transferor held the remaining party before referring it: it is talking again now.
      if (held) remaining.indicate("unhold");
      deps.log.info("blind transfer done", { transferor: ch.name, target: exten });
    });
  });
  standIn.once("hangup", (_c, cause) => {
    if (joined) return;
    joined = true;
    finish();
    const { status, reason } = statusOfCause(cause);
    report.notify(status, reason, true);
    deps.log.info("blind transfer failed", { transferor: ch.name, target: exten, cause });
    // A transferor that already hung up takes the remaining party with it.
    if (ch.detached) ch.hangup(cause);
  });
  core.add(standIn);
  standIn.markRing();
  core.startPbx(standIn);
}

/** RFC 5589 §7: Refer-To with Replaces naming the phone's other call through Linekey. */
function attended(
  deps: TransferDeps,
  ch: SipChannel,
  replaces: string,
  subscribe: boolean,
  reply: (status: number, reason: string, headers?: SipHeader[]) => void,
): void {
  const parts = replaces.split(";").map((s) => s.trim());
  const callId = parts[0] ?? "";
  const tag = (name: string): string =>
    parts.find((p) => p.toLowerCase().startsWith(`${name}=`))?.slice(name.length + 1) ?? "";
  const other = deps.findDialog(callId, tag("to-tag"), tag("from-tag"));
  if (other === undefined || other === ch || deps.core.bridgeOf(other) === undefined) {
    reply(481, "Call/Transaction Does Not Exist - Replaces");
    return;
  }
  reply(202, "Accepted", subscribe ? [] : [{ name: "Refer-Sub", value: "false" }]);
  const report = new ReferReport(ch, subscribe);
  report.notify(200, "OK", true);
  if (!joinThrough(deps.core, ch, other))
    deps.log.warn("attended transfer: the calls could not be joined", { a: ch.name, b: other.name });
}
