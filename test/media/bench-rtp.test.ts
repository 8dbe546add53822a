import { test } from "node:test";
import assert from "node:assert/strict";
import { runRtpBench } from "../../bench/rtp.ts";

test("the RTP bench runs a relay child, sends 50 packets/s per direction and reports JSON figures", async () => {
  const r = await runRtpBench({ calls: 2, seconds: 1, transcode: true });
  assert.equal(r.calls, 2);
  assert.equal(r.packetsPerSecond, 200);
  assert.equal(r.sent, 200, "2 calls × 2 directions × 50 packets");
  assert.ok(r.received > 0 && r.received <= r.sent);
  assert.equal(r.lossPercent, Math.round(((r.sent - r.received) / r.sent) * 100 * 1000) / 1000);
  assert.ok(Number.isFinite(r.serverCpuMs) && r.serverCpuMs > 0);
  assert.ok(Number.isFinite(r.serverCpuPercentOfCore));
  // Scaled from 200 to 5000 packets/s (both figures rounded to 0.01 before and after).
  assert.ok(Math.abs(r.cpuPercentPer5000pps - r.serverCpuPercentOfCore * 25) <= 0.15);
});
