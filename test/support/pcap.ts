/**
 * Minimal pcap / pcapng reader and TCP stream reassembly for tests that replay real captures.
 * Enough for Ethernet (optionally VLAN-tagged), Linux cooked, raw IP and BSD loopback captures
 * of IPv4/IPv6 TCP; not a general-purpose dissector.
 */
import { readFileSync } from "node:fs";

/** One captured link-layer packet. */
export interface CapturedPacket {
  /** 1-based frame number, as Wireshark counts. */
  readonly frame: number;
  readonly linkType: number;
  readonly data: Buffer;
}

/** One TCP segment with payload. */
export interface TcpSegment {
  readonly frame: number;
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly syn: boolean;
  readonly payload: Buffer;
}

/** The reassembled bytes one side sent on one TCP connection. */
export interface TcpStream {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** Contiguous byte runs in sequence order; more than one only when the capture lost bytes. */
  readonly pieces: Buffer[];
}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;
const LINKTYPE_LINUX_SLL2 = 276;

/** Reads every packet of a pcap or pcapng file. Throws on an unrecognised file format. */
export function readCapture(path: string | URL): CapturedPacket[] {
  const buf = readFileSync(path);
  if (buf.length < 4) throw new Error("capture too short");
  const magic = buf.readUInt32LE(0);
  if (magic === 0x0a0d0d0a) return readPcapng(buf);
  return readPcap(buf);
}

function readPcap(buf: Buffer): CapturedPacket[] {
  const m = buf.readUInt32LE(0);
  let le: boolean;
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) le = true;
  else if (m === 0xd4c3b2a1 || m === 0x4d3cb2a1) le = false;
  else throw new Error(`not a pcap file (magic 0x${m.toString(16)})`);
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  const out: CapturedPacket[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const incl = u32(off + 8);
    const start = off + 16;
    if (start + incl > buf.length) break;
    out.push({ frame: out.length + 1, linkType, data: buf.subarray(start, start + incl) });
    off = start + incl;
  }
  return out;
}

function readPcapng(buf: Buffer): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  let le = true;
  let linkTypes: number[] = [];
  let off = 0;
  while (off + 12 <= buf.length) {
    const type = buf.readUInt32LE(off);
    if (type === 0x0a0d0d0a) {
      // Section header: the byte-order magic decides the endianness of the whole section.
      const bom = buf.readUInt32LE(off + 8);
      le = bom === 0x1a2b3c4d;
      linkTypes = [];
    }
    const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    const blockType = u32(off);
    const blockLen = u32(off + 4);
    if (blockLen < 12 || off + blockLen > buf.length) break;
    const body = off + 8;
    if (blockType === 1) {
      linkTypes.push(u16(body));
    } else if (blockType === 6) {
      const iface = u32(body);
      const capLen = u32(body + 12);
      const start = body + 20;
      out.push({
        frame: out.length + 1,
        linkType: linkTypes[iface] ?? LINKTYPE_ETHERNET,
        data: buf.subarray(start, start + capLen),
      });
    } else if (blockType === 3) {
      const origLen = u32(body);
      const capLen = Math.min(origLen, blockLen - 16);
      out.push({
        frame: out.length + 1,
        linkType: linkTypes[0] ?? LINKTYPE_ETHERNET,
        data: buf.subarray(body + 4, body + 4 + capLen),
      });
    } else if (blockType === 2) {
      const iface = u16(body);
      const capLen = u32(body + 12);
      const start = body + 20;
      out.push({
        frame: out.length + 1,
        linkType: linkTypes[iface] ?? LINKTYPE_ETHERNET,
        data: buf.subarray(start, start + capLen),
      });
    }
    off += blockLen;
  }
  return out;
}

/** Returns the IP packet inside a link-layer frame, or undefined for non-IP frames. */
function ipPayload(p: CapturedPacket): Buffer | undefined {
  const d = p.data;
  let etherType: number;
  let off: number;
  switch (p.linkType) {
    case LINKTYPE_ETHERNET:
      if (d.length < 14) return undefined;
      etherType = d.readUInt16BE(12);
      off = 14;
      while ((etherType === 0x8100 || etherType === 0x88a8) && d.length >= off + 4) {
        etherType = d.readUInt16BE(off + 2);
        off += 4;
      }
      break;
    case LINKTYPE_LINUX_SLL:
      if (d.length < 16) return undefined;
      etherType = d.readUInt16BE(14);
      off = 16;
      break;
    case LINKTYPE_LINUX_SLL2:
      if (d.length < 20) return undefined;
      etherType = d.readUInt16BE(0);
      off = 20;
      break;
    case LINKTYPE_NULL:
      if (d.length < 4) return undefined;
      etherType = (d[4] ?? 0) >> 4 === 6 ? 0x86dd : 0x0800;
      off = 4;
      break;
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      etherType = (d[0] ?? 0) >> 4 === 6 ? 0x86dd : 0x0800;
      off = 0;
      break;
    default:
      return undefined;
  }
  if (etherType !== 0x0800 && etherType !== 0x86dd) return undefined;
  return d.subarray(off);
}

