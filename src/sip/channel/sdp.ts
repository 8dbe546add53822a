/**
 * SDP offer/answer for the SIP legs of the call core (RFC 3264 over RFC 4566, with
 * `sdp-transform`): building our offer or answer for one audio stream from a media endpoint,
 * reading the remote's address, port, codecs, telephone-event and direction, choosing the
 * answer's direction, and telling a hold (RFC 3264 §8.4, and RFC 2543's c=0.0.0.0) apart.
 *
 * Only audio over RTP/AVP is negotiated; other m= lines of an offer are answered with port 0
 * (RFC 3264 §6: "the answer MUST contain exactly the same number of m lines as the offer").
 */
import { parse, write, type MediaDescription, type SessionDescription } from "sdp-transform";
import {
  CODECS,
  codecFromEncodingName,
  codecFromStaticPayloadType,
  type CodecName,
} from "../../media/codecs.ts";
import { SipError } from "../../util/errors.ts";

/** Stream direction attributes (RFC 3264 §5.1). */
export type MediaDirection = "sendrecv" | "sendonly" | "recvonly" | "inactive";

/** Dynamic payload type Linekey offers for RFC 4733 telephone-event. */
export const TELEPHONE_EVENT_PT = 101;

/** A codec as the remote described it: its payload type on this stream. */
export interface RemoteCodec {
  readonly codec: CodecName;
  readonly payloadType: number;
}

/** The audio stream of a remote session description. */
export interface RemoteSdp {
  /** Connection address of the audio stream (media-level c= over session-level c=). */
  readonly address: string;
  /** RTP port; 0 when the stream is rejected or disabled. */
  readonly port: number;
  /** Codecs Linekey knows, in the remote's order of preference. */
  readonly codecs: readonly RemoteCodec[];
  /** Payload type of telephone-event/8000, if offered. */
  readonly telephoneEvent: number | undefined;
  readonly direction: MediaDirection;
  readonly ptime: number | undefined;
  /** o= session id and version: a re-sent identical description keeps the version. */
  readonly sessionId: string;
  readonly sessionVersion: number;
  /** Index of the audio m= line, and how many m= lines there were (for the answer). */
  readonly audioIndex: number;
  readonly otherMedia: readonly { type: string; protocol: string; payloads: string }[];
}

/** What we put in one of our descriptions. */
export interface LocalSdpOptions {
  /** Where we receive RTP (c= and m= port). */
  readonly address: string;
  readonly port: number;
  /** Codecs in our order of preference (an answer lists only the chosen ones). */
  readonly codecs: readonly CodecName[];
  readonly direction: MediaDirection;
  /** Packetisation (a=ptime), default 20. */
  readonly ptime?: number;
  /** Payload types to use, by codec (an answer must reuse the offer's, RFC 3264 §6.1). */
  readonly payloadTypes?: ReadonlyMap<CodecName, number>;
  /** telephone-event payload type; undefined = none (an answer to an offer without it). */
  readonly telephoneEvent?: number | undefined;
  /** o= line values; the version must grow whenever the description changes (RFC 3264 §8). */
  readonly sessionId: string;
  readonly sessionVersion: number;
  /** m= lines of the offer around its audio one, answered with port 0 (answers only). */
  readonly audioIndex?: number;
  readonly otherMedia?: readonly { type: string; protocol: string; payloads: string }[];
}

/** Session name and o= user of every description Linekey writes. */
const SESSION_NAME = "Linekey";

function ipVersion(address: string): 4 | 6 {
  return address.includes(":") ? 6 : 4;
}

/** Our description (an offer, or an answer when `payloadTypes`/`otherMedia` come from the offer). */
export function buildSdp(o: LocalSdpOptions): string {
  const ip = ipVersion(o.address);
  const rtp: MediaDescription["rtp"] = [];
  const fmtp: MediaDescription["fmtp"] = [];
  const payloads: number[] = [];
  for (const c of o.codecs) {
    const info = CODECS[c];
    const pt = o.payloadTypes?.get(c) ?? info.payloadType;
    if (payloads.includes(pt)) continue;
    payloads.push(pt);
    rtp.push({ payload: pt, codec: info.encodingName, rate: info.clockRate });
    if (c === "g729") fmtp.push({ payload: pt, config: "annexb=no" });
  }
  if (o.telephoneEvent !== undefined) {
    payloads.push(o.telephoneEvent);
    rtp.push({ payload: o.telephoneEvent, codec: "telephone-event", rate: 8000 });
    fmtp.push({ payload: o.telephoneEvent, config: "0-16" });
  }
  const audio: MediaDescription = {
    type: "audio",
    port: o.port,
    protocol: "RTP/AVP",
    payloads: payloads.join(" "),
    rtp,
    fmtp,
    ptime: o.ptime ?? 20,
    direction: o.direction,
  };
  const media: MediaDescription[] = [];
  const others = o.otherMedia ?? [];
  const audioIndex = o.audioIndex ?? 0;
  for (let i = 0, k = 0; i <= others.length; i++) {
    if (i === audioIndex) {
      media.push(audio);
      continue;
    }
    const m = others[k++];
    // RFC 3264 §6: a stream the answerer rejects gets port 0 and keeps the offer's formats.
    if (m !== undefined)
      media.push({ type: m.type, port: 0, protocol: m.protocol, payloads: m.payloads, rtp: [], fmtp: [] });
  }
  const session: SessionDescription = {
    version: 0,
    origin: {
      username: "linekey",
      sessionId: o.sessionId,
      sessionVersion: o.sessionVersion,
      netType: "IN",
      ipVer: ip,
      address: o.address,
    },
    name: SESSION_NAME,
    connection: { version: ip, ip: o.address },
    timing: { start: 0, stop: 0 },
    media,
  };
  return write(session);
}

