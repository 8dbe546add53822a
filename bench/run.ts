/**
 * `npm run bench -- NAME [options]`: runs one benchmark and prints its JSON result. Results are
 * also written to bench/results/NAME.json. Benchmarks are never part of `npm test`.
 */
import { mkdirSync, writeFileSync } from "node:fs";

const BENCHES: Record<string, () => Promise<{ run: (argv: string[]) => Promise<unknown> }>> = {
  register: () => import("./register.ts"),
  sip: () => import("./sip.ts"),
  message: () => import("./message.ts"),
  sca: () => import("./sca.ts"),
  calls: () => import("./calls.ts"),
  rtp: async () => {
    const { runRtpBench } = await import("./rtp.ts");
    const { numberArg } = await import("./support.ts");
    return {
      run: (argv: string[]) =>
        runRtpBench({
          calls: numberArg(argv, "calls", 50),
          seconds: numberArg(argv, "seconds", 10),
          transcode: argv.includes("--transcode"),
          latch: argv.includes("--latch"),
          ...(argv.includes("--js") ? { native: false } : {}),
        }),
    };
  },
};

const [name, ...rest] = process.argv.slice(2);
const load = name === undefined ? undefined : BENCHES[name];
if (!load) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join("|")}> [options]\n`);
  process.exit(2);
}
const result = await (await load()).run(rest);
const json = JSON.stringify(result, null, 2);
mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/${name}.json`, import.meta.url), `${json}\n`);
process.stdout.write(`${json}\n`);
