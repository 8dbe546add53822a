import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { until } from "../support/linekey.ts";
import { Channel, type CallOptions, type Indication, type MediaEndpoint } from "../../src/core/channel.ts";
import type { CodecName } from "../../src/media/codecs.ts";
import type { RtpAddress } from "../../src/media/relay-leg.ts";
import { silentLogger } from "../../src/util/logger.ts";
import {
  BlfStatus,
  LampMode,
  RingMode,
  SoftKeyEvent as SK,
  Stimulus,
  Tone,
} from "../../src/sccp/protocol/index.ts";
import {
  CallStateCode as CS,
  DIALPLAN,
  assertClean,
  connect,
  dev,
  device,
  inState,
  known,
  line,
  phones,
  rtpFlows,
  sccpConf,
  start,
  useServer,
} from "./support.ts";

const GROUP = "callgroup=1\npickupgroup=1\n";
const CONF = sccpConf(
  [
    line(100, "Alice", GROUP),
    line(101, "Bob", `${GROUP}mailbox=101\n`),
    line(102, "Carol"),
    line(190, "Provisioning", "hotline=101\n"),
  ],
  [
    device(100, [100], "speeddial=101,Bob,blf\n"),
    device(101, [101]),
    device(102, [102]),
    "[guest]\ndevice=guest\nline=190\n",
  ],
  "guest=yes\n",
);

const PICKUP = `${DIALPLAN}
exten => _*8XXX,1,Pickup(\${EXTEN:2})
`;

/** A channel of another technology (a SIP leg, say) with a real UDP media port. */
class OtherChannel extends Channel {
  received = 0;
  private socket: Socket | undefined;
  constructor() {
    super("TEST", "other", "inbound", "default", "*8101", silentLogger);
  }
  override call(_o: CallOptions): void {}
  protected override doAnswer(): void {}
  override indicate(_w: Indication): void {}
  protected override doHangup(_c: number): void {
    this.socket?.close();
  }
  override codecs(): readonly CodecName[] {
    return ["ulaw"];
  }
  override directMediaCapable(): boolean {
    return false;
  }
  override async openMedia(codec: CodecName): Promise<MediaEndpoint> {
    this.socket?.close();
    const s = createSocket("udp4");
    this.socket = s;
    s.on("message", () => this.received++);
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    return { address: { address: "127.0.0.1", port: s.address().port }, codec, ptime: 20 };
  }
  override startMedia(_t: RtpAddress | undefined, _c: CodecName): void {}
  override stopMedia(): void {}
  override serverAddress(): string {
    return "127.0.0.1";
  }
  override updateConnectedLine(num: string, name: string): void {
    this.connectedNum = num;
    this.connectedName = name;
  }
}

