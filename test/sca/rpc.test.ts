/**
 * The `sca.*` RPC commands (reference §9), JSON-RPC over HTTP, `linekey rpc` printing as kamcmd,
 * and the console commands.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { ScaRpcFault } from "../../src/sca/errors.ts";
import { RpcRegistry, RpcServer, rpcCall, runRpcCli } from "../../src/mgmt/rpc-server.ts";
import { scaCommands } from "../../src/mgmt/sca-commands.ts";
import { memoryLogger } from "../../src/util/logger.ts";
import { DOMAIN, ScaTestBed, type Phone } from "./support/testbed.ts";

const AOR = `sip:2107@${DOMAIN}`;
const D = `<sip:${DOMAIN}>`;

let bed: ScaTestBed;
let a: Phone;
let b: Phone;

function fault(fn: () => unknown): ScaRpcFault {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScaRpcFault) return err;
    throw err;
  }
  assert.fail("expected an RPC fault");
}

beforeEach(async () => {
  bed = new ScaTestBed();
  a = bed.phone(5081, "2107");
  b = bed.phone(5082, "2107");
  await a.send(a.subscribeRequest({ callId: "ci-a", expires: 3600 }));
  await b.send(b.subscribeRequest({ callId: "ci-b", expires: 600 }));
});
afterEach(async () => {
  await bed.close();
});

describe("sca.* commands", () => {
  it("all_subscriptions, subscription_count, show_subscription", () => {
    const rpc = bed.module.rpc;
    assert.deepEqual(rpc.call("sca.all_subscriptions").sort(), [
      "2107 127.0.0.1:5081 call-info 3600 active",
      "2107 127.0.0.1:5082 call-info 600 active",
    ]);
    assert.deepEqual(rpc.call("sca.subscription_count", ["call-info"]), ["2 call-info"]);
    assert.deepEqual(rpc.call("sca.subscription_count", ["line-seize"]), ["0 line-seize"]);
    const usage = fault(() => rpc.call("sca.subscription_count", ["presence"]));
    assert.deepEqual(
      [usage.faultCode, usage.message],
      [500, "usage: sca.subscription_count {call-info | line-seize}"],
    );
    const expires = bed.nowMs / 1000 + 600;
    assert.deepEqual(rpc.call("sca.show_subscription", [AOR, "call-info", b.contact]), [
      `${AOR} call-info ${b.contact} ${expires}`,
    ]);
    assert.equal(rpc.call("sca.show_subscription", [AOR, "call-info"]).length, 2);
    assert.equal(fault(() => rpc.call("sca.show_subscription", [AOR])).faultCode, 500);
  });

  it("seize, update, all_appearances, release — with Kamailio's faults", () => {
    const rpc = bed.module.rpc;
    assert.deepEqual(rpc.call("sca.seize_appearance", [AOR, a.contact]), [
      `Seized ${AOR} appearance-index 1 for ${a.contact}`,
    ]);
    assert.deepEqual(rpc.call("sca.update_appearance", [AOR, "1", "alerting"]), []);
    const ringing = fault(() => rpc.call("sca.update_appearance", [AOR, 1, "ringing"]));
    assert.deepEqual([ringing.faultCode, ringing.message], [500, "ringing: invalid state"]);
    rpc.call("sca.update_appearance", [AOR, 1, "held", "sip:300@example.com"]);
    assert.match(
      b.lastCallInfo("ci-b") ?? "",
      /appearance-index=1;appearance-state=held;appearance-uri="<sip:300@example\.com>"/,
    );
    const mtime = bed.nowMs / 1000;
    // Empty callee and dialog fields leave trailing blanks, as kamcmd shows.
    assert.deepEqual(rpc.call("sca.all_appearances"), [`${AOR} 1 held ${mtime} ${a.contact}    `]);
    const notUsed = fault(() => rpc.call("sca.update_appearance", [AOR, 9, "held"]));
    assert.equal(notUsed.message, `Failed to update ${AOR} appearance-index 9`);
    assert.deepEqual(rpc.call("sca.release_appearance", [AOR, 1]), []);
    const again = fault(() => rpc.call("sca.release_appearance", [AOR, 1]));
    assert.deepEqual([again.faultCode, again.message], [500, `${AOR} appearance index 1 is not in use`]);
    const none = fault(() => rpc.call("sca.release_appearance", ["sip:nobody@x", 1]));
    assert.equal(none.message, "No appearances for sip:nobody@x");
    assert.equal(fault(() => rpc.call("sca.seize_appearance", [AOR])).faultCode, 500);
    assert.equal(fault(() => rpc.call("sca.release_appearance", [AOR, "one"])).faultCode, 500);
    // The NOTIFYs: seized, alerting, held+uri, idle.
    assert.deepEqual(
      b
        .notifiesOn("ci-b")
        .slice(1)
        .map(
          (n) =>
            /appearance-index=1;appearance-state=([a-z-]+)/.exec(
              n.headers.lines("Call-Info")[0]?.value ?? "",
            )?.[1] ?? "idle",
        ),
      ["seized", "alerting", "held", "idle"],
    );
  });

  it("deactivate_all_subscriptions NOTIFYs terminated;reason=deactivated; unimplemented ones fault 600", () => {
    const rpc = bed.module.rpc;
    const lines = rpc.call("sca.deactivate_all_subscriptions").sort();
    assert.deepEqual(lines, [
      `Deactivating call-info subscription from ${a.contact}`,
      `Deactivating call-info subscription from ${b.contact}`,
    ]);
    const n = a.notifiesOn("ci-a").at(-1)!;
    assert.equal(n.header("Subscription-State"), "terminated;reason=deactivated");
    assert.equal(n.headers.lines("Call-Info")[0]?.value, `${D};appearance-index=*;appearance-state=idle`);
    bed.module.purge();
    assert.equal(bed.module.context.subscriptions.size, 0);
    for (const [m, text] of [
      ["sca.subscribers", "Not yet implemented"],
      ["sca.show_appearance", "Not yet implemented"],
      ["sca.deactivate_subscription", "Not implemented"],
    ] as const) {
      const f = fault(() => rpc.call(m));
      assert.deepEqual([f.faultCode, f.message, f.code], [600, text, "SCA_ERR_RPC_NOT_IMPLEMENTED"]);
    }
  });
});

describe("JSON-RPC over HTTP and `linekey rpc`", () => {
  it("serves the commands, faults as error objects, and prints like kamcmd", async () => {
    const registry = new RpcRegistry();
    for (const m of bed.module.rpc.methods) registry.register(m, (p) => bed.module.rpc.call(m, p));
    const server = new RpcServer(registry, memoryLogger().logger);
    const at = await server.listen("127.0.0.1", 0);
    try {
      const target = { host: "127.0.0.1", port: at.port };
      const ok = await rpcCall(target, "sca.seize_appearance", [AOR, a.contact]);
      assert.deepEqual(ok, {
        jsonrpc: "2.0",
        id: 1,
        result: [`Seized ${AOR} appearance-index 1 for ${a.contact}`],
      });
      const err = await rpcCall(target, "sca.update_appearance", [AOR, 1, "ringing"]);
      assert.deepEqual(err, {
        jsonrpc: "2.0",
        id: 1,
        error: { code: 500, message: "ringing: invalid state" },
      });
      const unknown = await rpcCall(target, "sca.nope", []);
      assert.ok("error" in unknown && unknown.error.code === -32601);
      const listed = await rpcCall(target, "system.listMethods", []);
      assert.ok(
        "result" in listed && Array.isArray(listed.result) && listed.result.includes("sca.all_appearances"),
      );
      // kamcmd's printing through the CLI entry point.
      const general = { rpcBindaddr: "127.0.0.1", rpcPort: at.port };
      let out = "";
      const write = (t: string): void => {
        out += t;
      };
      assert.equal(await runRpcCli(general, ["sca.update_appearance", AOR, "1", "alerting"], write), 0);
      assert.equal(out, "");
      assert.equal(await runRpcCli(general, ["sca.update_appearance", AOR, "1", "ringing"], write), 1);
      assert.equal(out, "error: 500 - ringing: invalid state\n");
      out = "";
      assert.equal(await runRpcCli(general, ["sca.subscription_count", "call-info", "--json"], write), 0);
      assert.deepEqual(JSON.parse(out), { jsonrpc: "2.0", id: 1, result: ["2 call-info"] });
      out = "";
      assert.equal(
        await runRpcCli({ rpcBindaddr: "127.0.0.1", rpcPort: 0 }, ["sca.all_subscriptions"], write),
        2,
      );
      assert.match(out, /JSON-RPC is off/);
      // A body that is not JSON.
      const parseError = await new Promise<string>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port: at.port, method: "POST", path: "/" }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve(body));
        });
        req.on("error", reject);
        req.end("{");
      });
      assert.deepEqual(JSON.parse(parseError), {
        jsonrpc: "2.0",
        id: null,
        error: { code: -32700, message: "Parse error" },
      });
    } finally {
      await server.close();
    }
  });
});

describe("console", () => {
  it("sca show subscriptions / appearances", async () => {
    bed.module.rpc.call("sca.seize_appearance", [AOR, a.contact]);
    const [subs, apps] = scaCommands(() => bed.module);
    const s = await subs!.run({ args: [], line: "sca show subscriptions" });
    assert.match(
      s,
      new RegExp(
        `^${AOR}\\s+call-info\\s+${a.contact.replace(/\./g, "\\.")}\\s+3600\\s+0\\s+2  active$`,
        "m",
      ),
    );
    assert.match(s, /^2 SCA subscriptions$/m);
    const p = await apps!.run({ args: [], line: "sca show appearances" });
    assert.match(p, new RegExp(`^${AOR}\\s+1 seized\\s+0 ${a.contact.replace(/\./g, "\\.")}`, "m"));
    assert.match(p, /^1 appearance in use on 1 SCA line$/m);
    assert.equal(
      await scaCommands(() => undefined)[0]!.run({ args: [], line: "" }),
      "SCA is off (no SIP server)\n",
    );
  });
});
