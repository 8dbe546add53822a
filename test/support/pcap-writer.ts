/**
 * Writes a classic pcap of TCP payloads on one synthetic IPv4 connection, each payload in its
 * own segment, so external dissectors (tshark) can check what the codec produces.
 */
import { writeFileSync } from "node:fs";

/** Endpoints of the synthetic connection. */
export interface TcpFlow {
  readonly srcIp: readonly [number, number, number, number];
  readonly dstIp: readonly [number, number, number, number];
  readonly srcPort: number;
  readonly dstPort: number;
}

function checksum16(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if (b.length % 2) sum += (b[b.length - 1] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Builds the pcap bytes: Ethernet + IPv4 + TCP (PSH/ACK) per payload, sequence numbers consecutive. */
export function tcpPcap(flow: TcpFlow, payloads: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  parts.push(header);
  let seq = 1000;
  payloads.forEach((payload, i) => {
    const eth = Buffer.alloc(14);
    Buffer.from([0, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0x66, 0x77, 0x88, 0x99, 0xaa]).copy(eth, 0);
    eth.writeUInt16BE(0x0800, 12);
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(flow.srcPort, 0);
    tcp.writeUInt16BE(flow.dstPort, 2);
    tcp.writeUInt32BE(seq >>> 0, 4);
    tcp.writeUInt32BE(5000, 8);
    tcp[12] = 5 << 4;
    tcp[13] = 0x18; // PSH, ACK
    tcp.writeUInt16BE(65535, 14);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + 20 + payload.length, 2);
    ip.writeUInt16BE(i & 0xffff, 4);
    ip[8] = 64;
    ip[9] = 6;
    Buffer.from(flow.srcIp).copy(ip, 12);
    Buffer.from(flow.dstIp).copy(ip, 16);
    ip.writeUInt16BE(checksum16(ip), 10);
    // TCP checksum over the pseudo-header, so no dissector flags the segments.
    const pseudo = Buffer.alloc(12);
    Buffer.from(flow.srcIp).copy(pseudo, 0);
    Buffer.from(flow.dstIp).copy(pseudo, 4);
    pseudo[9] = 6;
    pseudo.writeUInt16BE(20 + payload.length, 10);
    tcp.writeUInt16BE(checksum16(Buffer.concat([pseudo, tcp, payload])), 16);
    const frame = Buffer.concat([eth, ip, tcp, payload]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1700000000 + i, 0);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    parts.push(rec, frame);
    seq += payload.length;
  });
  return Buffer.concat(parts);
}

/** Writes {@link tcpPcap} to `path`. */
export function writeTcpPcap(path: string, flow: TcpFlow, payloads: readonly Buffer[]): void {
  writeFileSync(path, tcpPcap(flow, payloads));
}
