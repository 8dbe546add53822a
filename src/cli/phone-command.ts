/**
 * `linekey phone`: a virtual SCCP phone on the command line. It prints every message the server
 * sends, decoded, and takes commands from a script file or from its prompt.
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { LinekeyError } from "../util/errors.ts";
import { VirtualPhone } from "../phone/virtual-phone.ts";
import { SoftKey, type SoftKeyName } from "../sccp/softkeys.ts";
import type { SccpMessageType } from "../sccp/protocol/index.ts";

const HELP = `Commands:
  offhook [LINE [REF]]     lift the handset        onhook [LINE [REF]]   hang up
  dial DIGITS              press keypad buttons    softkey NAME|ID [LINE [REF]]
  stimulus ID INSTANCE     press a button          wait TYPE [MS]        wait for a message
  sleep MS                 pause                   unregister            unregister and quit
  help                     this text               quit                  close the connection
`;

function describe(msg: object): string {
  return JSON.stringify(msg, (_k, v: unknown) =>
    Buffer.isBuffer(v)
      ? v.toString("hex")
      : typeof v === "string"
        ? v.replace(/\x80(.)/g, (_m, c: string) => `<label ${c.charCodeAt(0)}>`)
        : v,
  );
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Runs one phone command line; resolves false on `quit`. */
async function runLine(phone: VirtualPhone, line: string, out: (s: string) => void): Promise<boolean> {
  const [cmd, ...a] = line.trim().split(/\s+/);
  const n = (i: number, d = 0): number => (a[i] === undefined ? d : Number.parseInt(a[i], 10));
  switch (cmd?.toLowerCase()) {
    case undefined:
    case "":
      return true;
    case "offhook":
      phone.offHook(n(0), n(1));
      return true;
    case "onhook":
      phone.onHook(n(0), n(1));
      return true;
    case "dial":
      phone.dial(a[0] ?? "");
      return true;
    case "softkey": {
      const key = a[0] ?? "";
      const id = key in SoftKey ? SoftKey[key as SoftKeyName] : Number.parseInt(key, 10);
      if (Number.isNaN(id)) throw new Error(`unknown soft key '${key}'`);
      phone.softKey(id, n(1), n(2));
      return true;
    }
    case "stimulus":
      phone.stimulus(n(0), n(1, 1));
      return true;
    case "wait":
      await phone.waitFor((a[0] ?? "") as SccpMessageType, undefined, n(1, 10_000), 0);
      return true;
    case "sleep":
      await new Promise((r) => setTimeout(r, n(0)));
      return true;
    case "unregister":
      await phone.unregister();
      return false;
    case "quit":
    case "exit":
      return false;
    case "help":
      out(HELP);
      return true;
    default:
      throw new Error(`unknown command '${cmd}' (type help)`);
  }
}

/** Entry point of `linekey phone …`; resolves with the exit status. */
export async function runPhoneCommand(argv: string[]): Promise<number> {
  const server = argValue(argv, "--server") ?? "127.0.0.1:2000";
  const device = argValue(argv, "--device");
  const model = argValue(argv, "--model") ?? "7940";
  const script = argValue(argv, "--script");
  if (!device)
    throw new LinekeyError("MGMT_ERR_COMMAND", "linekey phone: --device SEPxxxxxxxxxxxx is required");
  const sep = server.lastIndexOf(":");
  const host = sep > 0 ? server.slice(0, sep).replace(/^\[|\]$/g, "") : server;
  const port = sep > 0 ? Number.parseInt(server.slice(sep + 1), 10) : 2000;
  const out = (s: string): void => {
    process.stdout.write(s);
  };
  const phone = new VirtualPhone({ host, port, device, model });
  phone.on("message", (m) => out(`<- ${m.type} ${describe(m)}\n`));
  phone.on("closed", (reason) => out(`-- connection closed: ${reason}\n`));
  await phone.register();
  out(`-- ${device} (${phone.profile.model.name}) registered, protocol ${phone.negotiatedVersion}\n`);
  try {
    if (script !== undefined) {
      for (const line of readFileSync(script, "utf8").split(/\r?\n/)) {
        if (line.trim().startsWith("#")) continue;
        out(`>> ${line}\n`);
        if (!(await runLine(phone, line, out))) break;
      }
      return 0;
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "phone> " });
    rl.prompt();
    for await (const line of rl) {
      try {
        if (!(await runLine(phone, line, out))) break;
      } catch (err) {
        out(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      }
      rl.prompt();
    }
    rl.close();
    return 0;
  } finally {
    phone.close();
  }
}
