import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { PostgresTarget } from "../../src/store/db-url.ts";
import { DEFAULT_SQLITE_FILE, parseDbUrl, redact } from "../../src/store/db-url.ts";

const DATA = "/var/lib/linekey";

function pgTarget(url: string): PostgresTarget {
  const t = parseDbUrl(url, DATA);
  assert.ok(t.kind === "postgres", `${url} parsed as ${t.kind}`);
  return t;
}

describe("parseDbUrl: sqlite", () => {
  it("defaults to linekey.db in the data folder when absent or blank", () => {
    const expected = {
      kind: "sqlite",
      path: `${DATA}/${DEFAULT_SQLITE_FILE}`,
      display: `${DATA}/linekey.db`,
    };
    assert.deepEqual(parseDbUrl(undefined, DATA), expected);
    assert.deepEqual(parseDbUrl("  ", DATA), expected);
  });

  it("reads sqlite:///x as the absolute path /x (Kamailio's form) and sqlite:/x likewise", () => {
    assert.equal(parseDbUrl("sqlite:///srv/pbx/kamailio.db", DATA).kind, "sqlite");
    assert.deepEqual(parseDbUrl("sqlite:///srv/pbx/kamailio.db", DATA), {
      kind: "sqlite",
      path: "/srv/pbx/kamailio.db",
      display: "/srv/pbx/kamailio.db",
    });
    assert.equal((parseDbUrl("sqlite:/srv/x.db", DATA) as { path: string }).path, "/srv/x.db");
    assert.equal((parseDbUrl("SQLITE:///srv/x.db", DATA) as { path: string }).path, "/srv/x.db");
  });

  it("reads sqlite:x relative to the data folder", () => {
    assert.equal((parseDbUrl("sqlite:sub/x.db", DATA) as { path: string }).path, `${DATA}/sub/x.db`);
    const rel = parseDbUrl("sqlite:x.db", "data") as { path: string };
    assert.equal(rel.path, `${process.cwd()}/data/x.db`);
  });

  it("accepts sqlite::memory:", () => {
    assert.deepEqual(parseDbUrl("sqlite::memory:", DATA), {
      kind: "sqlite",
      path: ":memory:",
      display: ":memory:",
    });
  });

  it("refuses sqlite://x (host form), an empty path and a folder", () => {
    assert.throws(() => parseDbUrl("sqlite://relative.db", DATA), {
      code: "STORE_ERR_URL",
      message: /ambiguous/,
    });
    assert.throws(() => parseDbUrl("sqlite:", DATA), {
      code: "STORE_ERR_URL",
      message: /missing SQLite file/,
    });
    assert.throws(() => parseDbUrl("sqlite:///srv/", DATA), { code: "STORE_ERR_URL", message: /folder/ });
  });
});

describe("parseDbUrl: postgres", () => {
  it("parses user, password, host, port and database", () => {
    assert.deepEqual(parseDbUrl("postgres://kamailio:kamailiorw@db.example:6543/kamailio", DATA), {
      kind: "postgres",
      host: "db.example",
      port: 6543,
      user: "kamailio",
      password: "kamailiorw",
      database: "kamailio",
      display: "postgres://kamailio:***@db.example:6543/kamailio",
    });
  });

  it("accepts postgresql://, the default port, no credentials, percent-encoding and IPv6", () => {
    assert.deepEqual(parseDbUrl("postgresql://[::1]/linekey", DATA), {
      kind: "postgres",
      host: "::1",
      port: 5432,
      user: undefined,
      password: undefined,
      database: "linekey",
      display: "postgres://[::1]:5432/linekey",
    });
    const enc = pgTarget("postgres://us%40er:p%3As%2Fs@h/d%20b");
    assert.equal(enc.user, "us@er");
    assert.equal(enc.password, "p:s/s");
    assert.equal(enc.database, "d b");
    assert.doesNotMatch(enc.display, /p:s/);
  });

  it("accepts a Unix socket folder and sslmode=disable", () => {
    const r = pgTarget("postgres://linekey@/linekey?host=/var/run/postgresql&sslmode=disable");
    assert.equal(r.host, "/var/run/postgresql");
    assert.equal(r.user, "linekey");
    assert.equal(r.display, "postgres://linekey@/linekey?host=/var/run/postgresql");
  });

  it("refuses what it cannot honour", () => {
    const bad: [string, RegExp][] = [
      ["postgres://u:p@h:5432/", /database name/],
      ["postgres://u:p@h", /database name/],
      ["postgres://u:p@h:0/db", /bad port/],
      ["postgres://u:p@h:99999/db", /malformed|bad port/],
      ["postgres:///db", /missing host/],
      ["postgres://h/db?sslmode=require", /sslmode=require is not supported/],
      ["postgres://h/db?connect_timeout=3", /unknown parameter "connect_timeout"/],
      ["postgres://h/db?host=relative", /socket folder/],
      ["postgres://h/a/b", /database name/],
      ["postgres://u:p@h/d%zz", /percent-encoding/],
    ];
    for (const [url, message] of bad) {
      assert.throws(() => parseDbUrl(url, DATA), { code: "STORE_ERR_URL", message }, url);
    }
  });

  it("never puts the password in an error message", () => {
    assert.throws(
      () => parseDbUrl("postgres://u:t0psecret@h:0/db", DATA),
      (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.doesNotMatch(err.message, /t0psecret/);
        return true;
      },
    );
  });
});

describe("parseDbUrl: other schemes", () => {
  it("refuses Kamailio's mysql:// with a clear message", () => {
    assert.throws(() => parseDbUrl("mysql://kamailio:kamailiorw@localhost/kamailio", DATA), {
      code: "STORE_ERR_URL",
      message: /MySQL is not supported/,
    });
  });

  it("refuses unknown schemes and text without a scheme", () => {
    assert.throws(() => parseDbUrl("db_text:///etc/kamailio/dbtext", DATA), {
      code: "STORE_ERR_URL",
      message: /unsupported scheme "db_text"/,
    });
    assert.throws(() => parseDbUrl("/var/lib/linekey/x.db", DATA), {
      code: "STORE_ERR_URL",
      message: /missing scheme/,
    });
  });

  it("redacts passwords", () => {
    assert.equal(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    assert.equal(redact("postgres://u@h/db"), "postgres://u@h/db");
    assert.equal(redact("sqlite:///a:b@c"), "sqlite:///a:b@c");
  });
});
