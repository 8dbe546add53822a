/**
 * Byte-exact fixtures written by hand from the tables of the protocol reference (§6): offsets,
 * sizes, byte order of addresses and ports, string padding, version variants.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MessageId,
  decodeBody,
  decodeMessage,
  encodeBody,
  encodeMessage,
  headerVersionFor,
  label,
  Label,
  makeMessage,
} from "../../src/sccp/protocol/index.ts";
import { LinekeyError } from "../../src/util/errors.ts";

/** Hex with spaces/newlines ignored. */
function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ""), "hex");
}

/** A u32 little-endian, as hex. */
function le32(n: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b.toString("hex");
}

test("KeepAlive is 04000000 00000000 00000000 and KeepAliveAck carries id 0x100", () => {
  assert.deepEqual(encodeMessage(makeMessage("KeepAlive")), hex("04000000 00000000 00000000"));
  assert.deepEqual(encodeMessage(makeMessage("KeepAliveAck")), hex("04000000 00000000 00010000"));
});

test("RegisterAck with wazo's cap: 11, 0x20, 0xF1, 0xFF at bytes 16..19", () => {
  const frame = encodeMessage(
    makeMessage("RegisterAck", {
      keepAliveInterval: 10,
      dateTemplate: "D.M.Y",
      secondaryKeepAliveInterval: 10,
      maxProtocolVer: 11,
      featureByte1: 0x20,
      featureByte2: 0xf1,
      featureByte3: 0xff,
    }),
    11,
  );
  assert.deepEqual(
    frame,
    hex(`18000000 00000000 81000000
         0a000000
         442e4d2e5900 0000
         0a000000
         0b 20 f1 ff`),
  );
  const back = decodeBody("RegisterAck", frame.subarray(12));
  assert.equal(back.maxProtocolVer, 11);
  assert.equal(back.featureByte3, 0xff);
  assert.equal(back.dateTemplate, "D.M.Y");
});

test("OpenReceiveChannel: 92 bytes basic, 108 at v11 with source 10.0.0.1:16384, 132 at v17", () => {
  const msg = makeMessage("OpenReceiveChannel", {
    conferenceId: 0x01020304,
    passThruPartyId: 0xfffffffe,
    millisecondPacketSize: 20,
    compressionType: 4,
    callReference: 77,
    rfc2833PayloadType: 101,
    dtmfType: 10,
    sourceIpAddr: "10.0.0.1",
    sourcePortNumber: 16384,
  });
  const head = `04030201 feffffff 14000000 04000000 00000000 00000000 4d000000 ${"00".repeat(48)}
                00000000 00000000 65000000 0a000000`;
  assert.deepEqual(encodeBody(msg, 0), hex(head));
  // v11: mixingMode @92, partyDirection @96, source IPv4 @100 in network order, port @104 LE.
  assert.deepEqual(encodeBody(msg, 11), hex(`${head} 00000000 00000000 0a000001 00400000`));
  // v17: ipv4or6 block @100 (type 0, address @104..119), port @120, requestedIpAddrType @124,
  // audioLevelAdjustment @128; the header carries the version.
  const v17 = encodeMessage(msg, 17);
  assert.deepEqual(
    v17,
    hex(`${le32(136)} 11000000 05010000 ${head} 00000000 00000000
         00000000 0a000001 ${"00".repeat(12)} 00400000 00000000 00000000`),
  );
  const back = decodeBody("OpenReceiveChannel", v17.subarray(12), 17);
  assert.equal(back.sourceIpAddr, "10.0.0.1");
  assert.equal(back.sourcePortNumber, 16384);
  // CUCM 4.1 sent only 64 bytes: the rest reads as zero.
  const short = decodeBody("OpenReceiveChannel", encodeBody(msg, 0).subarray(0, 64));
  assert.equal(short.callReference, 77);
  assert.equal(short.dtmfType, 0);
});

