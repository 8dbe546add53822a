/**
 * The media of one call leg on a phone (sccp-flows.md §5, sccp-protocol.md §6.7, §7): the
 * receive channel (OpenReceiveChannel → OpenReceiveChannelAck gives where the phone receives)
 * and the transmission (StartMediaTransmission tells it where to send), torn down with
 * CloseReceiveChannel + StopMediaTransmission.
 *
 * Identifiers: conferenceId = callReference (as CUCM, chan-sccp and wazo), passThruPartyId =
 * callReference XOR 0xFFFFFFFF (wazo), so an Ack names its leg even from a 7912, whose Ack
 * carries no callReference.
 */
import type { MediaEndpoint } from "../core/channel.ts";
import { sccpCapabilityOf, type CodecName } from "../media/codecs.ts";
import type { RtpAddress } from "../media/relay-leg.ts";
import { LinekeyError } from "../util/errors.ts";
import { MediaStatus, makeMessage, type MessageOf } from "./protocol/index.ts";
import type { SccpDevice } from "./device.ts";

/** State of the phone's receive channel for this leg. */
export type ReceiveState = "closed" | "opening" | "open";

/** Packetisation used in both directions (sccp-protocol.md §7: same value in both messages). */
export const PACKET_MS = 20;

/** How long a phone may take to answer OpenReceiveChannel. */
const ACK_TIMEOUT_MS = 5000;

/** Options of a leg's media. */
export interface LegMediaOptions {
  /** TOS byte the phone puts on its RTP (StartMediaTransmission.precedenceValue). */
  readonly tos: number;
  /** Use the phone's TCP source address instead of the Ack's address (phone behind NAT). */
  readonly nat: boolean;
}

interface PendingOpen {
  readonly codec: CodecName;
  readonly resolve: (ep: MediaEndpoint) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Receive channel and transmission of one leg. */
export class LegMedia {
  rx: ReceiveState = "closed";
  /** Where the phone receives (from its Ack). */
  rxAddress: RtpAddress | undefined;
  /** Where the phone was told to send. */
  txTarget: RtpAddress | undefined;
  codec: CodecName | undefined;
  private opensSent = 0;
  private acksSeen = 0;
  private pending: PendingOpen | undefined;

  constructor(
    private readonly device: SccpDevice,
    private readonly callReference: number,
    private readonly opts: LegMediaOptions,
  ) {}

  /** The passThruPartyId of this leg's streams. */
  get passThruPartyId(): number {
    return (this.callReference ^ 0xffffffff) >>> 0;
  }

  /** Asks the phone to open its receive port; resolves with the address from its Ack. */
  open(codec: CodecName): Promise<MediaEndpoint> {
    if (this.device.session === undefined) {
      return Promise.reject(
        new LinekeyError("SCCP_ERR_NOT_REGISTERED", `${this.device.name} is not connected`),
      );
    }
    this.failPending("receive channel re-opened");
    this.codec = codec;
    this.rx = "opening";
    this.opensSent++;
    // sccp-flows.md §5.1: conferenceId = callReference, 20 ms, the bridge's codec.
    this.device.send(
      makeMessage("OpenReceiveChannel", {
        conferenceId: this.callReference,
        passThruPartyId: this.passThruPartyId,
        millisecondPacketSize: PACKET_MS,
        compressionType: sccpCapabilityOf(codec),
        callReference: this.callReference,
        // wazo sends 0: the phone reports digits with KeypadButton only (sccp-protocol.md §7).
        rfc2833PayloadType: 0,
        dtmfType: 10,
      }),
    );
    return new Promise<MediaEndpoint>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.failPending("no OpenReceiveChannelAck");
      }, ACK_TIMEOUT_MS);
      this.pending = { codec, resolve, reject, timer };
    });
  }

  /** Handles the phone's OpenReceiveChannelAck for this leg. */
  onAck(ack: MessageOf<"OpenReceiveChannelAck">): void {
    this.acksSeen++;
    // An answer to an earlier, superseded open: the phone answers every open in order.
    if (this.acksSeen < this.opensSent) return;
    const p = this.pending;
    if (p === undefined) return;
    // sccp-flows.md §5.1: a non-zero status or port 0 is a fault; 0xFF arrives after a hang-up.
    if (ack.mediaReceptionStatus !== MediaStatus.Ok || ack.portNumber === 0) {
      this.rx = "closed";
      this.failPending(`phone refused the receive channel (status ${ack.mediaReceptionStatus})`);
      return;
    }
    const reported = ack.ipAddr;
    const address =
      this.opts.nat || reported === "0.0.0.0" || reported === ""
        ? (this.device.session?.remoteAddress ?? reported)
        : reported;
    this.rxAddress = { address, port: ack.portNumber };
    this.rx = "open";
    this.pending = undefined;
    clearTimeout(p.timer);
    p.resolve({ address: this.rxAddress, codec: p.codec, ptime: PACKET_MS });
  }

  /** Points the phone's transmission at `target` (undefined: stop transmitting). */
  start(target: RtpAddress | undefined, codec: CodecName): void {
    if (target === undefined) {
      this.stopTransmission();
      return;
    }
    const same =
      this.txTarget !== undefined &&
      this.txTarget.address === target.address &&
      this.txTarget.port === target.port &&
      this.codec === codec;
    if (same) return;
    // sccp-flows.md §5.2: a new peer (direct RTP, back to the relay) is a Stop + Start pair.
    this.stopTransmission();
    this.codec = codec;
    this.device.send(
      makeMessage("StartMediaTransmission", {
        conferenceId: this.callReference,
        passThruPartyId: this.passThruPartyId,
        remoteIpAddr: target.address,
        remotePortNumber: target.port,
        millisecondPacketSize: PACKET_MS,
        compressionType: sccpCapabilityOf(codec),
        precedenceValue: this.opts.tos,
        callReference: this.callReference,
        rfc2833PayloadType: 0,
        dtmfType: 10,
      }),
    );
    this.txTarget = target;
  }

  /** Closes the receive channel and stops the transmission (sccp-flows.md §5.3, CUCM order). */
  stop(): void {
    const wasOpen = this.rx !== "closed";
    this.failPending("media stopped");
    if (wasOpen) {
      this.device.send(
        makeMessage("CloseReceiveChannel", {
          conferenceId: this.callReference,
          passThruPartyId: this.passThruPartyId,
          callReference: this.callReference,
          portHandlingFlag: 0,
        }),
      );
    }
    this.rx = "closed";
    this.rxAddress = undefined;
    this.stopTransmission();
  }

  /** True when anything is open on the phone. */
  get active(): boolean {
    return this.rx !== "closed" || this.txTarget !== undefined;
  }

  /** The leg is gone: stop everything still open. */
  close(): void {
    if (this.active) this.stop();
    this.failPending("call ended");
  }

  private stopTransmission(): void {
    if (this.txTarget === undefined) return;
    this.device.send(
      makeMessage("StopMediaTransmission", {
        conferenceId: this.callReference,
        passThruPartyId: this.passThruPartyId,
        callReference: this.callReference,
        portHandlingFlag: 0,
      }),
    );
    this.txTarget = undefined;
  }

  private failPending(why: string): void {
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    if (this.rx === "opening") this.rx = "closed";
    p.reject(new LinekeyError("SCCP_ERR_MEDIA", `${this.device.name}: ${why}`));
  }
}
