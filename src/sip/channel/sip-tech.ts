/**
 * The "SIP" channel technology: SIP phones as call-core channels (the B2BUA of
 * architecture.md). It takes the INVITEs the SIP server hands to its local-target hook — a SIP
 * user calling an extension that is not a registered SIP AoR — and runs them through the
 * dialplan of the user's context; it creates the outbound legs of `Dial(SIP/alice)` (every
 * registered contact of the AoR) and `Dial(SIP/alice@host:port)`; and it routes in-dialog
 * requests, ACKs and CANCELs to the channel whose dialog they belong to.
 */
import type { CallCore } from "../../core/call-core.ts";
import type { Channel } from "../../core/channel.ts";
import type { ChannelTech, RequestFailure, ResourceState } from "../../core/channel-tech.ts";
import type { SipUserConfig } from "../../config/linekey-conf.ts";
import { SipError } from "../../util/errors.ts";
import type { Logger } from "../../util/logger.ts";
import { dialogKey, type Dialog } from "../dialog/dialog.ts";
import { targetOfUriText } from "../dialog/uri-target.ts";
import { generateTag } from "../message/ids.ts";
import type { SipRequest } from "../message/message.ts";
import { parseUri } from "../message/uri.ts";
import type { SipServer } from "../sip-server.ts";
import type { InviteServerTransaction } from "../transaction/invite-server-transaction.ts";
import type { ServerTransaction } from "../transaction/transaction-types.ts";
import { Q850 } from "./causes.ts";
import { SIP_CODECS } from "./media-session.ts";
import { handleRefer } from "./refer-transfer.ts";
import { acceptedCodecs, parseSdp, type RemoteSdp } from "./sdp.ts";
import { SipChannel, type SipChannelContext, type UacTarget } from "./sip-channel.ts";

/** Option tags a SIP leg understands in Require (RFC 3261 §8.2.2.3). */
const SUPPORTED_TAGS = new Set(["100rel", "timer", "replaces"]);

/** What the technology needs. */
export interface SipTechOptions {
  readonly server: SipServer;
  readonly core: CallCore;
  /** The configured SIP users (read on each call, so a reload takes effect). */
  readonly users: () => ReadonlyMap<string, SipUserConfig>;
  readonly log: Logger;
}

/** One row of `sip show channels`. */
export interface SipChannelRow {
  readonly channel: string;
  readonly user: string;
  readonly callId: string;
  /** early | confirmed | terminated | - */
  readonly dialog: string;
  readonly direction: string;
  /** Where the phone receives RTP (its SDP), `-` before it said. */
  readonly peerMedia: string;
  /** Where we receive (our SDP), `-` before the bridge gave an address. */
  readonly localMedia: string;
  readonly codec: string;
  /** none | remote (the phone holds) | local (we hold the phone) | both. */
  readonly hold: string;
}

function toTagOf(req: SipRequest): string | undefined {
  try {
    return req.to.tag;
  } catch {
    return undefined;
  }
}

/** The key a received request or ACK files its dialog under (local = To tag, RFC 3261 §12.2.2). */
function keyOf(req: SipRequest): string | undefined {
  try {
    const to = req.to.tag;
    const from = req.from.tag;
    if (to === undefined || from === undefined) return undefined;
    return dialogKey({ callId: req.callId, localTag: to, remoteTag: from });
  } catch {
    return undefined;
  }
}

/** The SIP channel technology. */
export class SipTech implements ChannelTech {
  readonly name = "SIP";
  private readonly server: SipServer;
  private readonly core: CallCore;
  private readonly users: () => ReadonlyMap<string, SipUserConfig>;
  private readonly log: Logger;
  private readonly live = new Set<SipChannel>();
  /** Every channel with an open dialog (hung-up ones too, until their BYE is done). */
  private readonly dialogs = new Map<string, SipChannel>();
  private readonly ctx: SipChannelContext;
  private readonly offs: (() => void)[] = [];
  private closed = false;