test("OpenReceiveChannelAck: the 7912's 16-byte body and the v17 ipv4or6 layout", () => {
  const body = hex("00000000 0a660ad1 00400000 fdffffff");
  const m = decodeBody("OpenReceiveChannelAck", body, 6);
  assert.deepEqual(m, {
    type: "OpenReceiveChannelAck",
    mediaReceptionStatus: 0,
    ipAddr: "10.102.10.209",
    portNumber: 16384,
    passThruPartyId: 0xfffffffd,
    callReference: 0,
  });
  const v6 = makeMessage("OpenReceiveChannelAck", {
    ipAddr: "2001:db8::7",
    portNumber: 20000,
    passThruPartyId: 9,
    callReference: 5,
  });
  assert.deepEqual(
    encodeBody(v6, 17),
    hex(`00000000 01000000 20010db8000000000000000000000007 204e0000 09000000 05000000`),
  );
  assert.equal(decodeBody("OpenReceiveChannelAck", encodeBody(v6, 17), 17).ipAddr, "2001:db8::7");
});

test("StartMediaTransmission: remote address @8, maxFramesPerPacket u16 @32, v17 shifts by 16", () => {
  const msg = makeMessage("StartMediaTransmission", {
    conferenceId: 1,
    passThruPartyId: 2,
    remoteIpAddr: "192.168.1.20",
    remotePortNumber: 20002,
    millisecondPacketSize: 20,
    compressionType: 4,
    precedenceValue: 184,
    maxFramesPerPacket: 0x0102,
    callReference: 3,
    partyDirection: 7,
  });
  const v0 = encodeBody(msg, 11);
  assert.equal(v0.length, 116);
  assert.deepEqual(v0.subarray(8, 12), hex("c0a80114"));
  assert.equal(v0.readUInt32LE(12), 20002);
  assert.equal(v0.readUInt32LE(24), 184);
  assert.deepEqual(v0.subarray(32, 36), hex("02010000"));
  assert.equal(v0.readUInt32LE(40), 3);
  assert.equal(v0.readUInt32LE(112), 7);
  const v17 = encodeBody(msg, 17);
  assert.equal(v17.length, 132);
  assert.equal(v17.readUInt32LE(8), 0);
  assert.deepEqual(v17.subarray(12, 28), hex(`c0a80114 ${"00".repeat(12)}`));
  assert.equal(v17.readUInt32LE(28), 20002);
  assert.equal(v17.readUInt32LE(40), 184);
  assert.deepEqual(v17.subarray(48, 50), hex("0201"));
  assert.equal(v17.readUInt32LE(56), 3);
  assert.equal(v17.readUInt32LE(128), 7);
});

test("StopTone: 8 bytes before v11, tone @8 from v11", () => {
  const m = makeMessage("StopTone", { lineInstance: 1, callReference: 2, tone: 0x21 });
  assert.deepEqual(encodeBody(m, 7), hex("01000000 02000000"));
  assert.deepEqual(encodeBody(m, 11), hex("01000000 02000000 21000000"));
  // At v7 the tone is not part of the layout: it decodes as 0.
  assert.equal(decodeBody("StopTone", hex("01000000 02000000 21000000"), 7).tone, 0);
});

