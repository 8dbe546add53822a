/**
 * Real Cisco traffic (CP-7912 ⇄ CUCM 4.1, an older CallManager, pyskinny): every SCCP frame of
 * the shared captures must decode to a catalogue message, and what the phone sent must re-encode
 * to the same bytes (see dontCareMask for the only bytes allowed to differ).
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import {
  Codec,
  SccpFrameReader,
  Stimulus,
  decodeMessage,
  deviceModelName,
  encodeBody,
  type Layout,
  type SccpMessage,
} from "../../src/sccp/protocol/index.ts";
import { readCapture, tcpSegments, tcpStreams } from "../support/pcap.ts";
import { CAPTURES, dontCareMask, encodeLayout, present } from "./helpers.ts";

interface Frame {
  readonly file: string;
  readonly fromPhone: boolean;
  readonly id: number;
  readonly body: Buffer;
  readonly raw: Buffer;
  /** Negotiated version of the connection: min(Register.protocolVersion, RegisterAck.maxProtocolVer). */
  version: number;
}

function splitFrames(bytes: Buffer): {
  frames: { id: number; body: Buffer; raw: Buffer }[];
  leftover: number;
  malformed: boolean;
} {
  const r = new SccpFrameReader();
  r.push(bytes);
  const frames: { id: number; body: Buffer; raw: Buffer }[] = [];
  for (;;) {
    const x = r.next();
    if (x.kind === "message") frames.push({ id: x.id, body: Buffer.from(x.body), raw: Buffer.from(x.raw) });
    else return { frames, leftover: r.buffered, malformed: x.kind === "malformed" };
  }
}

/** All SCCP frames of one capture, both directions, with the connection's negotiated version. */
function captureFrames(file: string): Frame[] {
  const streams = tcpStreams(tcpSegments(readCapture(new URL(file, CAPTURES)))).filter(
    (s) => s.srcPort === 2000 || s.dstPort === 2000,
  );
  const byConnection = new Map<string, Frame[]>();
  for (const s of streams) {
    const fromPhone = s.dstPort === 2000;
    const conn = fromPhone ? `${s.src}:${s.srcPort}` : `${s.dst}:${s.dstPort}`;
    const list = byConnection.get(conn) ?? [];
    byConnection.set(conn, list);
    for (const piece of s.pieces) {
      const { frames, malformed } = splitFrames(piece);
      assert.equal(malformed, false, `${file} ${conn}: framing lost`);
      for (const f of frames) list.push({ file, fromPhone, ...f, version: 0 });
    }
  }
  const out: Frame[] = [];
  for (const list of byConnection.values()) {
    let phone = 0;
    let server = 255;
    for (const f of list) {
      const m = decodeMessage(f.id, f.body);
      if (m.type === "Register") phone = m.protocolVersion;
      if (m.type === "RegisterAck") server = m.maxProtocolVer;
    }
    for (const f of list) f.version = Math.min(phone, server);
    out.push(...list);
  }
  return out;
}

/**
 * Re-encodes a decoded body and compares it with the original: equal wherever the message can
 * carry the value; where the original was short, the re-encoded rest is zero. Returns the
 * number of bytes that differed in don't-care positions.
 */
function assertReencodes(m: SccpMessage, f: { body: Buffer; version: number }, where: string): number {
  const l: Layout = encodeLayout(m.type, f.version);
  const re = encodeBody(m, f.version);
  const dynamic = l.fields.some((x) => x.kind === "vstr" || x.kind === "rest");
  if (dynamic) {
    assert.deepEqual(re.subarray(0, f.body.length), f.body.subarray(0, re.length), where);
    return 0;
  }
  assert.equal(re.length, l.size, `${where}: full layout`);
  const padded = Buffer.alloc(l.size);
  f.body.copy(padded, 0, 0, Math.min(f.body.length, l.size));
  const mask = dontCareMask(l.fields, padded, l.size);
  let ignored = 0;
  for (let i = 0; i < l.size; i++) {
    if (i >= f.body.length) {
      assert.equal(re[i], 0, `${where}: byte ${i} beyond the short body must be 0`);
    } else if (re[i] !== f.body[i]) {
      assert.ok(
        mask[i],
        `${where}: byte ${i} is 0x${(re[i] ?? 0).toString(16)}, phone sent 0x${(f.body[i] ?? 0).toString(16)}`,
      );
      ignored++;
    }
  }
  return ignored;
}

