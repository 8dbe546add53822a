/**
 * The codec against the text of the protocol reference itself (../shared/reference): the §4
 * catalogue (ids, names, directions), the ids §4 says are not needed, the body sizes of the §6
 * headings and the §9.1 device-type table. Skips when the shared folder is absent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  deviceModelName,
  deviceTypeOf,
  layoutSize,
  messageInfo,
  messageName,
} from "../../src/sccp/protocol/index.ts";
import { REFERENCE, present } from "./helpers.ts";

const DOC = new URL("sccp-protocol.md", REFERENCE);
const skip = present(DOC) ? false : "../shared/reference absent";

function doc(): string {
  return readFileSync(DOC, "utf8");
}

/** Lines of the section that starts with `heading` (up to the next heading of the same level). */
function section(text: string, heading: string): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith(heading));
  assert.ok(start >= 0, `section ${heading}`);
  const level = /^#+/.exec(heading)?.[0] ?? "#";
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    const m = /^#+ /.exec(l);
    if (m && m[0].trim().length <= level.length) break;
    out.push(l);
  }
  return out;
}

/** Ids of a table cell: "0x0041 / 0x0042", "0x0101–0x0104". */
function ids(cell: string): number[] {
  const range = /^(0x[0-9A-Fa-f]+)\s*[–-]\s*(0x[0-9A-Fa-f]+)$/.exec(cell.trim());
  if (range) {
    const out: number[] = [];
    for (let i = Number(range[1]); i <= Number(range[2]); i++) out.push(i);
    return out;
  }
  return [...cell.matchAll(/0x[0-9A-Fa-f]+/g)].map((m) => Number(m[0]));
}

test("§4 catalogue: every id is known, with Wireshark's first name and the direction", { skip }, () => {
  const text = doc();
  let checked = 0;
  for (const [heading, direction] of [
    ["### 4.1", "phone-to-server"],
    ["### 4.2", "server-to-phone"],
  ] as const) {
    for (const line of section(text, heading)) {
      const cells = line.split("|").map((c) => c.trim());
      const idCell = cells[1] ?? "";
      if (!idCell.startsWith("0x")) continue;
      const rowIds = ids(idCell);
      const names = (cells[2] ?? "").split(" / ").map((n) => /^[A-Za-z0-9]+/.exec(n)?.[0] ?? "");
      rowIds.forEach((id, i) => {
        const name = messageName(id);
        assert.ok(name, `0x${id.toString(16)} (${cells[2] ?? ""}) missing from the catalogue`);
        assert.equal(messageInfo(name).direction, direction, `${name} direction`);
        // Names are checked where the row gives one per id ("A / B"), not for ranges.
        if (names.length === rowIds.length && names[i]) assert.equal(name, names[i], `0x${id.toString(16)}`);
        checked++;
      });
    }
  }
  assert.ok(checked > 100, `${checked} catalogue ids`);
});

/** Every id listed in the §4 tables. */
function catalogueIds(text: string): Set<number> {
  const out = new Set<number>();
  for (const heading of ["### 4.1", "### 4.2"]) {
    for (const line of section(text, heading)) {
      const cell = line.split("|")[1]?.trim() ?? "";
      if (cell.startsWith("0x")) for (const id of ids(cell)) out.add(id);
    }
  }
  return out;
}

test("§4: ids the reference lists as not needed stay Unknown", { skip }, () => {
  const text = doc();
  const listed = catalogueIds(text);
  const para = text.split("\n").find((l) => l.startsWith("Ids not listed"));
  assert.ok(para);
  const list = para.slice(para.indexOf("(") + 1, para.indexOf(")"));
  let n = 0;
  for (const part of list.split(",")) {
    for (const id of ids(part.replace("/", " / "))) {
      // The ranges are rough ("0x0031–0x0040" spans 0x0033/0x0034, which the tables list).
      if (listed.has(id)) continue;
      assert.equal(messageName(id), undefined, `0x${id.toString(16)}`);
      n++;
    }
  }
  assert.ok(n > 40);
});

test("§6 headings: body sizes of the basic layouts", { skip }, () => {
  let n = 0;
  for (const line of doc().split("\n")) {
    const h = /^#### (.*) — body (.+)$/.exec(line);
    if (!h) continue;
    const title = h[1] ?? "";
    const sizes = [...(h[2] ?? "").matchAll(/\d+/g)].map((m) => Number(m[0]));
    const full = Math.max(...sizes);
    const entries = [...title.matchAll(/(0x[0-9A-Fa-f]{4}) ([A-Za-z0-9]+)[^,/]*?\((P→S|S→P)/g)].map((m) => ({
      id: Number(m[1]),
      s2p: m[3] === "S→P",
    }));
    // "Req (P→S) / Res (S→P) — body N": the size is the response's.
    const targets =
      entries.some((e) => e.s2p) && entries.some((e) => !e.s2p) ? entries.filter((e) => e.s2p) : entries;
    for (const e of targets) {
      const name = messageName(e.id);
      assert.ok(name, `0x${e.id.toString(16)}`);
      assert.equal(layoutSize(name, 0), full, `${name}: ${line}`);
      n++;
    }
  }
  assert.ok(n > 35, `${n} sizes checked`);
});

test("§9.1 device types: every model of the table maps both ways", { skip }, () => {
  let n = 0;
  for (const line of section(doc(), "### 9.1")) {
    const cells = line.split("|").map((c) => c.trim());
    const models = (cells[1] ?? "").replace(/\*/g, "");
    const values = cells[2] ?? "";
    if (!/^\d/.test(values)) continue;
    const vs = values.split("/").map((v) => v.trim());
    let ms = models.split("/").map((m) => m.trim());
    if (ms.length === 1 && vs.length > 1) {
      // "7914 / 7915 (12, 24 keys) / 7916 (12, 24 keys)" style rows are skipped below.
      ms = [];
    }
    if (ms.length !== vs.length) continue;
    ms.forEach((model, i) => {
      const value = vs[i] ?? "";
      if (!/^\d+$/.test(value)) return;
      const clean = model.replace(/\s*\(.*\)$/, "");
      assert.equal(deviceTypeOf(clean), Number(value), `${model} → ${value}`);
      assert.ok(deviceModelName(Number(value)), `${value} has a model name`);
      n++;
    });
  }
  assert.ok(n >= 30, `${n} device types checked`);
});
