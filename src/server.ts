/**
 * The Linekey server: loads the configuration, starts each subsystem in order and stops them in
 * reverse order. One instance per process in production; tests start several on port 0.
 */
import type { Logger } from "./util/logger.ts";
import { LinekeyError } from "./util/errors.ts";
import type { SccpConfig } from "./config/sccp-model.ts";
import { loadExtensionsDocument, loadSccpConfig, resolveConfigDir } from "./config/config-dir.ts";
import { builtinApplications, parseDialplan, type Dialplan } from "./core/dialplan/index.ts";
import { CallCore } from "./core/call-core.ts";
import { registerChannelApps } from "./core/apps/index.ts";
import { resolve } from "node:path";
import { RtpPortPool } from "./media/port-pool.ts";
import { coreCommands } from "./mgmt/core-commands.ts";
import { formatMetrics } from "./mgmt/metrics.ts";
import { DeviceRegistry } from "./sccp/device-registry.ts";
import { SccpServer } from "./sccp/server.ts";
import { SccpDriver } from "./sccp/driver.ts";
import { deviceSettingsFromConfig, guestPolicyFromConfig } from "./sccp/settings-from-config.ts";
import { CommandRegistry } from "./mgmt/commands.ts";
import { sccpCommands } from "./mgmt/sccp-commands.ts";
import { ConsoleServer } from "./mgmt/console-server.ts";
import { consoleSocketPath } from "./mgmt/console-path.ts";
import { VERSION } from "./version.ts";
import { openDatabase, type Database } from "./store/database.ts";
import { linekeyTables } from "./store/tables.ts";
import { defaultDataDir } from "./config/data-dir.ts";
import { loadLinekeyConfig, type LinekeyConfig, type SipUserConfig } from "./config/linekey-conf.ts";
import { SipServer } from "./sip/sip-server.ts";
import { RegistrationsRepo } from "./store/registrations-repo.ts";
import { sipCommands } from "./mgmt/sip-commands.ts";
import { SipTech } from "./sip/channel/sip-tech.ts";
import { sipChannelCommands } from "./mgmt/sip-channel-commands.ts";
import { ScaModule } from "./sca/module.ts";
import { scaCommands } from "./mgmt/sca-commands.ts";
import { RpcRegistry, RpcServer } from "./mgmt/rpc-server.ts";
import { scaSubscriptionsTable } from "./store/schema/sca-subscriptions.ts";

/** How to start a server. */
export interface LinekeyServerOptions {
  /** Folder with sccp.conf (and later extensions.conf, linekey.conf); undefined = embedded defaults. */
  readonly configDir?: string | undefined;
  readonly log: Logger;
  /** Console socket path; default derived from the config folder. `false` = no console listener. */
  readonly consoleSocket?: string | false;
  /** Folder for the SQLite database and other state (default: see `defaultDataDir`). */
  readonly dataDir?: string;
  /** Database URL (`sqlite:///path`, `postgres://…`); default: linekey.db in the data folder. */
  readonly dbUrl?: string;
  /** RTP port range of the relay (default 16384–32766) and the address its sockets bind. */
  readonly rtpStart?: number;
  readonly rtpEnd?: number;
  readonly rtpHost?: string;
  /** Overrides applied on top of sccp.conf (tests use port 0). */
  readonly sccpPort?: number;
  readonly sccpBindaddr?: string;
  /**
   * SIP port for UDP and TCP, overriding linekey.conf (0 = one free port for both); `false` =
   * no SIP. Default: linekey.conf's ports when the file exists (or on the embedded defaults);
   * a config folder without linekey.conf is an SCCP-only site and opens no SIP port.
   */
  readonly sipPort?: number | false;
  readonly sipBindaddr?: string;
  /** JSON-RPC port overriding `[general] rpc_port` of linekey.conf (0 = any free port). */
  readonly rpcPort?: number;
}

/** What a reload compares of a SIP user (its place in the file aside). */
function userFingerprint(u: SipUserConfig): string {
  return JSON.stringify([u.secret, u.context, u.callerid, u.sca]);
}