const available = present(CAPTURES);
const files = available
  ? readdirSync(CAPTURES)
      .filter((n) => n.endsWith(".pcap") || n.endsWith(".pcapng"))
      .sort()
  : [];

function skipIfAbsent(t: TestContext): boolean {
  if (available) return false;
  t.skip("../shared/captures absent");
  return true;
}

describe("real captures", () => {
  test("the captures hold SCCP traffic in both directions", (t) => {
    if (skipIfAbsent(t)) return;
    assert.ok(files.length >= 3, "pcap files present");
    for (const file of files) {
      const frames = captureFrames(file);
      assert.ok(
        frames.some((f) => f.fromPhone),
        `${file}: phone frames`,
      );
      assert.ok(
        frames.some((f) => !f.fromPhone),
        `${file}: server frames`,
      );
    }
  });

  for (const file of files) {
    test(`${file}: every phone frame decodes and re-encodes to the same bytes`, () => {
      let count = 0;
      let full = 0;
      let exact = 0;
      for (const f of captureFrames(file).filter((x) => x.fromPhone)) {
        count++;
        const m = decodeMessage(f.id, f.body, f.version);
        assert.notEqual(m.type, "Unknown", `${file}: phone id 0x${f.id.toString(16)}`);
        if (m.type === "Unknown") continue;
        const ignored = assertReencodes(m, f, `${file} ${m.type}`);
        const size = encodeLayout(m.type, f.version).size;
        if (f.body.length >= size) {
          full++;
          if (ignored === 0) exact++;
        }
      }
      assert.ok(count > 0, `${file}: phone frames`);
      // Byte-exact re-encoding must be the rule for full-length bodies, not the exception.
      if (full > 0) assert.ok(exact * 2 > full, `${file}: ${exact}/${full} full-length phone frames exact`);
    });

    test(`${file}: every server frame decodes to a known message`, () => {
      for (const f of captureFrames(file).filter((x) => !x.fromPhone)) {
        const m = decodeMessage(f.id, f.body, f.version);
        assert.notEqual(m.type, "Unknown", `${file}: server id 0x${f.id.toString(16)}`);
        if (m.type !== "Unknown") assertReencodes(m, f, `${file} server ${m.type}`);
      }
    });
  }

  test("the 7912 registration and call decode to plausible values", (t) => {
    if (skipIfAbsent(t)) return;
    const codecs = new Set<number>(Object.values(Codec));
    const stimuli = new Set<number>(Object.values(Stimulus));
    const frames = captureFrames("cm_call_from_pyskinny_to_7912.pcapng");
    const msgs = frames.map((f) => decodeMessage(f.id, f.body, f.version));
    const reg = msgs.find((m) => m.type === "Register");
    assert.ok(reg?.type === "Register");
    assert.match(reg.deviceName, /^SEP[0-9A-F]{12}$/);
    assert.equal(deviceModelName(reg.deviceType), "7912");
    assert.equal(reg.protocolVersion, 7);
    const alarm = msgs.find((m) => m.type === "Alarm");
    assert.ok(alarm?.type === "Alarm");
    assert.ok(alarm.text.startsWith(`Name=${reg.deviceName} `), alarm.text);
    const caps = msgs.find((m) => m.type === "CapabilitiesRes");
    assert.ok(caps?.type === "CapabilitiesRes");
    assert.equal(caps.capabilities.length, caps.capCount);
    for (const c of caps.capabilities) {
      assert.ok(codecs.has(c.payloadCapability), `codec ${c.payloadCapability}`);
      assert.equal(c.maxFramesPerPacket, 60);
    }
    const ack = msgs.find((m) => m.type === "OpenReceiveChannelAck");
    assert.ok(ack?.type === "OpenReceiveChannelAck");
    assert.equal(ack.ipAddr, reg.stationIpAddr);
    assert.equal(ack.portNumber % 2, 0);
    const orc = msgs.find((m) => m.type === "OpenReceiveChannel");
    assert.ok(orc?.type === "OpenReceiveChannel");
    assert.ok(codecs.has(orc.compressionType));
    assert.equal(ack.passThruPartyId, orc.passThruPartyId);
    const stm = msgs.find((m) => m.type === "StartMediaTransmission");
    assert.ok(stm?.type === "StartMediaTransmission");
    assert.equal(stm.compressionType, orc.compressionType);
    assert.equal(stm.conferenceId, orc.conferenceId);
    assert.equal(stm.millisecondPacketSize, orc.millisecondPacketSize);
    const bt = msgs.find((m) => m.type === "ButtonTemplate");
    assert.ok(bt?.type === "ButtonTemplate");
    assert.equal(bt.buttons.length, bt.buttonCount);
    for (const b of bt.buttons) assert.ok(stimuli.has(b.buttonDefinition), `button ${b.buttonDefinition}`);
    const skt = msgs.find((m) => m.type === "SoftKeyTemplateRes");
    assert.ok(skt?.type === "SoftKeyTemplateRes");
    assert.equal(skt.softKeys.length, skt.softKeyCount);
    for (const k of skt.softKeys) assert.equal(k.label.charCodeAt(0), 0x80);
    const sks = msgs.find((m) => m.type === "SoftKeySetRes");
    assert.ok(sks?.type === "SoftKeySetRes");
    for (const s of sks.sets) for (const i of s.templateIndex) assert.ok(i <= skt.softKeyCount);
    const info = msgs.find((m) => m.type === "CallInfo");
    assert.ok(info?.type === "CallInfo");
    assert.match(info.callingParty, /^\d+$/);
    assert.ok([1, 2, 3].includes(info.callType));
  });

  test("cucm_frames.json: every frame decodes; frames from these captures match the pcap bytes", (t) => {
    if (skipIfAbsent(t)) return;
    const json = JSON.parse(readFileSync(new URL("cucm_frames.json", CAPTURES), "utf8")) as Record<
      string,
      Record<string, string>
    >;
    const known = new Set<string>();
    for (const file of files) for (const f of captureFrames(file)) known.add(f.raw.toString("hex"));
    let total = 0;
    let matched = 0;
    for (const [group, frames] of Object.entries(json)) {
      for (const [key, hexText] of Object.entries(frames)) {
        const bytes = Buffer.from(hexText, "hex");
        const where = `${group}/${key}`;
        const { frames: split, leftover } = splitFrames(bytes);
        // An entry is one TCP payload: whole frames, or the first segment of a longer frame.
        const parts =
          split.length > 0 ? split : [{ id: bytes.readUInt32LE(8), body: bytes.subarray(12), raw: bytes }];
        assert.ok(split.length > 0 || bytes.readUInt32LE(0) + 8 > bytes.length, `${where}: frames`);
        if (split.length > 0) assert.equal(leftover, 0, `${where}: whole frames`);
        for (const f of parts) {
          const m = decodeMessage(f.id, f.body);
          assert.notEqual(m.type, "Unknown", where);
          if (m.type !== "Unknown") assertReencodes(m, { body: f.body, version: 0 }, `${where} ${m.type}`);
        }
        total++;
        const h = hexText.toLowerCase();
        if (known.has(h) || [...known].some((k) => k.startsWith(h))) matched++;
        else
          assert.ok(
            !group.startsWith("cm_cap") && !group.startsWith("cm_call"),
            `${where} not found in the pcaps`,
          );
      }
    }
    assert.ok(total > 0 && matched > 0, `${matched}/${total} JSON frames found in the pcaps`);
  });
});
