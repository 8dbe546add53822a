/**
 * Wireshark as a test oracle: capture loopback traffic on one TCP port with tshark, then read it
 * back decoded as SCCP ("skinny"). Tests skip when tshark is missing or may not capture.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Why tshark cannot be used here, or undefined when it can. */
export function tsharkUnavailable(): string | undefined {
  const v = spawnSync("tshark", ["--version"], { encoding: "utf8" });
  if (v.error || v.status !== 0) return "tshark is not installed (apt-get install tshark)";
  const d = spawnSync("tshark", ["-D"], { encoding: "utf8" });
  if (!/\blo\b/.test(d.stdout))
    return "tshark cannot capture on the loopback interface (needs root or capture rights)";
  return undefined;
}

/** A running capture. */
export interface Capture {
  readonly file: string;
  stop(): Promise<void>;
  cleanup(): void;
}

/** Starts capturing TCP `port` on lo; resolves once tshark reports it is capturing. */
export async function startCapture(port: number): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), "linekey-cap-"));
  const file = join(dir, "cap.pcapng");
  const child: ChildProcess = spawn("tshark", ["-q", "-i", "lo", "-f", `tcp port ${port}`, "-w", file], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tshark did not start: ${err}`)), 15_000);
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      // "Capturing on" comes a little before the capture really runs; "Capture started" (printed
      // when tshark runs as root) is exact. Without it, allow a second after "Capturing on".
      if (err.includes("Capture started")) {
        clearTimeout(timer);
        resolve();
      } else if (err.includes("Capturing on")) {
        setTimeout(() => {
          clearTimeout(timer);
          resolve();
        }, 1000);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`tshark exited with ${code}: ${err}`));
    });
  });
  return {
    file,
    async stop() {
      if (child.exitCode !== null) return;
      // Give the kernel a moment to hand the last segments to the capture before stopping it.
      await new Promise((r) => setTimeout(r, 300));
      const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGINT");
      await done;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One SCCP PDU as Wireshark decoded it. */
export interface DissectedPdu {
  readonly frame: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly messageId: number;
}

/** Decodes a capture as SCCP on `port`: the PDUs in order, and the frames Wireshark calls malformed. */
export function dissect(
  file: string,
  port: number,
): { pdus: DissectedPdu[]; malformed: number[]; raw: string } {
  const r = spawnSync(
    "tshark",
    [
      "-r",
      file,
      "-d",
      `tcp.port==${port},skinny`,
      "-Y",
      "skinny || _ws.malformed || _ws.expert.severity >= 6291456",
      "-T",
      "fields",
      "-E",
      "separator=|",
      "-e",
      "frame.number",
      "-e",
      "tcp.srcport",
      "-e",
      "tcp.dstport",
      "-e",
      "skinny.messageId",
      "-e",
      "_ws.malformed",
      "-e",
      "_ws.expert.message",
    ],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`tshark -r failed: ${r.stderr}`);
  const pdus: DissectedPdu[] = [];
  const malformed: number[] = [];
  for (const line of r.stdout.split("\n")) {
    if (!line.trim()) continue;
    const [frame, src, dst, ids, bad, expert] = line.split("|");
    const f = Number(frame);
    if ((bad ?? "") !== "" || /malformed/i.test(expert ?? "")) malformed.push(f);
    for (const id of (ids ?? "").split(",").filter((x) => x !== "")) {
      pdus.push({ frame: f, srcPort: Number(src), dstPort: Number(dst), messageId: Number(id) });
    }
  }
  return { pdus, malformed, raw: r.stdout };
}
