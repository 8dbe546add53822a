import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DigestAuthenticator,
  NonceSource,
  digestResponse,
  parseDigestCredentials,
  type DigestAlgorithm,
} from "../../src/sip/auth/index.ts";
import { SipRequest } from "../../src/sip/message/index.ts";

test("digest responses: RFC 2617 §3.5 and RFC 7616 §3.9.1 vectors (MD5 and SHA-256)", () => {
  assert.equal(
    digestResponse({
      algorithm: "MD5",
      username: "Mufasa",
      realm: "testrealm@host.com",
      password: "Circle Of Life",
      method: "GET",
      uri: "/dir/index.html",
      nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
      qop: "auth",
      nc: "00000001",
      cnonce: "0a4f113b",
    }),
    "6629fae49393a05397450978507c4ef1",
  );
  const rfc7616 = {
    username: "Mufasa",
    realm: "http-auth@example.org",
    password: "Circle of Life",
    method: "GET",
    uri: "/dir/index.html",
    nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    qop: "auth" as const,
    nc: "00000001",
    cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
  };
  assert.equal(digestResponse({ ...rfc7616, algorithm: "MD5" }), "8ca523f5e9506fed4657c9700eebdbec");
  assert.equal(
    digestResponse({ ...rfc7616, algorithm: "SHA-256" }),
    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
  );
});

test("credentials parser: quoted values with escapes, tokens, any case", () => {
  const c = parseDigestCredentials(
    'Digest username="bob\\"s",Realm="r", nonce="n1",uri="sip:x@y", response="abc", ALGORITHM=sha-256, qop=auth, nc=0000000a, cnonce="c n"',
  );
  assert.deepEqual(c, {
    username: 'bob"s',
    realm: "r",
    nonce: "n1",
    uri: "sip:x@y",
    response: "abc",
    algorithm: "sha-256",
    qop: "auth",
    nc: "0000000a",
    cnonce: "c n",
  });
  assert.equal(parseDigestCredentials("Basic dXNlcjpwYXNz"), undefined);
  assert.equal(parseDigestCredentials('Digest username="a", realm="r"'), undefined);
});

test("nonces: ours are valid, then stale after their lifetime; forged ones are invalid", () => {
  const n = new NonceSource("r", 30);
  const nonce = n.issue(1_000_000);
  assert.equal(n.check(nonce, 1_000_000 + 30_000), "valid");
  assert.equal(n.check(nonce, 1_000_000 + 31_000), "stale");
  assert.equal(new NonceSource("other", 30).check(nonce, 1_000_000), "invalid", "bound to realm and key");
  const tampered = `${nonce.slice(0, -2)}${nonce.endsWith("AA") ? "BB" : "AA"}`;
  assert.equal(n.check(tampered, 1_000_000), "invalid");
  assert.equal(n.check("not a nonce!", 1_000_000), "invalid");
});

interface Phone {
  username: string;
  password: string;
  algorithm: DigestAlgorithm;
}

function request(method: string, authHeader?: string): SipRequest {
  const headers = [
    { name: "Via", value: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1" },
    { name: "From", value: "<sip:100@pbx>;tag=1" },
    { name: "To", value: method === "REGISTER" ? "<sip:100@pbx>" : "<sip:200@pbx>" },
    { name: "Call-ID", value: "c1" },
    { name: "CSeq", value: `1 ${method}` },
  ];
  if (authHeader !== undefined) {
    headers.push({
      name: method === "REGISTER" ? "Authorization" : "Proxy-Authorization",
      value: authHeader,
    });
  }
  return new SipRequest({ method, uri: "sip:200@pbx", headers });
}

function answer(challenge: string, phone: Phone, method: string, nc: number): string {
  const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1] ?? "";
  const realm = /realm="([^"]+)"/.exec(challenge)?.[1] ?? "";
  const ncText = nc.toString(16).padStart(8, "0");
  const response = digestResponse({
    algorithm: phone.algorithm,
    username: phone.username,
    realm,
    password: phone.password,
    method,
    uri: "sip:200@pbx",
    nonce,
    qop: "auth",
    nc: ncText,
    cnonce: "cafe",
  });
  return `Digest username="${phone.username}", realm="${realm}", nonce="${nonce}", uri="sip:200@pbx", response="${response}", algorithm=${phone.algorithm}, qop=auth, nc=${ncText}, cnonce="cafe"`;
}

