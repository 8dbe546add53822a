import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { rewritePlaceholders } from "../../src/store/placeholders.ts";

describe("rewritePlaceholders", () => {
  it("numbers placeholders in order", () => {
    assert.deepEqual(rewritePlaceholders("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"), {
      text: "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)",
      count: 3,
    });
    assert.deepEqual(rewritePlaceholders("SELECT 1"), { text: "SELECT 1", count: 0 });
  });

  it("ignores ? inside string literals, including doubled quotes", () => {
    assert.deepEqual(rewritePlaceholders("SELECT 'a?b', 'it''s ?', ? FROM t WHERE x = '?'"), {
      text: "SELECT 'a?b', 'it''s ?', $1 FROM t WHERE x = '?'",
      count: 1,
    });
  });

  it("ignores ? in E'' strings with backslash escapes, identifiers, dollar quotes and comments", () => {
    const sql = [
      "SELECT E'x\\'?', \"col?\", $$body ? $$, $fn$ ? $fn$, ? -- trailing ?",
      "/* block ? /* nested ? */ still ? */ , ?",
    ].join("\n");
    assert.deepEqual(rewritePlaceholders(sql), {
      text: [
        "SELECT E'x\\'?', \"col?\", $$body ? $$, $fn$ ? $fn$, $1 -- trailing ?",
        "/* block ? /* nested ? */ still ? */ , $2",
      ].join("\n"),
      count: 2,
    });
  });

  it("treats a backslash in a standard string as an ordinary character", () => {
    assert.deepEqual(rewritePlaceholders("SELECT 'a\\', ?"), { text: "SELECT 'a\\', $1", count: 1 });
  });

  it("does not take $1-style text or identifiers with $ for dollar quotes", () => {
    assert.deepEqual(rewritePlaceholders("SELECT a$b, ? FROM t"), {
      text: "SELECT a$b, $1 FROM t",
      count: 1,
    });
  });

  it("leaves an unterminated literal as it is", () => {
    assert.deepEqual(rewritePlaceholders("SELECT ?, 'open ?"), { text: "SELECT $1, 'open ?", count: 1 });
  });
});
