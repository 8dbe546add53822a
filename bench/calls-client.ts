/**
 * The phones of the calls benchmark, in their own process. Registers 2 × P virtual 7940s, then
 * for each `{rate, seconds}` line on stdin places calls from pair k's first phone to its second
 * at that rate and prints one JSON line with the phase's figures.
 */
import { createInterface } from "node:readline";
import { VirtualPhone, type PhoneCall } from "../src/phone/virtual-phone.ts";
import { CallStateCode } from "../src/sccp/protocol/index.ts";
import { callsDevice, callsExten } from "./calls.ts";
import { numberArg } from "./support.ts";

const argv = process.argv.slice(2);
const port = numberArg(argv, "port", 2000);
const pairs = numberArg(argv, "pairs", 300);
const holdMs = numberArg(argv, "hold-ms", 0);

const phones: VirtualPhone[] = [];
let regFailures = 0;
for (let n = 0; n < pairs * 2; n++)
  phones.push(new VirtualPhone({ host: "127.0.0.1", port, device: callsDevice(n), model: "7940" }));
for (let k = 0; k < phones.length; k += 100) {
  await Promise.all(
    phones.slice(k, k + 100).map((p) =>
      p.register(30_000).catch(() => {
        regFailures++;
      }),
    ),
  );
}
process.stdout.write(
  `${JSON.stringify({ registered: phones.length - regFailures, failures: regFailures })}\n`,
);

const idle: number[] = Array.from({ length: pairs }, (_, k) => k);

async function oneCall(k: number): Promise<number> {
  const caller = phones[2 * k];
  const callee = phones[2 * k + 1];
  if (!caller || !callee) throw new Error("no such pair");
  caller.calls.clear();
  callee.calls.clear();
  const t0 = performance.now();
  caller.offHook();
  caller.dial(callsExten(2 * k + 1));
  const ringing = await callee.waitForCallState(CallStateCode.RingIn, undefined, 5000);
  callee.answer(ringing);
  const connected: PhoneCall = await caller.waitForCallState(CallStateCode.Connected, undefined, 5000);
  const setup = performance.now() - t0;
  if (holdMs > 0) await new Promise((r) => setTimeout(r, holdMs));
  caller.onHook(connected.lineInstance, connected.callReference);
  await callee.waitForCallState(CallStateCode.OnHook, (c) => c.callReference === ringing.callReference, 5000);
  await caller.waitForCallState(
    CallStateCode.OnHook,
    (c) => c.callReference === connected.callReference,
    5000,
  );
  return setup;
}

async function phase(rate: number, seconds: number): Promise<object> {
  const setups: number[] = [];
  let attempted = 0;
  let failures = 0;
  let firstError: string | undefined;
  const running: Promise<void>[] = [];
  const total = Math.round(rate * seconds);
  const start = performance.now();
  for (let n = 0; n < total; n++) {
    // Pace by the clock, not by a fixed sleep, so slow turns are caught up.
    const due = start + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    attempted++;
    const k = idle.shift();
    if (k === undefined) {
      failures++;
      firstError ??= "no idle pair: calls take longer than the rate allows";
      continue;
    }
    running.push(
      oneCall(k).then(
        (s) => {
          setups.push(s);
          idle.push(k);
        },
        (err: unknown) => {
          failures++;
          firstError ??= err instanceof Error ? err.message : String(err);
          // A pair whose call failed may still be in a call: leave it out of the rotation.
        },
      ),
    );
  }
  await Promise.all(running);
  setups.sort((a, b) => a - b);
  const pct = (p: number): number =>
    Number((setups[Math.min(setups.length - 1, Math.floor(p * setups.length))] ?? 0).toFixed(2));
  return {
    rate,
    attempted,
    completed: setups.length,
    failures,
    setupMedianMs: pct(0.5),
    setupP99Ms: pct(0.99),
    firstError,
  };
}

for await (const line of createInterface({ input: process.stdin })) {
  const cmd = JSON.parse(line) as { rate?: number; seconds?: number; quit?: boolean };
  if (cmd.quit) break;
  process.stdout.write(`${JSON.stringify(await phase(cmd.rate ?? 10, cmd.seconds ?? 5))}\n`);
}
for (const p of phones) p.close();
process.exit(0);
