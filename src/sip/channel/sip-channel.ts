/**
 * A SIP leg of the call core (the B2BUA half of architecture.md's "bridged" path): a call a SIP
 * phone placed (UAS: INVITE → dialplan) or a call the dialplan places to a SIP phone (UAC:
 * `Dial(SIP/alice)`, forked to every registered contact). The channel speaks RFC 3261 §13–15
 * (INVITE, 2xx retransmission until ACK, CANCEL, BYE), RFC 3264 offer/answer with hold and
 * resume by re-INVITE, RFC 3262 reliable provisionals, and hands REFER to the driver.
 *
 * Media: `openMedia` resolves with the address in the remote's SDP (for an outbound leg once
 * the answer or a 183 with SDP arrived); `startMedia` gives the address we receive on (the
 * relay's port), which our next SDP carries: the 200 of an inbound call waits for it, and a
 * change after the offer/answer completed is sent in a re-INVITE.
 */
import { Channel, type CallOptions, type Indication, type MediaEndpoint } from "../../core/channel.ts";
import type { CodecName } from "../../media/codecs.ts";
import type { RtpAddress } from "../../media/relay-leg.ts";
import { LinekeyError, SipError } from "../../util/errors.ts";
import type { Logger } from "../../util/logger.ts";
import { Dialog } from "../dialog/dialog.ts";
import type { SipHeader } from "../message/headers.ts";
import { createCancel } from "../message/create-cancel.ts";
import { createResponse } from "../message/create-response.ts";
import { generateBranch, generateCallId, generateTag } from "../message/ids.ts";
import { SipRequest, type SipResponse } from "../message/message.ts";
import { Via } from "../message/via.ts";
import type { SipServer, SipTarget } from "../sip-server.ts";
import type { InviteServerTransaction } from "../transaction/invite-server-transaction.ts";
import { transactionTimeout } from "../transaction/timers.ts";
import type { ServerTransaction } from "../transaction/transaction-types.ts";
import type { TransportProtocol } from "../transport/types.ts";
import { Q850, causeOfReason, causeOfStatus, reasonHeader, statusOfCause } from "./causes.ts";
import { MediaSession } from "./media-session.ts";
import { ReliableProvisionals, hasOptionTag, parseRAck } from "./reliable-provisional.ts";
import { isHold, parseSdp, type RemoteSdp } from "./sdp.ts";

/** Methods a SIP leg accepts (Allow, RFC 3261 §20.5). */
export const SIP_CHANNEL_ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY, INFO, PRACK, UPDATE";

/** Longest an answer waits for the bridge's media address before going out without one. */
const MEDIA_WAIT_MS = 1500;

/** Where an outbound leg sends its INVITE: a registered contact, or a host named in the dial string. */
export interface UacTarget {
  /** Request-URI (the contact). */
  readonly uri: string;
  readonly target: SipTarget;
  /** Route values to push (the binding's Path). */
  readonly route: readonly string[];
}

/** What a SIP channel needs from its driver. */
export interface SipChannelContext {
  readonly server: SipServer;
  readonly log: Logger;
  /** Files a dialog of the channel so in-dialog requests and ACKs reach it. */
  dialogUp(ch: SipChannel, dialog: Dialog): void;
  /** One dialog of the channel ended (a lost fork's BYE completed). */
  dialogDown(ch: SipChannel, dialog: Dialog): void;
  /** The channel is done with SIP: forget all its dialogs. */
  dialogsDown(ch: SipChannel): void;
  /** A REFER arrived in the channel's dialog (blind transfer). */
  refer(ch: SipChannel, req: SipRequest, tx: ServerTransaction): void;
}

/** How an inbound channel is created. */
export interface InboundInit {
  readonly tx: InviteServerTransaction;
  /** The INVITE as received (its Record-Route, not the proxy working copy's, makes the route set). */
  readonly request: SipRequest;
  readonly offer: RemoteSdp | undefined;
  readonly user: string;
  readonly context: string;
  readonly exten: string;
}

/** How an outbound channel is created. */
export interface OutboundInit {
  readonly resource: string;
  /** `To` of the INVITEs (the AoR or the dialled URI). */
  readonly toUri: string;
  readonly targets: readonly UacTarget[];
}

/** One INVITE of an outbound leg (one per contact: parallel forking). */
interface UacBranch {
  readonly request: SipRequest;
  readonly target: SipTarget;
  dialog: Dialog | undefined;
  /** A provisional arrived: a CANCEL may be sent (RFC 3261 §9.1). */
  provisional: boolean;
  final: number | undefined;
  cancelWanted: boolean;
  cancelled: boolean;
  /** RSeq of the last reliable provisional acknowledged (RFC 3262 §4). */
  lastRseq: number | undefined;
}

