/**
 * RTP fixed header (RFC 3550 §5.1) parse/serialize, plus the RTP/RTCP demultiplexing test of
 * RFC 5761 §4. Parsing is tolerant: anything that is not a well-formed RTP packet yields
 * `undefined`, never an exception, because every byte here comes straight off a UDP socket.
 *
 * The relay's hot path does not build `RtpPacket` objects; it uses `isRtp`,
 * `rtpPayloadOffset` and `rtpPayloadEnd`, which only read the buffer.
 */
import { LinekeyError } from "../util/errors.ts";

/** Size of the RTP fixed header without CSRCs (RFC 3550 §5.1). */
export const RTP_HEADER_SIZE = 12;

/** A header extension (RFC 3550 §5.3.1): 16-bit profile word and data in 32-bit words. */
export interface RtpExtension {
  readonly profile: number;
  /** Extension data; its length is a multiple of 4 when parsed. */
  readonly data: Uint8Array;
}

/** A parsed RTP packet. `payload` is a view into the parsed buffer, not a copy. */
export interface RtpPacket {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  readonly extension: RtpExtension | undefined;
  /** Number of padding octets at the end (including the count octet); 0 when P is clear. */
  readonly paddingLength: number;
  readonly payload: Uint8Array;
}

/** Fields accepted by `serializeRtp`; omitted optional fields default to empty/false/0. */
export interface RtpPacketInit {
  readonly marker?: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs?: readonly number[];
  readonly extension?: RtpExtension | undefined;
  /** Total padding octets to append (1–255); sets P. */
  readonly paddingLength?: number;
  readonly payload: Uint8Array;
}

/**
 * True when the second octet falls in 192–223: RTCP packet types 200–204 (and the rest of
 * that range) as seen through the RTP M+PT octet (RFC 5761 §4). RTP payload types 64–95 are
 * excluded from use precisely so that this test is unambiguous.
 */
function rtcpOctet(b1: number): boolean {
  return b1 >= 192 && b1 <= 223;
}

/** RTP version 2 and at least a fixed header, and not RTCP by RFC 5761 §4. */
export function isRtp(buf: Uint8Array): boolean {
  if (buf.length < RTP_HEADER_SIZE) return false;
  const b0 = buf[0] ?? 0;
  return (b0 & 0xc0) === 0x80 && !rtcpOctet(buf[1] ?? 0);
}

/** RTCP version 2 with a packet type in 192–223 (RFC 5761 §4) and a full common header. */
export function isRtcp(buf: Uint8Array): boolean {
  if (buf.length < 8) return false;
  const b0 = buf[0] ?? 0;
  return (b0 & 0xc0) === 0x80 && rtcpOctet(buf[1] ?? 0);
}

/**
 * Offset of the payload (after CSRCs and any header extension), or -1 when the header
 * claims more than `length` octets. Does not check the version; call `isRtp` first.
 */
export function rtpPayloadOffset(buf: Uint8Array, length: number = buf.length): number {
  if (length < RTP_HEADER_SIZE) return -1;
  const b0 = buf[0] ?? 0;
  let off = RTP_HEADER_SIZE + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the words.
    if (off + 4 > length) return -1;
    off += 4 + (((buf[off + 2] ?? 0) << 8) | (buf[off + 3] ?? 0)) * 4;
  }
  return off <= length ? off : -1;
}

/**
 * End of the payload (exclusive): `length` minus the padding count when P is set
 * (RFC 3550 §5.1: the last octet counts the padding, itself included), or -1 when the
 * padding count is zero or overruns the payload starting at `payloadOffset`.
 */
export function rtpPayloadEnd(buf: Uint8Array, payloadOffset: number, length: number = buf.length): number {
  if (((buf[0] ?? 0) & 0x20) === 0) return length;
  const pad = buf[length - 1] ?? 0;
  if (pad === 0 || length - pad < payloadOffset) return -1;
  return length - pad;
}

