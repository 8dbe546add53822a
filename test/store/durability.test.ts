import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openDatabase } from "../../src/store/database.ts";
import { ScaSubscriptionsRepo } from "../../src/store/sca-subscriptions-repo.ts";
import { linekeyTables } from "../../src/store/tables.ts";

const dir = mkdtempSync(join(tmpdir(), "linekey-durable-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const FIXTURE = fileURLToPath(new URL("./fixtures/durable-writer.ts", import.meta.url));

/** Runs the writer, SIGKILLs it as soon as it says "written"; resolves with the kill signal. */
function writeThenKill(dbPath: string): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, dbPath], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (out.includes("written\n")) child.kill("SIGKILL");
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (!out.includes("written"))
        reject(new Error(`writer exited (${code ?? signal}) before writing:\n${err}`));
      else resolve(signal);
    });
  });
}

describe("durable SQLite writes", () => {
  it("keeps an acknowledged subscription when the process is SIGKILLed right after", async () => {
    const dbPath = join(dir, "sca.db");
    const signal = await writeThenKill(dbPath);
    assert.equal(signal, "SIGKILL");
    // The writer never checkpointed or closed: the row lives only in the WAL, and must be found.
    assert.ok(existsSync(`${dbPath}-wal`));
    const db = await openDatabase(`sqlite://${dbPath}`, { dataDir: dir, tables: linekeyTables() });
    try {
      const rows = await new ScaSubscriptionsRepo(db).loadAll();
      assert.deepEqual(
        rows.map((r) => [r.subscriber, r.callId, r.expires]),
        [["sip:2107@192.0.2.7:5081", "durable-1", 1_900_000_000]],
      );
    } finally {
      await db.close();
    }
  });
});
