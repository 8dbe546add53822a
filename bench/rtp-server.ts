/**
 * Child process of the RTP relay benchmark (`bench/rtp.ts`): runs N relay sessions on
 * loopback and answers the parent's requests over the IPC channel, including its own CPU use
 * (process.cpuUsage) over a window the parent chooses. It never writes to stdout.
 *
 * Bounded: it exits when the parent disconnects, and in any case after `--max-seconds`.
 */
import { parseArgs } from "node:util";
import { nativeForwarderUnavailableReason } from "../src/media/native-forwarder.ts";
import { RtpPortPool } from "../src/media/port-pool.ts";
import { RtpRelay, type RelayPath } from "../src/media/rtp-relay.ts";

/** Parent → child. */
export type BenchRequest =
  | {
      type: "setup";
      calls: number;
      rtpStart: number;
      rtpEnd: number;
      transcode: boolean;
      latch: boolean;
      /** False forces every relay onto the JS path. */
      native: boolean;
    }
  | { type: "remotes"; remotes: [number, number][] }
  | { type: "cpu-mark" }
  | { type: "cpu-read" }
  | { type: "stop" };

/** Child → parent. */
export type BenchReply =
  | {
      type: "ready";
      ports: [number, number][];
      /** Which path the relays run on ("mixed" if they differ). */
      path: RelayPath | "mixed";
      /** Why the native forwarder is not used, when it is not. */
      nativeUnavailable?: string;
    }
  | { type: "remotes-set" }
  | { type: "cpu-marked" }
  | { type: "cpu"; cpuMs: number; wallMs: number; packetsIn: number; packetsOut: number; dropped: number }
  | { type: "stopped"; inUse: number }
  | { type: "error"; message: string };

const HOST = "127.0.0.1";

function main(): void {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write("rtp-server.ts is started by bench/rtp.ts (needs an IPC channel)\n");
    process.exit(1);
  }
  const { values } = parseArgs({ options: { "max-seconds": { type: "string", default: "120" } } });
  const maxMs = Number(values["max-seconds"]) * 1000;
  setTimeout(() => process.exit(3), maxMs).unref();
  process.on("disconnect", () => process.exit(0));

  const reply = (m: BenchReply): void => {
    send(m);
  };
  let pool: RtpPortPool | undefined;
  const relays: RtpRelay[] = [];
  let markCpu = process.cpuUsage();
  let markWall = performance.now();

  const handle = async (req: BenchRequest): Promise<void> => {
    switch (req.type) {
      case "setup": {
        pool = new RtpPortPool({ rtpStart: req.rtpStart, rtpEnd: req.rtpEnd, host: HOST });
        for (let i = 0; i < req.calls; i++) {
          relays.push(
            await RtpRelay.create(pool, {
              a: { codec: "ulaw", latch: req.latch ? "host" : "off" },
              b: { codec: req.transcode ? "alaw" : "ulaw", latch: req.latch ? "host" : "off" },
              native: req.native,
            }),
          );
        }
        const paths = new Set(relays.map((r) => r.path));
        const path = paths.size === 1 ? (relays[0]?.path ?? "js") : "mixed";
        const why = req.native ? nativeForwarderUnavailableReason() : "disabled by the bench (--js)";
        reply({
          type: "ready",
          ports: relays.map((r) => [r.a.localPort, r.b.localPort]),
          path,
          ...(path === "native" || why === undefined ? {} : { nativeUnavailable: why }),
        });
        return;
      }
      case "remotes":
        req.remotes.forEach(([a, b], i) => {
          relays[i]?.setRemote("a", { address: HOST, port: a });
          relays[i]?.setRemote("b", { address: HOST, port: b });
        });
        reply({ type: "remotes-set" });
        return;
      case "cpu-mark":
        markCpu = process.cpuUsage();
        markWall = performance.now();
        reply({ type: "cpu-marked" });
        return;
      case "cpu-read": {
        const used = process.cpuUsage(markCpu);
        const wallMs = performance.now() - markWall;
        let packetsIn = 0;
        let packetsOut = 0;
        let dropped = 0;
        for (const r of relays) {
          const s = r.stats();
          packetsIn += s.a.packetsIn + s.b.packetsIn;
          packetsOut += s.a.packetsOut + s.b.packetsOut;
          dropped += s.a.dropped + s.b.dropped;
        }
        reply({
          type: "cpu",
          cpuMs: (used.user + used.system) / 1000,
          wallMs,
          packetsIn,
          packetsOut,
          dropped,
        });
        return;
      }
      case "stop":
        for (const r of relays) r.close();
        pool?.close();
        reply({ type: "stopped", inUse: pool?.inUse ?? 0 });
        // With every socket closed only the IPC channel keeps the process alive.
        process.disconnect();
        return;
    }
  };

  process.on("message", (m: BenchRequest) => {
    handle(m).catch((err: unknown) => {
      reply({ type: "error", message: err instanceof Error ? err.message : String(err) });
    });
  });
}

main();