/** A running Linekey. */
export class LinekeyServer {
  readonly commands: CommandRegistry;
  readonly registry: DeviceRegistry;
  readonly core: CallCore;
  /** The SCCP channel driver (`Dial(SCCP/…)`, phones' calls). */
  readonly sccpDriver: SccpDriver;
  readonly rtpPool: RtpPortPool;
  /** The database (SIP registrations, SCA subscriptions, call forwards set from phones). */
  readonly db: Database;
  /** linekey.conf (built-in defaults when the folder has none). */
  /** The loaded linekey.conf (its users are replaced by `reload`). */
  linekeyConfig: LinekeyConfig & { present: boolean };
  private sccpConfig: SccpConfig;
  private readonly sccp: SccpServer;
  private console: ConsoleServer | undefined;
  private sccpAddress: { address: string; port: number } | undefined;
  private sipServer: SipServer | undefined;
  private readonly startedAt = Date.now();
  /** Bridges created since start (`linekey_calls_total`). */
  private bridgesSeen = 0;
  /** The "SIP" channel technology, while SIP is on. */
  private sipTech: SipTech | undefined;
  /** The SCA module (Kamailio's `sca`), while SIP is on. */
  private scaModule: ScaModule | undefined;
  /** Its own durable database connection: subscriptions are written before their 2xx. */
  private scaDb: Database | undefined;
  /** JSON-RPC commands (`sca.*`) and their HTTP listener (`[general] rpc_port`). */
  readonly rpc = new RpcRegistry();
  private rpcServer: RpcServer | undefined;
  private rpcAddress: { address: string; port: number } | undefined;
  private closed = false;

  private constructor(
    private readonly options: LinekeyServerOptions,
    db: Database,
    linekeyConfig: LinekeyConfig & { present: boolean },
  ) {
    const log = options.log;
    this.db = db;
    this.linekeyConfig = linekeyConfig;
    this.sccpConfig = this.loadConfig();
    const g = this.sccpConfig.general;
    const rtpHost = options.rtpHost ?? (g.bindaddr === "0.0.0.0" ? "0.0.0.0" : g.bindaddr);
    this.rtpPool = new RtpPortPool({
      rtpStart: options.rtpStart ?? linekeyConfig.general.rtpStart,
      rtpEnd: options.rtpEnd ?? linekeyConfig.general.rtpEnd,
      host: rtpHost,
      logger: log.child({ sub: "rtp" }),
    });
    this.core = new CallCore({
      dialplan: this.loadDialplan(),
      apps: builtinApplications(),
      pool: this.rtpPool,
      relayHost: rtpHost,
      log: log.child({ sub: "core" }),
    });
    this.core.events.on("bridge-new", () => {
      this.bridgesSeen++;
    });
    const channelApps = registerChannelApps(this.core.interpreter.apps, this.core, {
      soundsDir: resolve(options.configDir ?? ".", linekeyConfig.general.soundsDir),
    });
    this.registry = new DeviceRegistry(
      { name: "Linekey", port: options.sccpPort ?? g.port, maxProtocolVersion: g.maxProtocolVersion },
      log.child({ sub: "sccp" }),
      guestPolicyFromConfig(this.sccpConfig),
    );
    for (const s of deviceSettingsFromConfig(this.sccpConfig)) this.registry.upsert(s);
    // The SCCP channel driver: after the core and the registry, before the listener.
    this.sccpDriver = new SccpDriver({
      registry: this.registry,
      core: this.core,
      config: () => this.sccpConfig,
      db,
      log: log.child({ sub: "sccp-driver" }),
    });
    this.core.registerTech(this.sccpDriver);
    channelApps.setPickupProvider(this.sccpDriver.pickupProvider);
    this.sccp = new SccpServer(
      {
        bindaddr: options.sccpBindaddr ?? g.bindaddr,
        port: options.sccpPort ?? g.port,
        authtimeout: g.authtimeout,
      },
      this.registry,
      log.child({ sub: "sccp" }),
    );
    this.commands = new CommandRegistry(log.child({ sub: "console" }));
    for (const c of sccpCommands({
      registry: this.registry,
      config: () => this.sccpConfig,
      version: VERSION,
      listening: () => this.sccpAddress,
      calls: () => this.sccpDriver.listCalls(),
    })) {
      this.commands.register(c);
    }
    for (const c of coreCommands(this.core)) this.commands.register(c);
    for (const c of sipChannelCommands(() => this.sipTech)) this.commands.register(c);
    for (const c of sipCommands({
      sip: () => this.sipServer,
      config: () => this.linekeyConfig,
    })) {
      this.commands.register(c);
    }
    for (const c of scaCommands(() => this.scaModule)) this.commands.register(c);
    this.commands.register({
      words: ["reload"],
      usage: "reload",
      summary: "Re-read the configuration; devices whose configuration changed are reset",
      run: () => this.reload(),
    });
    this.commands.register({
      words: ["core", "show", "version"],
      usage: "core show version",
      summary: "Show the Linekey version",
      run: () => `Linekey ${VERSION} on Node.js ${process.version}\n`,
    });
    // A device reset waiting for its calls to end is done when it becomes idle.
    this.registry.on("unregistered", (d) => {
      d.pendingReset = false;
    });
  }

