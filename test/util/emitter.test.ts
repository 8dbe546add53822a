import { test } from "node:test";
import assert from "node:assert/strict";
import { TypedEmitter } from "../../src/util/typed-emitter.ts";
import { memoryLogger } from "../../src/util/logger.ts";

test("a throwing listener is logged and does not stop the others", () => {
  const { logger, records } = memoryLogger();
  const e = new TypedEmitter<{ ping: [number] }>(logger);
  const seen: number[] = [];
  e.on("ping", () => {
    throw new Error("observer broke");
  });
  e.on("ping", (n) => seen.push(n));
  e.emit("ping", 7);
  assert.deepEqual(seen, [7]);
  assert.equal(records.length, 1);
  assert.equal(records[0]?.level, "error");
});

test("once fires one time and off detaches", () => {
  const e = new TypedEmitter<{ x: [] }>();
  let n = 0;
  e.once("x", () => n++);
  const off = e.on("x", () => (n += 10));
  e.emit("x");
  off();
  e.emit("x");
  assert.equal(n, 11);
  assert.equal(e.listenerCount("x"), 0);
});