test("DialedNumber, ForwardStat and EnblocCall: 24-byte numbers, packed 25-byte numbers from v18", () => {
  const dn = makeMessage("DialedNumber", { calledParty: "5551234", lineInstance: 1, callReference: 0x10 });
  const num24 = Buffer.alloc(24);
  num24.write("5551234", "latin1");
  assert.deepEqual(encodeBody(dn, 17), Buffer.concat([num24, hex("01000000 10000000")]));
  const num25 = Buffer.alloc(25);
  num25.write("5551234", "latin1");
  assert.deepEqual(encodeBody(dn, 18), Buffer.concat([num25, hex("01000000 10000000")]));

  const fs = makeMessage("ForwardStat", {
    activeForward: 1,
    lineNumber: 2,
    forwardAllActive: 1,
    forwardAllDirnum: "200",
    forwardBusyActive: 1,
    forwardBusyDirnum: "300",
    forwardNoAnswerActive: 1,
    forwardNoAnswerDirnum: "400",
  });
  const v0 = encodeBody(fs, 0);
  assert.equal(v0.length, 92);
  assert.equal(v0.toString("latin1", 12, 15), "200");
  assert.equal(v0.readUInt32LE(36), 1);
  assert.equal(v0.toString("latin1", 40, 43), "300");
  assert.equal(v0.readUInt32LE(64), 1);
  assert.equal(v0.toString("latin1", 68, 71), "400");
  const v18 = encodeBody(fs, 18);
  assert.equal(v18.length, 95);
  assert.equal(v18.readUInt32LE(37), 1);
  assert.equal(v18.toString("latin1", 41, 44), "300");
  assert.equal(v18.readUInt32LE(66), 1);
  assert.equal(v18.toString("latin1", 70, 73), "400");

  // EnblocCall v18: packed (7970, 29 bytes) and aligned (8945, 32 bytes) both decode.
  const packed = Buffer.concat([num25, hex("03000000")]);
  const aligned = Buffer.concat([num25, hex("000000 03000000")]);
  assert.equal(decodeBody("EnblocCall", packed, 18).lineInstance, 3);
  assert.equal(decodeBody("EnblocCall", aligned, 18).lineInstance, 3);
  assert.equal(decodeBody("EnblocCall", aligned, 18).calledParty, "5551234");
  assert.deepEqual(
    encodeBody(makeMessage("EnblocCall", { calledParty: "5551234", lineInstance: 3 }), 18),
    packed,
  );
  // Before v17 the 24-byte form, with or without the trailing lineInstance.
  assert.equal(decodeBody("EnblocCall", num24, 11).calledParty, "5551234");
  assert.equal(decodeBody("EnblocCall", Buffer.concat([num24, hex("02000000")]), 11).lineInstance, 2);
});

test("short bodies read as zero: 7912 OffHook, KeypadButton with only the button, 52-byte Register", () => {
  assert.deepEqual(decodeMessage(MessageId.OffHook, Buffer.alloc(0)), {
    type: "OffHook",
    lineInstance: 0,
    callReference: 0,
  });
  assert.deepEqual(decodeMessage(MessageId.KeypadButton, hex("0e000000")), {
    type: "KeypadButton",
    kpButton: 14,
    lineInstance: 0,
    callReference: 0,
  });
  // A u32 cut in the middle keeps its low bytes.
  assert.equal(decodeBody("SoftKeyEvent", hex("09000000 0100")).lineInstance, 1);
  const reg = Buffer.alloc(52);
  reg.write("SEP001380AD9E5F", 0, "latin1");
  reg.writeUInt32LE(1, 20);
  hex("0a660ad1").copy(reg, 24);
  reg.writeUInt32LE(30007, 28);
  reg[40] = 7;
  reg.writeUInt16LE(0x8100, 42);
  const m = decodeBody("Register", reg);
  assert.equal(m.deviceName, "SEP001380AD9E5F");
  assert.equal(m.instance, 1);
  assert.equal(m.stationIpAddr, "10.102.10.209");
  assert.equal(m.deviceType, 30007);
  assert.equal(m.protocolVersion, 7);
  assert.equal(m.phoneFeatures, 0x8100);
  assert.equal(m.maxNumberOfLines, 0);
  assert.equal(m.firmwareLoadName, "");
  assert.deepEqual(m.macAddress, Buffer.alloc(12));
  // Extra trailing bytes are ignored.
  assert.deepEqual(decodeBody("LineStatReq", hex("01000000 deadbeef")), {
    type: "LineStatReq",
    lineNumber: 1,
  });
  assert.deepEqual(decodeMessage(MessageId.ButtonTemplateReq, hex("01000000")), {
    type: "ButtonTemplateReq",
  });
});

test("strings: ISO-8859-1, NUL-terminated within the field, zero-padded, labels kept", () => {
  const m = makeMessage("DisplayNotify", { timeOutValue: 5, notify: `${label(Label.CfwdAll)}: Müller` });
  const body = encodeBody(m);
  assert.equal(body.length, 36);
  assert.deepEqual(body.subarray(4, 17), hex("80 05 3a 20 4d fc 6c 6c 65 72 00 00 00"));
  assert.ok(body.subarray(14).every((b) => b === 0));
  // Too long: cut to n-1 bytes so the NUL always fits.
  const long = encodeBody(makeMessage("RegisterReject", { text: "x".repeat(40) }));
  assert.equal(long.length, 32);
  assert.equal(long[31], 0);
  assert.equal(decodeBody("RegisterReject", long).text, "x".repeat(31));
  // Characters outside ISO-8859-1 become "?".
  assert.equal(
    decodeBody("DisplayText", encodeBody(makeMessage("DisplayText", { text: "a€b" }))).text,
    "a?b",
  );
  // Bytes after the NUL are not part of the string.
  const dirty = Buffer.alloc(32, 0x41);
  dirty[3] = 0;
  assert.equal(decodeBody("DisplayText", dirty).text, "AAA");
});

