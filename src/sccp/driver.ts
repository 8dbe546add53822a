/**
 * The SCCP channel driver: Cisco phones as core channels. It turns each registered phone's
 * call-control messages into calls (features under `features/`), answers `Dial(SCCP/<line>)`
 * as the `SCCP` channel technology, reports line states for busy lamps and hints, and keeps
 * call-forward settings across restarts.
 */
import type { PickupProvider } from "../core/apps/index.ts";
import type { CallCore } from "../core/call-core.ts";
import { Cause, type CallOptions, type Channel, type Indication } from "../core/channel.ts";
import type { ChannelTech, RequestFailure, ResourceState } from "../core/channel-tech.ts";
import type { SccpConfig } from "../config/sccp-model.ts";
import type { Database } from "../store/database.ts";
import { ForwardsRepo } from "../store/forwards-repo.ts";
import type { Logger } from "../util/logger.ts";
import { Label, Stimulus, keypadChar, type SccpMessage } from "./protocol/index.ts";
import type { SccpDevice } from "./device.ts";
import type { DeviceRegistry } from "./device-registry.ts";
import { DeviceCalls } from "./device-calls.ts";
import type { DriverContext } from "./driver-context.ts";
import { LineDirectory } from "./line.ts";
import { label, sendNotify } from "./phone-ui.ts";
import { SccpChannel, type SccpChannelHooks } from "./sccp-channel.ts";
import { softKeyByEvent } from "./softkeys.ts";
import { BlfWatcher } from "./features/blf.ts";
import { joinThrough, replaceParty } from "../core/bridge-join.ts";
import {
  ForwardStore,
  cfwdKey,
  forwardDigit,
  lineForwardTarget,
  refreshBanner,
} from "./features/call-forward.ts";
import { connectedLineChanged, indicate, remoteAnswered } from "./features/call-progress.ts";
import { backspace, collectDigit, dialKnownNumber, dialNow, startOffHook } from "./features/dialing.ts";
import { toggleDnd } from "./features/dnd.ts";
import { ForwardRunner, forwardChainOf } from "./features/forward-runner.ts";
import { channelHungUp, endLeg, hangupLocal } from "./features/hangup.ts";
import { holdLeg, resumeLeg } from "./features/hold.ts";
import { allAppearancesBusy, answerLeg, availableAppearances, ringChannel } from "./features/incoming.ts";
import { lineState } from "./features/line-state.ts";
import { MwiState } from "./features/mwi.ts";
import { directedPickup, groupPickupKey } from "./features/pickup.ts";
import { redial, speedDial, voicemail } from "./features/quick-dial.ts";
import { completeTransfer, transferKey, transfersOnHangup } from "./features/transfer.ts";
import type { CallLeg } from "./call-leg.ts";

/** Q.850 cause 20: the line exists but no phone carrying it is registered. */
const CAUSE_SUBSCRIBER_ABSENT = 20;

/** What the driver needs. */
export interface SccpDriverOptions {
  readonly registry: DeviceRegistry;
  readonly core: CallCore;
  /** The running sccp.conf (replaced on reload). */
  readonly config: () => SccpConfig;
  /** Where CFwdAll settings are kept; without one they live in memory only. */
  readonly db?: Database;
  readonly log: Logger;
  /** Calls one line may hold at once on one phone (default 6, chan-sccp's incominglimit). */
  readonly maxCallsPerLine?: number;
}

/** One row of `sccp show calls`. */
export interface SccpCallRow {
  readonly device: string;
  readonly line: string;
  readonly callReference: number;
  readonly state: string;
  readonly direction: string;
  readonly remote: string;
  /** none | opening | open (receive only) | relay | direct | sending. */
  readonly media: string;
  readonly channel: string;
}

/** The SCCP channel driver. */
export class SccpDriver implements ChannelTech, DriverContext {
  readonly name = "SCCP";
  readonly core: CallCore;
  readonly log: Logger;
  readonly lines: LineDirectory;
  readonly forwards: ForwardStore;
  readonly hooks: SccpChannelHooks;
  maxCallsPerLine: number;
  private readonly registry: DeviceRegistry;
  private readonly config: () => SccpConfig;
  private readonly byDevice = new Map<SccpDevice, DeviceCalls>();
  private readonly deviceOffs = new Map<SccpDevice, (() => void)[]>();
  private readonly live = new Set<SccpChannel>();
  private readonly blf: BlfWatcher;
  private readonly mwi: MwiState;
  private readonly offs: (() => void)[] = [];
  private readonly immediates = new Set<NodeJS.Immediate>();
  private closed = false;

