/**
 * `npm run bench -- message [--iterations N] [--rounds R] [--alloc-iterations N]`: in-process
 * cost of `parseMessage` (and of `serialize`) on a fixed set of realistic messages.
 *
 * Per message kind: µs per operation (best of R timed rounds of N operations, after a warm-up)
 * and bytes allocated on the JS heap per operation, from V8's sampling heap profiler (the
 * inspector's HeapProfiler.startSampling with a small sampling interval, keeping samples of
 * objects already collected by minor and major GCs): the profile's node self sizes, which V8
 * scales by the inverse sampling probability, summed and divided by the number of operations.
 * Buffers' backing stores (the copied body) live outside the JS heap and are not counted.
 */
import { Buffer } from "node:buffer";
import { Session, type HeapProfiler } from "node:inspector/promises";
import { parseMessage, type SipMessage } from "../src/sip/message/index.ts";
import { serialize } from "../src/sip/message/serializer.ts";
import { numberArg } from "./support.ts";

const CRLF = "\r\n";

function wire(lines: string[], body = ""): Buffer {
  return Buffer.from(`${lines.join(CRLF)}${CRLF}${CRLF}${body}`, "utf8");
}

const SDP = [
  "v=0",
  "o=Cisco-SIPUA 24466 0 IN IP4 192.168.10.21",
  "s=SIP Call",
  "b=AS:4064",
  "t=0 0",
  "m=audio 25342 RTP/AVP 0 8 18 101",
  "c=IN IP4 192.168.10.21",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:8 PCMA/8000",
  "a=rtpmap:18 G729/8000",
  "a=fmtp:18 annexb=no",
  "a=rtpmap:101 telephone-event/8000",
  "a=fmtp:101 0-15",
  "a=sendrecv",
  "",
].join(CRLF);

/** The messages, by kind. */
export const MESSAGES: Record<string, Buffer> = {
  subscribe: wire([
    "SUBSCRIBE sip:201@192.168.10.1 SIP/2.0",
    "Via: SIP/2.0/UDP 192.168.10.21:5060;branch=z9hG4bK4f2a1c0e;rport",
    "From: <sip:201@192.168.10.1>;tag=00215504a1b20012345678-1a2b3c4d",
    "To: <sip:201@192.168.10.1>",
    "Call-ID: 00215504-a1b20004-2b3c4d5e-6f708192@192.168.10.21",
    "CSeq: 101 SUBSCRIBE",
    "Contact: <sip:201@192.168.10.21:5060>",
    "Max-Forwards: 70",
    "Event: call-info",
    "Expires: 3600",
    "Accept: application/x-broadworks-call-info",
    "User-Agent: Cisco-CP7965G/9.4.2",
    "Content-Length: 0",
  ]),
  notify200: wire([
    "SIP/2.0 200 OK",
    "Via: SIP/2.0/UDP 192.168.10.1:5060;branch=z9hG4bK7c1e5a9d0b3f2e48;received=192.168.10.1",
    "From: <sip:201@192.168.10.1>;tag=lk-5d3f9a1c",
    "To: <sip:201@192.168.10.21:5060>;tag=00215504a1b20012345678-1a2b3c4d",
    "Call-ID: 00215504-a1b20004-2b3c4d5e-6f708192@192.168.10.21",
    "CSeq: 7 NOTIFY",
    "Content-Length: 0",
  ]),
  invite: wire(
    [
      "INVITE sip:202@192.168.10.22:5060 SIP/2.0",
      "Via: SIP/2.0/UDP 192.168.10.1:5060;branch=z9hG4bK3a9f0c21d4e5b677;rport",
      "Via: SIP/2.0/UDP 192.168.10.21:5060;branch=z9hG4bK1d2e3f40;received=192.168.10.21;rport=5060",
      "Record-Route: <sip:192.168.10.1:5060;lr>",
      'From: "Reception" <sip:201@192.168.10.1>;tag=00215504a1b2001e4f5a6b7c-2d3e4f50',
      "To: <sip:202@192.168.10.1>",
      "Call-ID: 00215504-a1b2000b-4c5d6e7f-8091a2b3@192.168.10.21",
      "CSeq: 101 INVITE",
      "Contact: <sip:201@192.168.10.21:5060;transport=udp>",
      "Max-Forwards: 69",
      "Allow: ACK,BYE,CANCEL,INVITE,NOTIFY,OPTIONS,REFER,REGISTER,UPDATE,SUBSCRIBE",
      "Supported: replaces,join,norefersub",
      "User-Agent: Cisco-CP7965G/9.4.2",
      "Content-Type: application/sdp",
      `Content-Length: ${Buffer.byteLength(SDP)}`,
    ],
    SDP,
  ),
  ringing180: wire([
    "SIP/2.0 180 Ringing",
    "Via: SIP/2.0/UDP 192.168.10.1:5060;branch=z9hG4bK3a9f0c21d4e5b677;rport=5060",
    "Via: SIP/2.0/UDP 192.168.10.21:5060;branch=z9hG4bK1d2e3f40;received=192.168.10.21;rport=5060",
    "Record-Route: <sip:192.168.10.1:5060;lr>",
    "Record-Route: <sip:10.0.0.1:5060;lr;transport=udp>",
    'From: "Reception" <sip:201@192.168.10.1>;tag=00215504a1b2001e4f5a6b7c-2d3e4f50',
    "To: <sip:202@192.168.10.1>;tag=00215504c3d40021-3e4f5a6b",
    "Call-ID: 00215504-a1b2000b-4c5d6e7f-8091a2b3@192.168.10.21",
    "CSeq: 101 INVITE",
    "Contact: <sip:202@192.168.10.22:5060;transport=udp>",
    "Server: Cisco-CP7965G/9.4.2",
    "Content-Length: 0",
  ]),
};