/** Parses an RTP packet; `undefined` for anything malformed. Never throws. */
export function parseRtp(buf: Uint8Array): RtpPacket | undefined {
  if (!isRtp(buf)) return undefined;
  const off = rtpPayloadOffset(buf);
  if (off < 0) return undefined;
  const end = rtpPayloadEnd(buf, off);
  if (end < 0) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const b0 = view.getUint8(0);
  const b1 = view.getUint8(1);
  const cc = b0 & 0x0f;
  const csrcs: number[] = [];
  for (let i = 0; i < cc; i++) csrcs.push(view.getUint32(RTP_HEADER_SIZE + i * 4));
  let extension: RtpExtension | undefined;
  if (b0 & 0x10) {
    const x = RTP_HEADER_SIZE + cc * 4;
    extension = { profile: view.getUint16(x), data: buf.subarray(x + 4, off) };
  }
  return {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    csrcs,
    extension,
    paddingLength: buf.length - end,
    payload: buf.subarray(off, end),
  };
}

/**
 * Serializes an RTP packet into a new buffer. Numeric fields are reduced to their wire width
 * (sequence mod 2^16, timestamp/SSRC mod 2^32). Extension data is zero-padded to a whole
 * number of 32-bit words. Throws MEDIA_ERR_FORMAT for more than 15 CSRCs, a payload type
 * outside 0–127, or padding outside 1–255.
 */
export function serializeRtp(p: RtpPacketInit): Buffer {
  const csrcs = p.csrcs ?? [];
  if (csrcs.length > 15) throw new LinekeyError("MEDIA_ERR_FORMAT", "RTP allows at most 15 CSRCs");
  if (!Number.isInteger(p.payloadType) || p.payloadType < 0 || p.payloadType > 127) {
    throw new LinekeyError("MEDIA_ERR_FORMAT", `RTP payload type ${p.payloadType} is outside 0-127`);
  }
  const pad = p.paddingLength ?? 0;
  if (pad !== 0 && (!Number.isInteger(pad) || pad < 1 || pad > 255)) {
    throw new LinekeyError("MEDIA_ERR_FORMAT", `RTP padding ${pad} is outside 1-255`);
  }
  const ext = p.extension;
  const extWords = ext ? Math.ceil(ext.data.length / 4) : 0;
  if (extWords > 0xffff) throw new LinekeyError("MEDIA_ERR_FORMAT", "RTP header extension too long");
  const headerLen = RTP_HEADER_SIZE + csrcs.length * 4 + (ext ? 4 + extWords * 4 : 0);
  const out = Buffer.alloc(headerLen + p.payload.length + pad);
  out[0] = 0x80 | (pad ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  out[1] = (p.marker ? 0x80 : 0) | p.payloadType;
  out.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(p.timestamp >>> 0, 4);
  out.writeUInt32BE(p.ssrc >>> 0, 8);
  let off = RTP_HEADER_SIZE;
  for (const c of csrcs) {
    out.writeUInt32BE(c >>> 0, off);
    off += 4;
  }
  if (ext) {
    out.writeUInt16BE(ext.profile & 0xffff, off);
    out.writeUInt16BE(extWords, off + 2);
    out.set(ext.data, off + 4);
    off += 4 + extWords * 4;
  }
  out.set(p.payload, off);
  if (pad) out[out.length - 1] = pad;
  return out;
}

/**
 * Writes a plain 12-byte header (no CSRC, no extension, no padding) at `offset` of `buf`:
 * the allocation-free path for packet generators such as the prompt player.
 */
export function writeRtpHeader(
  buf: Buffer,
  offset: number,
  marker: boolean,
  payloadType: number,
  sequenceNumber: number,
  timestamp: number,
  ssrc: number,
): void {
  buf[offset] = 0x80;
  buf[offset + 1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buf.writeUInt16BE(sequenceNumber & 0xffff, offset + 2);
  buf.writeUInt32BE(timestamp >>> 0, offset + 4);
  buf.writeUInt32BE(ssrc >>> 0, offset + 8);
}