  constructor(opts: SccpDriverOptions) {
    this.core = opts.core;
    this.log = opts.log;
    this.registry = opts.registry;
    this.config = opts.config;
    this.maxCallsPerLine = opts.maxCallsPerLine ?? 6;
    this.lines = new LineDirectory(opts.registry, opts.config);
    this.forwards = new ForwardStore(opts.db === undefined ? undefined : new ForwardsRepo(opts.db), opts.log);
    this.blf = new BlfWatcher(this);
    this.mwi = new MwiState(this);
    this.hooks = {
      call: (ch: SccpChannel, o: CallOptions) => {
        ringChannel(this, ch, o);
      },
      answered: (ch: SccpChannel) => {
        remoteAnswered(this, ch);
      },
      indicate: (ch: SccpChannel, what: Indication) => {
        indicate(this, ch, what);
      },
      hungUp: (ch: SccpChannel, cause: number) => {
        this.onChannelHungUp(ch, cause);
      },
      connectedLineChanged: (ch: SccpChannel) => {
        connectedLineChanged(this, ch);
      },
    };
    for (const d of opts.registry.list()) this.attach(d);
    this.offs.push(
      opts.registry.on("added", (d) => {
        this.attach(d);
      }),
      opts.registry.on("removed", (d) => {
        this.detach(d);
      }),
      opts.registry.on("registered", (d) => {
        this.blf.forget(d);
        this.stateChanged();
      }),
      opts.registry.on("unregistered", (d) => {
        this.onUnregistered(d);
      }),
      opts.core.events.on("bridge-new", (b) => {
        const [a, c] = b.channels;
        this.later(() => {
          this.joinPending(a);
          this.joinPending(c);
        });
      }),
      // Hints may point at other technologies: any call event may change a busy lamp.
      opts.core.events.on("channel-state", () => {
        this.stateChanged();
      }),
      opts.core.events.on("channel-hangup", () => {
        this.stateChanged();
      }),
    );
  }

  /** Restores the call forwards saved by a previous run (call before phones register). */
  async start(): Promise<void> {
    await this.forwards.load();
  }

  // ---- ChannelTech ----

  /** `Dial(SCCP/100)`, `SCCP/100/autoanswer`: an outbound channel for a line. */
  request(resource: string, requestor: Channel | undefined): Channel | RequestFailure {
    const [name = "", ...options] = resource.split("/");
    const autoAnswer = options.some((o) => /^(autoanswer|aa)$/i.test(o));
    const line = this.lines.line(name);
    if (line === undefined) {
      return { fail: "CHANUNAVAIL", cause: Cause.Unallocated, reason: `no SCCP line '${name}'` };
    }
    if (this.lines.appearances(line.name).length === 0) {
      return {
        fail: "CHANUNAVAIL",
        cause: CAUSE_SUBSCRIBER_ABSENT,
        reason: `no phone of line ${line.name} is registered`,
      };
    }
    const make = (): SccpChannel => {
      const ch = new SccpChannel({
        line,
        direction: "outbound",
        exten: line.name,
        hooks: this.hooks,
        log: this.log,
        autoAnswer,
        requestor,
      });
      this.track(ch);
      return ch;
    };
    const forwarded = (target: string): SccpChannel => {
      const ch = make();
      ch.role = "forwarded";
      ch.forwardTarget = target;
      return ch;
    };
    // A forward back to a line already forwarded in this chain rings it instead (no loop).
    const mayForward = !autoAnswer && !forwardChainOf(requestor).has(line.name);
    // sccp-flows.md §10.2: a CFwdAll line redirects instead of ringing.
    const cfwd = mayForward ? lineForwardTarget(this, line.name) : undefined;
    if (cfwd !== undefined) return forwarded(cfwd);
    // sccp-flows.md §10.3: forward-on-busy replaces call waiting when configured.
    if (mayForward && line.forwardBusy !== undefined && allAppearancesBusy(this, line.name)) {
      return forwarded(line.forwardBusy);
    }
    if (availableAppearances(this, line.name, autoAnswer).length === 0) {
      return { fail: "BUSY", cause: Cause.UserBusy, reason: `line ${line.name} is busy` };
    }
    return make();
  }

