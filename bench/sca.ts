/**
 * `npm run bench -- sca [--aors N] [--rates R1,R2,…] [--cycles N] [--cycle-seconds S] [--cycle-aors N]
 * [--cycle-rates R1,R2,…]`:
 * SIPp against a Linekey process (SIP on loopback, `auth = no`, subscriptions written through to
 * a durable SQLite file as in production).
 *
 * 1. call-info SUBSCRIBE + NOTIFY: N fresh AoRs per step (one SUBSCRIBE, its 202, its NOTIFY and
 *    the phone's 200 each) at rising rates, until a step has failures.
 * 2. full SCA call cycles as Kamailio's figures count them: a pool of AoRs (`--cycle-aors`, 2000)
 *    with three call-info subscribers each, subscribed before and held by one SIPp; per cycle a
 *    line-seize, INVITE with Call-Info to a SIPp UAS, 180, 200, ACK, BYE on the next AoR of the
 *    pool — and the 17 NOTIFYs on the way (answered by SIPp's `-aa`: they come in bursts no
 *    strict SIPp sequence can follow) — at rising rates.
 *
 * Output: per step the offered and achieved rate, failures, the server's CPU ms per item (from
 * /proc) and the loopback datagrams per item (all processes, /proc/net/snmp: a check of what
 * an item is); the highest achieved rate with 0 failures (rising stops at the first step with
 * failures or below 90 % of its offered rate); the server's RSS. Kamailio 5.6.3's figures for
 * reference.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { rpcCall } from "../src/mgmt/rpc-server.ts";
import { freePort, numberArg, processCpuMs, processRssKb } from "./support.ts";

const LINEKEY = fileURLToPath(new URL("../bin/linekey.js", import.meta.url));

const REFERENCE = {
  server: "Kamailio 5.6.3 + sca",
  subscribeNotifyPerSecond: 8000,
  cpuMsPerSubscribeNotify: "0.07-0.10",
  cyclesPerSecond: 900,
};

function listArg(argv: string[], name: string, dflt: number[]): number[] {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  return (argv[i + 1] ?? "")
    .split(",")
    .map(Number)
    .filter((n) => Number.isFinite(n) && n > 0);
}

const OK_200 = `SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
`;

function send(text: string, retrans = false): string {
  return `  <send${retrans ? ' retrans="500"' : ""}>\n    <![CDATA[\n\n${text}\n    ]]>\n  </send>\n`;
}

function recvNotifyAnd200(n: number): string {
  return `  <recv request="NOTIFY" timeout="10000"/>\n${send(OK_200)}`.repeat(n);
}

function scenario(name: string, body: string): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="${name}">\n${body}</scenario>\n`;
}

export const SUBSCRIBE_XML = scenario(
  "sca-bench-subscribe",
  send(
    `SUBSCRIBE sip:[prefix][call_number]@127.0.0.1 SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[prefix][call_number]@127.0.0.1>;tag=ci-[call_number]
To: <sip:[prefix][call_number]@127.0.0.1>
Call-ID: [call_id]
CSeq: 1 SUBSCRIBE
Contact: <sip:[prefix][call_number]@[local_ip]:[local_port]>
Max-Forwards: 70
Event: call-info
Expires: 3600
Content-Length: 0
`,
    true,
  ) +
    `  <recv response="202" timeout="10000"/>\n` +
    recvNotifyAnd200(1),
);

const SDP = `v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio 40000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=sendrecv
`;

function ciSubscribe(i: number, expires: number): string {
  return send(
    `SUBSCRIBE sip:[field0]@127.0.0.1 SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@127.0.0.1>;tag=ci${i}-[call_number]
To: <sip:[field0]@127.0.0.1>
Call-ID: [call_id]
CSeq: 1 SUBSCRIBE
Contact: <sip:[field0]@[local_ip]:[local_port];ph=${i}>
Max-Forwards: 70
Event: call-info
Expires: ${expires}
Content-Length: 0
`,
    true,
  );
}

/**
 * The call-info subscribers of the cycles: three subscriptions per AoR of the pool (the AoR is
 * field 0 of SIPp's injection file), held for the whole phase — each call pauses for a day, and
 * SIPp's `-aa` answers the NOTIFYs that arrive meanwhile.
 */
export const SUBSCRIBERS_XML = scenario(
  "sca-bench-subscribers",
  [1, 2, 3].map((i) => ciSubscribe(i, 3600) + `  <recv response="202" timeout="10000"/>\n`).join("") +
    `  <pause milliseconds="86400000"/>\n`,
);

