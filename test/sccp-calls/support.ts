/**
 * Shared pieces of the SCCP call tests: a small office (sccp.conf + extensions.conf), phones
 * that register against a real server on loopback, and the check every test ends with — no
 * channel, no bridge and no RTP port left behind.
 */
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { startServer, until, type TestServer } from "../support/linekey.ts";
import type { PhoneCall, VirtualPhone } from "../../src/phone/virtual-phone.ts";
import { CallStateCode } from "../../src/sccp/protocol/index.ts";

/** Device name of extension `ext`'s phone. */
export function dev(ext: string | number): string {
  return `SEP000000000${String(ext).padStart(3, "0")}`;
}

/** A line section. */
export function line(ext: string | number, name: string, extra = ""): string {
  return `[${ext}]\ncid_num=${ext}\ncid_name=${name}\n${extra}`;
}

/** A device section with its lines (and extra keys). */
export function device(ext: string | number, lines: (string | number)[], extra = ""): string {
  return `[${dev(ext)}]\ndevice=${dev(ext)}\n${lines.map((l) => `line=${l}\n`).join("")}${extra}`;
}

/** An sccp.conf from sections. */
export function sccpConf(lines: string[], devices: string[], general = ""): string {
  return `[general]\nbindaddr=127.0.0.1\nkeepalive=30\ndialtimeout=1\ncontext=default\n${general}\n[lines]\n${lines.join("\n")}\n[devices]\n${devices.join("\n")}\n`;
}

/** The dialplan most tests use: three-digit extensions ring their SCCP line. */
export const DIALPLAN = `[default]
exten => _1XX,1,Dial(SCCP/\${EXTEN},20)
exten => 555,1,Busy()
exten => 666,1,Congestion()
exten => _2XXX,1,Dial(SCCP/\${EXTEN:1},20)
`;

/** Starts a server. */
export function start(conf: string, dialplan = DIALPLAN): Promise<TestServer> {
  return startServer(conf, {}, dialplan);
}

/**
 * Starts a server with {@link start} before the tests of the enclosing `describe` and stops it
 * after them. The handle forwards to that server; used outside those tests it throws.
 */
export function useServer(conf: string, dialplan = DIALPLAN): TestServer {
  let current: TestServer | undefined;
  before(async () => {
    current = await start(conf, dialplan);
  });
  after(async () => {
    await current?.stop();
    current = undefined;
  });
  const running = (): TestServer => {
    if (current === undefined)
      throw new Error("useServer: the server runs only during the tests of its describe");
    return current;
  };
  return {
    get server() {
      return running().server;
    },
    get dir() {
      return running().dir;
    },
    get port() {
      return running().port;
    },
    get logs() {
      return running().logs;
    },
    phone: (device, model, extra) => running().phone(device, model, extra),
    writeConfig: (text) => {
      running().writeConfig(text);
    },
    stop: () => running().stop(),
  };
}

/** Registers phones (device name, model) and returns them in order. */
export async function phones(t: TestServer, ...specs: [string, string][]): Promise<VirtualPhone[]> {
  const out: VirtualPhone[] = [];
  for (const [name, model] of specs) {
    const p = t.phone(name, model);
    await p.register();
    out.push(p);
  }
  return out;
}

/** Waits until the phone's call has received at least `n` RTP packets. */
export async function rtpFlows(p: VirtualPhone, call: PhoneCall, n = 5): Promise<void> {
  await until(() => p.rtpReceived(call) >= n, 5000, `${p.options.device} receiving RTP`);
}

/** The callReferences a phone has seen so far (to tell new calls apart). */
export function known(p: VirtualPhone): Set<number> {
  return new Set(p.calls.keys());
}

/** Waits for a call of `p` to reach `state` (CallStateCode). */
export function inState(
  p: VirtualPhone,
  state: number,
  pred: (c: PhoneCall) => boolean = () => true,
): Promise<PhoneCall> {
  return p.waitForCallState(state, pred);
}

/** Every test ends here: nothing left in the core or the RTP pool; every phone idle. */
export async function assertClean(t: TestServer, ...ps: VirtualPhone[]): Promise<void> {
  await until(
    () =>
      t.server.core.listChannels().length === 0 &&
      t.server.core.bridgeCount === 0 &&
      t.server.rtpPool.inUse === 0,
    5000,
    "channels, bridges and RTP ports released",
  );
  assert.equal(t.server.core.listChannels().length, 0);
  assert.equal(t.server.core.bridgeCount, 0);
  assert.equal(t.server.rtpPool.inUse, 0);
  for (const p of ps) {
    await until(() => p.liveCalls().length === 0, 5000, `${p.options.device} idle`);
    assert.deepEqual(
      p.liveCalls().map((c) => c.state),
      [],
    );
  }
  assert.deepEqual(t.server.sccpDriver.listCalls(), []);
}

/** Connects `caller` to extension `ext` whose phone is `callee`; returns both calls once media flows. */
export async function connect(
  caller: VirtualPhone,
  callee: VirtualPhone,
  ext: string,
): Promise<{ a: PhoneCall; b: PhoneCall }> {
  const oldA = known(caller);
  const oldB = known(callee);
  caller.offHook();
  const a = await inState(caller, CallStateCode.OffHook, (c) => !oldA.has(c.callReference));
  caller.dial(ext);
  const ringing = await inState(callee, CallStateCode.RingIn, (c) => !oldB.has(c.callReference));
  callee.answer(ringing);
  const b = await inState(callee, CallStateCode.Connected, (c) => c.callReference === ringing.callReference);
  await inState(caller, CallStateCode.Connected, (c) => c.callReference === a.callReference);
  await rtpFlows(caller, a);
  await rtpFlows(callee, b);
  return { a, b };
}

export { CallStateCode };