function setup(): { auth: DigestAuthenticator; clock: { now: number } } {
  const clock = { now: 1_700_000_000_000 };
  const auth = new DigestAuthenticator({
    realm: "pbx",
    secretOf: (u) => (u === "100" ? "pw100" : undefined),
    nonceLifetimeS: 60,
    clock: () => clock.now,
  });
  return { auth, clock };
}

test("authenticator: 401 for REGISTER and 407 otherwise, one challenge per algorithm; both algorithms accepted", () => {
  const { auth } = setup();
  const reg = auth.check(request("REGISTER"));
  assert.ok(!reg.ok);
  assert.equal(reg.status, 401);
  assert.deepEqual(
    reg.headers.map((h) => [h.name, /algorithm=([\w-]+)/.exec(h.value)?.[1], /qop="auth"/.test(h.value)]),
    [
      ["WWW-Authenticate", "MD5", true],
      ["WWW-Authenticate", "SHA-256", true],
    ],
  );
  for (const algorithm of ["MD5", "SHA-256"] as const) {
    const ch = auth.check(request("INVITE"));
    assert.ok(!ch.ok && ch.status === 407 && ch.headers[0]?.name === "Proxy-Authenticate");
    const ok = auth.check(
      request(
        "INVITE",
        answer(ch.headers[0].value, { username: "100", password: "pw100", algorithm }, "INVITE", 1),
      ),
    );
    assert.deepEqual(ok, { ok: true, username: "100" }, algorithm);
  }
});

test("authenticator: wrong password and unknown user both get 403; a replayed nc and a stale nonce get a fresh challenge", () => {
  const { auth, clock } = setup();
  const ch = auth.check(request("INVITE"));
  assert.ok(!ch.ok);
  const challenge = ch.headers[0]?.value ?? "";
  const bad = auth.check(
    request(
      "INVITE",
      answer(challenge, { username: "100", password: "nope", algorithm: "MD5" }, "INVITE", 1),
    ),
  );
  assert.deepEqual(bad, { ok: false, status: 403, reason: "Forbidden", headers: [] });
  const stranger = auth.check(
    request("INVITE", answer(challenge, { username: "999", password: "x", algorithm: "MD5" }, "INVITE", 1)),
  );
  assert.deepEqual(stranger, bad, "an unknown user looks exactly like a wrong password");

  const phone: Phone = { username: "100", password: "pw100", algorithm: "MD5" };
  const first = request("INVITE", answer(challenge, phone, "INVITE", 1));
  assert.equal(auth.check(first).ok, true);
  const replay = auth.check(first);
  assert.ok(!replay.ok);
  assert.equal(replay.status, 407);
  assert.match(replay.headers[0]?.value ?? "", /stale=true/);
  assert.equal(
    auth.check(request("INVITE", answer(challenge, phone, "INVITE", 2))).ok,
    true,
    "the next nc is fine",
  );

  clock.now += 61_000;
  const late = auth.check(request("INVITE", answer(challenge, phone, "INVITE", 3)));
  assert.ok(!late.ok);
  assert.equal(late.status, 407);
  assert.match(late.headers[0]?.value ?? "", /stale=true/);
  assert.doesNotMatch(
    late.headers[0]?.value ?? "",
    new RegExp(/nonce="([^"]+)"/.exec(challenge)?.[1] ?? "x"),
    "a new nonce",
  );
  // A stale nonce with a wrong password is refused, not re-challenged.
  const lateBad = auth.check(request("INVITE", answer(challenge, { ...phone, password: "no" }, "INVITE", 4)));
  assert.ok(!lateBad.ok && lateBad.status === 403);
});

test("authenticator: credentials for another realm or an unknown algorithm are ignored (challenge again)", () => {
  const { auth } = setup();
  const other = auth.check(
    request("REGISTER", 'Digest username="100", realm="elsewhere", nonce="x", uri="sip:pbx", response="00"'),
  );
  assert.ok(!other.ok && other.status === 401 && !/stale/.test(other.headers[0]?.value ?? ""));
  const sess = auth.check(
    request(
      "REGISTER",
      'Digest username="100", realm="pbx", nonce="x", uri="sip:pbx", response="00", algorithm=MD5-sess',
    ),
  );
  assert.ok(!sess.ok && sess.status === 401);
  const noNc = auth.check(
    request(
      "REGISTER",
      'Digest username="100", realm="pbx", nonce="x", uri="sip:pbx", response="00", qop=auth',
    ),
  );
  assert.ok(!noNc.ok && noNc.status === 400);
});