/**
 * One SCA call cycle as the issue and Kamailio's figures count it: seize appearance 1 of an AoR
 * of the pool, INVITE with Call-Info to the SIPp UAS, 180, 200, ACK, BYE. With three call-info
 * subscribers per AoR that is 17 NOTIFYs: the seizer's line-seize NOTIFY and its terminating
 * one, and five call-info broadcasts (seized, progressing, alerting, active, idle) to three.
 */
export const CYCLE_XML = scenario(
  "sca-bench-cycle",
  send(
    `SUBSCRIBE sip:[field0]@127.0.0.1 SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@127.0.0.1>;tag=ls-[call_number]
To: <sip:[field0]@127.0.0.1>
Call-ID: [call_id]
CSeq: 1 SUBSCRIBE
Contact: <sip:[field0]@[local_ip]:[local_port];ph=1>
Max-Forwards: 70
Event: line-seize
Expires: 15
Call-Info: <sip:127.0.0.1>;appearance-index=1
Content-Length: 0
`,
    true,
  ) +
    `  <recv response="200" timeout="10000"/>\n` +
    send(
      `INVITE sip:300@127.0.0.1:[uas] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@127.0.0.1>;tag=iv-[call_number]
To: <sip:300@127.0.0.1:[uas]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:[field0]@[local_ip]:[local_port];ph=1>
Max-Forwards: 70
Call-Info: <sip:127.0.0.1>;appearance-index=1
Content-Type: application/sdp
Content-Length: [len]

${SDP}`,
      true,
    ) +
    `  <recv response="100" optional="true" timeout="10000"/>\n` +
    `  <recv response="180" timeout="10000"/>\n` +
    `  <recv response="200" rrs="true" timeout="10000"/>\n` +
    send(`ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@127.0.0.1>;tag=iv-[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
[routes]
Contact: <sip:[field0]@[local_ip]:[local_port];ph=1>
Max-Forwards: 70
Content-Length: 0
`) +
    send(
      `BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@127.0.0.1>;tag=iv-[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 BYE
[routes]
Contact: <sip:[field0]@[local_ip]:[local_port];ph=1>
Max-Forwards: 70
Content-Length: 0
`,
      true,
    ) +
    `  <recv response="200" timeout="10000"/>\n` +
    // The seizer's NOTIFYs (auto-answered) come early in the call; a short pause lets a late
    // retransmission still find the call.
    `  <pause milliseconds="100"/>\n`,
);

export const UAS_XML = scenario(
  "sca-bench-uas",
  `  <recv request="INVITE" rrs="true"/>\n` +
    send(`SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=uas-[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:300@[local_ip]:[local_port]>
Content-Length: 0
`) +
    send(`SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=uas-[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:300@[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

${SDP}`) +
    `  <recv request="ACK" timeout="30000"/>\n  <recv request="BYE" timeout="30000"/>\n` +
    send(`SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
`),
);

interface Step {
  rate: number;
  items: number;
  completed: number;
  failed: number;
  wallSeconds: number;
  achievedPerSecond: number;
  serverCpuMsPerItem: number;
  datagramsPerItem: number | null;
}

