/**
 * The URI parser checks RFC 3261 §25.1 character classes with lookup tables; these are the
 * regular expressions it used before, as the reference, applied to random strings.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { isValidUri, parseUri } from "../../../src/sip/message/uri.ts";

const USER_RE = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const PASSWORD_RE = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})*$/;
const PARAM_RE = /^(?:[A-Za-z0-9\-_.!~*'()[\]/:&+$]|%[0-9A-Fa-f]{2})+$/;
const HNAME_RE = /^(?:[A-Za-z0-9\-_.!~*'()[\]/?:+$]|%[0-9A-Fa-f]{2})+$/;
const HVALUE_RE = /^(?:[A-Za-z0-9\-_.!~*'()[\]/?:+$]|%[0-9A-Fa-f]{2})*$/;
const HOSTNAME_RE = /^[A-Za-z0-9_](?:[A-Za-z0-9\-_.]*[A-Za-z0-9_.])?$/;
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+\-.]*$/;

let seed = 12345;
function random(alphabet: string, maxLength: number): string {
  let s = "";
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  const n = seed % (maxLength + 1);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    s += alphabet[seed % alphabet.length] ?? "";
  }
  return s;
}

/** parseUri's verdict; isValidUri (the same grammar without building objects) must agree. */
function parses(text: string): boolean {
  let ok: boolean;
  try {
    parseUri(text);
    ok = true;
  } catch {
    ok = false;
  }
  assert.equal(isValidUri(text), ok, `isValidUri and parseUri disagree on ${JSON.stringify(text)}`);
  return ok;
}

// Every class's characters, escapes (valid and broken) and characters no class allows.
const ALPHABET = "aZ09-_.!~*'()&=+$,;?/[]:%4fG é<>\"#\t|";

test("user and password characters", () => {
  const user = ALPHABET.replace(/[@:]/g, "");
  for (let i = 0; i < 5000; i++) {
    const u = random(user, 8);
    assert.equal(parses(`sip:${u}@host`), USER_RE.test(u), `user ${JSON.stringify(u)}`);
    const p = random(ALPHABET.replace("@", ""), 6);
    assert.equal(parses(`sip:u:${p}@host`), PASSWORD_RE.test(p), `password ${JSON.stringify(p)}`);
  }
});

test("host names", () => {
  const host = "aZ09-_.%é!";
  for (let i = 0; i < 5000; i++) {
    const h = random(host, 6);
    assert.equal(parses(`sip:${h}`), HOSTNAME_RE.test(h), `host ${JSON.stringify(h)}`);
    assert.equal(parses(`sip:u@${h}:5060`), HOSTNAME_RE.test(h), `host ${JSON.stringify(h)}`);
  }
});

test("URI parameters and headers", () => {
  const param = ALPHABET.replace(/[;=?]/g, "");
  for (let i = 0; i < 5000; i++) {
    const n = random(param, 5);
    const v = random(param, 5);
    const ok = PARAM_RE.test(n) && PARAM_RE.test(v);
    assert.equal(parses(`sip:host;${n}=${v};lr`), ok, `param ${JSON.stringify([n, v])}`);
    assert.equal(parses(`sip:host;${n}`), PARAM_RE.test(n), `param ${JSON.stringify(n)}`);
    const hn = random(ALPHABET.replace(/[&=]/g, ""), 5);
    const hv = random(ALPHABET.replace(/[&=]/g, ""), 5);
    assert.equal(parses(`sip:host?${hn}=${hv}`), HNAME_RE.test(hn) && HVALUE_RE.test(hv));
  }
});

test("schemes and ports", () => {
  for (let i = 0; i < 3000; i++) {
    const s = random("aZ09+-.:_", 5);
    if (s.includes(":")) continue;
    assert.equal(parses(`${s}:1`), SCHEME_RE.test(s), `scheme ${JSON.stringify(s)}`);
  }
  for (const [port, ok] of [
    ["", false],
    ["0", true],
    ["65535", true],
    ["65536", false],
    ["099999", false],
    ["1a", false],
    ["00080", true],
  ] as const) {
    assert.equal(parses(`sip:host:${port}`), ok, `port ${port}`);
  }
});

test("isValidUri agrees with parseUri on whole random URIs of every scheme", () => {
  const alphabet = "sipteltp:@;=?&[]0123456789.:abcAB%-_+/ ,<>";
  for (let i = 0; i < 20000; i++) {
    const prefix = ["sip:", "sips:", "tel:", "mailto:", "SIP:", ""][i % 6] ?? "";
    parses(prefix + random(alphabet, 24));
  }
  assert.equal(parses("sip:alice@[2001:db8::1]:5060;transport=tcp?subject=x"), true);
  assert.equal(parses("sip:alice@[2001:db8::1]x"), false);
});
