/**
 * The codec model shared by the SCCP and SIP sides: one name per codec (Asterisk's
 * `allow=` names), its RTP payload type (RFC 3551 §6 static types, or the dynamic type the
 * SCCP world conventionally uses), its SDP encoding name, and the SCCP payload capability
 * ids that phones put in CapabilitiesRes and expect in OpenReceiveChannel
 * (sccp-protocol.md §7, §9.7).
 */

/** Codec names, as written in `allow=`/`disallow=`. */
export type CodecName = "ulaw" | "alaw" | "g722" | "g729" | "g723" | "g728" | "gsm" | "ilbc";

/** Everything Linekey knows about one codec. */
export interface CodecInfo {
  readonly name: CodecName;
  /** SDP `a=rtpmap` encoding name (RFC 3551 §6). */
  readonly encodingName: string;
  /** Static RTP payload type, or the conventional dynamic one (iLBC: 97, as chan-sccp). */
  readonly payloadType: number;
  /** True when `payloadType` is from RFC 3551's static table. */
  readonly staticPayloadType: boolean;
  /**
   * RTP clock rate. G.722 keeps 8000 although it samples at 16 kHz (RFC 3551 §4.5.2).
   */
  readonly clockRate: number;
  /**
   * SCCP payload capability ids meaning this codec; the first is the one Linekey sends in
   * OpenReceiveChannel/StartMediaTransmission (sccp-protocol.md §9.7).
   */
  readonly sccpCapabilities: readonly number[];
}

/** SCCP payload capability ids (sccp-protocol.md §9.7) that map to a Linekey codec. */
export const SccpPayloadCapability = {
  G711_ALAW_64K: 2,
  G711_ALAW_56K: 3,
  G711_ULAW_64K: 4,
  G711_ULAW_56K: 5,
  G722_64K: 6,
  G722_56K: 7,
  G722_48K: 8,
  G723_1: 9,
  G728: 10,
  G729: 11,
  G729_ANNEX_A: 12,
  G729_ANNEX_B: 15,
  G729_ANNEX_AB: 16,
  GSM_FULL_RATE: 18,
  GSM: 80,
  ILBC: 86,
} as const;

const P = SccpPayloadCapability;

/** The codec table. */
export const CODECS: Readonly<Record<CodecName, CodecInfo>> = {
  ulaw: {
    name: "ulaw",
    encodingName: "PCMU",
    payloadType: 0,
    staticPayloadType: true,
    clockRate: 8000,
    sccpCapabilities: [P.G711_ULAW_64K, P.G711_ULAW_56K],
  },
  alaw: {
    name: "alaw",
    encodingName: "PCMA",
    payloadType: 8,
    staticPayloadType: true,
    clockRate: 8000,
    sccpCapabilities: [P.G711_ALAW_64K, P.G711_ALAW_56K],
  },
  g722: {
    name: "g722",
    encodingName: "G722",
    payloadType: 9,
    staticPayloadType: true,
    clockRate: 8000,
    sccpCapabilities: [P.G722_64K, P.G722_56K, P.G722_48K],
  },
  g729: {
    name: "g729",
    encodingName: "G729",
    payloadType: 18,
    staticPayloadType: true,
    clockRate: 8000,
    // All four annexes share PT 18 (RFC 3551 §4.5.6; Annex B is signalled with fmtp annexb).
    sccpCapabilities: [P.G729, P.G729_ANNEX_A, P.G729_ANNEX_B, P.G729_ANNEX_AB],
  },
  g723: {
    name: "g723",
    encodingName: "G723",
    payloadType: 4,
    staticPayloadType: true,
    clockRate: 8000,
    sccpCapabilities: [P.G723_1],
  },
  g728: {
    name: "g728",
    encodingName: "G728",
    payloadType: 15,
    staticPayloadType: true,
    clockRate: 8000,
    sccpCapabilities: [P.G728],
  },
  gsm: {
    name: "gsm",
    encodingName: "GSM",
    payloadType: 3,
    staticPayloadType: true,
    clockRate: 8000,
    sccpCapabilities: [P.GSM, P.GSM_FULL_RATE],
  },
  ilbc: {
    name: "ilbc",
    encodingName: "iLBC",
    payloadType: 97,
    staticPayloadType: false,
    clockRate: 8000,
    sccpCapabilities: [P.ILBC],
  },
};

/** All codec names in table order. */
export const CODEC_NAMES: readonly CodecName[] = Object.keys(CODECS) as CodecName[];

const BY_SCCP = new Map<number, CodecName>();
const BY_STATIC_PT = new Map<number, CodecName>();
const BY_ENCODING = new Map<string, CodecName>();
for (const info of Object.values(CODECS)) {
  for (const id of info.sccpCapabilities) BY_SCCP.set(id, info.name);
  if (info.staticPayloadType) BY_STATIC_PT.set(info.payloadType, info.name);
  BY_ENCODING.set(info.encodingName.toLowerCase(), info.name);
}

/** True for a known codec name (e.g. when validating `allow=`). */
export function isCodecName(s: string): s is CodecName {
  return Object.hasOwn(CODECS, s);
}

/** The codec an SCCP payload capability id stands for, if Linekey knows it. */
export function codecFromSccpCapability(id: number): CodecName | undefined {
  return BY_SCCP.get(id);
}

/** Maps a CapabilitiesRes list to codec names, phone order kept, duplicates and unknowns dropped. */
export function codecsFromSccpCapabilities(ids: Iterable<number>): CodecName[] {
  const out: CodecName[] = [];
  for (const id of ids) {
    const c = BY_SCCP.get(id);
    if (c !== undefined && !out.includes(c)) out.push(c);
  }
  return out;
}

/** The SCCP payload capability id to send for a codec (µ-law → 4, …). */
export function sccpCapabilityOf(codec: CodecName): number {
  return CODECS[codec].sccpCapabilities[0] ?? 0;
}

/** The codec of a static RTP payload type (RFC 3551 §6); dynamic types need the SDP rtpmap. */
export function codecFromStaticPayloadType(pt: number): CodecName | undefined {
  return BY_STATIC_PT.get(pt);
}

/** The codec of an SDP rtpmap encoding name (case-insensitive, RFC 4566 §6). */
export function codecFromEncodingName(name: string): CodecName | undefined {
  return BY_ENCODING.get(name.toLowerCase());
}

/** True when the relay can transcode between the two (G.711 µ-law ↔ A-law only). */
export function canTranscode(a: CodecName, b: CodecName): boolean {
  return a === b || ((a === "ulaw" || a === "alaw") && (b === "ulaw" || b === "alaw"));
}

/**
 * Picks the codec for a call leg: the first of `localPrefs` (the line's `allow=` order, as
 * Asterisk and wazo do) that the remote side also offers. `undefined` when there is none;
 * the caller may then fall back to a transcodable pair (see `canTranscode`).
 */
export function chooseCodec(
  localPrefs: readonly CodecName[],
  remoteCaps: Iterable<CodecName>,
): CodecName | undefined {
  const remote = new Set(remoteCaps);
  for (const c of localPrefs) if (remote.has(c)) return c;
  return undefined;
}
