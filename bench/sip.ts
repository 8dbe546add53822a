/**
 * `npm run bench -- sip [--registers N] [--calls N] [--rate R] [--concurrency C]`: a Linekey
 * process with SIP on loopback and digest authentication; SIPp drives it.
 *
 * 1. REGISTER with authentication (401, REGISTER with credentials, 200), N times from two phones
 *    (SIPp processes) at up to R per second each;
 * 2. proxied call cycles between two registered SIPp phones: INVITE, 407, ACK, INVITE with
 *    credentials, 100, 180, 200, ACK, BYE, 200, N calls at up to R per second.
 *
 * Output: operations, failures (SIPp "Failed call" counts), wall seconds, operations per second
 * and the server's CPU ms per operation (from /proc/PID/stat, user + system).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  freePort,
  numberArg,
  processCpuMs,
  processRssKb,
  startLinekeyProcess,
  stopProcess,
} from "./support.ts";

const PASSWORD = "bench-secret";

const REGISTER_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="bench-register">
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@[remote_ip]>;tag=r[pid]-[call_number]
To: <sip:[service]@[remote_ip]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:[service]@[local_ip]:[local_port]>
Max-Forwards: 70
Expires: 3600
Content-Length: 0

]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@[remote_ip]>;tag=r[pid]-[call_number]
To: <sip:[service]@[remote_ip]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:[service]@[local_ip]:[local_port]>
[authentication]
Max-Forwards: 70
Expires: 3600
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
`;

const SDP = `v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio 40000 RTP/AVP 0
a=sendrecv`;

const invite = (cseq: number, auth: string): string => `  <send retrans="500"><![CDATA[
INVITE sip:callee@[remote_ip] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:caller@[remote_ip]>;tag=a[pid]-[call_number]
To: <sip:callee@[remote_ip]>
Call-ID: [call_id]
CSeq: ${cseq} INVITE
Contact: <sip:caller@[local_ip]:[local_port]>
${auth}Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

${SDP}

]]></send>
`;

const CALLER_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="bench-caller">
${invite(1, "")}  <recv response="100" optional="true"/>
  <recv response="407" auth="true"/>
  <send><![CDATA[
ACK sip:callee@[remote_ip] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-3]
From: <sip:caller@[remote_ip]>;tag=a[pid]-[call_number]
To: <sip:callee@[remote_ip]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
${invite(2, "[authentication]\n")}  <recv response="100" optional="true"/>
  <recv response="180"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:caller@[remote_ip]>;tag=a[pid]-[call_number]
To: <sip:callee@[remote_ip]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 ACK
[routes]
Max-Forwards: 70
Content-Length: 0

]]></send>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:caller@[remote_ip]>;tag=a[pid]-[call_number]
To: <sip:callee@[remote_ip]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 3 BYE
[routes]
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
`;

const CALLEE_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="bench-callee">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=b[pid]-[call_number]
[last_Record-Route:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:callee@[local_ip]:[local_port]>
Content-Length: 0

]]></send>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=b[pid]-[call_number]
[last_Record-Route:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:callee@[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

${SDP}

]]></send>
  <recv request="ACK"/>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
`;

interface SippResult {
  code: number | null;
  successful: number;
  failed: number;
  seconds: number;
}

function runSipp(args: string[]): Promise<SippResult> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn("sipp", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      const count = (name: string): number => {
        const m = new RegExp(`${name}\\s+\\|\\s+\\d+\\s+\\|\\s+(\\d+)`).exec(out);
        return m ? Number(m[1]) : 0;
      };
      resolve({
        code,
        successful: count("Successful call"),
        failed: count("Failed call"),
        seconds: Number(process.hrtime.bigint() - t0) / 1e9,
      });
    });
  });
}

function common(file: string, port: number, calls: number, extra: string[]): string[] {
  return [
    "-sf",
    file,
    "-i",
    "127.0.0.1",
    "-p",
    String(port),
    "-m",
    String(calls),
    "-nostdin",
    "-timeout",
    "120s",
    "-timeout_error",
    ...extra,
  ];
}

/** Runs the benchmark. */
export async function run(argv: string[]): Promise<unknown> {
  const registers = numberArg(argv, "registers", 4000);
  const calls = numberArg(argv, "calls", 1000);
  const rate = numberArg(argv, "rate", 400);
  const concurrency = numberArg(argv, "concurrency", 100);
  const dir = mkdtempSync(join(tmpdir(), "linekey-bench-sip-"));
  const [sccpPort, sipPort, regA, regB, callerPort, calleePort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  writeFileSync(join(dir, "sccp.conf"), `[general]\nbindaddr=127.0.0.1\nport=${sccpPort}\n`);
  const users = ["reg-a", "reg-b", "caller", "callee"]
    .map((u) => `[${u}]\ntype = user\nsecret = ${PASSWORD}\n`)
    .join("");
  writeFileSync(
    join(dir, "linekey.conf"),
    `[sip]\nbindaddr = 127.0.0.1\nudp_port = ${sipPort}\ntcp_port = ${sipPort}\ndomain = 127.0.0.1\nauth = yes\n${users}`,
  );
  for (const [name, xml] of [
    ["register.xml", REGISTER_XML],
    ["caller.xml", CALLER_XML],
    ["callee.xml", CALLEE_XML],
  ] as const) {
    writeFileSync(join(dir, name), xml);
  }
  const target = `127.0.0.1:${sipPort}`;
  const auth = (user: string): string[] => ["-s", user, "-au", user, "-ap", PASSWORD];
  const server = await startLinekeyProcess(dir, sipPort);
  const pid = server.pid ?? 0;
  try {
    await new Promise((r) => setTimeout(r, 500)); // let start-up garbage settle before the baseline
    // 1. Registrations from two phones at once.
    const half = Math.ceil(registers / 2);
    const perPhoneRate = String(Math.max(1, Math.round(rate / 2)));
    const cpu0 = processCpuMs(pid);
    const regs = await Promise.all(
      (
        [
          ["reg-a", regA],
          ["reg-b", regB],
        ] as const
      ).map(([user, port]) =>
        runSipp([
          target,
          ...common(join(dir, "register.xml"), port, half, [
            "-r",
            perPhoneRate,
            "-l",
            String(concurrency),
            ...auth(user),
          ]),
        ]),
      ),
    );
    const cpu1 = processCpuMs(pid);
    const regOk = regs.reduce((n, r) => n + r.successful, 0);
    const regFailed = regs.reduce((n, r) => n + r.failed, 0);
    const regSeconds = Math.max(...regs.map((r) => r.seconds));

    // 2. Calls: the callee registers from its own port, then answers there.
    const calleeReg = await runSipp([
      target,
      ...common(join(dir, "register.xml"), calleePort, 1, auth("callee")),
    ]);
    if (calleeReg.successful !== 1) throw new Error("the callee could not register");
    const callee = runSipp(common(join(dir, "callee.xml"), calleePort, calls, []));
    await new Promise((r) => setTimeout(r, 300));
    const cpu2 = processCpuMs(pid);
    const caller = await runSipp([
      target,
      ...common(join(dir, "caller.xml"), callerPort, calls, [
        "-r",
        String(rate),
        "-l",
        String(concurrency),
        ...auth("caller"),
      ]),
    ]);
    const cpu3 = processCpuMs(pid);
    const calleeResult = await callee;
    const rss = processRssKb(pid);
    return {
      bench: "sip",
      register: {
        requested: registers,
        successful: regOk,
        failures: regFailed,
        wallSeconds: Number(regSeconds.toFixed(3)),
        registersPerSecond: Math.round(regOk / regSeconds),
        serverCpuMsPerRegister: Number(((cpu1 - cpu0) / Math.max(1, regOk)).toFixed(4)),
      },
      calls: {
        requested: calls,
        successful: caller.successful,
        failures: caller.failed + calleeResult.failed,
        wallSeconds: Number(caller.seconds.toFixed(3)),
        callsPerSecond: Math.round(caller.successful / caller.seconds),
        serverCpuMsPerCall: Number(((cpu3 - cpu2) / Math.max(1, caller.successful)).toFixed(4)),
      },
      rate,
      concurrency,
      serverRssKb: rss,
      node: process.version,
    };
  } finally {
    await stopProcess(server);
    rmSync(dir, { recursive: true, force: true });
  }
}
