import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CallStateCode,
  DeviceType,
  KeypadButton,
  Label,
  SoftKeyEvent,
  Stimulus,
  decodeBody,
  deviceModelName,
  deviceTypeOf,
  encodeBody,
  keypadChar,
  label,
  makeMessage,
} from "../../src/sccp/protocol/index.ts";

test("device types: model names both ways, tolerant of Cisco's spellings", () => {
  for (const [model, type] of Object.entries(DeviceType)) {
    assert.equal(deviceModelName(type), model);
    assert.equal(deviceTypeOf(model), type);
  }
  assert.equal(deviceTypeOf("CP-7941G-GE"), DeviceType["7941GE"]);
  assert.equal(deviceTypeOf("7961G"), DeviceType["7961"]);
  assert.equal(deviceTypeOf("cp-7912g"), 30007);
  assert.equal(deviceTypeOf("ip communicator"), 30016);
  assert.equal(deviceModelName(123456), undefined);
  assert.equal(deviceTypeOf("9999"), undefined);
  // 7941GE is 309 (not Wireshark's 0x134, which is the 7961GE).
  assert.equal(deviceModelName(0x134), "7961GE");
});

test("label() gives the two bytes 0x80, id, kept intact on the wire", () => {
  assert.equal(label(Label.Connected), "\u0080\u0018");
  const body = encodeBody(makeMessage("DisplayPromptStatus", { promptStatus: label(Label.From) + "1003" }));
  assert.deepEqual([...body.subarray(4, 11)], [0x80, 23, 0x31, 0x30, 0x30, 0x33, 0]);
  assert.equal(decodeBody("DisplayPromptStatus", body).promptStatus, `${label(23)}1003`);
});

test("keypad characters and values agree", () => {
  for (const [ch, v] of Object.entries(KeypadButton)) assert.equal(keypadChar(v), ch);
  assert.equal(keypadChar(17), undefined);
  assert.equal(keypadChar(-1), undefined);
});

test("value tables have distinct values and follow §9 conventions", () => {
  for (const table of [CallStateCode, SoftKeyEvent, Stimulus, Label, KeypadButton]) {
    const values = Object.values(table);
    assert.equal(new Set(values).size, values.length);
  }
  // Soft-key events 1..18 share the label numbering (§9.11).
  for (const k of [
    "Redial",
    "NewCall",
    "Hold",
    "Transfer",
    "CfwdAll",
    "EndCall",
    "Answer",
    "GPickUp",
  ] as const) {
    assert.equal(SoftKeyEvent[k], Label[k]);
  }
});
