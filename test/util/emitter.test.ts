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

test("listeners added or removed during an emit take effect from the next emit", () => {
  const e = new TypedEmitter<{ x: [] }>();
  const calls: string[] = [];
  // A single listener that adds another: the new one is not called in the same emit.
  e.once("x", () => {
    calls.push("first");
    e.on("x", () => calls.push("added"));
  });
  e.emit("x");
  assert.deepEqual(calls, ["first"]);
  e.emit("x");
  assert.deepEqual(calls, ["first", "added"]);
  // Several listeners: one removing the next does not stop it this time.
  const e2 = new TypedEmitter<{ y: [] }>();
  const seen: string[] = [];
  let offB = (): void => undefined;
  e2.on("y", () => {
    seen.push("a");
    offB();
  });
  offB = e2.on("y", () => seen.push("b"));
  e2.emit("y");
  e2.emit("y");
  assert.deepEqual(seen, ["a", "b", "a"]);
});

test("an emitter without listeners has nothing to emit to or clear", () => {
  const e = new TypedEmitter<{ z: [number] }>();
  e.emit("z", 1);
  e.removeAllListeners();
  assert.equal(e.listenerCount("z"), 0);
  e.off("z", () => undefined);
});