test("ButtonTemplate, SoftKeyTemplateRes, SoftKeySetRes: entry layout and counts", () => {
  const bt = makeMessage("ButtonTemplate", {
    buttonCount: 2,
    totalButtonCount: 2,
    buttons: [
      { instanceNumber: 1, buttonDefinition: 0x09 },
      { instanceNumber: 2, buttonDefinition: 0x15 },
    ],
  });
  const b = encodeBody(bt);
  assert.equal(b.length, 96);
  assert.deepEqual(b.subarray(0, 16), hex("00000000 02000000 02000000 0109 0215"));
  assert.ok(b.subarray(16).every((x) => x === 0));

  const skt = encodeBody(
    makeMessage("SoftKeyTemplateRes", {
      softKeys: [
        { label: label(1), event: 1 },
        { label: "Dial", event: 32 },
      ],
    }),
  );
  assert.equal(skt.length, 652);
  assert.deepEqual(skt.subarray(0, 12), hex("00000000 02000000 00000000"));
  assert.deepEqual(skt.subarray(12, 32), hex(`8001${"00".repeat(14)} 01000000`));
  assert.deepEqual(skt.subarray(32, 52), hex(`4469616c${"00".repeat(12)} 20000000`));

  const sks = encodeBody(
    makeMessage("SoftKeySetRes", { sets: [{ templateIndex: [1, 2, 5], infoIndex: [301, 302, 305] }] }),
  );
  assert.equal(sks.length, 780);
  assert.equal(sks.readUInt32LE(4), 1);
  assert.deepEqual(sks.subarray(12, 15), hex("010205"));
  assert.equal(sks.readUInt16LE(12 + 16), 301);
  assert.equal(sks.readUInt16LE(12 + 20), 305);
  assert.ok(sks.subarray(12 + 48).every((x) => x === 0));
});

test("CapabilitiesRes: count-bounded list of 16-byte entries", () => {
  const body = Buffer.alloc(292);
  body.writeUInt32LE(2, 0);
  body.writeUInt32LE(4, 4);
  body.writeUInt32LE(60, 8);
  body.writeUInt32LE(11, 20);
  body.writeUInt32LE(60, 24);
  body.writeUInt32LE(0xdeadbeef, 36); // unused third entry: not decoded
  const m = decodeBody("CapabilitiesRes", body);
  assert.equal(m.capabilities.length, 2);
  const second = m.capabilities[1];
  assert.ok(second);
  assert.equal(second.payloadCapability, 11);
  assert.equal(second.maxFramesPerPacket, 60);
  // makeMessage fills partial entries and the count.
  const made = makeMessage("CapabilitiesRes", {
    capabilities: [{ payloadCapability: 4, maxFramesPerPacket: 40 }],
  });
  assert.equal(made.capCount, 1);
  assert.equal(made.capabilities[0]?.codecMode, 0);
});

test("ServerRes: names, ports, addresses; ipv4or6 blocks from v17", () => {
  const m = makeMessage("ServerRes", {
    serverName: ["linekey"],
    serverTcpListenPort: [2000],
    serverIpAddr: ["192.0.2.1"],
  });
  const v0 = encodeBody(m, 0);
  assert.equal(v0.length, 280);
  assert.equal(v0.toString("latin1", 0, 7), "linekey");
  assert.equal(v0.readUInt32LE(240), 2000);
  assert.deepEqual(v0.subarray(260, 264), hex("c0000201"));
  const v17 = encodeBody(m, 17);
  assert.equal(v17.length, 360);
  assert.equal(v17.readUInt32LE(260), 0);
  assert.deepEqual(v17.subarray(264, 268), hex("c0000201"));
  assert.deepEqual(decodeBody("ServerRes", v17, 17).serverIpAddr, [
    "192.0.2.1",
    "0.0.0.0",
    "0.0.0.0",
    "0.0.0.0",
    "0.0.0.0",
  ]);
});

