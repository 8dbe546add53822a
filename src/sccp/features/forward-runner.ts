/**
 * Redirecting a call to a forward target (sccp-flows.md §10.2, §10.3): the forwarded line's
 * channel stays the callee of whoever dialled it, and a `Local/<target>@<context>` channel runs
 * the dialplan of the line's context on the target number, as Asterisk's Local channel does for
 * a call forward. Its progress (ringing, busy) and answer are reported on the forwarded channel;
 * once both are bridged, the driver joins the caller straight to the target and both stand-ins
 * hang up.
 */
import { Channel, type CallOptions, type Indication, type MediaEndpoint } from "../../core/channel.ts";
import type { CodecName } from "../../media/codecs.ts";
import type { RtpAddress } from "../../media/relay-leg.ts";
import type { Logger } from "../../util/logger.ts";
import type { SccpChannel } from "../sccp-channel.ts";

/** Who was called before the forward (CallInfo originalCalledParty on the target's phone). */
export interface ForwardOrigin {
  readonly num: string;
  readonly name: string;
}

/** The dialplan run standing in for a forwarded SCCP line. */
export class ForwardRunner extends Channel {
  /** The forwarded channel (joined through once both are bridged). */
  joinPartner: Channel | undefined;
  readonly origin: ForwardOrigin;
  /** Lines already forwarded along this chain: a forward back to one of them rings it instead. */
  readonly visited: ReadonlySet<string>;
  private readonly idleMedia: ((ep: MediaEndpoint) => void)[] = [];

  constructor(
    readonly owner: SccpChannel,
    target: string,
    caller: { num: string; name: string },
    log: Logger,
  ) {
    super("Local", `${target}@${owner.line.context}`, "inbound", owner.line.context, target, log);
    this.joinPartner = owner;
    this.origin = { num: owner.line.cidNum, name: owner.line.cidName };
    this.callerIdNum = caller.num;
    this.callerIdName = caller.name;
    const before = forwardChainOf(owner.requestor);
    this.visited = new Set([...before, owner.line.name]);
    this.vars.set("FORWARDED_FROM", owner.line.name);
  }

  /** Starts the run in state `ring`, as any channel entering the dialplan. */
  markRing(): void {
    this.setState("ring");
  }

  override call(_opts: CallOptions): void {
    // Never dialled: it is created already running the dialplan.
  }

  protected override doAnswer(): void {
    // The target answered: the forwarded channel is answered for its caller.
    this.owner.remoteAnswered();
  }

  override indicate(what: Indication): void {
    if (what === "hold" || what === "unhold") return;
    this.owner.remoteProgress(what);
  }

  protected override doHangup(cause: number): void {
    // Before the join the forward failed (busy, no answer, nothing there): so did the call.
    if (!this.owner.released) this.owner.remoteHangup(cause);
    for (const settle of this.idleMedia.splice(0))
      settle({ address: { address: "0.0.0.0", port: 0 }, codec: "ulaw", ptime: 20 });
  }

  override codecs(): readonly CodecName[] {
    return this.owner.requestor?.codecs() ?? ["ulaw", "alaw"];
  }

  override directMediaCapable(): boolean {
    return false;
  }

  override openMedia(_codec: CodecName): Promise<MediaEndpoint> {
    // No media of its own: the bridge is replaced by the join first; settles when hung up.
    return new Promise((resolve) => this.idleMedia.push(resolve));
  }

  override startMedia(_target: RtpAddress | undefined, _codec: CodecName): void {
    // Nothing to point anywhere.
  }

  override stopMedia(): void {
    // Nothing open.
  }

  override serverAddress(): string {
    return this.owner.serverAddress();
  }

  override updateConnectedLine(num: string, name: string): void {
    this.connectedNum = num;
    this.connectedName = name;
  }
}

/** Lines forwarded along the chain that led to `requestor` (empty when not a forward). */
export function forwardChainOf(requestor: Channel | undefined): ReadonlySet<string> {
  return requestor instanceof ForwardRunner ? requestor.visited : new Set();
}
