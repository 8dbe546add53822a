/**
 * Starts a real Linekey on loopback, port 0, from config text written to a temp folder.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LinekeyServer } from "../../src/server.ts";
import { memoryLogger, type LogRecord } from "../../src/util/logger.ts";
import { VirtualPhone, type VirtualPhoneOptions } from "../../src/phone/virtual-phone.ts";

/** A running test server with helpers. */
export interface TestServer {
  readonly server: LinekeyServer;
  readonly dir: string;
  readonly port: number;
  readonly logs: LogRecord[];
  phone(device: string, model: string, extra?: Partial<VirtualPhoneOptions>): VirtualPhone;
  writeConfig(sccpConf: string): void;
  stop(): Promise<void>;
}

/**
 * Starts a server with this sccp.conf (and, when given, this extensions.conf and this
 * linekey.conf — SIP then listens on 127.0.0.1, one free port for UDP and TCP); the console
 * listens on a socket in the temp folder.
 */
export async function startServer(
  sccpConf: string,
  opts: { console?: boolean; rpc?: boolean } = {},
  extensionsConf?: string,
  linekeyConf?: string,
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "linekey-test-"));
  writeFileSync(join(dir, "sccp.conf"), sccpConf);
  if (extensionsConf !== undefined) writeFileSync(join(dir, "extensions.conf"), extensionsConf);
  if (linekeyConf !== undefined) writeFileSync(join(dir, "linekey.conf"), linekeyConf);
  const { logger, records } = memoryLogger("debug");
  const server = await LinekeyServer.start({
    configDir: dir,
    dataDir: join(dir, "data"),
    log: logger,
    sccpPort: 0,
    sccpBindaddr: "127.0.0.1",
    consoleSocket: opts.console ? join(dir, "console.ctl") : false,
    ...(linekeyConf === undefined ? {} : { sipPort: 0, sipBindaddr: "127.0.0.1" }),
    ...(opts.rpc ? { rpcPort: 0 } : {}),
  });
  const phones: VirtualPhone[] = [];
  const port = server.sccpListening.port;
  return {
    server,
    dir,
    port,
    logs: records,
    phone(device, model, extra = {}) {
      const p = new VirtualPhone({ host: "127.0.0.1", port, device, model, ...extra });
      phones.push(p);
      return p;
    },
    writeConfig(text) {
      writeFileSync(join(dir, "sccp.conf"), text);
    },
    async stop() {
      for (const p of phones) p.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `cond` holds, polling every 10 ms; rejects after `ms`. */
export async function until(cond: () => boolean, ms = 5000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
