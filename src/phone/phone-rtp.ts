/**
 * The virtual phone's media for one call: the UDP port it opens on OpenReceiveChannel (bound on
 * the phone's address, port 0) and the G.711 stream it sends on StartMediaTransmission — 20 ms
 * packets of 160 samples with real sequence numbers and timestamps, sent from the receive port
 * as Cisco phones do (symmetric RTP). Counts what arrives and from where.
 */
import { createSocket, type Socket } from "node:dgram";
import { randomInt } from "node:crypto";
import { g711Silence } from "../media/g711.ts";
import { isRtp, writeRtpHeader } from "../media/rtp-packet.ts";
import type { RtpAddress } from "../media/relay-leg.ts";

/** RTP payload type for the SCCP compression types the phone uses (sccp-protocol.md §7). */
function payloadTypeOf(compressionType: number): number {
  // 2/3 A-law → PCMA (8); everything else is treated as µ-law (PCMU, 0).
  return compressionType === 2 || compressionType === 3 ? 8 : 0;
}

/** Samples (and payload bytes) per 20 ms G.711 packet. */
const SAMPLES_PER_PACKET = 160;

/** One call's receive port and transmission. */
export class PhoneRtp {
  /** RTP packets received on the port. */
  received = 0;
  /** RTP packets sent. */
  sent = 0;
  /** Where received packets came from ("ip:port"), first seen first. */
  readonly sources: string[] = [];
  /** Where the phone sends now (StartMediaTransmission), if it does. */
  target: RtpAddress | undefined;
  private timer: NodeJS.Timeout | undefined;
  private seq = randomInt(0, 0xffff);
  private timestamp = randomInt(0, 0x7fffffff);
  private readonly ssrc = randomInt(1, 0x7fffffff);
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on("message", (msg, rinfo) => {
      if (!isRtp(msg)) return;
      this.received++;
      const from = `${rinfo.address}:${rinfo.port}`;
      if (!this.sources.includes(from)) this.sources.push(from);
    });
    socket.on("error", () => {
      this.close();
    });
  }

  /** Opens a receive port on `host` (port chosen by the system). */
  static async open(host: string): Promise<PhoneRtp> {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    return new PhoneRtp(socket, socket.address().port);
  }

  /** Starts (or redirects) the transmission of 20 ms G.711 packets to `target`. */
  startSending(target: RtpAddress, compressionType: number, packetMs = 20): void {
    this.stopSending();
    if (this.closed) return;
    this.target = target;
    const pt = payloadTypeOf(compressionType);
    const packet = Buffer.alloc(12 + SAMPLES_PER_PACKET, g711Silence(pt === 8 ? "alaw" : "ulaw"));
    let first = true;
    const tick = (): void => {
      if (this.closed || this.target === undefined) return;
      writeRtpHeader(packet, 0, first, pt, this.seq, this.timestamp, this.ssrc);
      first = false;
      this.seq = (this.seq + 1) & 0xffff;
      this.timestamp = (this.timestamp + SAMPLES_PER_PACKET) >>> 0;
      this.socket.send(packet, target.port, target.address);
      this.sent++;
    };
    tick();
    this.timer = setInterval(tick, packetMs);
    this.timer.unref();
  }

  /** Stops transmitting (StopMediaTransmission). */
  stopSending(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.target = undefined;
  }

  /** Closes the port (CloseReceiveChannel, phone closed). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopSending();
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
  }

  /** True once closed. */
  get isClosed(): boolean {
    return this.closed;
  }
}