describe("SCCP pickup, BLF, MWI, guests", () => {
  const t = useServer(CONF, PICKUP);

  it("GPickUp takes a call ringing in the pickup group; the ringing phone stops", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7941"], [dev(101), "7940"], [dev(102), "7960"]);
    assert.ok(a && b && c);
    c.offHook();
    c.dial("101");
    const rb = await inState(b, CS.RingIn);
    const seenA = known(a);
    a.softKey(SK.GPickUp, 0, 0);
    const pa = await inState(a, CS.Connected, (x) => !seenA.has(x.callReference));
    assert.equal(pa.callInfo?.callingParty, "102");
    assert.equal(pa.callInfo.originalCalledParty, "101");
    await inState(b, CS.OnHook, (x) => x.callReference === rb.callReference);
    assert.equal(b.ringer, RingMode.Off);
    const cc = await inState(c, CS.Connected);
    await rtpFlows(a, pa);
    await rtpFlows(c, cc);
    c.onHook();
    await assertClean(t, a, b, c);
    // Nothing ringing: reorder and a notice.
    const seen = known(a);
    a.softKey(SK.GPickUp, 0, 0);
    const none = await a.waitForCall(
      (x) => !seen.has(x.callReference) && x.tone === Tone.Reorder,
      3000,
      "reorder",
    );
    assert.equal(a.notify, "No call to pick up");
    a.onHook(none.lineInstance, none.callReference);
    await assertClean(t, a, b, c);
    a.close();
    b.close();
    c.close();
  });

  it("directed pickup with Pickup(): from a phone, and from another technology's channel", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7940"], [dev(101), "7961"], [dev(102), "7940"]);
    assert.ok(a && b && c);
    c.offHook();
    c.dial("101");
    let rb = await inState(b, CS.RingIn);
    a.offHook();
    a.dial("*8101");
    const pa = await inState(a, CS.Connected);
    await inState(b, CS.OnHook, (x) => x.callReference === rb.callReference);
    const cc = await inState(c, CS.Connected);
    await rtpFlows(a, pa);
    await rtpFlows(c, cc);
    a.onHook();
    await assertClean(t, a, b, c);
    const seenB = known(b);
    c.offHook();
    c.dial("101");
    rb = await inState(b, CS.RingIn, (x) => !seenB.has(x.callReference));
    const other = new OtherChannel();
    t.server.core.add(other);
    assert.equal(await t.server.sccpDriver.pickup(other, "101"), true);
    await inState(b, CS.OnHook, (x) => x.callReference === rb.callReference);
    const cc2 = await c.waitForCall(
      (x) => x.state === CS.Connected && x.callReference !== cc.callReference,
      3000,
      "C connected",
    );
    await until(() => other.received >= 5, 5000, "C's audio reaches the picker");
    await rtpFlows(c, cc2, 0);
    assert.equal(other.connectedNum, "102");
    other.hangup();
    await assertClean(t, a, b, c);
    assert.equal(await t.server.sccpDriver.pickup(new OtherChannel(), "101"), false, "nothing rings");
    a.close();
    b.close();
    c.close();
  });

  it("BLF lamp follows the watched line: idle, ringing, in use, idle", async () => {
    const [a, b, c] = await phones(t, [dev(100), "7941"], [dev(101), "7961"], [dev(102), "7940"]);
    assert.ok(a && b && c);
    await until(() => a.features.get(1)?.status === BlfStatus.Idle, 3000, "idle lamp");
    assert.equal(a.features.get(1)?.id, Stimulus.BlfSpeedDial);
    c.offHook();
    c.dial("101");
    const rb = await inState(b, CS.RingIn);
    await until(() => a.features.get(1)?.status === BlfStatus.Alerting, 3000, "ringing lamp");
    b.answer(rb);
    await until(() => a.features.get(1)?.status === BlfStatus.InUse, 3000, "in-use lamp");
    assert.equal(t.server.sccpDriver.state("101"), "inuse");
    c.onHook();
    await until(() => a.features.get(1)?.status === BlfStatus.Idle, 3000, "idle again");
    // Pressing the BLF speed dial (Stimulus 0x15) calls the watched extension.
    const seenB = known(b);
    a.stimulus(Stimulus.BlfSpeedDial, 1);
    const r2 = await inState(b, CS.RingIn, (x) => !seenB.has(x.callReference));
    assert.equal(r2.callInfo?.callingParty, "100");
    a.onHook();
    await inState(b, CS.OnHook, (x) => x.callReference === r2.callReference);
    b.close();
    await until(() => a.features.get(1)?.status === BlfStatus.Unknown, 3000, "unregistered");
    assert.equal(t.server.sccpDriver.state("101"), "unavailable");
    await assertClean(t, a, c);
    a.close();
    c.close();
  });

  it("MWI lamp: setMwi lights and clears it, and it is pushed after registration", async () => {
    t.server.sccpDriver.setMwi("101@default", true);
    const [b] = await phones(t, [dev(101), "7940"]);
    assert.ok(b);
    await until(() => b.lamp(Stimulus.Voicemail, 0) === LampMode.On, 3000, "lamp on after registration");
    t.server.sccpDriver.setMwi("101", false);
    await until(() => b.lamp(Stimulus.Voicemail, 0) === LampMode.Off, 3000, "lamp off");
    assert.equal(t.server.sccpDriver.mwiOf("101"), false);
    b.close();
  });

  it("a guest device registers on the guest line; its hotline dials on off hook", async () => {
    const [g, b] = await phones(t, ["SEP0A0B0C0D0E0F", "7911"], [dev(101), "7940"]);
    assert.ok(g && b);
    g.offHook();
    const rb = await inState(b, CS.RingIn);
    assert.equal(rb.callInfo?.callingParty, "190");
    b.answer(rb);
    const gc = await inState(g, CS.Connected);
    await rtpFlows(g, gc);
    g.onHook();
    await assertClean(t, g, b);
    g.close();
    b.close();
  });
});

describe("SCCP shutdown and unregistration mid-call", () => {
  it("Unregister mid-call ends the call; server shutdown mid-call leaves nothing", async () => {
    const t = await start(
      sccpConf([line(100, "Alice"), line(101, "Bob")], [device(100, [100]), device(101, [101])]),
    );
    try {
      const [a, b] = await phones(t, [dev(100), "7940"], [dev(101), "7961"]);
      assert.ok(a && b);
      const { a: ca } = await connect(a, b, "101");
      await b.unregister();
      await inState(a, CS.OnHook, (x) => x.callReference === ca.callReference);
      await assertClean(t, a);
      const [b2] = await phones(t, [dev(101), "7961"]);
      assert.ok(b2);
      const { a: ca2, b: cb2 } = await connect(a, b2, "101");
      await t.server.close();
      // The phones were told before their connections closed.
      await until(() => ca2.state === CS.OnHook && cb2.state === CS.OnHook, 3000, "both phones on hook");
      assert.equal(t.server.core.listChannels().length, 0);
      assert.equal(t.server.core.bridgeCount, 0);
      assert.equal(t.server.rtpPool.inUse, 0);
    } finally {
      await t.stop();
    }
  });
});