/** Our 2xx to an INVITE, retransmitted until its ACK (RFC 3261 §13.3.1.4). */
interface PendingAck {
  readonly seq: number;
  readonly response: SipResponse;
  readonly tx: InviteServerTransaction;
  readonly startedAt: number;
  interval: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

function sdpBody(message: SipRequest | SipResponse): string | undefined {
  const type = message.header("Content-Type");
  if (message.body.length === 0 || type === undefined) return undefined;
  return /^\s*application\/sdp\b/i.test(type) ? message.bodyText : undefined;
}

/** A SIP leg. */
export class SipChannel extends Channel {
  readonly media: MediaSession;
  readonly transport: TransportProtocol;
  /** The confirmed (or, before the answer, the first early) dialog. */
  dialog: Dialog | undefined;
  /** The SIP user behind the leg (inbound: the caller; outbound: the dialled resource). */
  readonly user: string;
  /**
   * A transfer is being decided: a BYE from the phone ends the dialog but not the channel, so
   * the transferred party stays up (the transfer hangs the channel up when it is done).
   */
  keepOnBye = false;
  /** The phone left (BYE) while `keepOnBye` held the channel. */
  detached = false;
  private readonly ctx: SipChannelContext;
  private readonly server: SipServer;
  // Inbound (UAS).
  private readonly inviteTx: InviteServerTransaction | undefined;
  private readonly invite: SipRequest | undefined;
  private readonly toTag = generateTag();
  private reliable: ReliableProvisionals | undefined;
  private finalSent = false;
  private answering = false;
  // Outbound (UAC).
  private readonly branches: UacBranch[] = [];
  private readonly callIdValue: string;
  private readonly fromTag = generateTag();
  private winner: UacBranch | undefined;
  private readonly outbound: OutboundInit | undefined;
  // Both.
  private pendingAck: PendingAck | undefined;
  private byeAfterAck: number | undefined;
  private reinviteBusy = false;
  private reinviteWanted = false;
  private remoteHeld = false;
  private readonly remoteWaiters: {
    resolve: (ep: MediaEndpoint) => void;
    reject: (e: Error) => void;
    codec: CodecName;
  }[] = [];
  private readonly mediaWaiters: { run: () => void; fallback: boolean }[] = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private mediaTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  private constructor(
    ctx: SipChannelContext,
    direction: "inbound" | "outbound",
    resource: string,
    context: string,
    exten: string,
    transport: TransportProtocol,
    user: string,
    inbound: InboundInit | undefined,
    outbound: OutboundInit | undefined,
  ) {
    super("SIP", resource, direction, context, exten, ctx.log);
    this.ctx = ctx;
    this.server = ctx.server;
    this.transport = transport;
    this.user = user;
    this.media = new MediaSession(() => this.serverAddress());
    this.inviteTx = inbound?.tx;
    this.invite = inbound?.request;
    this.outbound = outbound;
    this.callIdValue = inbound?.request.callId ?? generateCallId();
    if (inbound?.offer !== undefined) this.media.remote = inbound.offer;
  }

  /** A channel for an INVITE from a SIP phone (the driver then adds it to the core and runs the dialplan). */
  static inbound(ctx: SipChannelContext, init: InboundInit): SipChannel {
    const ch = new SipChannel(
      ctx,
      "inbound",
      init.user,
      init.context,
      init.exten,
      init.tx.received.transport,
      init.user,
      init,
      undefined,
    );
    const req = init.request;
    const requires = req.headers.getAll("Require");
    const supported = req.headers.getAll("Supported");
    // RFC 3262 §3: reliable provisionals when the UAC requires or supports 100rel.
    if (hasOptionTag(requires, "100rel") || hasOptionTag(supported, "100rel")) {
      ch.reliable = new ReliableProvisionals(
        req.cseq.seq,
        (res) => {
          ch.respond(res);
        },
        ch.server.transactions.timers,
        () => {
          ch.failInbound(500, "Server Internal Error - no PRACK", Q850.RecoveryOnTimerExpiry);
        },
      );
    }
    return ch;
  }

  /** A channel that will call `init.targets` when the dialplan calls it. */
  static outbound(ctx: SipChannelContext, init: OutboundInit, user: string): SipChannel {
    const first = init.targets[0];
    return new SipChannel(
      ctx,
      "outbound",
      init.resource,
      "",
      user,
      first?.target.transport ?? "udp",
      user,
      undefined,
      init,
    );
  }

  /** The Call-ID of the leg (inbound: the phone's). */
  get callId(): string {
    return this.callIdValue;
  }

  /** True while the SIP phone holds the call (its last offer was sendonly/inactive). */
  get heldByRemote(): boolean {
    return this.remoteHeld;
  }

  /** True while we hold the SIP phone (the other party held). */
  get holdingRemote(): boolean {
    return this.media.holding;
  }

  /** The inbound INVITE's server transaction (for CANCEL matching). */
  get serverTransaction(): InviteServerTransaction | undefined {
    return this.inviteTx;
  }

  /** Starts an inbound call: 100 Trying; the driver runs the dialplan after this. */
  startInbound(): void {
    const tx = this.inviteTx;
    if (tx === undefined) return;
    // RFC 3261 §17.2.1: a 100 at once, since the dialplan may take longer than 200 ms.
    if (tx.state === "proceeding" && tx.lastResponse === undefined)
      this.respond(this.response(100, "Trying"));
    this.setState("ring");
  }

  // ---- Channel: what the core asks of the endpoint ----

  override call(opts: CallOptions): void {
    const out = this.outbound;
    if (out === undefined || this.branches.length > 0) return;
    if (out.targets.length === 0) {
      this.remoteHangup(Q850.SubscriberAbsent);
      return;
    }
    for (const t of out.targets) this.sendInvite(t, opts);
  }

  protected override doAnswer(): void {
    if (this.direction !== "inbound" || this.finalSent || this.answering) return;
    this.answering = true;
    // The 200 carries the relay address the bridge is about to give us (startMedia): wait
    // for it, briefly; without a bridge (Answer() alone) it goes with a=inactive.
    this.whenLocalMedia(() => {
      this.sendAnswer();
    }, true);
  }