  /** Device state of a line (`100`, `100/autoanswer`). */
  state(resource: string): ResourceState {
    return lineState(this, resource.split("/")[0] ?? "");
  }

  // ---- public API ----

  /** Lights or clears the message-waiting lamp of the phones whose lines use `mailbox`. */
  setMwi(mailbox: string, waiting: boolean): void {
    this.mwi.set(mailbox, waiting);
  }

  /** Whether a mailbox was reported as having messages. */
  mwiOf(mailbox: string): boolean {
    return this.mwi.get(mailbox);
  }

  /**
   * Directed pickup for the `Pickup()` application: picks up the call ringing on line
   * `extension` (or in the requestor's pickup groups). Resolves whether it did.
   */
  pickup(requestor: Channel, extension?: string): Promise<boolean> {
    return directedPickup(this, requestor, extension);
  }

  /** The `Pickup()` provider (core/apps): by extension, else the picker's pickup groups. */
  readonly pickupProvider: PickupProvider = async (picker, targets) => {
    if (targets.length === 0) return this.pickup(picker);
    for (const t of targets) if (await this.pickup(picker, t.exten)) return true;
    return false;
  };

  /** Every call leg on every phone (`sccp show calls`). */
  listCalls(): SccpCallRow[] {
    const rows: SccpCallRow[] = [];
    for (const dc of this.byDevice.values()) {
      for (const leg of dc.legs) {
        const ch = leg.channel;
        const bridge = ch === undefined ? undefined : this.core.bridgeOf(ch);
        let media: string = leg.media.rx === "closed" ? "none" : leg.media.rx;
        if (bridge !== undefined && bridge.mediaMode !== "none") media = bridge.mediaMode;
        else if (leg.media.txTarget !== undefined) media = "sending";
        rows.push({
          device: dc.device.name,
          line: leg.line.name,
          callReference: leg.callReference,
          state: leg.purpose === "forward-input" ? "cfwd-input" : leg.state,
          direction: leg.direction,
          remote: [leg.remoteNum, leg.remoteName].filter((s) => s !== "").join(" ") || "-",
          media,
          channel: ch?.name ?? "-",
        });
      }
    }
    return rows;
  }

  /** The calls of a device (tests and the console read them). */
  callsOf(deviceName: string): DeviceCalls | undefined {
    const d = this.registry.get(deviceName);
    return d === undefined ? undefined : this.byDevice.get(d);
  }

  /** Ends every call leg and timer; waits for pending forward writes. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const ch of [...this.live]) ch.hangup(Cause.NormalClearing);
    for (const dc of this.byDevice.values()) for (const leg of [...dc.legs]) endLeg(this, leg);
    this.closed = true;
    for (const off of this.offs.splice(0)) off();
    for (const offs of this.deviceOffs.values()) for (const off of offs) off();
    this.deviceOffs.clear();
    for (const i of this.immediates) clearImmediate(i);
    this.immediates.clear();
    this.blf.close();
    await this.forwards.flush();
  }

  // ---- DriverContext ----

  calls(device: SccpDevice): DeviceCalls | undefined {
    return this.byDevice.get(device);
  }

  allCalls(): Iterable<DeviceCalls> {
    return this.byDevice.values();
  }

  channels(): Iterable<SccpChannel> {
    return this.live;
  }

  track(ch: SccpChannel): void {
    this.live.add(ch);
  }

  stateChanged(): void {
    if (!this.closed) this.blf.schedule();
  }

  later(fn: () => void): void {
    if (this.closed) return;
    const i = setImmediate(() => {
      this.immediates.delete(i);
      if (!this.closed) fn();
    });
    this.immediates.add(i);
  }

  // ---- devices ----

  private attach(device: SccpDevice): void {
    if (this.byDevice.has(device)) return;
    const dc = new DeviceCalls(device, this.lines.deviceConfig(device)?.dnd ?? false);
    this.byDevice.set(device, dc);
    device.forwardAllOf = (instance) => {
      const line = device.settings.lines[instance - 1];
      return line === undefined ? undefined : this.forwards.get(device.name, line.name);
    };
    device.blfStatus = (number) => this.blf.statusOf(device, number);
    this.deviceOffs.set(device, [
      device.on("stimulus", (_d, msg) => {
        this.onPhoneMessage(dc, msg);
      }),
      device.on("configured", () => {
        this.onConfigured(dc);
      }),
    ]);
  }

  private detach(device: SccpDevice): void {
    const dc = this.byDevice.get(device);
    if (dc === undefined) return;
    for (const leg of [...dc.legs]) hangupLocal(this, leg);
    this.byDevice.delete(device);
    for (const off of this.deviceOffs.get(device) ?? []) off();
    this.deviceOffs.delete(device);
  }

  /** sccp-flows.md §16.3: connection lost or unregistered: every call of the phone ends. */
  private onUnregistered(device: SccpDevice): void {
    const dc = this.byDevice.get(device);
    if (dc !== undefined) for (const leg of [...dc.legs]) hangupLocal(this, leg);
    this.blf.forget(device);
    this.stateChanged();
  }