function directionOf(m: MediaDescription, session: SessionDescription): MediaDirection {
  // RFC 3264 §5.1: a media-level attribute wins over a session-level one; sendrecv by default.
  return m.direction ?? session.direction ?? "sendrecv";
}

/**
 * Reads the audio stream of a remote description. Throws SipError 488 when there is no usable
 * audio stream (no audio m= line, not RTP/AVP, no connection address).
 */
export function parseSdp(text: string): RemoteSdp {
  let session: SessionDescription;
  try {
    session = parse(text);
  } catch {
    throw new SipError(400, "Bad Request", "malformed SDP");
  }
  const all = session.media;
  const audioIndex = all.findIndex(
    (m) => m.type === "audio" && /^RTP\/S?AVP$/i.test(m.protocol) && m.port !== 0,
  );
  const fallbackIndex = audioIndex >= 0 ? audioIndex : all.findIndex((m) => m.type === "audio");
  const m = all[fallbackIndex];
  if (m === undefined) throw new SipError(488, "Not Acceptable Here", "no audio stream in SDP");
  const address = m.connection?.ip ?? session.connection?.ip;
  if (address === undefined || address === "")
    throw new SipError(488, "Not Acceptable Here", "no c= line in SDP");
  const codecs: RemoteCodec[] = [];
  let telephoneEvent: number | undefined;
  // sdp-transform turns a lone payload type into a number, whatever its typings say.
  const rawPayloads = m.payloads as string | number | undefined;
  const payloads = String(rawPayloads ?? "")
    .split(/\s+/)
    .filter((p) => p !== "")
    .map(Number);
  for (const pt of payloads) {
    if (!Number.isInteger(pt)) continue;
    const map = m.rtp.find((r) => r.payload === pt);
    // RFC 3551 §6: static payload types need no rtpmap; a dynamic one without it is unusable.
    const name =
      map === undefined
        ? pt < 96
          ? codecFromStaticPayloadType(pt)
          : undefined
        : codecFromEncodingName(map.codec);
    if (map !== undefined && map.codec.toLowerCase() === "telephone-event") {
      if ((map.rate ?? 8000) === 8000) telephoneEvent ??= pt;
      continue;
    }
    // Clock rate must match ours (G.722 keeps 8000 by RFC 3551 §4.5.2).
    if (name === undefined || (map?.rate !== undefined && map.rate !== CODECS[name].clockRate)) continue;
    if (!codecs.some((c) => c.codec === name)) codecs.push({ codec: name, payloadType: pt });
  }
  const others = all
    .filter((_x, i) => i !== fallbackIndex)
    .map((x) => ({
      type: x.type,
      protocol: x.protocol,
      payloads: String((x.payloads as string | number | undefined) ?? ""),
    }));
  // A description without o= still parses; its origin is then absent.
  const origin = session.origin as SessionDescription["origin"] | undefined;
  return {
    address,
    port: m.port,
    codecs,
    telephoneEvent,
    direction: directionOf(m, session),
    ptime: m.ptime,
    sessionId: String(origin?.sessionId ?? ""),
    sessionVersion: origin?.sessionVersion ?? 0,
    audioIndex: fallbackIndex,
    otherMedia: others,
  };
}

/**
 * True when the remote's offer puts us on hold: it will not receive (sendonly or inactive,
 * RFC 3264 §8.4), or it uses the RFC 2543 convention of a 0.0.0.0 connection address (which
 * RFC 3264 §8.4 says an answerer must still understand).
 */
export function isHold(sdp: RemoteSdp): boolean {
  return sdp.direction === "sendonly" || sdp.direction === "inactive" || sdp.address === "0.0.0.0";
}

/**
 * The direction of our answer (RFC 3264 §6.1): "If a stream is offered as sendonly, the
 * corresponding stream MUST be marked as recvonly or inactive in the answer. If a media stream
 * is listed as recvonly in the offer, the answer MUST be marked as sendonly or inactive … If
 * the offer is inactive, the answer MUST be inactive." `wanted` is what we would like
 * (sendrecv normally, sendonly while we hold the remote, inactive without media).
 */
export function answerDirection(offered: MediaDirection, wanted: MediaDirection): MediaDirection {
  const weSend = wanted === "sendrecv" || wanted === "sendonly";
  const weRecv = wanted === "sendrecv" || wanted === "recvonly";
  const theySend = offered === "sendrecv" || offered === "sendonly";
  const theyRecv = offered === "sendrecv" || offered === "recvonly";
  const send = weSend && theyRecv;
  const recv = weRecv && theySend;
  if (send && recv) return "sendrecv";
  if (send) return "sendonly";
  if (recv) return "recvonly";
  return "inactive";
}

/**
 * The codecs of an answer to `offer`: the offered ones we support, in the offerer's order
 * (RFC 3264 §6.1 lets the answerer pick; keeping the offerer's preference is what phones
 * expect), limited to `supported`.
 */
export function acceptedCodecs(offer: RemoteSdp, supported: readonly CodecName[]): RemoteCodec[] {
  return offer.codecs.filter((c) => supported.includes(c.codec));
}