  /** Loads the configuration and starts listening. */
  static async start(options: LinekeyServerOptions): Promise<LinekeyServer> {
    // linekey.conf is read first: it names the database. It also checks the config folder exists
    // before the data folder (beside it by default) is created.
    const linekeyConfig = loadLinekeyConfig(options.configDir);
    const dataDir = options.dataDir ?? defaultDataDir(options.configDir);
    for (const w of linekeyConfig.warnings) options.log.warn(`${w.file}:${w.line}: ${w.key}: ${w.message}`);
    const db = await openDatabase(options.dbUrl ?? linekeyConfig.general.dbUrl, {
      dataDir,
      logger: options.log.child({ sub: "db" }),
      tables: linekeyTables(),
    });
    let server: LinekeyServer;
    try {
      server = new LinekeyServer(options, db, linekeyConfig);
    } catch (err) {
      await db.close();
      throw err;
    }
    try {
      await server.listen();
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  /** The SCCP listener's address. */
  get sccpListening(): { address: string; port: number } {
    if (!this.sccpAddress) throw new LinekeyError("SCCP_ERR_SESSION_CLOSED", "SCCP listener not started");
    return this.sccpAddress;
  }

  /** The SIP server, when SIP is on (see `LinekeyServerOptions.sipPort`). */
  get sip(): SipServer | undefined {
    return this.sipServer;
  }

  /** Path of the console socket, when there is one. */
  get consolePath(): string | undefined {
    return this.console ? this.consoleSocketFile() : undefined;
  }

  /** The loaded sccp.conf. */
  get config(): SccpConfig {
    return this.sccpConfig;
  }

  /**
   * Re-reads sccp.conf, extensions.conf and linekey.conf; a bad file leaves the running
   * configuration untouched. linekey.conf's SIP users apply at once; its other sections are
   * read at start only (listeners, database, SCA tables), so a change there is reported.
   */
  reload(): string {
    const cfg = this.loadConfig();
    // Every file is parsed before anything changes: a bad extensions.conf or linekey.conf keeps
    // the old dialplan and devices too.
    const dialplan = this.loadDialplan();
    const lk = this.loadLinekeyConf();
    this.core.interpreter.dialplan = dialplan;
    const wanted = deviceSettingsFromConfig(cfg);
    const names = new Set(wanted.map((s) => s.name.toUpperCase()));
    const report = {
      added: [] as string[],
      changed: [] as string[],
      removed: [] as string[],
      deferred: [] as string[],
    };
    for (const d of this.registry.list()) {
      if (!d.settings.guest && !names.has(d.name.toUpperCase())) {
        this.registry.remove(d.name);
        report.removed.push(d.name);
      }
    }
    for (const s of wanted) {
      const existing = this.registry.get(s.name);
      if (!existing) {
        this.registry.upsert(s);
        report.added.push(s.name);
        continue;
      }
      if (existing.settings.fingerprint === s.fingerprint) continue;
      this.registry.upsert(s);
      report.changed.push(s.name);
      if (existing.state !== "registered") continue;
      // sccp-flows.md §16.1: reset an idle phone at once; one on a call when the call ends.
      if (existing.activeCalls === 0) existing.reset("restart");
      else {
        existing.pendingReset = true;
        report.deferred.push(s.name);
      }
    }
    this.registry.setGuestPolicy(guestPolicyFromConfig(cfg));
    this.sccp.updateOptions({ authtimeout: cfg.general.authtimeout });
    const old = this.sccpConfig.general;
    this.sccpConfig = cfg;
    const lines = [
      `Reloaded ${cfg.file}: ${report.added.length} added, ${report.changed.length} changed, ${report.removed.length} removed`,
    ];
    if (report.changed.length)
      lines.push(`Reset: ${report.changed.filter((n) => !report.deferred.includes(n)).join(" ") || "-"}`);
    if (report.deferred.length) lines.push(`Reset when idle: ${report.deferred.join(" ")}`);
    if (old.bindaddr !== cfg.general.bindaddr || old.port !== cfg.general.port) {
      lines.push("bindaddr/port changed: restart Linekey to listen on the new address");
    }
    for (const w of cfg.warnings) lines.push(`warning: ${w.file}:${w.line}: ${w.key}: ${w.message}`);
    lines.push(...this.applyLinekeyConf(lk));
    this.options.log.info("configuration reloaded", { ...report });
    return `${lines.join("\n")}\n`;
  }

  private loadLinekeyConf(): LinekeyConfig & { present: boolean } {
    const lk = loadLinekeyConfig(this.options.configDir);
    for (const w of lk.warnings) this.options.log.warn(`${w.file}:${w.line}: ${w.key}: ${w.message}`);
    return lk;
  }

  /**
   * Takes linekey.conf's users (the SIP server and the SIP channels read them on every request
   * and call); returns the report lines.
   */
  private applyLinekeyConf(lk: LinekeyConfig & { present: boolean }): string[] {
    const old = this.linekeyConfig;
    const added: string[] = [];
    const changed: string[] = [];
    const removed: string[] = [];
    for (const [name, u] of lk.users) {
      const before = old.users.get(name);
      if (before === undefined) added.push(name);
      else if (userFingerprint(before) !== userFingerprint(u)) changed.push(name);
    }
    for (const name of old.users.keys()) if (!lk.users.has(name)) removed.push(name);
    // Only the users change: what the running listeners and modules were started with stays.
    this.linekeyConfig = { ...old, users: lk.users, warnings: lk.warnings };
    const out = [
      `Reloaded ${lk.file} users: ${added.length} added, ${changed.length} changed, ${removed.length} removed`,
    ];
    const later = (["general", "sip", "sca"] as const).filter(
      (k) => JSON.stringify(old[k]) !== JSON.stringify(lk[k]),
    );
    if (later.length > 0 || old.present !== lk.present) {
      out.push(
        `linekey.conf ${later.map((k) => `[${k}]`).join(" ") || "presence"} changed: restart Linekey to apply`,
      );
    }
    for (const w of lk.warnings) out.push(`warning: ${w.file}:${w.line}: ${w.key}: ${w.message}`);
    this.options.log.info("linekey.conf users reloaded", { added, changed, removed });
    return out;
  }

  /** Sends a log line to the consoles attached with `linekey -r`. */
  broadcastLog(line: string): void {
    this.console?.broadcastLog(line);
  }

  /** Stops everything; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.console?.close();
    await this.rpcServer?.close();
    // SCA before SIP: its last NOTIFYs go out and its subscriptions are flushed.
    await this.scaModule?.close();
    await this.scaDb?.close();
    this.sipTech?.close();
    await this.sipServer?.close();
    this.core.close();
    await this.sccpDriver.close();
    await this.sccp.close();
    this.rtpPool.close();
    await this.db.close();
    this.options.log.info("linekey stopped");
  }

  private async listen(): Promise<void> {
    // Saved call forwards are restored before any phone can register.
    await this.sccpDriver.start();
    this.sccpAddress = await this.sccp.listen();
    await this.startSip();
    await this.startSca();
    await this.startRpc();
    if (this.options.consoleSocket !== false) {
      this.console = new ConsoleServer(this.commands, this.options.log.child({ sub: "console" }));
      await this.console.listen({
        path: this.consoleSocketFile(),
        banner: `Linekey ${VERSION}, SCCP on ${this.sccpAddress.address}:${this.sccpAddress.port}`,
      });
    }
  }

  private consoleSocketFile(): string {
    if (typeof this.options.consoleSocket === "string") return this.options.consoleSocket;
    return (
      this.linekeyConfig.general.consoleSocket ??
      consoleSocketPath(resolveConfigDir(this.options.configDir).dir)
    );
  }

  // SIP: on with linekey.conf (or the embedded defaults) or an explicit sipPort.
  private async startSip(): Promise<void> {
    const o = this.options;
    const lk = this.linekeyConfig;
    if (o.sipPort === false || (o.sipPort === undefined && !lk.present)) {
      o.log.info("SIP is off (no linekey.conf in the config folder)");
      return;
    }
    const settings = {
      ...lk.sip,
      ...(o.sipBindaddr === undefined ? {} : { bindaddr: o.sipBindaddr }),
      ...(o.sipPort === undefined ? {} : { udpPort: o.sipPort, tcpPort: o.sipPort }),
    };
    this.sipServer = await SipServer.start({
      settings,
      users: () => this.linekeyConfig.users,
      repo: new RegistrationsRepo(this.db),
      logger: o.log.child({ sub: "sip" }),
    });
    // The SIP legs of the call core (B2BUA: SIP phones ⇄ SCCP phones and the dialplan).
    this.sipTech = new SipTech({
      server: this.sipServer,
      core: this.core,
      users: () => this.linekeyConfig.users,
      log: o.log.child({ sub: "sip-channel" }),
    });
    this.core.registerTech(this.sipTech);
  }

  /** The SCA module, when SIP is on. */
  get sca(): ScaModule | undefined {
    return this.scaModule;
  }

  /** The JSON-RPC listener's address, when it listens. */
  get rpcListening(): { address: string; port: number } | undefined {
    return this.rpcAddress;
  }

  // SCA on the SIP server: restore from the database, then its timers (reference §2, §8).
  private async startSca(): Promise<void> {
    const sip = this.sipServer;
    if (sip === undefined) return;
    const o = this.options;
    const lk = this.linekeyConfig;
    const log = o.log.child({ sub: "sca" });
    this.scaDb = await openDatabase(lk.sca.dbUrl ?? o.dbUrl ?? lk.general.dbUrl, {
      dataDir: o.dataDir ?? defaultDataDir(o.configDir),
      durable: true,
      logger: log,
      tables: [scaSubscriptionsTable(lk.sca.subsTable)],
    });
    const sca = new ScaModule({
      parameters: lk.sca,
      sender: sip,
      db: this.scaDb,
      log,
      userAgent: lk.sip.userAgent,
      ...(lk.sca.serverAddress === undefined ? {} : { serverAddress: lk.sca.serverAddress }),
    });
    this.scaModule = sca;
    sca.attach(sip);
    for (const m of sca.rpc.methods) this.rpc.register(m, (params) => sca.rpc.call(m, params));
    await sca.start();
  }

  private async startRpc(): Promise<void> {
    const g = this.linekeyConfig.general;
    const port = this.options.rpcPort ?? g.rpcPort;
    if (this.options.rpcPort === undefined && g.rpcPort === 0) return;
    this.rpcServer = new RpcServer(this.rpc, this.options.log.child({ sub: "rpc" }), () =>
      this.metricsText(),
    );
    this.rpcAddress = await this.rpcServer.listen(g.rpcBindaddr, port);
  }

  /** `GET /metrics`: the state an administrator graphs and alerts on. */
  metricsText(): string {
    const devices = this.registry.list();
    const registered = devices.filter((d) => d.state === "registered").length;
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    return formatMetrics([
      {
        name: "linekey_sccp_devices",
        help: "Configured and guest SCCP devices by registration state.",
        type: "gauge",
        samples: [
          { labels: { state: "registered" }, value: registered },
          { labels: { state: "unregistered" }, value: devices.length - registered },
        ],
      },
      {
        name: "linekey_sccp_sessions",
        help: "Open SCCP TCP sessions, registered or not.",
        type: "gauge",
        samples: [{ value: this.sccp.sessionCount }],
      },
      {
        name: "linekey_channels",
        help: "Active channels in the call core.",
        type: "gauge",
        samples: [{ value: this.core.listChannels().length }],
      },
      {
        name: "linekey_bridges",
        help: "Active bridged calls.",
        type: "gauge",
        samples: [{ value: this.core.bridgeCount }],
      },
      {
        name: "linekey_calls_total",
        help: "Calls bridged since start.",
        type: "counter",
        samples: [{ value: this.bridgesSeen }],
      },
      {
        name: "linekey_rtp_ports_in_use",
        help: "RTP relay port pairs in use.",
        type: "gauge",
        samples: [{ value: this.rtpPool.inUse }],
      },
      {
        name: "linekey_sip_registrations",
        help: "SIP contact bindings.",
        type: "gauge",
        samples: [{ value: this.sipServer?.registrar.bindings().length ?? 0 }],
      },
      {
        name: "linekey_sca_subscriptions",
        help: "Shared Call Appearance subscriptions.",
        type: "gauge",
        samples: [{ value: this.scaModule?.context.subscriptions.size ?? 0 }],
      },
      {
        name: "process_resident_memory_bytes",
        help: "Resident memory size in bytes.",
        type: "gauge",
        samples: [{ value: mem.rss }],
      },
      {
        name: "process_cpu_seconds_total",
        help: "User and system CPU time spent in seconds.",
        type: "counter",
        samples: [{ value: (cpu.user + cpu.system) / 1e6 }],
      },
      {
        name: "linekey_uptime_seconds",
        help: "Seconds since the server started.",
        type: "gauge",
        samples: [{ value: Math.round((Date.now() - this.startedAt) / 1000) }],
      },
    ]);
  }

  private loadDialplan(): Dialplan {
    return parseDialplan(loadExtensionsDocument(this.options.configDir));
  }

  private loadConfig(): SccpConfig {
    const cfg = loadSccpConfig(this.options.configDir);
    for (const w of cfg.warnings) {
      this.options.log.warn(`${w.file}:${w.line}: ${w.key}: ${w.message}`);
    }
    return cfg;
  }
}