  /** sccp-flows.md §1.2: after the registration burst, push MWI, forwards, banner and busy lamps. */
  private onConfigured(dc: DeviceCalls): void {
    const device = dc.device;
    this.mwi.push(device);
    device.settings.lines.forEach((l, i) => {
      if (this.forwards.get(device.name, l.name) !== undefined) device.sendForwardStat(i + 1);
    });
    if (dc.dnd || device.settings.lines.some((l) => this.forwards.get(device.name, l.name) !== undefined)) {
      refreshBanner(this, dc);
    }
    this.blf.pushAll(device);
  }

  // ---- channels ----

  private onChannelHungUp(ch: SccpChannel, cause: number): void {
    this.live.delete(ch);
    const partner = ch.joinPartner;
    ch.joinPartner = undefined;
    // Transfer/forward stand-ins go together: one failing ends the other (the held party
    // of an unanswered blind transfer, the forwarded call whose target never answered).
    if (partner !== undefined && !partner.released && isJoinable(partner) && partner.joinPartner === ch) {
      partner.hangup(cause);
    }
    const done = ch.handoverDone;
    ch.handoverDone = undefined;
    done?.(false);
    channelHungUp(this, ch, cause);
    this.stateChanged();
  }

  /** Joins the parties of `p` and `q` (transfer completion); see {@link DriverContext.joinThrough}. */
  joinThrough(p: Channel, q: Channel): boolean {
    if (!joinThrough(this.core, p, q)) return false;
    // A dropped channel whose dialplan ends it later must leave its phone now.
    for (const ch of [p, q]) {
      if (!(ch instanceof SccpChannel) || ch.released) continue;
      ch.role = "handover";
      for (const leg of [...ch.legs]) endLeg(this, leg);
    }
    return true;
  }

  /**
   * A stand-in channel got bridged: transfer and forward stand-ins come in pairs and are joined
   * through once both are bridged; a ringing channel picked up by another channel is replaced
   * by it (sccp-flows.md §9, §10.2, §12).
   */
  joinPending(ch: Channel): void {
    if (ch.released || !isJoinable(ch)) return;
    if (ch instanceof SccpChannel && ch.role === "phone") return;
    const partner = ch.joinPartner;
    if (partner === undefined || partner.released || this.core.bridgeOf(ch) === undefined) return;
    if (isJoinable(partner) && partner.joinPartner === ch) {
      if (this.core.bridgeOf(partner) === undefined) return;
      // Unlinked first: dropping one must no longer take the other down.
      ch.joinPartner = undefined;
      partner.joinPartner = undefined;
      this.joinThrough(ch, partner);
      return;
    }
    ch.joinPartner = undefined;
    const done = ch instanceof SccpChannel ? ch.handoverDone : undefined;
    if (ch instanceof SccpChannel) ch.handoverDone = undefined;
    done?.(replaceParty(this.core, ch, partner));
  }

  // ---- phone messages ----