  constructor(opts: SipTechOptions) {
    this.server = opts.server;
    this.core = opts.core;
    this.users = opts.users;
    this.log = opts.log;
    const transferDeps = {
      core: opts.core,
      log: opts.log,
      contextOf: (user: string) => this.users().get(user)?.context ?? "default",
      findDialog: (callId: string, a: string, b: string) =>
        this.dialogs.get(dialogKey({ callId, localTag: a, remoteTag: b })) ??
        this.dialogs.get(dialogKey({ callId, localTag: b, remoteTag: a })),
    };
    this.ctx = {
      server: opts.server,
      log: opts.log,
      dialogUp: (ch: SipChannel, d: Dialog) => {
        this.dialogs.set(d.key, ch);
      },
      dialogDown: (ch: SipChannel, d: Dialog) => {
        if (this.dialogs.get(d.key) === ch) this.dialogs.delete(d.key);
        this.forgetIfDone(ch);
      },
      dialogsDown: (ch: SipChannel) => {
        for (const [k, c] of this.dialogs) if (c === ch) this.dialogs.delete(k);
        this.forgetIfDone(ch);
      },
      refer: (ch: SipChannel, req: SipRequest, tx: ServerTransaction) => {
        handleRefer(transferDeps, ch, req, tx);
      },
    };
    opts.server.setLocalTargetHandler((req, tx) => this.onLocalTarget(req, tx));
    opts.server.addLocalHandler(
      (req) => {
        const k = keyOf(req);
        return k !== undefined && this.dialogs.has(k);
      },
      (req, tx) => {
        const k = keyOf(req);
        const ch = k === undefined ? undefined : this.dialogs.get(k);
        ch?.handleRequest(req, tx);
      },
    );
    opts.server.addAckHandler(
      (ack) => {
        const k = keyOf(ack);
        return k !== undefined && this.dialogs.has(k);
      },
      (ack) => {
        const k = keyOf(ack);
        if (k !== undefined) this.dialogs.get(k)?.handleAck(ack);
      },
    );
    this.offs.push(
      opts.server.on("cancelled", (invite) => {
        for (const ch of this.live) {
          if (ch.serverTransaction === invite) {
            ch.cancelledByRemote();
            return;
          }
        }
      }),
    );
  }

  // ---- ChannelTech ----

  /** `Dial(SIP/alice)`: every registered contact; `Dial(SIP/alice@192.0.2.7:5070)`: that host. */
  request(resource: string, _requestor: Channel | undefined): Channel | RequestFailure {
    if (this.closed) return { fail: "CHANUNAVAIL", cause: Q850.TemporaryFailure, reason: "SIP is stopped" };
    const name = (resource.split("/")[0] ?? "").trim();
    if (name === "") return { fail: "CHANUNAVAIL", cause: Q850.Unallocated, reason: "empty SIP resource" };
    const at = name.indexOf("@");
    let targets: UacTarget[];
    let toUri: string;
    let user: string;
    if (at >= 0) {
      const uri = `sip:${name}`;
      const target = targetOfUriText(uri);
      if (target === undefined)
        return { fail: "CHANUNAVAIL", cause: Q850.Unallocated, reason: `bad SIP URI '${uri}'` };
      targets = [{ uri, target, route: [] }];
      toUri = uri;
      user = name.slice(0, at);
    } else {
      const found = this.server.registrar.lookup(name);
      if (found.length === 0) {
        const known = this.users().has(name);
        return {
          fail: "CHANUNAVAIL",
          cause: known ? Q850.SubscriberAbsent : Q850.Unallocated,
          reason: known ? `SIP user '${name}' is not registered` : `no SIP user '${name}'`,
        };
      }
      targets = found.map((f) => ({ uri: f.uri, target: f.target, route: f.route }));
      const host =
        this.server.settings.domains[0] ?? this.server.sentBy(targets[0]?.target.transport ?? "udp").host;
      toUri = `sip:${name}@${host}`;
      user = name;
    }
    const ch = SipChannel.outbound(this.ctx, { resource: name, toUri, targets }, user);
    this.track(ch);
    return ch;
  }

  /** Device state of a SIP user: in use or ringing from its calls, else from its registration. */
  state(resource: string): ResourceState {
    const name = resource.split("/")[0] ?? "";
    const calls = [...this.live].filter((c) => c.user === name && !c.hungUp);
    if (calls.some((c) => c.state === "up")) return "inuse";
    if (calls.some((c) => c.state === "ringing" || c.state === "ring")) return "ringing";
    if (calls.length > 0) return "inuse";
    if (this.server.registrar.isRegistered(name)) return "idle";
    return this.users().has(name) ? "unavailable" : "unknown";
  }

  // ---- console ----

  /** The SIP legs (`sip show channels`). */
  listChannels(): SipChannelRow[] {
    const all = new Set<SipChannel>([...this.live, ...this.dialogs.values()]);
    return [...all].map((ch) => {
      const remote = ch.media.remoteAddress();
      const local = ch.media.localTarget;
      const hold = ch.heldByRemote
        ? ch.holdingRemote
          ? "both"
          : "remote"
        : ch.holdingRemote
          ? "local"
          : "none";
      return {
        channel: ch.name,
        user: ch.user,
        callId: ch.callId,
        dialog: ch.dialog?.state ?? "-",
        direction: ch.direction === "inbound" ? "in" : "out",
        peerMedia: remote === undefined ? "-" : `${remote.address}:${remote.port}`,
        localMedia: local === undefined ? "-" : `${local.address}:${local.port}`,
        codec: ch.media.localCodec ?? "-",
        hold,
      };
    });
  }

