/**
 * The pure pieces: Call-Info grammar and builders (reference §4.2, §4.3, §5.2), AoR derivation
 * (§6.1), SDP hold detection (§6.2), Kamailio's string hash (§1).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { aorFromContact, canonicalAor, extractAor } from "../../src/sca/aor.ts";
import { appearanceStateFromName, appearanceStateName } from "../../src/sca/appearance-state.ts";
import {
  buildCallInfoList,
  buildLineSeizeCallInfo,
  callInfoDomain,
  formatAppearanceUri,
  parseCallInfo,
} from "../../src/sca/call-info.ts";
import { kamailioHash, ScaHashTable } from "../../src/sca/hash.ts";
import { sdpIsOnHold } from "../../src/sca/sdp-hold.ts";
import { sdp } from "./support/calls.ts";

describe("Call-Info parser", () => {
  it("accepts the positional grammar with index, state and uri", () => {
    assert.deepEqual(parseCallInfo("<sip:d.example>;appearance-index=3"), {
      scaUri: "<sip:d.example>",
      index: 3,
      state: undefined,
      uri: undefined,
    });
    assert.deepEqual(
      parseCallInfo('<sip:d>;appearance-index=1;appearance-state=held-private;appearance-uri="<sip:300@x>"'),
      {
        scaUri: "<sip:d>",
        index: 1,
        state: "held-private",
        uri: '"<sip:300@x>"',
      },
    );
    assert.equal(parseCallInfo("<sip:d>;appearance-index=0")?.index, 0);
    // Kamailio's str2int reads an empty number as 0.
    assert.equal(parseCallInfo("<sip:d>;appearance-index=")?.index, 0);
  });

  it("reads `active` as active-pending, as Kamailio's name table does", () => {
    assert.equal(
      parseCallInfo("<sip:d>;appearance-index=1;appearance-state=active")?.state,
      "active-pending",
    );
    assert.equal(appearanceStateFromName("active"), "active-pending");
    assert.equal(appearanceStateName("active-pending"), "active");
    assert.equal(appearanceStateFromName("ringing"), undefined);
  });

  it("refuses everything else", () => {
    for (const bad of [
      "<sips:d>;appearance-index=1",
      "<sip:d> ;appearance-index=1",
      "<sip:d>; appearance-index=1",
      "<sip:d>;appearance-index=*",
      "<sip:d>;appearance-index=1x",
      "<sip:d>;appearance-state=idle;appearance-index=1",
      "<sip:d>;appearance-index=1;appearance-state=ringing",
      "<sip:d>;appearance-index=1;appearance-state=idle;foo=bar",
      "<sip:d>;appearance-index=1;appearance-state=idle;appearance-uri=",
      "<sip:d>;appearance-index=1,<sip:d>;appearance-index=*;appearance-state=idle",
      "<sip:d;x>;appearance-index=1",
      "sip:d;appearance-index=1",
      "",
    ]) {
      assert.equal(parseCallInfo(bad), undefined, bad);
    }
  });
});

describe("Call-Info builders", () => {
  it("lists appearances in order, then the idle tail, without spaces; the domain keeps its port", () => {
    assert.equal(callInfoDomain("sip:2104@127.0.0.1:5070"), "127.0.0.1:5070");
    assert.equal(callInfoDomain("sip:example.com"), "example.com");
    assert.equal(callInfoDomain("2104"), undefined);
    assert.equal(
      buildCallInfoList("sip:2103@d:5070", [
        { index: 1, state: "seized", uri: "" },
        { index: 2, state: "active-pending", uri: "<sip:300@h>" },
      ]),
      '<sip:d:5070>;appearance-index=1;appearance-state=seized,<sip:d:5070>;appearance-index=2;appearance-state=active;appearance-uri="<sip:300@h>",<sip:d:5070>;appearance-index=*;appearance-state=idle',
    );
    assert.equal(buildCallInfoList("sip:1@d", []), "<sip:d>;appearance-index=*;appearance-state=idle");
    assert.equal(
      buildCallInfoList("sip:1@d", [{ index: 4, state: "held", uri: "" }], false),
      "<sip:d>;appearance-index=4;appearance-state=held",
    );
    assert.equal(buildLineSeizeCallInfo("sip:1@d", 7), "<sip:d>;appearance-index=7");
  });

  it("escapes the display name of an appearance-uri", () => {
    assert.equal(formatAppearanceUri(undefined, "sip:a@b"), "<sip:a@b>");
    assert.equal(formatAppearanceUri('"O\'Hara"', "sip:a@b"), `\\"O\\'Hara\\" <sip:a@b>`);
    assert.equal(formatAppearanceUri("Back\\slash", "sip:a@b"), "Back\\\\slash <sip:a@b>");
  });
});

describe("AoRs", () => {
  it("cuts at the first ';' and keeps the port", () => {
    assert.equal(extractAor("sip:215@voice.example.com:5070;user=phone"), "sip:215@voice.example.com:5070");
  });

  it("uses the Contact user when it differs from the From/To user", () => {
    assert.equal(canonicalAor("sip:2104@d;x=1", "sip:2104@10.0.0.1:5081"), "sip:2104@d");
    assert.equal(canonicalAor("sip:2104@d", "sip:10.0.0.1:5081"), "sip:2104@d");
    assert.equal(canonicalAor("sip:2110@d.example:5070", "sip:300@127.0.0.1:5090"), "sip:300@d.example:5070");
    assert.equal(canonicalAor("sip:2104@d", undefined), "sip:2104@d");
    assert.equal(canonicalAor("sip:2104@d", "not a uri"), undefined);
  });

  it("builds a far end's AoR from its Contact and the SCA domain", () => {
    assert.equal(aorFromContact("sip:300@127.0.0.1:5090", "sip:2110@d.example"), "sip:300@d.example");
    assert.equal(aorFromContact("sip:127.0.0.1:5090", "sip:2110@d.example"), undefined);
  });
});

describe("hold detection", () => {
  it("sees sendonly, inactive and 0.0.0.0 at media level, not a session-level sendonly or ICE's port 9", () => {
    assert.equal(sdpIsOnHold(sdp("sendonly")), true);
    assert.equal(sdpIsOnHold(sdp("inactive")), true);
    assert.equal(sdpIsOnHold(sdp("recvonly")), false);
    assert.equal(sdpIsOnHold(sdp("sendrecv")), false);
    assert.equal(sdpIsOnHold(sdp("sendrecv", "0.0.0.0")), true);
    const sessionSendonly =
      "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\na=sendonly\r\nm=audio 4000 RTP/AVP 0\r\n";
    assert.equal(sdpIsOnHold(sessionSendonly), false);
    const trickle = "v=0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n";
    assert.equal(sdpIsOnHold(trickle), false);
  });
});

describe("Kamailio's core hash", () => {
  it("gives get_hash1_raw's values (signed chars included)", () => {
    // Values of Kamailio's get_hash1_raw for these strings (computed with the C function).
    const expected: [string, number][] = [
      ["sip:2101@127.0.0.1call-info", 3019994249],
      ["sip:2104@127.0.0.1", 632210299],
      ["", 0],
      ["a", 109],
      ["ab", 27998],
      ["abc", 7167810],
      ["abcd", 1834959896],
      ["sip:ü@x.example", 3835434145],
      ["sip:2107@127.0.0.1line-seize", 521318181],
    ];
    for (const [key, h] of expected) assert.equal(kamailioHash(key), h, key);
  });

  it("slots by the low bits and keeps the newest entry first", () => {
    const t = new ScaHashTable<string>(9);
    assert.equal(t.size, 512);
    assert.equal(t.slotOf("sip:2104@127.0.0.1"), 632210299 & 511);
    assert.equal(new ScaHashTable<string>(0).size, 512);
    t.insert(3, "old");
    t.insert(3, "new");
    assert.deepEqual(t.entries(3), ["new", "old"]);
    assert.equal(t.remove(3, "old"), true);
    assert.deepEqual([...t.all()], ["new"]);
  });
});