  private onPhoneMessage(dc: DeviceCalls, msg: SccpMessage): void {
    if (this.closed) return;
    switch (msg.type) {
      // sccp-flows.md §3.1 (new call) / §4.2 (answer).
      case "OffHook":
        this.onOffHook(dc, msg.lineInstance, msg.callReference);
        return;
      // sccp-flows.md §6.1.
      case "OnHook":
        this.onOnHook(dc, msg.callReference);
        return;
      // sccp-flows.md §3.2 while dialling; DTMF while connected (sccp-protocol.md §7).
      case "KeypadButton": {
        const digit = keypadChar(msg.kpButton);
        if (digit !== undefined) this.onDigit(dc, digit, msg.callReference);
        return;
      }
      case "EnblocCall":
        // sccp-protocol.md §6.3: a trailing '#' may be present (wazo strips it).
        dialKnownNumber(this, dc, msg.calledParty.replace(/#$/, ""), msg.lineInstance);
        return;
      case "Stimulus":
        this.onButton(dc, msg.stimulus, msg.stimulusInstance, msg.callReference);
        return;
      case "SoftKeyEvent":
        this.onSoftKey(dc, msg.softKeyEvent, msg.lineInstance, msg.callReference);
        return;
      // sccp-flows.md §5.1: matched by passThruPartyId (the 7912's Ack has no callReference).
      case "OpenReceiveChannelAck": {
        const leg = dc.legs.find(
          (l) => l.media.passThruPartyId === msg.passThruPartyId || l.callReference === msg.callReference,
        );
        leg?.media.onAck(msg);
        return;
      }
      default:
        this.log.debug("phone message ignored", { device: dc.device.name, type: msg.type });
    }
  }

  /** Handset lifted (sccp-flows.md §3.1, §4.2). */
  private onOffHook(dc: DeviceCalls, lineInstance: number, ref: number): void {
    const byRef = dc.byRef(ref);
    if (byRef?.state === "ringin") {
      answerLeg(this, byRef, { speaker: false });
      return;
    }
    // Lifting the handset during a hands-free call only moves the audio.
    if (dc.focused() !== undefined) return;
    const ringing = dc.ringing();
    const toAnswer = ringing.find((l) => l.lineInstance === lineInstance) ?? ringing[0];
    if (toAnswer !== undefined) {
      answerLeg(this, toAnswer, { speaker: false });
      return;
    }
    startOffHook(this, dc, lineInstance > 0 ? lineInstance : dc.selectedLine, { speaker: false });
  }

  /** Handset down (sccp-flows.md §6.1); a stray OnHook (nothing active) is ignored (§6.2). */
  private onOnHook(dc: DeviceCalls, ref: number): void {
    const leg = dc.byRef(ref) ?? dc.focused();
    if (leg === undefined || leg.state === "hold") return;
    this.hangupByUser(leg);
  }

  private hangupByUser(leg: CallLeg): void {
    if (transfersOnHangup(this, leg)) {
      completeTransfer(this, leg);
      if (leg.state !== "gone") hangupLocal(this, leg);
      return;
    }
    hangupLocal(this, leg);
  }

  private onDigit(dc: DeviceCalls, digit: string, ref: number): void {
    let leg = dc.byRef(ref) ?? dc.focused();
    // A digit on an idle phone takes it off hook hands-free (79x0 dialling without a handset).
    leg ??= startOffHook(this, dc, dc.selectedLine, { speaker: true });
    if (leg === undefined) return;
    if (leg.purpose === "forward-input") forwardDigit(this, leg, digit);
    else if (leg.state === "offhook") collectDigit(this, leg, digit);
    else if (leg.state === "connected") leg.channel?.remoteDtmf(digit);
  }

  /** Programmable buttons (sccp-protocol.md §6.3 Stimulus). */
  private onButton(dc: DeviceCalls, stimulus: number, instance: number, ref: number): void {
    switch (stimulus) {
      case Stimulus.Line:
        this.lineButton(dc, instance);
        return;
      case Stimulus.SpeedDial:
      case Stimulus.BlfSpeedDial:
        speedDial(this, dc, instance);
        return;
      case Stimulus.Voicemail:
        voicemail(this, dc);
        return;
      case Stimulus.Redial:
        redial(this, dc, 0);
        return;
      case Stimulus.Hold: {
        // The 7912's Hold key toggles (sccp-flows.md §8).
        const focused = dc.byRef(ref) ?? dc.focused();
        if (focused?.state === "connected") holdLeg(this, focused);
        else {
          const held = dc.held()[0];
          if (held !== undefined) resumeLeg(this, held);
        }
        return;
      }
      case Stimulus.Transfer:
        transferKey(this, dc, dc.byRef(ref));
        return;
      case Stimulus.ForwardAll:
        cfwdKey(this, dc, 0);
        return;
      case Stimulus.CallPickup:
      case Stimulus.GroupCallPickup:
        groupPickupKey(this, dc, 0);
        return;
      case Stimulus.DoNotDisturb:
        toggleDnd(this, dc);
        return;
      case Stimulus.NewCall:
        this.newCall(dc, 0);
        return;
      case Stimulus.EndCall: {
        const leg = dc.byRef(ref) ?? dc.focused();
        if (leg !== undefined) this.hangupByUser(leg);
        return;
      }
      default:
        this.log.debug("button ignored", { device: dc.device.name, stimulus, instance });
    }
  }

  /** A line button (sccp-flows.md §14.1): answer, resume or start a call on that line. */
  private lineButton(dc: DeviceCalls, instance: number): void {
    const onLine = dc.onLine(instance);
    const ringing = onLine.find((l) => l.state === "ringin");
    if (ringing !== undefined) {
      answerLeg(this, ringing, { speaker: true });
      return;
    }
    const focused = dc.focused();
    if (focused?.lineInstance === instance) return;
    const held = onLine.find((l) => l.state === "hold");
    if (held !== undefined) {
      resumeLeg(this, held);
      return;
    }
    dc.selectedLine = instance;
    startOffHook(this, dc, instance, { speaker: true });
  }

  private newCall(dc: DeviceCalls, lineInstance: number): void {
    const focused = dc.focused();
    // Already off hook with dial tone: nothing new to start.
    if (focused !== undefined && focused.state === "offhook") return;
    startOffHook(this, dc, lineInstance > 0 ? lineInstance : (focused?.lineInstance ?? dc.selectedLine), {
      speaker: true,
    });
  }

  /** Soft keys (sccp-protocol.md §6.2, events of softkeys.ts). */
  private onSoftKey(dc: DeviceCalls, event: number, lineInstance: number, ref: number): void {
    const key = softKeyByEvent(event);
    const byRef = dc.byRef(ref);
    switch (key) {
      case "NewCall":
        this.newCall(dc, lineInstance);
        return;
      case "Redial":
        redial(this, dc, lineInstance);
        return;
      case "EndCall": {
        const leg = byRef ?? dc.focused();
        if (leg !== undefined) this.hangupByUser(leg);
        return;
      }
      case "Answer": {
        const leg = byRef?.state === "ringin" ? byRef : dc.ringing()[0];
        if (leg !== undefined) answerLeg(this, leg, { speaker: true });
        return;
      }
      case "Hold": {
        const leg = byRef ?? dc.focused();
        if (leg !== undefined) holdLeg(this, leg);
        return;
      }
      case "Resume": {
        const leg = byRef?.state === "hold" ? byRef : dc.held()[0];
        if (leg !== undefined) resumeLeg(this, leg);
        return;
      }
      case "Transfer":
        transferKey(this, dc, byRef);
        return;
      case "CfwdAll":
        cfwdKey(this, dc, lineInstance);
        return;
      case "BackSpace": {
        const leg = byRef ?? dc.focused();
        if (leg !== undefined) backspace(this, leg);
        return;
      }
      case "Dial": {
        const leg = byRef ?? dc.focused();
        if (leg !== undefined) dialNow(this, leg);
        return;
      }
      case "DND":
        toggleDnd(this, dc);
        return;
      case "GPickUp":
      case "PickUp":
        groupPickupKey(this, dc, lineInstance);
        return;
      default:
        sendNotify(dc.device, label(Label.KeyIsNotActive), 5);
    }
  }
}

/** Channels that may stand in for a call being joined elsewhere. */
function isJoinable(ch: Channel): ch is SccpChannel | ForwardRunner {
  return ch instanceof SccpChannel || ch instanceof ForwardRunner;
}
