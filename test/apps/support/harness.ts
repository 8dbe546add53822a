/**
 * One call core per test: a dialplan, a loopback RTP port pool, the test technology registered
 * as SCCP (so the seed's `Dial(SCCP/107)` and `Page(sccp/100/autoanswer&…)` run verbatim), the
 * channel applications, and a temporary sounds folder. `finish()` asserts that the test left no
 * channel, no bridge and no RTP port behind, then frees everything.
 */
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CallCore } from "../../../src/core/call-core.ts";
import { registerChannelApps, type ChannelApps } from "../../../src/core/apps/index.ts";
import { builtinApplications, parseDialplanText, type PbxOutcome } from "../../../src/core/dialplan/index.ts";
import { RtpPortPool } from "../../../src/media/port-pool.ts";
import { encodeWav } from "../../../src/media/wav.ts";
import { memoryLogger, type LogRecord } from "../../../src/util/logger.ts";
import type { CodecName } from "../../../src/media/codecs.ts";
import type { Channel } from "../../../src/core/channel.ts";
import { LOOPBACK, TestTech, type TestChannel } from "./test-channel.ts";

/** Polls `cond` until true; rejects after `boundMs` (a bound against hangs, not a timing check). */
export async function waitUntil(cond: () => boolean, what: string, boundMs = 5000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Lets pending I/O callbacks run (a few event-loop turns). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

function bind(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", (err) => {
      s.close();
      reject(err);
    });
    s.bind(port, LOOPBACK, () => resolve(s));
  });
}

/** A random even port range of `pairs` pairs in 20000–32767 that is free right now. */
export async function freeRange(pairs: number): Promise<{ rtpStart: number; rtpEnd: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = 20000 + 2 * Math.floor(Math.random() * (6000 - pairs));
    const sockets: Socket[] = [];
    let ok = true;
    for (let p = start; p < start + pairs * 2; p++) {
      try {
        sockets.push(await bind(p));
      } catch {
        ok = false;
        break;
      }
    }
    for (const s of sockets) s.close();
    if (ok) return { rtpStart: start, rtpEnd: start + pairs * 2 - 1 };
  }
  throw new Error("no free port range found");
}

/** A dial event as recorded from `core.events`. */
export interface DialEvent {
  readonly kind: "begin" | "end";
  readonly callee: string;
  readonly status?: string;
}

/** A call core with the channel applications and the test technology. */
export class Harness {
  readonly dialEvents: DialEvent[] = [];

  private constructor(
    readonly core: CallCore,
    readonly pool: RtpPortPool,
    readonly tech: TestTech,
    readonly apps: ChannelApps,
    readonly soundsDir: string,
    readonly logs: LogRecord[],
  ) {
    core.events.on("dial-begin", (_caller, callee) =>
      this.dialEvents.push({ kind: "begin", callee: callee.name }),
    );
    core.events.on("dial-end", (_caller, callee, status) =>
      this.dialEvents.push({ kind: "end", callee: callee.name, status }),
    );
  }

  /** Starts a core running `extensionsConf`. */
  static async start(extensionsConf: string): Promise<Harness> {
    const { logger, records } = memoryLogger("debug");
    const pool = new RtpPortPool({ ...(await freeRange(24)), host: LOOPBACK, logger });
    const core = new CallCore({
      dialplan: parseDialplanText(extensionsConf, "extensions.conf"),
      apps: builtinApplications(),
      pool,
      relayHost: LOOPBACK,
      log: logger,
    });
    const tech = new TestTech("SCCP", logger);
    core.registerTech(tech);
    const soundsDir = await mkdtemp(join(tmpdir(), "linekey-sounds-"));
    const apps = registerChannelApps(core.interpreter.apps, core, { soundsDir });
    return new Harness(core, pool, tech, apps, soundsDir, records);
  }

  /** Line `line` calls `exten` in `context`: the channel enters the core and runs the dialplan. */
  call(line: string, exten: string, context = "default", codecs?: readonly CodecName[]): TestChannel {
    const ch = this.tech.inbound(line, context, exten, codecs);
    this.core.add(ch);
    this.core.startPbx(ch);
    return ch;
  }

  /**
   * Runs a phone's call through the interpreter alone, outside the core's channel list: for
   * applications whose dialplan ends while the channel is up (see the core bug in
   * core-gaps.test.ts). The caller disposes the channel.
   */
  runDirect(
    line: string,
    exten: string,
    context = "default",
  ): { ch: TestChannel; done: Promise<PbxOutcome> } {
    const ch = this.tech.inbound(line, context, exten);
    return { ch, done: this.core.interpreter.run(ch) };
  }

  /** The one outbound channel created for `line` (asserts there is exactly one). */
  callee(line: string): TestChannel {
    const chs = this.tech.outbound(line);
    assert.equal(chs.length, 1, `one channel for line ${line}`);
    const [ch] = chs;
    assert.ok(ch);
    return ch;
  }

  /** Writes `<soundsDir>/<relative>.wav` holding `samples` (8 kHz 16-bit mono). */
  async writeSound(relative: string, samples: Int16Array): Promise<string> {
    const path = join(this.soundsDir, `${relative}.wav`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, encodeWav(samples));
    return path;
  }

  /** Waits until channel variable `name` is set; returns its value. */
  async varOf(ch: Channel, name: string): Promise<string> {
    await waitUntil(() => ch.vars.has(name), `${name} on ${ch.name}`);
    return ch.vars.get(name) ?? "";
  }

  /** Warnings logged so far, as messages. */
  warnings(): string[] {
    return this.logs.filter((r) => r.level === "warn").map((r) => r.msg);
  }

  /**
   * Asserts that every channel left the core, every bridge ended and every RTP port went back
   * to the pool (waiting for asynchronous teardown), then frees everything.
   */
  async finish(): Promise<void> {
    try {
      await waitUntil(
        () => this.core.listChannels().length === 0 && this.core.bridgeCount === 0 && this.pool.inUse === 0,
        "an idle core",
      ).catch(() => undefined);
      assert.deepEqual(
        this.core.listChannels().map((c) => c.name),
        [],
        "channels left in the core",
      );
      assert.equal(this.core.bridgeCount, 0, "bridges left");
      assert.equal(this.pool.inUse, 0, "RTP port pairs left allocated");
    } finally {
      this.tech.closeAll();
      this.core.close();
      this.pool.close();
      await rm(this.soundsDir, { recursive: true, force: true });
    }
  }
}
