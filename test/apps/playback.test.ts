// Playback(): packets sent for a generated WAV, PLAYBACKSTATUS, missing files, hangup, lookup.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { soundCandidates } from "../../src/core/apps/index.ts";
import { generateTone } from "../../src/media/tone.ts";
import { parseRtp } from "../../src/media/rtp-packet.ts";
import { Harness, settle, waitUntil } from "./support/harness.ts";

const CONF = `
[default]
exten => 1,1,Playback(tone)
same => n,Set(DONE=\${PLAYBACKSTATUS})
same => n,Busy()
exten => 2,1,Playback(missing&tone)
same => n,Set(DONE=\${PLAYBACKSTATUS})
same => n,Busy()
exten => 3,1,Playback(long)
same => n,Set(DONE=\${PLAYBACKSTATUS})
exten => 4,1,Playback(tone,skip)
same => n,Set(DONE=\${PLAYBACKSTATUS})
same => n,Busy()
exten => 5,1,Playback(hello-world)
same => n,Set(DONE=\${PLAYBACKSTATUS})
same => n,Busy()
`;

test("a 1000-sample WAV plays as 7 packets of 20 ms, µ-law, consecutive, marker on the first", async () => {
  const h = await Harness.start(CONF);
  try {
    await h.writeSound("tone", generateTone({ frequency: 1000, durationMs: 125 }));
    const caller = h.call("101", "1");
    assert.equal(await h.varOf(caller, "DONE"), "SUCCESS");
    assert.equal(caller.answers, 1, "Playback answers the channel");
    await waitUntil(() => caller.received.length >= 7, "7 packets");
    await settle();
    const packets = caller.received.map((r) => parseRtp(r.msg));
    assert.equal(packets.length, 7, "ceil(1000 / 160) packets, no more");
    assert.ok(packets.every((p) => p?.payloadType === 0 && p.payload.length === 160));
    assert.equal(packets[0]?.marker, true);
    const seqs = packets.map((p) => p?.sequenceNumber ?? -1);
    assert.deepEqual(
      seqs.slice(1).map((s, i) => (s - (seqs[i] ?? 0) + 65536) % 65536),
      [1, 1, 1, 1, 1, 1],
    );
    assert.equal(caller.mediaOpens, 1);
    assert.equal(caller.mediaStops, 1, "media stopped when Playback returned");
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("A-law phones get A-law", async () => {
  const h = await Harness.start(CONF);
  try {
    await h.writeSound("tone", generateTone({ frequency: 400, durationMs: 40 }));
    const caller = h.call("101", "1", "default", ["alaw", "ulaw"]);
    assert.equal(await h.varOf(caller, "DONE"), "SUCCESS");
    await waitUntil(() => caller.received.length >= 2, "2 packets");
    assert.ok(caller.received.every((r) => parseRtp(r.msg)?.payloadType === 8));
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("a missing file: warning, FAILED, the next file still plays, the dialplan continues", async () => {
  const h = await Harness.start(CONF);
  try {
    await h.writeSound("tone", generateTone({ frequency: 1000, durationMs: 40 }));
    const caller = h.call("101", "2");
    assert.equal(await h.varOf(caller, "DONE"), "FAILED");
    await waitUntil(() => caller.received.length >= 2, "the second file's packets");
    assert.ok(h.warnings().includes("Playback: cannot play file"));
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("a hangup interrupts the playback and stops the dialplan", async () => {
  const h = await Harness.start(CONF);
  try {
    await h.writeSound("long", generateTone({ frequency: 1000, durationMs: 30_000 }));
    const caller = h.call("101", "3");
    await waitUntil(() => caller.received.length >= 2, "playback started");
    caller.remoteHangup();
    // Asterisk sets PLAYBACKSTATUS also after a hangup; the next priority never runs.
    assert.equal(await h.varOf(caller, "PLAYBACKSTATUS"), "SUCCESS");
    await settle();
    assert.equal(caller.vars.has("DONE"), false);
  } finally {
    await h.finish();
  }
});

test("option skip plays nothing on a channel that is not up", async () => {
  const h = await Harness.start(CONF);
  try {
    await h.writeSound("tone", generateTone({ frequency: 1000, durationMs: 40 }));
    const caller = h.call("101", "4");
    assert.equal(await h.varOf(caller, "DONE"), "SUCCESS");
    assert.equal(caller.answers, 0);
    assert.equal(caller.mediaOpens, 0);
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("prompts are found in Debian's en_US_f_Allison folder", async () => {
  const h = await Harness.start(CONF);
  try {
    await h.writeSound("en_US_f_Allison/hello-world", generateTone({ frequency: 500, durationMs: 20 }));
    const caller = h.call("101", "5");
    assert.equal(await h.varOf(caller, "DONE"), "SUCCESS");
    await waitUntil(() => caller.received.length >= 1, "1 packet");
    caller.remoteHangup();
  } finally {
    await h.finish();
  }
});

test("lookup order: language folder, Debian's Allison folder, then the sounds folder", () => {
  assert.deepEqual(soundCandidates("/s", "hello-world"), [
    join("/s", "en", "hello-world.wav"),
    join("/s", "en_US_f_Allison", "hello-world.wav"),
    join("/s", "hello-world.wav"),
  ]);
  assert.deepEqual(soundCandidates("/s", "digits/1", "fr"), [
    join("/s", "fr", "digits/1.wav"),
    join("/s", "digits/1.wav"),
  ]);
  assert.deepEqual(soundCandidates("/s", "/opt/prompts/x.wav"), ["/opt/prompts/x.wav"]);
});