interface Case {
  readonly name: string;
  readonly op: () => unknown;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const [name, bytes] of Object.entries(MESSAGES)) {
    out.push({ name: `parse ${name}`, op: () => parseMessage(bytes) });
  }
  const invite: SipMessage = parseMessage(MESSAGES.invite!);
  out.push({ name: "serialize invite", op: () => serialize(invite) });
  return out;
}

// Results go here so that no operation's result is dead code.
let _sink: unknown;

function timeRound(op: () => unknown, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) _sink = op();
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

function totalSelfSize(node: HeapProfiler.SamplingHeapProfileNode): number {
  let sum = node.selfSize;
  for (const c of node.children) sum += totalSelfSize(c);
  return sum;
}

const SAMPLING_INTERVAL = 256;
const WARM_UP_PASSES = 3;

async function bytesPerOp(session: Session, op: () => unknown, n: number): Promise<number> {
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: SAMPLING_INTERVAL,
    includeObjectsCollectedByMinorGC: true,
    includeObjectsCollectedByMajorGC: true,
  });
  for (let i = 0; i < n; i++) _sink = op();
  const { profile } = await session.post("HeapProfiler.stopSampling");
  return totalSelfSize(profile.head) / n;
}

export async function run(argv: string[]): Promise<unknown> {
  const iterations = numberArg(argv, "iterations", 20_000);
  const rounds = numberArg(argv, "rounds", 7);
  const allocIterations = numberArg(argv, "alloc-iterations", 20_000);
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.enable");
  const results: Record<string, { usPerOp: number; bytesPerOp: number }> = {};
  try {
    const all = cases();
    // Every case warms up before any is measured: the parser's functions then see all message
    // shapes (as in a server), and are optimised for them, before the first measurement.
    for (let w = 0; w < WARM_UP_PASSES; w++)
      for (const c of all) for (let i = 0; i < iterations; i++) _sink = c.op();
    for (const c of all) {
      let best = Infinity;
      for (let r = 0; r < rounds; r++) best = Math.min(best, timeRound(c.op, iterations));
      const bytes = await bytesPerOp(session, c.op, allocIterations);
      results[c.name] = { usPerOp: Number(best.toFixed(3)), bytesPerOp: Math.round(bytes) };
    }
  } finally {
    await session.post("HeapProfiler.disable");
    session.disconnect();
  }
  return {
    node: process.version,
    iterations,
    rounds,
    allocIterations,
    timeMethod:
      `best of ${rounds} rounds of ${iterations} operations, after ${WARM_UP_PASSES} warm-up passes of ` +
      `${iterations} operations of every case, µs per operation`,
    allocationMethod:
      `V8 sampling heap profiler (HeapProfiler.startSampling, samplingInterval ${SAMPLING_INTERVAL} bytes, ` +
      `objects collected by minor and major GC included) over ${allocIterations} operations: sum of the ` +
      "profile's (probability-scaled) self sizes divided by the operations; JS heap only",
    results,
  };
}