test("dynamic messages: NUL-terminated strings packed back to back", () => {
  const m = makeMessage("DisplayPromptStatusV2", {
    timeOutValue: 0,
    lineInstance: 1,
    callReference: 2,
    promptStatus: "Hi",
  });
  assert.deepEqual(encodeMessage(m), hex(`13000000 00000000 45010000 00000000 01000000 02000000 486900`));
  const ci = makeMessage("CallInfoV2", {
    lineInstance: 1,
    callingParty: "100",
    calledParty: "200",
    callingPartyName: "A",
  });
  const v0 = encodeBody(ci, 0);
  // 13 strings before v16: "100", "", "200", 6 × "", "A", 3 × "".
  assert.deepEqual(v0.subarray(32), hex(`31303000 00 32303000 000000000000 4100 000000`));
  const v16 = encodeBody(makeMessage("CallInfoV2", { huntPilotName: "HP" }), 16);
  assert.deepEqual(v16.subarray(32), hex(`${"00".repeat(14)} 485000`));
  // Missing trailing strings read as "".
  const cut = decodeBody("CallInfoV2", v0.subarray(0, 36));
  assert.equal(cut.callingParty, "100");
  assert.equal(cut.calledParty, "");
  assert.equal(cut.lastRedirectingPartyName, "");
});

test("data messages cut the data to dataLength", () => {
  const m = makeMessage("UserToDeviceData", { applicationId: 1, data: Buffer.from("<x/>") });
  assert.equal(m.dataLength, 4);
  const body = encodeBody(m);
  assert.equal(body.length, 2020);
  assert.equal(body.toString("latin1", 20, 24), "<x/>");
  assert.deepEqual(decodeBody("UserToDeviceData", body).data, Buffer.from("<x/>"));
});

test("header version: 0 below v17, the version from v17 except RegisterAck/KeepAliveAck/UnregisterAck", () => {
  assert.equal(encodeMessage(makeMessage("CallState"), 11).readUInt32LE(4), 0);
  assert.equal(encodeMessage(makeMessage("CallState"), 18).readUInt32LE(4), 18);
  assert.equal(encodeMessage(makeMessage("RegisterAck"), 18).readUInt32LE(4), 0);
  assert.equal(headerVersionFor("KeepAliveAck", 20), 0);
  assert.equal(encodeMessage(makeMessage("CallState"), 18, 0x11).readUInt32LE(4), 0x11);
});

test("unknown ids decode to Unknown and encode back raw", () => {
  const m = decodeMessage(0x0049 + 0x1000, hex("0102"));
  assert.deepEqual(m, { type: "Unknown", id: 0x1049, body: hex("0102") });
  assert.deepEqual(encodeMessage(m), hex("06000000 00000000 49100000 0102"));
  // Catalogue entries without a layout keep their body raw.
  assert.deepEqual(decodeMessage(MessageId.UpdateCapabilities, hex("aabb")), {
    type: "UpdateCapabilities",
    body: hex("aabb"),
  });
});

test("encoding a bad address throws SCCP_ERR_ENCODE", () => {
  for (const bad of ["10.0.0", "10.0.0.256", "a.b.c.d", "1.2.3.4.5", "2001:db8:::1", "1:2:3:4:5:6:7:8:9"]) {
    assert.throws(
      () =>
        encodeBody(makeMessage("StartMediaTransmission", { remoteIpAddr: bad }), bad.includes(":") ? 17 : 0),
      (e: unknown) => e instanceof LinekeyError && e.code === "SCCP_ERR_ENCODE",
      bad,
    );
  }
  assert.throws(
    () => encodeMessage({ type: "NoSuchMessage" } as unknown as Parameters<typeof encodeMessage>[0]),
    (e: unknown) => e instanceof LinekeyError && e.code === "SCCP_ERR_ENCODE",
  );
});