  override indicate(what: Indication): void {
    if (this.released) return;
    const early = this.direction === "inbound" && !this.finalSent && !this.answering;
    switch (what) {
      case "ringing":
        if (early) this.sendProvisional(180, "Ringing", false);
        return;
      case "progress":
        // Early media (RFC 3261 §13.3.1.1, RFC 3960): a 183 with our answer once we have an
        // address to put in it.
        if (early && this.media.remote !== undefined) {
          this.whenLocalMedia(() => {
            if (!this.finalSent && !this.answering) this.sendProvisional(183, "Session Progress", true);
          }, false);
        } else if (early) this.sendProvisional(183, "Session Progress", false);
        return;
      case "proceeding":
        return;
      case "busy":
        if (early) this.failInbound(486, "Busy Here", Q850.UserBusy);
        return;
      case "congestion":
        if (early) this.failInbound(503, "Service Unavailable", Q850.Congestion);
        return;
      case "hold":
      case "unhold":
        // RFC 3264 §8.4: hold is a re-INVITE whose offer is sendonly (we would play music).
        this.media.holding = what === "hold";
        this.scheduleReinvite();
        return;
    }
  }

  protected override doHangup(cause: number): void {
    this.rejectRemoteWaiters(new LinekeyError("SIP_ERR_DIALOG", `${this.name} hung up`));
    this.mediaWaiters.length = 0;
    this.clearMediaTimer();
    this.reinviteWanted = false;
    if (this.direction === "inbound") this.hangupInbound(cause);
    else this.hangupOutbound(cause);
  }

  override codecs(): readonly CodecName[] {
    return this.media.codecs();
  }

  override directMediaCapable(): boolean {
    // SIP phones may sit behind NAT: the relay latches onto where their RTP really comes from.
    return false;
  }

  override openMedia(codec: CodecName): Promise<MediaEndpoint> {
    if (this.released) return Promise.reject(new LinekeyError("SIP_ERR_DIALOG", `${this.name} is hung up`));
    const ep = this.remoteEndpoint(codec);
    if (ep !== undefined) return Promise.resolve(ep);
    return new Promise((resolve, reject) => {
      this.remoteWaiters.push({ resolve, reject, codec });
    });
  }

  override startMedia(target: RtpAddress | undefined, codec: CodecName): void {
    if (target === undefined || this.released) return;
    this.media.localTarget = target;
    this.media.localCodec = codec;
    this.media.stale = false;
    if (this.mediaWaiters.length > 0) {
      this.clearMediaTimer();
      for (const w of this.mediaWaiters.splice(0)) w.run();
    }
    this.scheduleReinvite();
  }

  override stopMedia(): void {
    // Nothing to signal: the bridge stops media around hold and re-setups; our SDP changes
    // only when it gives us a new address.
    this.media.stale = true;
  }

  override serverAddress(): string {
    const local = this.inviteTx?.received.local.address;
    if (local !== undefined && local !== "0.0.0.0" && local !== "::") return local;
    return this.server.sentBy(this.transport).host.replace(/^\[|\]$/g, "");
  }

  override updateConnectedLine(num: string, name: string): void {
    this.connectedNum = num;
    this.connectedName = name;
  }

  // ---- requests and ACKs the driver routes to the channel ----

  /** An in-dialog request of one of this channel's dialogs (never ACK or CANCEL). */
  handleRequest(req: SipRequest, tx: ServerTransaction): void {
    const dialog = this.dialogOf(req);
    if (this.released && req.method !== "BYE") {
      this.reply(tx, 481, "Call/Transaction Does Not Exist");
      return;
    }
    if (dialog !== undefined) {
      const check = dialog.receiveRequest(req);
      if (!check.ok) {
        this.reply(tx, check.status, check.reason);
        return;
      }
    }
    switch (req.method) {
      case "BYE":
        this.reply(tx, 200, "OK");
        this.stopAckWait();
        dialog?.terminate();
        this.dialogClosed();
        if (this.keepOnBye && !this.released) {
          this.detached = true;
          return;
        }
        if (!this.released) this.remoteHangup(causeOfReason(req.header("Reason")) ?? Q850.NormalClearing);
        return;
      case "INVITE":
        if (tx.kind === "invite-server") this.onReinvite(req, tx);
        return;
      case "UPDATE":
        this.onUpdate(req, tx);
        return;
      case "PRACK":
        // RFC 3262 §3: a PRACK that matches no outstanding reliable provisional gets 481.
        if (this.reliable?.prack(parseRAck(req.header("RAck"))) === true) this.reply(tx, 200, "OK");
        else this.reply(tx, 481, "Call/Transaction Does Not Exist");
        return;
      case "REFER":
        this.ctx.refer(this, req, tx);
        return;
      case "INFO":
        this.onInfo(req, tx);
        return;
      case "OPTIONS":
        this.reply(tx, 200, "OK", [
          { name: "Allow", value: SIP_CHANNEL_ALLOW },
          { name: "Accept", value: "application/sdp" },
        ]);
        return;
      case "NOTIFY":
        this.reply(tx, 200, "OK");
        return;
      default:
        this.reply(tx, 501, "Not Implemented", [{ name: "Allow", value: SIP_CHANNEL_ALLOW }]);
    }
  }

  /** The ACK of a 2xx we sent (RFC 3261 §13.3.1.4): stops retransmitting it. */
  handleAck(ack: SipRequest): void {
    const p = this.pendingAck;
    if (p === undefined || ack.cseq.seq !== p.seq) return;
    this.stopAckWait();
    // An INVITE without SDP got our offer in the 200: the answer is in the ACK (RFC 3264 §2).
    const body = sdpBody(ack);
    if (body !== undefined) {
      try {
        this.setRemote(parseSdp(body));
      } catch (err) {
        this.log.warn("unusable SDP in ACK", { channel: this.name, err });
      }
    }
    if (this.byeAfterAck !== undefined) {
      const cause = this.byeAfterAck;
      this.byeAfterAck = undefined;
      this.sendBye(cause);
      return;
    }
    this.scheduleReinvite();
  }

