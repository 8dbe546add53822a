/**
 * The SDP side of one SIP leg (RFC 3264): what the remote last described (where it receives,
 * its codecs, whether it holds us), what we receive on (the relay address the bridge gave the
 * channel with `startMedia`), whether we hold the remote, and our o= line, whose version grows
 * each time our description changes (RFC 3264 §8: "the version … MUST be incremented by one"
 * when anything changes, and kept when a description is sent again unchanged).
 */
import { randomInt } from "node:crypto";
import type { CodecName } from "../../media/codecs.ts";
import type { RtpAddress } from "../../media/relay-leg.ts";
import {
  TELEPHONE_EVENT_PT,
  acceptedCodecs,
  answerDirection,
  buildSdp,
  isHold,
  type MediaDirection,
  type RemoteSdp,
} from "./sdp.ts";

/** Codecs a SIP leg can carry: G.711 is transcoded by the relay, the others pass through. */
export const SIP_CODECS: readonly CodecName[] = ["ulaw", "alaw", "g722", "g729"];

/** Codecs offered in our own offers (RFC 3551 static payload types the relay transcodes). */
export const OFFER_CODECS: readonly CodecName[] = ["ulaw", "alaw"];

/**
 * The discard port (RFC 863) written while we have no receive address yet; always with
 * `a=inactive`, so nobody sends there.
 */
const NO_MEDIA_PORT = 9;

/** One leg's offer/answer state. */
export class MediaSession {
  /** The remote's last description (offer or answer). */
  remote: RemoteSdp | undefined;
  /** Where we receive (from `startMedia`); undefined until the first one. */
  localTarget: RtpAddress | undefined;
  /** The codec the bridge chose for this leg. */
  localCodec: CodecName | undefined;
  /** True when `localTarget` is not valid now (no media yet, or stopped by hold/teardown). */
  stale = true;
  /** We hold the remote (its peer held): our descriptions say sendonly. */
  holding = false;
  /** Our codec preference for offers. */
  offerCodecs: readonly CodecName[] = OFFER_CODECS;
  private readonly sessionId = String(randomInt(1, 2 ** 31 - 1));
  private version = randomInt(1, 2 ** 16);
  /** Our last description without its o= line, to tell whether a new one changed. */
  private lastContent: string | undefined;
  /** What our last description said about our side (address, port, wanted direction, codec). */
  private sentState: string | undefined;

  constructor(private readonly fallbackAddress: () => string) {}

  /** True when the remote's current description puts us on hold (RFC 3264 §8.4). */
  get remoteHolds(): boolean {
    return this.remote !== undefined && isHold(this.remote);
  }

  /** Codecs for the bridge: what the remote can receive (when known) that a SIP leg carries. */
  codecs(): CodecName[] {
    if (this.remote === undefined) return [...this.offerCodecs];
    const accepted = acceptedCodecs(this.remote, SIP_CODECS).map((c) => c.codec);
    return accepted.length > 0 ? accepted : [...this.offerCodecs];
  }

  /** Where the remote receives, when it said so (a port, and not the RFC 2543 hold address). */
  remoteAddress(): RtpAddress | undefined {
    const r = this.remote;
    if (r === undefined || r.port === 0) return undefined;
    return { address: r.address, port: r.port };
  }

  /** The direction we would like: nothing to receive on → inactive; holding → sendonly. */
  private wanted(): MediaDirection {
    if (this.localTarget === undefined) return "inactive";
    return this.holding ? "sendonly" : "sendrecv";
  }

  /** Our offer (initial INVITE, re-INVITE, or 200 to an INVITE without SDP). */
  offer(): string {
    return this.stamp((version) =>
      buildSdp({
        address: this.localTarget?.address ?? this.fallbackAddress(),
        port: this.localTarget?.port ?? NO_MEDIA_PORT,
        codecs: this.orderedOffer(),
        direction: this.wanted(),
        telephoneEvent: TELEPHONE_EVENT_PT,
        sessionId: this.sessionId,
        sessionVersion: version,
      }),
    );
  }

  /** Our answer to the remote's offer (RFC 3264 §6.1). Throws SipError 488 when no codec fits. */
  answer(): string {
    const offer = this.remote;
    if (offer === undefined) return this.offer();
    const accepted = acceptedCodecs(offer, SIP_CODECS);
    const chosen = accepted.filter((c) => this.localCodec === undefined || c.codec === this.localCodec);
    const list = chosen.length > 0 ? chosen : accepted;
    const payloadTypes = new Map(list.map((c) => [c.codec, c.payloadType]));
    // The answer's direction follows the offer's (RFC 3264 §6.1).
    const wanted = this.wanted();
    return this.stamp((version) =>
      buildSdp({
        address: this.localTarget?.address ?? this.fallbackAddress(),
        port: this.localTarget?.port ?? NO_MEDIA_PORT,
        codecs: list.map((c) => c.codec),
        payloadTypes,
        direction: answerDirection(offer.direction, wanted),
        telephoneEvent: offer.telephoneEvent,
        sessionId: this.sessionId,
        sessionVersion: version,
        audioIndex: offer.audioIndex,
        otherMedia: offer.otherMedia,
        ...(offer.ptime === undefined ? {} : { ptime: offer.ptime }),
      }),
    );
  }

  /**
   * True when our side changed since our last description (another address or port, hold or
   * resume, another codec): the remote must be told, in a re-INVITE.
   */
  get changed(): boolean {
    return this.stateKey() !== this.sentState;
  }

  private stateKey(): string {
    const t = this.localTarget;
    return `${t?.address ?? "-"}|${t?.port ?? 0}|${this.wanted()}|${this.localCodec ?? "-"}`;
  }

  /** The codecs of our offers: the bridge's choice first, then our preference. */
  private orderedOffer(): CodecName[] {
    const first =
      this.localCodec !== undefined && this.offerCodecs.includes(this.localCodec) ? [this.localCodec] : [];
    return [...first, ...this.offerCodecs.filter((c) => !first.includes(c))];
  }

  // Builds with the current version, bumping it first when the content changed.
  private stamp(build: (version: number) => string): string {
    this.sentState = this.stateKey();
    let text = build(this.version);
    const content = contentOf(text);
    if (this.lastContent !== undefined && content !== this.lastContent) {
      this.version++;
      text = build(this.version);
    }
    this.lastContent = content;
    return text;
  }
}

function contentOf(sdp: string): string {
  return sdp
    .split(/\r?\n/)
    .filter((l) => !l.startsWith("o="))
    .join("\n");
}
