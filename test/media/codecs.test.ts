import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CODECS,
  CODEC_NAMES,
  canTranscode,
  chooseCodec,
  codecFromEncodingName,
  codecFromSccpCapability,
  codecFromStaticPayloadType,
  codecsFromSccpCapabilities,
  isCodecName,
  sccpCapabilityOf,
} from "../../src/media/codecs.ts";

test("RTP payload types and SCCP capability ids match sccp-protocol.md §7/§9.7", () => {
  assert.equal(CODECS.ulaw.payloadType, 0);
  assert.equal(CODECS.alaw.payloadType, 8);
  assert.equal(CODECS.g722.payloadType, 9);
  assert.equal(CODECS.g729.payloadType, 18);
  assert.equal(CODECS.g723.payloadType, 4);
  assert.equal(CODECS.ilbc.payloadType, 97);
  assert.equal(CODECS.g722.clockRate, 8000);
  assert.equal(sccpCapabilityOf("ulaw"), 4);
  assert.equal(sccpCapabilityOf("alaw"), 2);
  assert.equal(sccpCapabilityOf("g722"), 6);
  assert.equal(sccpCapabilityOf("g729"), 11);
  assert.equal(sccpCapabilityOf("g723"), 9);
  assert.equal(sccpCapabilityOf("ilbc"), 86);
  for (const id of [11, 12, 15, 16]) assert.equal(codecFromSccpCapability(id), "g729");
  assert.equal(codecFromSccpCapability(25), undefined, "Cisco wide-band L16 is not offered");
  assert.equal(codecFromStaticPayloadType(8), "alaw");
  assert.equal(codecFromStaticPayloadType(97), undefined, "dynamic types need an rtpmap");
  assert.equal(codecFromEncodingName("pcmu"), "ulaw");
  assert.equal(codecFromEncodingName("G729"), "g729");
  assert.equal(codecFromEncodingName("opus"), undefined);
  assert.ok(isCodecName("g722") && !isCodecName("toString"));
  assert.equal(CODEC_NAMES.length, Object.keys(CODECS).length);
});

test("a 7912's CapabilitiesRes maps to codec names, order kept, duplicates dropped", () => {
  assert.deepEqual(codecsFromSccpCapabilities([4, 2, 11, 12, 15, 16, 999]), ["ulaw", "alaw", "g729"]);
});

test("chooseCodec follows the local preference order", () => {
  const phone = codecsFromSccpCapabilities([4, 2, 11, 12]);
  assert.equal(chooseCodec(["g722", "alaw", "ulaw"], phone), "alaw");
  assert.equal(chooseCodec(["ulaw", "alaw"], ["alaw", "ulaw"]), "ulaw");
  assert.equal(chooseCodec(["g722"], phone), undefined);
  assert.equal(chooseCodec([], phone), undefined);
  assert.ok(canTranscode("ulaw", "alaw") && canTranscode("g729", "g729"));
  assert.ok(!canTranscode("ulaw", "g729"));
});