/** UDP datagrams sent by every process so far (Linux), or undefined. */
function sentDatagrams(): number | undefined {
  try {
    const rows = readFileSync("/proc/net/snmp", "utf8")
      .split("\n")
      .filter((l) => l.startsWith("Udp:"));
    const names = (rows[0] ?? "").split(" ");
    const values = (rows[1] ?? "").split(" ");
    const v = Number(values[names.indexOf("OutDatagrams")]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * SIPp's socket buffers (default 64 KB). The NOTIFYs of a call event come as a burst of a dozen
 * datagrams per cycle; with SIPp's default the kernel dropped them at SIPp's socket (seen in
 * /proc/net/udp), and the bench counted the load generator's losses as the server's failures.
 */
const SIPP_BUFFER = ["-buff_size", String(4 * 1024 * 1024)];

/** Runs SIPp to completion; returns its exit code and the last line of its statistics. */
async function runSipp(
  args: string[],
  statFile: string,
): Promise<{ code: number | null; successful: number; failed: number; seconds: number }> {
  const child = spawn("sipp", [...args, ...SIPP_BUFFER, "-trace_stat", "-stf", statFile, "-fd", "3600"], {
    stdio: "ignore",
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const lines = readFileSync(statFile, "utf8").trim().split("\n");
  const head = (lines[0] ?? "").split(";");
  const last = (lines[lines.length - 1] ?? "").split(";");
  const col = (name: string): number => Number(last[head.indexOf(name)] ?? 0);
  // StartTime and CurrentTime are "date<TAB>time<TAB>epoch".
  const epoch = (name: string): number => Number((last[head.indexOf(name)] ?? "").split("\t")[2] ?? 0);
  const seconds = epoch("CurrentTime") - epoch("StartTime");
  return { code, successful: col("SuccessfulCall(C)"), failed: col("FailedCall(C)"), seconds };
}

async function startLinekey(dir: string, rpcPort: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [LINEKEY, "--config", dir, "--log-level", "error"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const end = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`linekey exited: ${err}`);
    try {
      await rpcCall({ host: "127.0.0.1", port: rpcPort }, "sca.subscription_count", ["call-info"], 2000);
      return child;
    } catch {
      if (Date.now() > end) throw new Error(`linekey did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Rising-rate steps of one scenario; stops after the first step with failures. */
async function rising(
  pid: number,
  dir: string,
  label: string,
  xml: string,
  itemsAt: (rate: number) => number,
  rates: number[],
  extra: string[],
  sipPort: number,
): Promise<Step[]> {
  const file = join(dir, `${label}.xml`);
  writeFileSync(file, xml);
  const steps: Step[] = [];
  for (const rate of rates) {
    const items = itemsAt(rate);
    const port = await freePort();
    const cpu0 = processCpuMs(pid);
    const sent0 = sentDatagrams();
    const t0 = process.hrtime.bigint();
    const r = await runSipp(
      [
        `127.0.0.1:${sipPort}`,
        "-sf",
        file,
        "-i",
        "127.0.0.1",
        "-p",
        String(port),
        "-m",
        String(items),
        "-r",
        String(rate),
        "-l",
        String(Math.max(rate * 10, 1000)),
        "-nostdin",
        "-timeout",
        "300",
        "-key",
        "prefix",
        `${label}${rate}u`,
        ...extra,
      ],
      join(dir, `${label}-${rate}.csv`),
    );
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = processCpuMs(pid) - cpu0;
    const sent1 = sentDatagrams();
    const step: Step = {
      rate,
      items,
      completed: r.successful,
      failed: r.failed + (items - r.successful - r.failed),
      wallSeconds: Number(wall.toFixed(2)),
      // SIPp's own clock: from its first call to its last (without its start-up).
      achievedPerSecond: Math.round(r.successful / Math.max(r.seconds, 1e-3)),
      serverCpuMsPerItem: Number((cpu / Math.max(1, r.successful)).toFixed(4)),
      datagramsPerItem:
        sent0 === undefined || sent1 === undefined
          ? null
          : Number(((sent1 - sent0) / Math.max(1, r.successful)).toFixed(1)),
    };
    steps.push(step);
    process.stderr.write(`sca bench ${label} rate ${rate}/s: ${JSON.stringify(step)}\n`);
    // Failures, or a rate that was not reached (SIPp or Linekey saturated): no point going higher.
    if (step.failed > 0 || step.achievedPerSecond < rate * 0.9) break;
  }
  return steps;
}

/** The clean step with the highest achieved rate. */
function best(steps: Step[]): Step | undefined {
  return steps.filter((s) => s.failed === 0).sort((a, b) => b.achievedPerSecond - a.achievedPerSecond)[0];
}

/** A SIPp that runs until killed (UAS, held subscribers). */
function spawnSipp(args: string[]): ChildProcess {
  return spawn("sipp", [...args, "-nostdin", "-timeout", "3600", ...SIPP_BUFFER], { stdio: "ignore" });
}

async function subscriptionCount(rpcPort: number): Promise<number> {
  // kamcmd's form: ["<n> call-info"].
  const reply = await rpcCall(
    { host: "127.0.0.1", port: rpcPort },
    "sca.subscription_count",
    ["call-info"],
    5000,
  );
  const result = (reply as { result?: unknown }).result;
  return Number.parseInt(String(Array.isArray(result) ? result[0] : result), 10);
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("sca bench: the held subscriptions were not all made");
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs the benchmark. */
export async function run(argv: string[]): Promise<unknown> {
  const aors = numberArg(argv, "aors", 10_000);
  const rates = listArg(argv, "rates", [500, 1000, 2000, 3000, 4000, 6000, 8000, 10000]);
  const cycles = numberArg(argv, "cycles", 1000);
  // A step of a few hundred cycles at the high rates ends within SIPp's ramp-up: each step runs
  // at least this long.
  const cycleSeconds = numberArg(argv, "cycle-seconds", 10);
  const cycleAors = numberArg(argv, "cycle-aors", 2000);
  const cycleRates = listArg(argv, "cycle-rates", [50, 100, 150, 200, 300, 450, 600, 900, 1000, 1100, 1200]);
  const dir = mkdtempSync(join(tmpdir(), "linekey-bench-sca-"));
  const sipPort = await freePort();
  const rpcPort = await freePort();
  const sccpPort = await freePort();
  writeFileSync(join(dir, "sccp.conf"), `[general]\nbindaddr=127.0.0.1\nport=${sccpPort}\n`);
  writeFileSync(
    join(dir, "linekey.conf"),
    `[general]\nrpc_bindaddr = 127.0.0.1\nrpc_port = ${rpcPort}\n[sip]\nbindaddr = 127.0.0.1\nudp_port = ${sipPort}\ntcp_port = ${sipPort}\nauth = no\n`,
  );
  const server = await startLinekey(dir, rpcPort);
  const pid = server.pid ?? 0;
  let uas: ChildProcess | undefined;
  let subscribers: ChildProcess | undefined;
  try {
    await new Promise((r) => setTimeout(r, 500));
    const rss0 = processRssKb(pid);
    const subscribe = await rising(pid, dir, "s", SUBSCRIBE_XML, () => aors, rates, [], sipPort);
    const rssSubscribed = processRssKb(pid);
    const uasPort = await freePort();
    writeFileSync(join(dir, "uas.xml"), UAS_XML);
    uas = spawnSipp(["-sf", join(dir, "uas.xml"), "-i", "127.0.0.1", "-p", String(uasPort)]);
    // The cycles' AoRs and their three call-info subscribers each, held by one SIPp.
    const pool = join(dir, "aors.csv");
    writeFileSync(
      pool,
      `SEQUENTIAL\n${Array.from({ length: cycleAors }, (_, i) => `cyc${i + 1};`).join("\n")}\n`,
    );
    writeFileSync(join(dir, "subscribers.xml"), SUBSCRIBERS_XML);
    const held = await subscriptionCount(rpcPort);
    subscribers = spawnSipp([
      `127.0.0.1:${sipPort}`,
      "-sf",
      join(dir, "subscribers.xml"),
      "-i",
      "127.0.0.1",
      "-p",
      String(await freePort()),
      "-inf",
      pool,
      "-m",
      String(cycleAors),
      "-r",
      "500",
      "-l",
      String(cycleAors),
      "-aa",
    ]);
    await waitFor(async () => (await subscriptionCount(rpcPort)) >= held + 3 * cycleAors, 120_000);
    // Let the initial NOTIFYs and their transactions settle before measuring.
    await new Promise((r) => setTimeout(r, 2000));
    const cycleSteps = await rising(
      pid,
      dir,
      "c",
      CYCLE_XML,
      (rate) => Math.max(cycles, Math.round(rate * cycleSeconds)),
      cycleRates,
      ["-aa", "-inf", pool, "-key", "uas", String(uasPort)],
      sipPort,
    );
    const rssEnd = processRssKb(pid);
    const sBest = best(subscribe);
    const cBest = best(cycleSteps);
    return {
      bench: "sca",
      persistence: "write-through before the 2xx, SQLite synchronous=FULL, group commit",
      subscribeNotify: {
        aorsPerStep: aors,
        steps: subscribe,
        highestRateWithoutFailures: sBest?.achievedPerSecond ?? 0,
        serverCpuMsPerSubscribeNotify: sBest?.serverCpuMsPerItem ?? null,
        serverRssKbBaseline: rss0,
        serverRssKbAfter: rssSubscribed,
        subscriptionsHeld: subscribe.reduce((n, s) => n + s.completed, 0),
      },
      callCycles: {
        aors: cycleAors,
        subscribersPerAor: 3,
        notifiesPerCycle: 17,
        cyclesPerStep: `at least ${String(cycles)}, and ${String(cycleSeconds)} s of the offered rate`,
        steps: cycleSteps,
        highestRateWithoutFailures: cBest?.achievedPerSecond ?? 0,
        serverCpuMsPerCycle: cBest?.serverCpuMsPerItem ?? null,
        serverRssKbAfter: rssEnd,
      },
      reference: REFERENCE,
      node: process.version,
    };
  } finally {
    uas?.kill("SIGKILL");
    subscribers?.kill("SIGKILL");
    if (server.exitCode === null) {
      const done = new Promise<void>((resolve) => server.once("exit", () => resolve()));
      server.kill("SIGTERM");
      await done;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