function ip4Text(b: Buffer, o: number): string {
  return `${b[o] ?? 0}.${b[o + 1] ?? 0}.${b[o + 2] ?? 0}.${b[o + 3] ?? 0}`;
}

function ip6Text(b: Buffer, o: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 8; i++) parts.push(b.readUInt16BE(o + 2 * i).toString(16));
  return parts.join(":");
}

/** Extracts the TCP segments (with or without payload) of a capture. */
export function tcpSegments(packets: readonly CapturedPacket[]): TcpSegment[] {
  const out: TcpSegment[] = [];
  for (const p of packets) {
    const ip = ipPayload(p);
    if (!ip || ip.length < 20) continue;
    let src: string;
    let dst: string;
    let tcpOff: number;
    let end: number;
    if ((ip[0] ?? 0) >> 4 === 4) {
      if (ip[9] !== 6) continue;
      const ihl = ((ip[0] ?? 0) & 0x0f) * 4;
      // The IP total length excludes Ethernet padding of short frames.
      end = Math.min(ip.readUInt16BE(2), ip.length);
      src = ip4Text(ip, 12);
      dst = ip4Text(ip, 16);
      tcpOff = ihl;
    } else {
      if (ip.length < 40 || ip[6] !== 6) continue;
      end = Math.min(40 + ip.readUInt16BE(4), ip.length);
      src = ip6Text(ip, 8);
      dst = ip6Text(ip, 24);
      tcpOff = 40;
    }
    if (end < tcpOff + 20) continue;
    const tcp = ip.subarray(tcpOff, end);
    const dataOff = ((tcp[12] ?? 0) >> 4) * 4;
    out.push({
      frame: p.frame,
      src,
      dst,
      srcPort: tcp.readUInt16BE(0),
      dstPort: tcp.readUInt16BE(2),
      seq: tcp.readUInt32BE(4),
      syn: ((tcp[13] ?? 0) & 0x02) !== 0,
      payload: tcp.subarray(dataOff),
    });
  }
  return out;
}

interface Building {
  readonly key: string;
  readonly segs: TcpSegment[];
  /** Sequence number of the first payload byte, when a SYN was seen. */
  isn: number | undefined;
}

/**
 * Reassembles each direction of each TCP connection by sequence number: retransmissions and
 * overlaps are dropped, a new SYN on the same addresses starts a new stream.
 */
export function tcpStreams(segments: readonly TcpSegment[]): TcpStream[] {
  const done: Building[] = [];
  const open = new Map<string, Building>();
  for (const s of segments) {
    const key = `${s.src}:${s.srcPort}>${s.dst}:${s.dstPort}`;
    let b = open.get(key);
    if (s.syn) {
      if (b) done.push(b);
      b = { key, segs: [], isn: (s.seq + 1) >>> 0 };
      open.set(key, b);
      continue;
    }
    if (s.payload.length === 0) continue;
    if (!b) {
      b = { key, segs: [], isn: undefined };
      open.set(key, b);
    }
    b.segs.push(s);
  }
  done.push(...open.values());
  const out: TcpStream[] = [];
  for (const b of done) {
    const first = b.segs[0];
    if (!first) continue;
    const base = b.isn ?? b.segs.reduce((m, s) => (((s.seq - m) | 0) < 0 ? s.seq : m), first.seq);
    const rel = b.segs
      .map((s) => ({ at: (s.seq - base) >>> 0, payload: s.payload }))
      .sort((x, y) => x.at - y.at);
    const pieces: Buffer[] = [];
    let current: Buffer[] = [];
    let next = rel[0]?.at ?? 0;
    for (const r of rel) {
      const endAt = r.at + r.payload.length;
      if (endAt <= next) continue; // retransmission
      if (r.at > next) {
        // A hole in the capture: close the current run.
        if (current.length > 0) pieces.push(Buffer.concat(current));
        current = [];
        next = r.at;
      }
      current.push(r.payload.subarray(next - r.at));
      next = endAt;
    }
    if (current.length > 0) pieces.push(Buffer.concat(current));
    out.push({ src: first.src, dst: first.dst, srcPort: first.srcPort, dstPort: first.dstPort, pieces });
  }
  return out;
}
