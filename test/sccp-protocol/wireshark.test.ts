/**
 * Cross-check with Wireshark's own SCCP dissector: one encoded frame of every documented
 * server → phone message, at the basic, v11, v17 and v18 layouts, in a synthetic pcap on TCP
 * port 2000. tshark must read the expected ids, flag nothing as malformed, and read selected
 * fields (addresses, ports, packed numbers) at the offsets the codec wrote them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  MESSAGE_TABLE,
  MessageId,
  encodeMessage,
  makeMessage,
  messageInfo,
  type SccpMessage,
  type SccpMessageType,
} from "../../src/sccp/protocol/index.ts";
import { writeTcpPcap } from "../support/pcap-writer.ts";

const FIELDS = [
  "frame.number",
  "skinny.messageId",
  "_ws.malformed",
  "skinny.sourceIpAddr.ipv4",
  "skinny.sourcePortNumber",
  "skinny.remoteIpAddr.ipv4",
  "skinny.remoteIpAddr.ipv6",
  "skinny.remotePortNumber",
  "skinny.maxFramesPerPacket",
  "skinny.forwardNoAnswerlDirnum",
  "skinny.dialedNumber",
  "skinny.lineInstance",
  "skinny.callReference",
  "skinny.HuntPilotName",
  "skinny.tone",
] as const;
type Row = Record<(typeof FIELDS)[number], string>;

function tsharkAvailable(): boolean {
  const r = spawnSync("tshark", ["--version"], { encoding: "utf8", timeout: 20_000 });
  return r.status === 0;
}

function dissect(frames: readonly Buffer[]): Row[] {
  const dir = mkdtempSync(join(tmpdir(), "linekey-ws-"));
  try {
    const file = join(dir, "sccp.pcap");
    writeTcpPcap(file, { srcIp: [10, 0, 0, 1], dstIp: [10, 0, 0, 2], srcPort: 2000, dstPort: 52000 }, frames);
    const args = ["-n", "-r", file, "-d", "tcp.port==2000,skinny", "-T", "fields", "-E", "occurrence=f"];
    for (const f of FIELDS) args.push("-e", f);
    const r = spawnSync("tshark", args, { encoding: "utf8", timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .split("\n")
      .filter((l) => l.length > 0)
      .map((line) => {
        const cols = line.split("\t");
        const row = {} as Row;
        FIELDS.forEach((f, i) => (row[f] = cols[i] ?? ""));
        return row;
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const skip = tsharkAvailable() ? false : "tshark not on PATH";

test("tshark reads every server → phone message, none malformed", { skip }, () => {
  const types = (Object.keys(MESSAGE_TABLE) as SccpMessageType[]).filter((t) => {
    const info = messageInfo(t);
    return info.direction === "server-to-phone" && info.documented;
  });
  const frames: Buffer[] = [];
  const expected: { type: SccpMessageType; version: number }[] = [];
  for (const version of [0, 11, 17, 18]) {
    for (const type of types) {
      frames.push(encodeMessage(makeMessage(type), version));
      expected.push({ type, version });
    }
  }
  const rows = dissect(frames);
  assert.equal(rows.length, frames.length);
  rows.forEach((row, i) => {
    const e = expected[i]!;
    assert.equal(Number(row["skinny.messageId"]), MessageId[e.type], `${e.type} v${e.version}: id`);
    assert.equal(row["_ws.malformed"], "", `${e.type} v${e.version}: malformed`);
  });
});

test("tshark reads addresses, ports and packed numbers where the codec put them", { skip }, () => {
  const cases: { msg: SccpMessage; version: number; header?: number; want: Partial<Row> }[] = [
    {
      msg: makeMessage("OpenReceiveChannel", {
        conferenceId: 7,
        passThruPartyId: 8,
        millisecondPacketSize: 20,
        compressionType: 4,
        callReference: 9,
        sourceIpAddr: "10.0.0.1",
        sourcePortNumber: 16384,
      }),
      version: 17,
      want: {
        "skinny.sourceIpAddr.ipv4": "10.0.0.1",
        "skinny.sourcePortNumber": "16384",
        "skinny.callReference": "9",
      },
    },
    {
      msg: makeMessage("StartMediaTransmission", {
        remoteIpAddr: "192.168.1.2",
        remotePortNumber: 20000,
        maxFramesPerPacket: 3,
        callReference: 11,
      }),
      version: 0,
      want: {
        "skinny.remoteIpAddr.ipv4": "192.168.1.2",
        "skinny.remotePortNumber": "20000",
        "skinny.maxFramesPerPacket": "3",
        "skinny.callReference": "11",
      },
    },
    {
      msg: makeMessage("StartMediaTransmission", {
        remoteIpAddr: "2001:db8::5",
        remotePortNumber: 20002,
        maxFramesPerPacket: 2,
        callReference: 12,
      }),
      version: 17,
      want: {
        "skinny.remoteIpAddr.ipv6": "2001:db8::5",
        "skinny.remotePortNumber": "20002",
        "skinny.maxFramesPerPacket": "2",
        "skinny.callReference": "12",
      },
    },
    {
      msg: makeMessage("ForwardStat", {
        lineNumber: 1,
        forwardNoAnswerActive: 1,
        forwardNoAnswerDirnum: "789",
      }),
      version: 18,
      want: { "skinny.forwardNoAnswerlDirnum": "789" },
    },
    {
      msg: makeMessage("DialedNumber", { calledParty: "5551234", lineInstance: 3, callReference: 4 }),
      version: 18,
      want: { "skinny.dialedNumber": "5551234", "skinny.lineInstance": "3", "skinny.callReference": "4" },
    },
    {
      msg: makeMessage("DialedNumber", { calledParty: "5551234", lineInstance: 3, callReference: 4 }),
      version: 11,
      want: { "skinny.dialedNumber": "5551234", "skinny.lineInstance": "3", "skinny.callReference": "4" },
    },
    {
      msg: makeMessage("CallInfoV2", { lineInstance: 1, callingParty: "100", huntPilotName: "Sales" }),
      version: 17,
      want: { "skinny.HuntPilotName": "Sales", "skinny.lineInstance": "1" },
    },
    {
      // WS reads StopTone's tone only with header version ≥ 0x0B: label the v11 layout as such.
      msg: makeMessage("StopTone", { lineInstance: 1, callReference: 2, tone: 0x21 }),
      version: 11,
      header: 0x0b,
      want: { "skinny.tone": "33", "skinny.callReference": "2" },
    },
  ];
  const rows = dissect(cases.map((c) => encodeMessage(c.msg, c.version, c.header)));
  assert.equal(rows.length, cases.length);
  cases.forEach((c, i) => {
    const row = rows[i]!;
    assert.equal(row["_ws.malformed"], "", `${c.msg.type} v${c.version}`);
    for (const [k, v] of Object.entries(c.want)) {
      const got = row[k as keyof Row];
      // tshark prints some integers in hex ("0x00000021"): compare numbers as numbers.
      if (/^\d+$/.test(v)) assert.equal(Number(got), Number(v), `${c.msg.type} v${c.version}: ${k} = ${got}`);
      else assert.equal(got, v, `${c.msg.type} v${c.version}: ${k}`);
    }
  });
});
