import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { SipParseError, parseMessage, serialize } from "../../../src/sip/message/index.ts";
import { mulberry32 as prng } from "../../support/prng.ts";

const dir = new URL("../fixtures/rfc4475/", import.meta.url);
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith(".dat"))
  .sort()
  .map((f) => readFileSync(new URL(f, dir)));

/** Parses and, on success, serialises: anything but SipParseError is a bug. */
function survive(data: Buffer, datagram: boolean): "ok" | "rejected" {
  try {
    const m = parseMessage(data, { datagram });
    serialize(m);
    return "ok";
  } catch (err) {
    if (!(err instanceof SipParseError)) {
      assert.fail(
        `non-SipParseError ${String(err)} for ${JSON.stringify(data.toString("latin1").slice(0, 80))}`,
      );
    }
    assert.ok(err.reason.length > 0 && !/[\r\n]/.test(err.reason), "reason is a printable phrase");
    return "rejected";
  }
}

test("random bytes never crash the parser", () => {
  const rand = prng(0x5eed);
  let rejected = 0;
  for (let i = 0; i < 2000; i++) {
    const len = Math.floor(rand() * 300);
    const data = Buffer.alloc(len);
    for (let j = 0; j < len; j++) data[j] = Math.floor(rand() * 256);
    if (survive(data, rand() < 0.5) === "rejected") rejected++;
  }
  assert.equal(rejected, 2000, "random bytes are not SIP");
});

test("every truncation of valid messages is handled", () => {
  let outcomes = 0;
  for (const msg of corpus.slice(0, 24)) {
    for (let cut = 0; cut <= msg.length; cut += 3) {
      survive(msg.subarray(0, cut), true);
      survive(msg.subarray(0, cut), false);
      outcomes++;
    }
  }
  assert.ok(outcomes > 500);
});

test("byte mutations and spliced tokens of valid messages are handled", () => {
  const rand = prng(42);
  const tokens = [
    ":",
    ";",
    ",",
    "<",
    ">",
    '"',
    "\\",
    "\r\n",
    "\r\n ",
    "%",
    "@",
    "[",
    "]",
    "=",
    "\x00",
    "\xff",
    " ",
  ];
  let ok = 0;
  for (let i = 0; i < 3000; i++) {
    const base = corpus[Math.floor(rand() * corpus.length)] ?? Buffer.alloc(0);
    const data = Buffer.from(base);
    const edits = 1 + Math.floor(rand() * 4);
    let out = data;
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * out.length);
      if (rand() < 0.5) {
        out[at] = Math.floor(rand() * 256);
      } else {
        const tok = Buffer.from(tokens[Math.floor(rand() * tokens.length)] ?? "", "latin1");
        out = Buffer.concat([out.subarray(0, at), tok, out.subarray(at + 1)]);
      }
    }
    if (survive(out, rand() < 0.5) === "ok") ok++;
  }
  // Some mutations land in bodies or unknown headers and still parse.
  assert.ok(ok > 0);
});
