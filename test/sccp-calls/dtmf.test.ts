import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { assertClean, connect, device, line, phones, sccpConf, useServer } from "./support.ts";
import { until } from "../support/linekey.ts";

describe("DTMF during a call", () => {
  const t = useServer(
    sccpConf([line(101, "Alice"), line(102, "Bob")], [device(101, [101]), device(102, [102])]),
  );

  it("a digit keyed on one phone is played as its DTMF tone on the other", async () => {
    const [alice, bob] = await phones(t, ["SEP000000000101", "7940"], ["SEP000000000102", "7961"]);
    assert.ok(alice && bob);
    const { a, b } = await connect(alice, bob, "102");
    alice.dial("5", a.lineInstance, a.callReference);
    alice.dial("#", a.lineInstance, a.callReference);
    // sccp-protocol.md §9.2: DTMF 5 = 0x05, # = 0x0F.
    await until(() => b.tones.includes(0x05) && b.tones.includes(0x0f), 3000, "DTMF tones on Bob's phone");
    bob.dial("0", b.lineInstance, b.callReference);
    await until(() => a.tones.includes(0x0a), 3000, "DTMF 0 on Alice's phone");
    alice.onHook(a.lineInstance, a.callReference);
    await assertClean(t, alice, bob);
  });
});
