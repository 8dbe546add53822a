import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  HEADER_SIZE,
  MESSAGE_TABLE,
  MessageId,
  decodeMessage,
  encodeBody,
  encodeMessage,
  makeMessage,
  messageName,
  type Layout,
  type SccpMessageType,
} from "../../src/sccp/protocol/index.ts";
import { ALL_TYPES, encodeLayout, layoutVersions, rng, sampleFields } from "./helpers.ts";

/** The versions each message is exercised at: basic, the project's cap, and every layout change. */
function versionsOf(type: SccpMessageType): number[] {
  return [...new Set([0, 11, 17, 18, 22, ...layoutVersions(type)])].sort((a, b) => a - b);
}

describe("every message type round-trips", () => {
  for (const type of ALL_TYPES) {
    test(type, () => {
      for (const v of versionsOf(type)) {
        const l = encodeLayout(type, v);
        for (let seed = 1; seed <= 3; seed++) {
          const r = rng(seed * 7919 + MessageId[type]);
          const msg = makeMessage(type, sampleFields(l.fields, r));
          const frame = encodeMessage(msg, v);
          const dynamic = l.fields.some((f) => f.kind === "vstr" || f.kind === "rest");
          // Header: length = 4 + body, id, and the full layout size for fixed messages.
          assert.equal(frame.readUInt32LE(0), frame.length - 8, `${type} v${v} length`);
          assert.equal(frame.readUInt32LE(8), MessageId[type], `${type} id`);
          if (!dynamic) assert.equal(frame.length - HEADER_SIZE, l.size, `${type} v${v} body size`);
          else assert.ok(frame.length - HEADER_SIZE >= l.size, `${type} v${v} dynamic body size`);
          assert.deepEqual(encodeBody(msg, v), frame.subarray(HEADER_SIZE), `${type} v${v} encodeBody`);
          const back = decodeMessage(frame.readUInt32LE(8), frame.subarray(HEADER_SIZE), v);
          assert.deepEqual(back, msg, `${type} v${v} seed ${seed}`);
        }
      }
    });
  }
});

test("messageName and MessageId are inverse and ids are unique", () => {
  const ids = new Set<number>();
  for (const type of ALL_TYPES) {
    const id = MessageId[type];
    assert.ok(!ids.has(id), `duplicate id 0x${id.toString(16)}`);
    ids.add(id);
    assert.equal(messageName(id), type);
  }
  assert.equal(Object.keys(MessageId).length, ALL_TYPES.length);
  assert.equal(messageName(0x7fff), undefined);
});

test("layouts: fields inside the body, no overlaps, ascending minVersion", () => {
  for (const type of ALL_TYPES) {
    const layouts = MESSAGE_TABLE[type].layouts as readonly Layout[];
    let prev = -1;
    for (const l of layouts) {
      if (l.decodeMinBody === 0) {
        assert.ok(l.minVersion > prev, `${type} layouts out of order`);
        prev = l.minVersion;
      }
      const used = new Array<string | undefined>(l.size).fill(undefined);
      for (const f of l.fields) {
        if (f.kind === "vstr" || f.kind === "rest") continue;
        const size = f.kind === "list" || f.kind === "array" ? f.max * f.stride : "size" in f ? f.size : 0;
        assert.ok(f.offset + size <= l.size, `${type} v${l.minVersion}: ${f.name} overruns the body`);
        for (let i = f.offset; i < f.offset + size; i++) {
          assert.equal(used[i], undefined, `${type} v${l.minVersion}: ${f.name} overlaps ${used[i] ?? ""}`);
          used[i] = f.name;
        }
      }
    }
  }
});
