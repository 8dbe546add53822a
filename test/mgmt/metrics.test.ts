import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { startServer, type TestServer } from "../support/linekey.ts";
import { formatMetrics } from "../../src/mgmt/metrics.ts";
import { connect, device, line, sccpConf, DIALPLAN } from "../sccp-calls/support.ts";

function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] ?? "", body }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

function sample(text: string, name: string): number {
  const m = new RegExp(`^${name.replace(/[{}"=]/g, (c) => `\\${c}`)} (\\S+)$`, "m").exec(text);
  assert.ok(m, `${name} in\n${text}`);
  return Number(m[1]);
}

describe("GET /metrics", () => {
  let t: TestServer;
  before(async () => {
    t = await startServer(
      sccpConf([line(101, "Alice"), line(102, "Bob")], [device(101, [101]), device(102, [102])]),
      { rpc: true },
      DIALPLAN,
    );
  });
  after(async () => {
    await t.stop();
  });

  it("formats labels and escapes values", () => {
    const text = formatMetrics([
      { name: "x", help: "An x.", type: "gauge", samples: [{ labels: { a: 'q"\\' }, value: 2 }] },
    ]);
    assert.equal(text, '# HELP x An x.\n# TYPE x gauge\nx{a="q\\"\\\\"} 2\n');
  });

  it("reports devices, channels, bridges and RTP ports of a live call", () => {
    const text = t.server.metricsText();
    assert.equal(sample(text, 'linekey_sccp_devices{state="registered"}'), 0);
    assert.equal(sample(text, 'linekey_sccp_devices{state="unregistered"}'), 2);
    assert.equal(sample(text, "linekey_channels"), 0);
  });

  it("is served over HTTP while a call is up", async () => {
    const port = t.server.rpcListening?.port;
    assert.ok(port !== undefined, "RPC/metrics listener started");
    const alice = t.phone("SEP000000000101", "7940");
    const bob = t.phone("SEP000000000102", "7940");
    await alice.register();
    await bob.register();
    const { a } = await connect(alice, bob, "102");
    const r = await get(port, "/metrics");
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/plain; version=0\.0\.4/);
    assert.equal(sample(r.body, 'linekey_sccp_devices{state="registered"}'), 2);
    assert.equal(sample(r.body, "linekey_channels"), 2);
    assert.equal(sample(r.body, "linekey_bridges"), 1);
    assert.equal(sample(r.body, "linekey_calls_total"), 1);
    assert.ok(sample(r.body, "linekey_rtp_ports_in_use") >= 2);
    assert.ok(sample(r.body, "process_resident_memory_bytes") > 0);
    alice.onHook(a.lineInstance, a.callReference);
  });
});
