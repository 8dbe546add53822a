import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createHash } from "node:crypto";
import {
  MAX_SOCKET_PATH_BYTES,
  consoleSocketPath,
  consoleTarget,
  defaultRunDir,
  parseConsoleTarget,
} from "../../src/mgmt/console-path.ts";

const dir = mkdtempSync(join(tmpdir(), "lk-cp-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const noEnv = { env: {} };

describe("consoleSocketPath", () => {
  it("uses <tmpdir>/linekey-<uid>/embedded.ctl for the embedded defaults", () => {
    const uid = process.getuid?.();
    const expected = join(tmpdir(), `linekey-${uid ?? ""}`, "embedded.ctl");
    if (uid !== undefined) assert.equal(consoleSocketPath(undefined, undefined, noEnv), expected);
    assert.equal(defaultRunDir({}), join(tmpdir(), `linekey-${uid ?? ""}`));
  });

  it("ignores $XDG_RUNTIME_DIR so a systemd service and a login shell agree on the path", () => {
    const env = { XDG_RUNTIME_DIR: "/run/user/1000" };
    assert.equal(
      consoleSocketPath(undefined, undefined, { env }),
      consoleSocketPath(undefined, undefined, noEnv),
    );
  });

  it("derives a short, stable name from the absolute config dir", () => {
    const conf = join(dir, "conf");
    mkdirSync(conf);
    const real = consoleSocketPath(conf, "/run/lk", noEnv);
    const hash = createHash("sha1").update(conf).digest("hex").slice(0, 12);
    // mkdtemp under a symlinked tmpdir (macOS /var → /private/var) hashes the real path.
    assert.match(real, /^\/run\/lk\/linekey-[0-9a-f]{12}\.ctl$/);
    if (!conf.startsWith("/var/")) assert.equal(real, `/run/lk/linekey-${hash}.ctl`);
    // Same folder, different spellings: relative, trailing slash, through a symlink.
    assert.equal(consoleSocketPath(relative(process.cwd(), conf), "/run/lk", noEnv), real);
    assert.equal(consoleSocketPath(`${conf}/`, "/run/lk", noEnv), real);
    const link = join(dir, "link");
    symlinkSync(conf, link);
    assert.equal(consoleSocketPath(link, "/run/lk", noEnv), real);
    // Different folders, different sockets; none collides with the embedded one.
    assert.notEqual(consoleSocketPath(join(dir, "other"), "/run/lk", noEnv), real);
    assert.notEqual(consoleSocketPath(undefined, "/run/lk", noEnv), real);
  });

  it("keeps the default path well under the UNIX socket limit", () => {
    const p = consoleSocketPath(join(dir, "a".repeat(200)), undefined, noEnv);
    assert.ok(Buffer.byteLength(p) <= MAX_SOCKET_PATH_BYTES, p);
  });

  it("honours console_socket, relative to the config dir", () => {
    assert.equal(
      consoleSocketPath("/etc/linekey", undefined, { consoleSocket: "/run/lk.ctl", env: {} }),
      "/run/lk.ctl",
    );
    assert.equal(
      consoleSocketPath("/etc/linekey", undefined, { consoleSocket: "lk.ctl", env: {} }),
      "/etc/linekey/lk.ctl",
    );
    assert.equal(
      consoleSocketPath("/etc/linekey", "/run/lk", { consoleSocket: "  ", env: {} }),
      consoleSocketPath("/etc/linekey", "/run/lk", noEnv),
    );
  });

  it("lets LINEKEY_CONSOLE override everything", () => {
    const env = { LINEKEY_CONSOLE: "/tmp/x.ctl", XDG_RUNTIME_DIR: "/run/user/1" };
    assert.equal(
      consoleSocketPath("/etc/linekey", "/run/lk", { consoleSocket: "/run/lk.ctl", env }),
      "/tmp/x.ctl",
    );
    assert.equal(
      consoleSocketPath(undefined, undefined, { env: { LINEKEY_CONSOLE: "rel.ctl" } }),
      join(process.cwd(), "rel.ctl"),
    );
  });
});

describe("parseConsoleTarget", () => {
  it("reads tcp addresses and treats everything else as a path", () => {
    assert.deepEqual(parseConsoleTarget("tcp://127.0.0.1:5039"), { host: "127.0.0.1", port: 5039 });
    assert.deepEqual(parseConsoleTarget("tcp:localhost:5039"), { host: "localhost", port: 5039 });
    assert.deepEqual(parseConsoleTarget("tcp://[::1]:5039"), { host: "::1", port: 5039 });
    assert.deepEqual(parseConsoleTarget("/run/linekey.ctl"), { path: "/run/linekey.ctl" });
    assert.deepEqual(parseConsoleTarget("tcp://127.0.0.1:99999"), { path: "tcp://127.0.0.1:99999" });
    assert.deepEqual(
      consoleTarget(undefined, undefined, { env: { LINEKEY_CONSOLE: "tcp://127.0.0.1:7000" } }),
      {
        host: "127.0.0.1",
        port: 7000,
      },
    );
  });
});