  /** The phone cancelled the INVITE: the server answered 200 and 487 (RFC 3261 §9.2). */
  cancelledByRemote(): void {
    this.finalSent = true;
    this.reliable?.close();
    this.remoteHangup(Q850.NormalClearing);
    this.dialogClosed();
  }

  /**
   * Sends a request in the confirmed dialog (NOTIFY of a REFER); resolves with the final
   * response (408/503 when it could not be delivered).
   */
  sendInDialog(method: string, headers: SipHeader[], body?: string): Promise<SipResponse | undefined> {
    const d = this.dialog;
    if (d === undefined || d.state === "terminated") return Promise.resolve(undefined);
    const req = d.createRequest(method, {
      contact: `<${this.server.localContact(this.transport)}>`,
      userAgent: this.server.settings.userAgent,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const hop = d.nextHop();
    if (hop === undefined) return Promise.resolve(undefined);
    return this.server.sendRequest(req, hop);
  }

  /**
   * Ends every timer of the channel whatever its state (shutdown, or once its dialogs are
   * done). Hang the channel up first to signal the end to the phone.
   */
  close(): void {
    this.disposed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.clearMediaTimer();
    this.reliable?.close();
    if (this.pendingAck?.timer !== undefined) clearTimeout(this.pendingAck.timer);
    this.pendingAck = undefined;
  }

  // ---- inbound (UAS) ----

  private response(status: number, reason: string, headers: SipHeader[] = [], body?: string): SipResponse {
    const req = this.inviteTx?.request ?? this.invite;
    if (req === undefined) throw new LinekeyError("SIP_ERR_DIALOG", "no INVITE to answer");
    const extra: SipHeader[] = [...headers, { name: "Server", value: this.server.settings.userAgent }];
    if (status > 100 && status < 300) {
      extra.push(
        { name: "Contact", value: `<${this.server.localContact(this.transport)}>` },
        { name: "Allow", value: SIP_CHANNEL_ALLOW },
        { name: "Supported", value: "100rel" },
      );
    }
    if (body !== undefined) extra.push({ name: "Content-Type", value: "application/sdp" });
    return createResponse(req, status, reason, {
      ...(status === 100 ? {} : { toTag: this.toTag }),
      headers: extra,
      ...(body === undefined ? {} : { body }),
    });
  }

  /** Passes a response to the INVITE's transaction; false when the transaction refused it. */
  private respond(res: SipResponse): boolean {
    const tx = this.inviteTx;
    if (tx === undefined) return false;
    try {
      tx.respond(res);
      return true;
    } catch (err) {
      this.log.debug("response not sent", { channel: this.name, status: res.status, err });
      return false;
    }
  }

  private sendProvisional(status: number, reason: string, withSdp: boolean): void {
    const tx = this.inviteTx;
    if (tx === undefined || tx.state !== "proceeding") return;
    let body: string | undefined;
    if (withSdp) {
      try {
        body = this.media.answer();
      } catch (err) {
        this.log.warn("no SDP answer for early media", { channel: this.name, err });
      }
    }
    const res = this.response(status, reason, [], body);
    this.ensureUasDialog(res);
    if (this.reliable !== undefined) this.reliable.send(res);
    else this.respond(res);
  }

  private ensureUasDialog(res: SipResponse): void {
    if (this.dialog !== undefined || this.invite === undefined) return;
    this.dialog = Dialog.fromUas(this.invite, res, this.transport);
    this.ctx.dialogUp(this, this.dialog);
  }

  private sendAnswer(): void {
    const send = (): void => {
      const tx = this.inviteTx;
      if (this.released || this.finalSent || tx === undefined || tx.state !== "proceeding") return;
      let body: string;
      try {
        // RFC 3264 §2: an INVITE without SDP gets our offer in the 200; the answer comes in the ACK.
        body = this.media.remote === undefined ? this.media.offer() : this.media.answer();
      } catch (err) {
        this.log.warn("cannot build the SDP answer", { channel: this.name, err });
        this.failInbound(488, "Not Acceptable Here", Q850.IncompatibleDestination);
        return;
      }
      const res = this.response(200, "OK", [], body);
      this.ensureUasDialog(res);
      this.dialog?.confirm();
      this.finalSent = true;
      this.reliable?.close();
      if (!this.respond(res)) return;
      this.awaitAck(tx, res);
    };
    if (this.reliable !== undefined) this.reliable.whenIdle(send);
    else send();
  }

  /** Our INVITE's final failure (busy, congestion, hangup before answer). */
  private failInbound(status: number, reason: string, cause: number): void {
    if (this.finalSent) return;
    this.finalSent = true;
    this.reliable?.close();
    const res = this.response(status, reason, [{ name: "Reason", value: reasonHeader(cause) }]);
    this.respond(res);
    this.dialog?.terminate();
    this.dialogClosed();
    if (!this.released) this.hangup(cause);
  }

  private hangupInbound(cause: number): void {
    if (!this.finalSent) {
      const { status, reason } = statusOfCause(cause);
      this.failInbound(status, reason, cause);
      return;
    }
    this.sendBye(cause);
  }

  /** RFC 3261 §13.3.1.4: the 2xx is retransmitted, T1 doubling up to T2, until the ACK. */
  private awaitAck(tx: InviteServerTransaction, res: SipResponse): void {
    const t1 = this.server.transactions.timers.T1;
    const p: PendingAck = {
      seq: tx.request.cseq.seq,
      response: res,
      tx,
      startedAt: Date.now(),
      interval: t1,
      timer: undefined,
    };
    this.pendingAck = p;
    this.armAckTimer(p);
  }

  private armAckTimer(p: PendingAck): void {
    const timers = this.server.transactions.timers;
    p.timer = this.later(p.interval, () => {
      if (this.pendingAck !== p) return;
      // RFC 3261 §13.3.1.4: "If the server retransmits the 2xx response for 64*T1 seconds
      // without receiving an ACK, the dialog is confirmed, but the session SHOULD be
      // terminated. This is accomplished with a BYE".
      if (Date.now() - p.startedAt >= transactionTimeout(timers)) {
        this.pendingAck = undefined;
        const cause = this.byeAfterAck ?? Q850.RecoveryOnTimerExpiry;
        this.byeAfterAck = undefined;
        if (!this.released) this.hangup(cause);
        else this.sendBye(cause);
        return;
      }
      try {
        p.tx.respond(p.response);
      } catch {
        // Timer L (64*T1) ended the transaction: so does this retransmission schedule.
      }
      p.interval = Math.min(p.interval * 2, timers.T2);
      this.armAckTimer(p);
    });
  }

  private stopAckWait(): void {
    const p = this.pendingAck;
    if (p?.timer !== undefined) {
      clearTimeout(p.timer);
      this.timers.delete(p.timer);
    }
    this.pendingAck = undefined;
  }

  // ---- outbound (UAC) ----

  private fromHeader(): string {
    const num = this.callerIdNum !== "" ? this.callerIdNum : "anonymous";
    const host = this.server.settings.domains[0] ?? this.server.sentBy(this.transport).host;
    const name = this.callerIdName.replace(/["\\]/g, "");
    return `${name === "" ? "" : `"${name}" `}<sip:${num}@${host}>;tag=${this.fromTag}`;
  }

  private sendInvite(t: UacTarget, opts: CallOptions): void {
    const headers: SipHeader[] = t.route.map((r) => ({ name: "Route", value: r }));
    headers.push(
      { name: "From", value: this.fromHeader() },
      { name: "To", value: `<${this.outbound?.toUri ?? t.uri}>` },
      { name: "Call-ID", value: this.callIdValue },
      { name: "CSeq", value: "1 INVITE" },
      { name: "Max-Forwards", value: "70" },
      { name: "Contact", value: `<${this.server.localContact(t.target.transport)}>` },
      { name: "Allow", value: SIP_CHANNEL_ALLOW },
      { name: "Supported", value: "100rel" },
      { name: "User-Agent", value: this.server.settings.userAgent },
    );
    if (opts.autoAnswer === true) {
      // The two auto-answer conventions phones honour (Polycom/Yealink Alert-Info; RFC 5373-era Call-Info).
      headers.push(
        { name: "Call-Info", value: `<sip:${this.server.sentBy(t.target.transport).host}>;answer-after=0` },
        { name: "Alert-Info", value: "<http://localhost>;info=alert-autoanswer" },
      );
    }
    const body = this.media.offer();
    headers.push({ name: "Content-Type", value: "application/sdp" });
    const req = new SipRequest({ method: "INVITE", uri: t.uri, headers, body });
    const branch: UacBranch = {
      request: req,
      target: t.target,
      dialog: undefined,
      provisional: false,
      final: undefined,
      cancelWanted: false,
      cancelled: false,
      lastRseq: undefined,
    };
    this.branches.push(branch);
    this.log.debug("INVITE", {
      channel: this.name,
      uri: t.uri,
      to: `${t.target.transport}:${t.target.address}:${t.target.port}`,
    });
    void this.server
      .sendRequest(req, t.target, {
        onResponse: (res) => {
          this.onBranchResponse(branch, res);
        },
      })
      .then((final) => {
        // A 408 (timeout) or 503 (unsendable) made up by the transaction user: never seen above.
        if (branch.final === undefined) this.onBranchResponse(branch, final);
      });
  }

  private onBranchResponse(b: UacBranch, res: SipResponse): void {
    const status = res.status;
    if (status < 200) {
      if (status === 100) return;
      b.provisional = true;
      if (b.cancelWanted) {
        this.sendCancel(b, this.hangupCause);
        return;
      }
      if (this.released || this.winner !== undefined) return;
      this.onProvisional(b, res);
      return;
    }
    if (status < 300) {
      this.on2xx(b, res);
      return;
    }
    if (b.final !== undefined) return;
    b.final = status;
    this.onBranchFailed();
  }

  private onProvisional(b: UacBranch, res: SipResponse): void {
    let toTag: string | undefined;
    try {
      toTag = res.to.tag;
    } catch {
      toTag = undefined;
    }
    if (toTag !== undefined && (b.dialog === undefined || b.dialog.id.remoteTag !== toTag)) {
      try {
        b.dialog = Dialog.fromUac(b.request, res, b.target.transport);
        this.ctx.dialogUp(this, b.dialog);
      } catch (err) {
        this.log.debug("provisional without dialog", { channel: this.name, err });
      }
    } else b.dialog?.receiveResponse(res);
    this.dialog ??= b.dialog;
    // RFC 3262 §4: a reliable provisional is acknowledged with a PRACK, in order of RSeq.
    const reliable = hasOptionTag(res.headers.getAll("Require"), "100rel");
    if (reliable) {
      const rseq = Number(res.header("RSeq"));
      if (!Number.isInteger(rseq) || rseq <= 0) return;
      if (b.lastRseq !== undefined && rseq !== b.lastRseq + 1) return;
      b.lastRseq = rseq;
      this.sendPrack(b, res, rseq);
    }
    const body = sdpBody(res);
    if (body !== undefined) {
      try {
        this.setRemote(parseSdp(body));
      } catch (err) {
        this.log.debug("unusable early SDP", { channel: this.name, err });
      }
    }
    this.remoteProgress(
      res.status === 180 || res.status === 181 || res.status === 182 ? "ringing" : "progress",
    );
  }

  private sendPrack(b: UacBranch, res: SipResponse, rseq: number): void {
    const d = b.dialog;
    if (d === undefined) return;
    const prack = d.createRequest("PRACK", {
      contact: false,
      userAgent: this.server.settings.userAgent,
      headers: [{ name: "RAck", value: `${rseq} ${res.cseq.seq} ${res.cseq.method}` }],
    });
    const hop = d.nextHop();
    if (hop !== undefined) void this.server.sendRequest(prack, hop);
  }

  private on2xx(b: UacBranch, res: SipResponse): void {
    let toTag: string | undefined;
    try {
      toTag = res.to.tag;
    } catch {
      toTag = undefined;
    }
    if (toTag === undefined) return;
    let d = b.dialog;
    if (d === undefined || d.id.remoteTag !== toTag) {
      try {
        d = Dialog.fromUac(b.request, res, b.target.transport);
      } catch (err) {
        this.log.debug("2xx without usable dialog", { channel: this.name, err });
        return;
      }
      b.dialog = d;
      this.ctx.dialogUp(this, d);
    } else d.receiveResponse(res);
    // RFC 3261 §13.2.2.4: every 2xx (retransmissions included) is acknowledged.
    this.sendAck(d, b.request.cseq.seq);
    const first = b.final === undefined;
    b.final = res.status;
    if (!first) return;
    const lost = this.released || (this.winner !== undefined && this.winner !== b);
    if (lost) {
      // RFC 3261 §13.2.2.4 / §15: a fork answered after another, or after we gave up: ACK, then BYE.
      this.byeDialog(d, this.released ? this.hangupCause : Q850.AnsweredElsewhere);
      return;
    }
    this.winner = b;
    this.dialog = d;
    // The other forks lost (RFC 3261 §16.7: the UAC cancels them itself, here).
    for (const other of this.branches)
      if (other !== b && other.final === undefined) this.sendCancel(other, Q850.AnsweredElsewhere);
    const body = sdpBody(res);
    if (body !== undefined) {
      try {
        this.setRemote(parseSdp(body));
      } catch (err) {
        this.log.warn("unusable SDP answer", { channel: this.name, err });
      }
    }
    this.remoteAnswered();
    this.scheduleReinvite();
  }

  private onBranchFailed(): void {
    if (this.winner !== undefined || this.branches.some((b) => b.final === undefined)) return;
    if (this.released) {
      this.dialogClosed();
      return;
    }
    // RFC 3261 §16.7 step 6, simplified: a 6xx wins, then busy, then the first answer.
    const finals = this.branches.map((b) => b.final ?? 500);
    const status =
      finals.find((s) => s >= 600) ??
      finals.find((s) => s === 486) ??
      finals.find((s) => s !== 487) ??
      finals[0] ??
      480;
    const cause = causeOfStatus(status);
    this.dialogClosed();
    if (cause === Q850.UserBusy) this.remoteProgress("busy");
    else if (cause === Q850.Congestion) this.remoteProgress("congestion");
    this.remoteHangup(cause);
  }

  private hangupOutbound(cause: number): void {
    if (this.winner?.dialog !== undefined) {
      this.sendBye(cause);
      return;
    }
    let open = false;
    for (const b of this.branches) {
      if (b.final !== undefined) continue;
      open = true;
      this.sendCancel(b, cause);
    }
    if (!open) this.dialogClosed();
  }

  /** RFC 3261 §9.1: CANCEL only after a provisional; until then it is remembered. */
  private sendCancel(b: UacBranch, cause: number): void {
    if (b.cancelled || b.final !== undefined) return;
    if (!b.provisional) {
      b.cancelWanted = true;
      return;
    }
    b.cancelled = true;
    const cancel = createCancel(b.request);
    // RFC 3326: tell the phone why (no "missed call" for a call answered elsewhere).
    cancel.headers.append(
      "Reason",
      cause === Q850.AnsweredElsewhere
        ? 'SIP;cause=200;text="Call completed elsewhere"'
        : reasonHeader(cause),
    );
    void this.server.sendRequest(cancel, b.target);
  }

  // ---- both directions: ACK, BYE, re-INVITE ----

  private sendAck(d: Dialog, seq: number): void {
    const ack = d.createAck(seq, { contact: false, userAgent: this.server.settings.userAgent });
    const hop = d.nextHop();
    if (hop === undefined) return;
    const { host, port } = this.server.sentBy(hop.transport);
    const via = new Via({ transport: hop.transport.toUpperCase(), host, port });
    via.branch = generateBranch();
    via.params.set("rport");
    ack.headers.prepend("Via", via.toString());
    this.server.sendStateless(ack, hop).catch((err: unknown) => {
      this.log.debug("ACK not sent", { channel: this.name, err });
    });
  }

  private sendBye(cause: number): void {
    const d = this.dialog;
    if (d === undefined || d.state === "terminated") {
      this.dialogClosed();
      return;
    }
    // RFC 3261 §15: the callee "MUST NOT send a BYE on a confirmed dialog until it has received
    // an ACK for its 2xx response or until the server transaction times out".
    if (this.pendingAck !== undefined) {
      this.byeAfterAck = cause;
      return;
    }
    this.byeDialog(d, cause);
  }

  private byeDialog(d: Dialog, cause: number): void {
    if (d.state === "terminated") return;
    let bye: SipRequest;
    try {
      bye = d.createRequest("BYE", {
        contact: false,
        userAgent: this.server.settings.userAgent,
        headers: [{ name: "Reason", value: reasonHeader(cause) }],
      });
    } catch (err) {
      this.log.debug("no BYE", { channel: this.name, err });
      return;
    }
    d.terminate();
    const done = (): void => {
      if (d === this.dialog) this.dialogClosed();
      else this.ctx.dialogDown(this, d);
    };
    const hop = d.nextHop();
    if (hop === undefined) {
      done();
      return;
    }
    void this.server.sendRequest(bye, hop).then(done);
  }

  /** The channel is done with SIP: the driver forgets its dialogs. */
  private dialogClosed(): void {
    this.ctx.dialogsDown(this);
  }

  private scheduleReinvite(): void {
    this.reinviteWanted = true;
    const i = setImmediate(() => {
      this.tryReinvite();
    });
    i.unref();
  }

  /**
   * Sends our changed description in a re-INVITE once nothing stands in the way: RFC 3261
   * §14.1 — no INVITE transaction in progress in either direction (our 2xx still awaiting its
   * ACK counts), a confirmed dialog, and media settled (a resumed bridge gives us its new
   * address a moment later: the re-INVITE carries that one, not the stale one).
   */
  private tryReinvite(): void {
    if (!this.reinviteWanted || this.released || this.disposed) return;
    const d = this.dialog;
    if (d === undefined || d.state !== "confirmed" || this.reinviteBusy || this.pendingAck !== undefined)
      return;
    if (this.direction === "inbound" && !this.finalSent) return;
    if (this.direction === "outbound" && this.winner === undefined) return;
    if (this.media.stale && this.bridgeId !== undefined && !this.media.holding) return;
    if (!this.media.changed) {
      this.reinviteWanted = false;
      return;
    }
    this.reinviteWanted = false;
    this.reinviteBusy = true;
    let req: SipRequest;
    try {
      req = d.createRequest("INVITE", {
        contact: `<${this.server.localContact(this.transport)}>`,
        userAgent: this.server.settings.userAgent,
        headers: [
          { name: "Allow", value: SIP_CHANNEL_ALLOW },
          { name: "Content-Type", value: "application/sdp" },
        ],
        body: this.media.offer(),
      });
    } catch (err) {
      this.reinviteBusy = false;
      this.log.debug("no re-INVITE", { channel: this.name, err });
      return;
    }
    const hop = d.nextHop();
    if (hop === undefined) {
      this.reinviteBusy = false;
      return;
    }
    const seq = req.cseq.seq;
    void this.server
      .sendRequest(req, hop, {
        onResponse: (res) => {
          if (res.status >= 200 && res.status < 300) this.sendAck(d, seq);
        },
      })
      .then((res) => {
        this.reinviteBusy = false;
        this.onReinviteAnswer(res);
      });
  }

  private onReinviteAnswer(res: SipResponse): void {
    if (this.released || this.disposed) return;
    if (res.status >= 200 && res.status < 300) {
      const body = sdpBody(res);
      if (body !== undefined) {
        try {
          // An answer never means the remote holds us (only its offers do, RFC 3264 §8.4).
          this.media.remote = parseSdp(body);
        } catch (err) {
          this.log.warn("unusable SDP in the re-INVITE answer", { channel: this.name, err });
        }
      }
    } else if (res.status === 491) {
      // RFC 3261 §14.1: glare; the owner of the Call-ID retries after 2.1-4 s, the other 0-2 s.
      const owner = this.direction === "outbound";
      const delay = owner ? 2100 + Math.random() * 1900 : Math.random() * 2000;
      this.reinviteWanted = true;
      this.later(delay, () => {
        this.tryReinvite();
      });
      return;
    } else if (res.status === 481 || res.status === 408) {
      // RFC 3261 §12.2.1.2: the dialog is gone.
      this.dialog?.terminate();
      this.remoteHangup(Q850.NormalClearing);
      return;
    }
    if (this.reinviteWanted) this.tryReinvite();
  }

  private onReinvite(req: SipRequest, tx: InviteServerTransaction): void {
    // RFC 3261 §14.2: an INVITE while ours is pending → 491; while our 2xx awaits its ACK → 500.
    if (this.reinviteBusy) {
      this.reply(tx, 491, "Request Pending");
      return;
    }
    if (this.pendingAck !== undefined || (this.direction === "inbound" && !this.finalSent)) {
      this.reply(tx, 500, "Server Internal Error", [
        { name: "Retry-After", value: String(Math.floor(Math.random() * 10)) },
      ]);
      return;
    }
    const body = sdpBody(req);
    let offer: RemoteSdp | undefined;
    if (body !== undefined) {
      try {
        offer = parseSdp(body);
      } catch (err) {
        const e = err instanceof SipError ? err : new SipError(488, "Not Acceptable Here");
        this.reply(tx, e.status, e.reason);
        return;
      }
      if (offer.codecs.length === 0 && !isHold(offer)) {
        this.reply(tx, 488, "Not Acceptable Here");
        return;
      }
    }
    const held = offer !== undefined && isHold(offer);
    const resuming = offer !== undefined && !held && this.remoteHeld;
    if (offer !== undefined) this.setRemote(offer);
    const answer = (): void => {
      if (this.released) {
        this.reply(tx, 481, "Call/Transaction Does Not Exist");
        return;
      }
      const sdp = offer === undefined ? this.media.offer() : this.media.answer();
      const res = createResponse(tx.request, 200, "OK", {
        headers: [
          { name: "Contact", value: `<${this.server.localContact(this.transport)}>` },
          { name: "Allow", value: SIP_CHANNEL_ALLOW },
          { name: "Server", value: this.server.settings.userAgent },
          { name: "Content-Type", value: "application/sdp" },
        ],
        body: sdp,
      });
      try {
        tx.respond(res);
      } catch (err) {
        this.log.debug("re-INVITE answer not sent", { channel: this.name, err });
        return;
      }
      this.awaitAck(tx, res);
    };
    if (held && !this.remoteHeld) {
      // RFC 3264 §8.4: the phone holds the call; the bridge stops the media and tells the
      // other party.
      answer();
      this.remoteHeld = true;
      this.remoteHold(true);
      return;
    }
    if (resuming) {
      this.remoteHeld = false;
      this.remoteHold(false);
      // The bridge sets media up again and gives us a new address: the 200 carries it.
      if (this.bridgeId !== undefined) {
        this.whenLocalMedia(answer, true);
        return;
      }
    }
    answer();
  }

  private onUpdate(req: SipRequest, tx: ServerTransaction): void {
    const body = sdpBody(req);
    if (body === undefined) {
      this.reply(tx, 200, "OK");
      return;
    }
    let offer: RemoteSdp;
    try {
      offer = parseSdp(body);
    } catch {
      this.reply(tx, 488, "Not Acceptable Here");
      return;
    }
    this.setRemote(offer);
    this.reply(tx, 200, "OK", [{ name: "Content-Type", value: "application/sdp" }], this.media.answer());
  }

  /**
   * A digit from the other party, sent as INFO application/dtmf-relay (the SIP INFO DTMF form
   * Cisco and most PBXs accept; it needs no access to the RTP stream the relay forwards).
   */
  override sendDtmf(digit: string): void {
    if (this.dialog?.state !== "confirmed") return;
    void this.sendInDialog(
      "INFO",
      [{ name: "Content-Type", value: "application/dtmf-relay" }],
      `Signal=${digit}\r\nDuration=160\r\n`,
    );
  }

  /** INFO with application/dtmf-relay or application/dtmf (SIP INFO DTMF, Cisco style). */
  private onInfo(req: SipRequest, tx: ServerTransaction): void {
    const type = req.header("Content-Type") ?? "";
    let digit: string | undefined;
    if (/application\/dtmf-relay/i.test(type)) digit = /Signal\s*=\s*([0-9A-D*#])/i.exec(req.bodyText)?.[1];
    else if (/application\/dtmf/i.test(type)) digit = /^\s*([0-9A-D*#])/i.exec(req.bodyText)?.[1];
    this.reply(tx, 200, "OK");
    if (digit !== undefined) this.remoteDtmf(digit.toUpperCase());
  }

  // ---- helpers ----

  private reply(
    tx: ServerTransaction,
    status: number,
    reason: string,
    headers: SipHeader[] = [],
    body?: string,
  ): void {
    try {
      tx.reply(status, reason, {
        toTag: this.dialogOf(tx.request)?.id.localTag ?? this.toTag,
        headers: [...headers, { name: "Server", value: this.server.settings.userAgent }],
        ...(body === undefined ? {} : { body }),
      });
    } catch (err) {
      this.log.debug("reply not sent", { channel: this.name, status, err });
    }
  }

  /** The dialog of ours a request belongs to (by its To tag). */
  private dialogOf(req: SipRequest): Dialog | undefined {
    let toTag: string | undefined;
    try {
      toTag = req.to.tag;
    } catch {
      return undefined;
    }
    if (this.dialog?.id.localTag === toTag) return this.dialog;
    return this.branches.find((b) => b.dialog?.id.localTag === toTag)?.dialog;
  }

  private remoteEndpoint(codec: CodecName): MediaEndpoint | undefined {
    const addr = this.media.remoteAddress();
    if (addr === undefined) return undefined;
    return { address: addr, codec, ptime: this.media.remote?.ptime ?? 20 };
  }

  /** The remote described its media: pending `openMedia` calls learn where it receives. */
  private setRemote(sdp: RemoteSdp): void {
    this.media.remote = sdp;
    if (this.remoteWaiters.length === 0) return;
    for (const w of this.remoteWaiters.splice(0)) {
      const ep = this.remoteEndpoint(w.codec);
      if (ep !== undefined) w.resolve(ep);
      else this.remoteWaiters.push(w);
    }
  }

  private rejectRemoteWaiters(err: Error): void {
    for (const w of this.remoteWaiters.splice(0)) w.reject(err);
  }

  /**
   * Runs `fn` once we have a current receive address (now, or at the next `startMedia`). With
   * `fallback`, it also runs after MEDIA_WAIT_MS without one (an answer must not wait forever).
   */
  private whenLocalMedia(fn: () => void, fallback: boolean): void {
    if (!this.media.stale) {
      fn();
      return;
    }
    this.mediaWaiters.push({ run: fn, fallback });
    if (fallback && this.mediaTimer === undefined) {
      this.mediaTimer = setTimeout(() => {
        this.mediaTimer = undefined;
        const due = this.mediaWaiters.filter((w) => w.fallback);
        const rest = this.mediaWaiters.filter((w) => !w.fallback);
        this.mediaWaiters.length = 0;
        this.mediaWaiters.push(...rest);
        for (const w of due) w.run();
      }, MEDIA_WAIT_MS);
    }
  }

  private clearMediaTimer(): void {
    if (this.mediaTimer !== undefined) clearTimeout(this.mediaTimer);
    this.mediaTimer = undefined;
  }

  private later(ms: number, fn: () => void): ReturnType<typeof setTimeout> {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.disposed) fn();
    }, ms);
    this.timers.add(t);
    return t;
  }
}
