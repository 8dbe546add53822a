import { test } from "node:test";
import assert from "node:assert/strict";
import { addContext, addInclude, addPriority, createDialplan } from "../../src/core/dialplan/model.ts";
import { builtinApplications, unknownApplications } from "../../src/core/dialplan/app-registry.ts";
import { findPriority } from "../../src/core/dialplan/matcher.ts";
import { dialplanShow } from "../../src/core/dialplan/show.ts";
import { parseDialplanText } from "../../src/core/dialplan/parser.ts";

test("contexts can be built in code, with their own registrar, kept sorted", () => {
  const dp = createDialplan();
  const parking = addContext(dp, "parkedcalls", "res_features");
  addPriority(parking, "_7X", { priority: 1, app: "ParkedCall", appData: "default" });
  addPriority(parking, "700", { priority: 1, app: "Park", appData: "" });
  assert.equal(addContext(dp, "parkedcalls"), parking); // find or create
  assert.deepEqual(
    parking.extensions.map((e) => e.name),
    ["700", "_7X"],
  );
  assert.equal(findPriority(dp, "parkedcalls", "71", 1)?.priority.app, "ParkedCall");
  assert.match(dialplanShow(dp), /\[ Context 'parkedcalls' created by 'res_features' \]/);
  assert.match(dialplanShow(dp), /1\. Park\(\) +\[res_features\]/);
  assert.throws(() => addPriority(parking, "700", { priority: 1, app: "NoOp", appData: "" }), {
    code: "CORE_ERR_DIALPLAN",
  });
  assert.throws(() => addPriority(parking, "_[7", { priority: 1, app: "NoOp", appData: "" }), {
    code: "CORE_ERR_DIALPLAN",
  });
  assert.equal(addInclude(parking, { name: "x", file: undefined, line: undefined }), true);
  assert.equal(addInclude(parking, { name: "x", file: undefined, line: undefined }), false);
});

test("patterns that sort equal are one extension, as in Asterisk", () => {
  const dp = createDialplan();
  const ctx = addContext(dp, "c");
  addPriority(ctx, "_[12]X", { priority: 1, app: "NoOp", appData: "a" });
  addPriority(ctx, "_[21]X", { priority: 2, app: "NoOp", appData: "b" });
  assert.equal(ctx.extensions.length, 1);
  assert.equal(findPriority(dp, "c", "15", 2)?.priority.appData, "b");
});

test("unknownApplications lists priorities whose application is not registered", () => {
  const dp = parseDialplanText("[c]\nexten => 1,hint,SCCP/1\nexten => 1,1,NoOp\nsame => n,Dial(SCCP/1)\n");
  const warnings = unknownApplications(dp, builtinApplications());
  assert.deepEqual(
    warnings.map((w) => [w.line, w.key, w.message]),
    [[4, "1@c", "unknown application 'Dial' at priority 2"]],
  );
});
