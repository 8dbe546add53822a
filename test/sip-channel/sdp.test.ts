import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { acceptedCodecs, answerDirection, buildSdp, isHold, parseSdp } from "../../src/sip/channel/sdp.ts";
import { MediaSession } from "../../src/sip/channel/media-session.ts";
import { SipError } from "../../src/util/errors.ts";

const BARESIP_OFFER = [
  "v=0",
  "o=- 1234 5678 IN IP4 127.0.0.1",
  "s=-",
  "c=IN IP4 127.0.0.1",
  "t=0 0",
  "m=audio 35112 RTP/AVP 0 101",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:101 telephone-event/8000",
  "a=fmtp:101 0-15",
  "a=sendrecv",
  "",
].join("\r\n");

describe("SDP offer/answer", () => {
  it("parses a real offer: address, port, codecs, telephone-event, direction", () => {
    const s = parseSdp(BARESIP_OFFER);
    assert.equal(s.address, "127.0.0.1");
    assert.equal(s.port, 35112);
    assert.deepEqual(s.codecs, [{ codec: "ulaw", payloadType: 0 }]);
    assert.equal(s.telephoneEvent, 101);
    assert.equal(s.direction, "sendrecv");
    assert.equal(isHold(s), false);
  });

  it("reads static payload types without rtpmap and skips unknown dynamic ones", () => {
    const s = parseSdp(
      "v=0\r\no=- 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 18 96\r\n",
    );
    assert.deepEqual(
      s.codecs.map((c) => c.codec),
      ["alaw", "g729"],
    );
  });

  it("detects hold: sendonly, inactive, and the RFC 2543 c=0.0.0.0", () => {
    const held = (extra: string, ip = "127.0.0.1"): boolean =>
      isHold(
        parseSdp(BARESIP_OFFER.replace("a=sendrecv", extra).replace("c=IN IP4 127.0.0.1", `c=IN IP4 ${ip}`)),
      );
    assert.equal(held("a=sendonly"), true);
    assert.equal(held("a=inactive"), true);
    assert.equal(held("a=recvonly"), false);
    assert.equal(held("a=sendrecv", "0.0.0.0"), true);
  });

  it("answers directions by RFC 3264 §6.1", () => {
    assert.equal(answerDirection("sendonly", "sendrecv"), "recvonly");
    assert.equal(answerDirection("recvonly", "sendrecv"), "sendonly");
    assert.equal(answerDirection("inactive", "sendrecv"), "inactive");
    assert.equal(answerDirection("sendrecv", "sendonly"), "sendonly");
    assert.equal(answerDirection("sendonly", "sendonly"), "inactive");
  });

  it("builds an offer that parses back, and rejects SDP without audio with 488", () => {
    const text = buildSdp({
      address: "192.0.2.5",
      port: 20000,
      codecs: ["alaw", "ulaw"],
      direction: "sendonly",
      telephoneEvent: 101,
      sessionId: "42",
      sessionVersion: 7,
    });
    assert.match(text, /^o=linekey 42 7 IN IP4 192\.0\.2\.5$/m);
    assert.match(text, /^a=ptime:20$/m);
    const back = parseSdp(text);
    assert.equal(back.direction, "sendonly");
    assert.deepEqual(
      back.codecs.map((c) => c.codec),
      ["alaw", "ulaw"],
    );
    assert.throws(
      () =>
        parseSdp(
          "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\n",
        ),
      (e: unknown) => e instanceof SipError && e.status === 488,
    );
  });

  it("answers with the offer's payload types and the bridge's codec; keeps o= version unless changed", () => {
    const m = new MediaSession(() => "127.0.0.1");
    m.remote = parseSdp(
      BARESIP_OFFER.replace("RTP/AVP 0 101", "RTP/AVP 8 0 101").replace(
        "a=rtpmap:0",
        "a=rtpmap:8 PCMA/8000\r\na=rtpmap:0",
      ),
    );
    assert.deepEqual(acceptedCodecs(m.remote, ["ulaw"]), [{ codec: "ulaw", payloadType: 0 }]);
    m.localTarget = { address: "127.0.0.1", port: 30000 };
    m.localCodec = "ulaw";
    const a1 = m.answer();
    assert.match(a1, /^m=audio 30000 RTP\/AVP 0 101$/m);
    const v1 = /^o=\S+ \S+ (\d+)/m.exec(a1)?.[1];
    assert.equal(/^o=\S+ \S+ (\d+)/m.exec(m.answer())?.[1], v1, "same description, same version");
    assert.equal(m.changed, false);
    m.holding = true;
    assert.equal(m.changed, true, "hold changes our side");
    const offer = m.offer();
    assert.match(offer, /^a=sendonly$/m);
    assert.equal(Number(/^o=\S+ \S+ (\d+)/m.exec(offer)?.[1]), Number(v1) + 1);
  });

  it("offers a=inactive on the discard port before the bridge gave an address", () => {
    const m = new MediaSession(() => "198.51.100.1");
    const offer = m.offer();
    assert.match(offer, /^c=IN IP4 198\.51\.100\.1$/m);
    assert.match(offer, /^m=audio 9 RTP\/AVP 0 8 101$/m);
    assert.match(offer, /^a=inactive$/m);
  });
});