  /** Number of channels still known (live or finishing their dialogs). */
  get channelCount(): number {
    return new Set<SipChannel>([...this.live, ...this.dialogs.values()]).size;
  }

  /** Hangs every SIP leg up and stops every timer. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.setLocalTargetHandler(undefined);
    for (const off of this.offs.splice(0)) off();
    const all = new Set<SipChannel>([...this.live, ...this.dialogs.values()]);
    for (const ch of all) {
      if (!ch.released) ch.hangup(Q850.NormalClearing);
      ch.close();
    }
    this.live.clear();
    this.dialogs.clear();
  }

  // ---- inbound ----

  /** The SIP server's hook: a request for a local target with no registered contact. */
  private onLocalTarget(req: SipRequest, tx: ServerTransaction): boolean {
    if (this.closed || req.method !== "INVITE" || tx.kind !== "invite-server") return false;
    if (toTagOf(req) !== undefined) {
      // RFC 3261 §12.2.2: an in-dialog request for a dialog we do not know.
      tx.reply(481, "Call/Transaction Does Not Exist");
      return true;
    }
    try {
      this.newCall(req, tx);
    } catch (err) {
      const e = err instanceof SipError ? err : undefined;
      if (e === undefined) this.log.error("inbound call failed", { err });
      try {
        tx.reply(e?.status ?? 500, e?.reason ?? "Server Internal Error", { toTag: generateTag() });
      } catch {
        // The transaction already has its answer.
      }
    }
    return true;
  }

  private newCall(req: SipRequest, tx: InviteServerTransaction): void {
    // RFC 3261 §8.2.2.3: extensions required that we do not support → 420 with Unsupported.
    const unsupported = req.headers
      .getAll("Require")
      .flatMap((v) => v.split(","))
      .map((t) => t.trim())
      .filter((t) => t !== "" && !SUPPORTED_TAGS.has(t.toLowerCase()));
    if (unsupported.length > 0) {
      tx.reply(420, "Bad Extension", {
        toTag: generateTag(),
        headers: [{ name: "Unsupported", value: unsupported.join(", ") }],
      });
      return;
    }
    const uri = req.requestUri;
    const exten = uri.type === "sip" ? (uri.user ?? "") : "";
    if (exten === "") throw new SipError(404, "Not Found");
    const from = req.from;
    const fromUri = parseUri(from.uri);
    const fromUser = fromUri.type === "sip" ? fromUri.user : undefined;
    // The caller is a configured user when From names one of our hosts: the SIP server has
    // then checked its credentials (auth = yes). Anyone else reaches the dialplan only
    // without authentication, in the default context.
    const fromLocal = fromUri.type === "sip" && this.server.isLocalUri(`sip:${fromUri.host}`);
    const cfg = fromLocal && fromUser !== undefined ? this.users().get(fromUser) : undefined;
    if (cfg === undefined && this.server.authEnabled) throw new SipError(403, "Forbidden");
    let offer: RemoteSdp | undefined;
    const type = req.header("Content-Type");
    if (req.body.length > 0 && type !== undefined && /application\/sdp/i.test(type)) {
      offer = parseSdp(req.bodyText);
      if (acceptedCodecs(offer, SIP_CODECS).length === 0) throw new SipError(488, "Not Acceptable Here");
    }
    const user = cfg?.name ?? fromUser ?? "anonymous";
    const ch = SipChannel.inbound(this.ctx, {
      tx,
      // The INVITE as received: the working copy carries the proxy's own Record-Route.
      request: tx.request,
      offer,
      user,
      context: cfg?.context ?? "default",
      exten: decodeURIComponent(exten),
    });
    ch.callerIdNum = cfg?.callerid?.number ?? fromUser ?? "";
    ch.callerIdName = cfg?.callerid?.name ?? from.displayName ?? "";
    this.track(ch);
    this.core.add(ch);
    ch.startInbound();
    this.log.info("sip call", { channel: ch.name, from: user, exten: ch.exten, context: ch.context });
    this.core.startPbx(ch);
  }

  private track(ch: SipChannel): void {
    this.live.add(ch);
    ch.on("hangup", () => {
      this.live.delete(ch);
      this.forgetIfDone(ch);
    });
  }

  private forgetIfDone(ch: SipChannel): void {
    if (!ch.released) return;
    for (const c of this.dialogs.values()) if (c === ch) return;
    ch.close();
  }
}
