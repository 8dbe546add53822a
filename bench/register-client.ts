/**
 * The phones of the register benchmark, in their own process: registers N virtual phones with at
 * most C registrations in flight, keeps them connected until all are done, prints JSON.
 */
import { VirtualPhone } from "../src/phone/virtual-phone.ts";
import { benchDevice } from "./register.ts";
import { numberArg } from "./support.ts";

const argv = process.argv.slice(2);
const port = numberArg(argv, "port", 2000);
const phones = numberArg(argv, "phones", 2000);
const concurrency = numberArg(argv, "concurrency", 200);
const models = ["7940", "7960", "7912", "7941", "7961", "7911", "7906", "7941GE", "7905"];

const started = performance.now();
const all: VirtualPhone[] = [];
let next = 0;
let registered = 0;
let failures = 0;
let firstError: string | undefined;

async function worker(): Promise<void> {
  while (next < phones) {
    const i = next++;
    const phone = new VirtualPhone({
      host: "127.0.0.1",
      port,
      device: benchDevice(i),
      model: models[i % models.length] ?? "7940",
    });
    all.push(phone);
    try {
      await phone.register(30_000);
      registered++;
    } catch (err) {
      failures++;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
  }
}

await Promise.all(Array.from({ length: Math.min(concurrency, phones) }, () => worker()));
const wallSeconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ registered, failures, wallSeconds: Number(wallSeconds.toFixed(3)), firstError })}\n`,
);
// The parent reads the server's RSS while every phone is still connected, then says "done".
await new Promise((resolve) => process.stdin.once("data", resolve));
for (const p of all) p.close();
process.exit(0);
