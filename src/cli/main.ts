/**
 * The `linekey` command: runs the server, attaches a console to it (`-r`, `-rx`), or runs a
 * virtual phone (`linekey phone …`).
 */
import { resolve } from "node:path";
import { createLogger, jsonSink, textSink, type LogLevel } from "../util/logger.ts";
import { LinekeyError } from "../util/errors.ts";
import { VERSION } from "../version.ts";
import { resolveConfigDir } from "../config/config-dir.ts";
import { consoleTarget } from "../mgmt/console-path.ts";
import { loadLinekeyConfig } from "../config/linekey-conf.ts";
import { attachConsole, runCommand } from "../mgmt/console-client.ts";
import { runPhoneCommand } from "./phone-command.ts";

const USAGE = `Usage:
  linekey [--config DIR] [--log-level LEVEL] [--log-json]   run the server (embedded defaults without --config)
  linekey [--config DIR] -r                                 attach a console to the running server
  linekey [--config DIR] -rx "COMMAND"                      run one console command and print its output
  linekey [--config DIR] rpc METHOD [ARGS...] [--json]      call a JSON-RPC method (sca.*), printed as kamcmd does
  linekey phone --server HOST:PORT --device SEPxxxxxxxxxxxx --model MODEL [--script FILE]
                                                            run a virtual SCCP phone
  linekey --version | --help
`;

interface MainArgs {
  configDir: string | undefined;
  remote: boolean;
  command: string | undefined;
  logLevel: LogLevel;
  logJson: boolean;
}

function parseArgs(argv: string[]): MainArgs {
  const out: MainArgs = {
    configDir: undefined,
    remote: false,
    command: undefined,
    logLevel: "info",
    logJson: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new LinekeyError("MGMT_ERR_COMMAND", `${a ?? ""} needs a value`);
      return v;
    };
    switch (a) {
      case "--config":
      case "-C":
        out.configDir = resolve(value());
        break;
      case "-r":
        out.remote = true;
        break;
      case "-rx":
      case "-x":
        out.remote = true;
        out.command = value();
        break;
      case "--log-level":
        out.logLevel = value() as LogLevel;
        break;
      case "--log-json":
        out.logJson = true;
        break;
      default:
        throw new LinekeyError("MGMT_ERR_COMMAND", `unknown argument '${a ?? ""}'\n\n${USAGE}`);
    }
  }
  return out;
}

async function runServer(args: MainArgs): Promise<number> {
  // Log lines go to stderr and, once the server runs, to every console attached with -r.
  const tap: { toConsoles?: (line: string) => void } = {};
  const text = textSink((line) => {
    process.stderr.write(line);
    tap.toConsoles?.(line.endsWith("\n") ? line.slice(0, -1) : line);
  });
  const sink = args.logJson ? jsonSink() : text;
  const log = createLogger({ level: args.logLevel, sink });
  const { LinekeyServer } = await import("../server.ts");
  const server = await LinekeyServer.start({ configDir: args.configDir, log });
  tap.toConsoles = (line) => {
    server.broadcastLog(line);
  };
  const where = server.sccpListening;
  log.info(`Linekey ${VERSION} ready`, {
    config: args.configDir ?? "embedded defaults",
    sccp: `${where.address}:${where.port}`,
    console: server.consolePath,
  });
  await new Promise<void>((done) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info("stopping", { signal });
      server.close().then(done, (err: unknown) => {
        log.error("error while stopping", { err });
        done();
      });
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  return 0;
}

async function runRemote(args: MainArgs): Promise<number> {
  // The same address the server computed: linekey.conf's console_socket when set, else derived.
  const { consoleSocket } = loadLinekeyConfig(args.configDir).general;
  const target = consoleTarget(resolveConfigDir(args.configDir).dir, undefined, { consoleSocket });
  if (args.command !== undefined) {
    const outcome = await runCommand(target, args.command, { timeoutMs: 10_000 });
    process.stdout.write(
      outcome.output.endsWith("\n") || outcome.output === "" ? outcome.output : `${outcome.output}\n`,
    );
    return outcome.ok ? 0 : 1;
  }
  await attachConsole(target, { input: process.stdin, output: process.stdout, prompt: "linekey*CLI> " });
  return 0;
}

/** Runs the command line; resolves with the exit status. */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "phone") return runPhoneCommand(argv.slice(1));
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (argv.includes("--version") || argv.includes("-V")) {
    process.stdout.write(`linekey ${VERSION}\n`);
    return 0;
  }
  // `rpc` as a word of its own (not the value of an option) starts the RPC client.
  const rpcAt = argv.findIndex(
    (w, i) => w === "rpc" && !["--config", "-C", "--log-level", "-rx", "-x"].includes(argv[i - 1] ?? ""),
  );
  if (rpcAt >= 0) {
    const pre = parseArgs(argv.slice(0, rpcAt));
    const { runRpcCli } = await import("../mgmt/rpc-server.ts");
    return runRpcCli(loadLinekeyConfig(pre.configDir).general, argv.slice(rpcAt + 1), (t) =>
      process.stdout.write(t),
    );
  }
  const args = parseArgs(argv);
  return args.remote ? runRemote(args) : runServer(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const code = err instanceof LinekeyError ? ` [${err.code}]` : "";
    process.stderr.write(`linekey: ${err instanceof Error ? err.message : String(err)}${code}\n`);
    process.exitCode = err instanceof LinekeyError && err.code === "MGMT_ERR_NO_SERVER" ? 2 : 1;
  },
);
