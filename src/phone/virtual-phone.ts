/**
 * A virtual SCCP phone written from the protocol: it registers like the chosen model, keeps
 * alive, answers nothing it should not, and records everything the server sends so tests can
 * assert on it. Administrators use it (`linekey phone`) to try a server without hardware.
 */
import { connect, type Socket } from "node:net";
import { LinekeyError } from "../util/errors.ts";
import { TypedEmitter } from "../util/typed-emitter.ts";
import { silentLogger, type Logger } from "../util/logger.ts";
import {
  CallStateCode,
  SccpFrameReader,
  SoftKeyEvent,
  decodeMessage,
  encodeMessage,
  makeMessage,
  type MessageOf,
  type SccpMessage,
  type SccpMessageType,
  type UnknownMessage,
} from "../sccp/protocol/index.ts";
import { phoneProfile, type PhoneProfile } from "./phone-profiles.ts";
import { PhoneRtp } from "./phone-rtp.ts";

/** Options of a virtual phone. */
export interface VirtualPhoneOptions {
  readonly host: string;
  readonly port: number;
  readonly device: string;
  readonly model: string;
  /** Override the protocol version the model offers. */
  readonly protocolVersion?: number;
  /** Send KeepAlive every RegisterAck interval (default true). */
  readonly keepalive?: boolean;
  /** Also send one unknown message id during registration (newer firmware does: 0x0030). */
  readonly sendUnknown?: boolean;
  /** Address the phone's RTP ports bind to and that it reports in OpenReceiveChannelAck (127.0.0.1). */
  readonly mediaHost?: string;
  readonly log?: Logger;
}

/** What the phone shows for one call, rebuilt from the server's messages. */
export interface PhoneCall {
  readonly lineInstance: number;
  readonly callReference: number;
  /** Last CallState value (sccp-protocol.md §9.3). */
  state: number;
  /** Every CallState value received for the call, in order. */
  readonly states: number[];
  /** Last SelectSoftKeys set for the call. */
  softKeySet: number | undefined;
  /** Last CallInfo for the call. */
  callInfo: MessageOf<"CallInfo"> | undefined;
  /** Tone playing (last StartTone), undefined after StopTone. */
  tone: number | undefined;
  /** Every StartTone value received for the call, in order. */
  readonly tones: number[];
  /** Last DisplayPromptStatus text, undefined after ClearPromptStatus. */
  prompt: string | undefined;
  /** DialedNumber shown for the call. */
  dialed: string | undefined;
  /** The receive port opened for the call now (undefined when closed). */
  rtp: PhoneRtp | undefined;
  /** Every receive port the call had (hold/resume opens a new one). */
  readonly streams: PhoneRtp[];
}

/** Phone lifecycle. */
export type PhoneState = "idle" | "connecting" | "registering" | "registered" | "rejected" | "closed";

/** Events of a virtual phone. */
export interface VirtualPhoneEvents extends Record<string, unknown[]> {
  message: [msg: SccpMessage | UnknownMessage];
  registered: [];
  rejected: [text: string];
  closed: [reason: string];
}

/** A received message with its arrival order. */
export interface Received {
  readonly seq: number;
  readonly msg: SccpMessage | UnknownMessage;
}

/** The requests that expect an answer, and the answer's type. */
const ANSWER_OF: Partial<Record<SccpMessageType, SccpMessageType>> = {
  ButtonTemplateReq: "ButtonTemplate",
  SoftKeyTemplateReq: "SoftKeyTemplateRes",
  SoftKeySetReq: "SoftKeySetRes",
  LineStatReq: "LineStat",
  ForwardStatReq: "ForwardStat",
  SpeedDialStatReq: "SpeedDialStat",
  FeatureStatReq: "FeatureStat",
  ServiceURLStatReq: "ServiceURLStat",
  ConfigStatReq: "ConfigStat",
  TimeDateReq: "DefineTimeDate",
  VersionReq: "Version",
  ServerReq: "ServerRes",
};

/** Bounded history so a long-running phone does not grow without end. */
const HISTORY_LIMIT = 2000;

/** A virtual SCCP phone. */
export class VirtualPhone extends TypedEmitter<VirtualPhoneEvents> {
  readonly profile: PhoneProfile;
  state: PhoneState = "idle";
  /** Version negotiated by RegisterAck.maxProtocolVer. */
  negotiatedVersion = 0;
  keepAliveInterval = 0;
  readonly received: Received[] = [];
  buttons: { instanceNumber: number; buttonDefinition: number }[] = [];
  /** Calls by callReference, as the phone shows them (kept after they end, state OnHook). */
  readonly calls = new Map<number, PhoneCall>();
  /** Lamps by `stimulus/instance` (SetLamp), e.g. `9/1` for line 1, `15/0` for the MWI lamp. */
  readonly lamps = new Map<string, number>();
  /** Last SetRinger ringMode (1 off, 2 inside …). */
  ringer = 1;
  /** Last SetSpeakerMode / SetMicroMode (1 on, 2 off); 0 before any. */
  speaker = 0;
  micro = 0;
  /** Text of the notify line (DisplayNotify), "" after ClearNotify. */
  notify = "";
  /** SelectSoftKeys set for the idle screen (line 0, call 0). */
  idleSoftKeySet: number | undefined;
  /** Feature button states from FeatureStat / FeatureStatV2, by index. */
  readonly features = new Map<number, { id: number; status: number; label: string }>();
  /** ForwardStat by line instance. */
  readonly forwards = new Map<number, MessageOf<"ForwardStat">>();
  private socket: Socket | undefined;
  private readonly reader = new SccpFrameReader();
  private seq = 0;
  private pending = new Map<SccpMessageType, number>();
  private timeAsked = false;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(readonly options: VirtualPhoneOptions) {
    super(options.log);
    this.profile = phoneProfile(options.model);
    this.log = options.log ?? silentLogger;
  }

  /** The protocol version this phone offers in Register. */
  get offeredVersion(): number {
    return this.options.protocolVersion ?? this.profile.protocolVersion;
  }

  /** Connects and registers; resolves once every registration request was answered. */
  async register(timeoutMs = 10_000): Promise<void> {
    await this.connect();
    const done = new Promise<void>((resolve, reject) => {
      const offs = [
        this.once("registered", () => {
          offs.forEach((f) => f());
          resolve();
        }),
        this.once("rejected", (text) => {
          offs.forEach((f) => f());
          reject(new LinekeyError("SCCP_ERR_UNKNOWN_DEVICE", `registration rejected: ${text}`));
        }),
        this.once("closed", (reason) => {
          offs.forEach((f) => f());
          reject(
            new LinekeyError("SCCP_ERR_SESSION_CLOSED", `connection closed during registration: ${reason}`),
          );
        }),
      ];
    });
    this.sendRegister();
    await withTimeout(done, timeoutMs, `${this.options.device} did not finish registering`);
  }

  /** Opens the TCP connection only (tests of authtimeout use this). */
  async connect(): Promise<void> {
    if (this.socket) return;
    this.state = "connecting";
    const socket = connect({ host: this.options.host, port: this.options.port, noDelay: true });
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.onData(chunk);
    });
    socket.on("close", () => {
      this.finish("connection closed");
    });
    socket.on("error", (err) => {
      this.log.debug("phone socket error", { err });
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => {
        resolve();
      });
      socket.once("error", reject);
    });
  }

  /** Sends a message (encoded at the negotiated version). */
  send(msg: SccpMessage): void {
    if (!this.socket || this.socket.destroyed) return;
    const answer = ANSWER_OF[msg.type];
    if (answer) this.pending.set(answer, (this.pending.get(answer) ?? 0) + 1);
    this.socket.write(encodeMessage(msg, this.negotiatedVersion));
  }

  /** Sends raw bytes (malformed-frame tests, unknown ids). */
  sendRaw(bytes: Buffer): void {
    this.socket?.write(bytes);
  }

  /** Sends a message with its body cut to `bodyLength` bytes, as old firmware does. */
  sendShort(msg: SccpMessage, bodyLength: number): void {
    this.sendRaw(truncateFrame(encodeMessage(msg, this.negotiatedVersion), bodyLength));
  }

  /** Lifts the handset. */
  offHook(lineInstance = 0, callReference = 0): void {
    if (this.profile.shortStimulus) this.sendShort(makeMessage("OffHook", {}), 0);
    else this.send(makeMessage("OffHook", { lineInstance, callReference }));
  }

  /** Hangs up. */
  onHook(lineInstance = 0, callReference = 0): void {
    if (this.profile.shortStimulus) this.sendShort(makeMessage("OnHook", {}), 0);
    else this.send(makeMessage("OnHook", { lineInstance, callReference }));
  }

  /** Presses keypad buttons: digits, `*`, `#`. */
  dial(digits: string, lineInstance = 0, callReference = 0): void {
    for (const ch of digits) {
      const kpButton = ch === "*" ? 0x0e : ch === "#" ? 0x0f : ch === "+" ? 0x10 : Number.parseInt(ch, 10);
      if (Number.isNaN(kpButton)) throw new Error(`not a keypad character: '${ch}'`);
      if (this.profile.shortStimulus) this.sendShort(makeMessage("KeypadButton", { kpButton }), 4);
      else this.send(makeMessage("KeypadButton", { kpButton, lineInstance, callReference }));
    }
  }

  /** Presses a soft key by its event id. */
  softKey(event: number, lineInstance = 0, callReference = 0): void {
    this.send(makeMessage("SoftKeyEvent", { softKeyEvent: event, lineInstance, callReference }));
  }

  /** Presses a programmable button (line, speed dial, Messages …). */
  stimulus(stimulus: number, stimulusInstance: number): void {
    this.send(makeMessage("Stimulus", { stimulus, stimulusInstance }));
  }

  /** Dials a whole number at once (EnblocCall: redial, directories, pre-dial on 79x1). */
  enbloc(number: string, lineInstance = 0): void {
    this.send(makeMessage("EnblocCall", { calledParty: number, lineInstance }));
  }

  /** The oldest call ringing in (CallState RingIn), if any. */
  ringingCall(): PhoneCall | undefined {
    return [...this.calls.values()].find((c) => c.state === CallStateCode.RingIn);
  }

  /** Calls not ended yet (last CallState other than OnHook). */
  liveCalls(): PhoneCall[] {
    return [...this.calls.values()].filter((c) => c.state !== CallStateCode.OnHook);
  }

  /** Answers a ringing call: lifting the handset (OffHook) or with the Answer soft key. */
  answer(call: PhoneCall | undefined = this.ringingCall(), how: "handset" | "softkey" = "handset"): void {
    if (call === undefined)
      throw new LinekeyError("SCCP_ERR_SESSION_CLOSED", `${this.options.device}: no call to answer`);
    if (how === "softkey") this.softKey(SoftKeyEvent.Answer, call.lineInstance, call.callReference);
    else this.offHook(call.lineInstance, call.callReference);
  }

  /** Resolves with the first call (existing or future) that satisfies `pred`. */
  waitForCall(pred: (c: PhoneCall) => boolean, timeoutMs = 5000, what = "call"): Promise<PhoneCall> {
    const find = (): PhoneCall | undefined => [...this.calls.values()].find(pred);
    const now = find();
    if (now !== undefined) return Promise.resolve(now);
    const p = new Promise<PhoneCall>((resolve) => {
      const off = this.on("message", () => {
        const c = find();
        if (c !== undefined) {
          off();
          resolve(c);
        }
      });
    });
    return withTimeout(p, timeoutMs, `${this.options.device}: no ${what} within ${timeoutMs} ms`);
  }

  /** Resolves with the first call whose CallState is (or becomes) `state`. */
  waitForCallState(
    state: number,
    pred: (c: PhoneCall) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<PhoneCall> {
    return this.waitForCall((c) => c.state === state && pred(c), timeoutMs, `call in state ${state}`);
  }

  /** RTP packets received for a call over all its receive ports. */
  rtpReceived(call: PhoneCall): number {
    return call.streams.reduce((n, s) => n + s.received, 0);
  }

  /** Lamp mode of a button (1 off when never set). */
  lamp(stimulus: number, instance: number): number {
    return this.lamps.get(`${stimulus}/${instance}`) ?? 1;
  }

  /** Politely unregisters; resolves when the server acknowledged. */
  async unregister(timeoutMs = 5000): Promise<MessageOf<"UnregisterAck">> {
    const ack = this.waitFor("UnregisterAck", undefined, timeoutMs);
    this.send(makeMessage("Unregister", {}));
    return ack;
  }

  /** Resolves with the first message of `type` (matching `pred`) received from now on, or already in history after `since`. */
  waitFor<T extends SccpMessageType>(
    type: T,
    pred?: (m: MessageOf<T>) => boolean,
    timeoutMs = 5000,
    since = this.seq,
  ): Promise<MessageOf<T>> {
    for (const r of this.received) {
      if (r.seq > since && r.msg.type === type && (!pred || pred(r.msg as MessageOf<T>))) {
        return Promise.resolve(r.msg as MessageOf<T>);
      }
    }
    const p = new Promise<MessageOf<T>>((resolve) => {
      const off = this.on("message", (m) => {
        if (m.type === type && (!pred || pred(m as MessageOf<T>))) {
          off();
          resolve(m as MessageOf<T>);
        }
      });
    });
    return withTimeout(p, timeoutMs, `${this.options.device}: no ${type} within ${timeoutMs} ms`);
  }

  /** Local TCP port of the phone's connection (identifies its session on the server). */
  get localPort(): number | undefined {
    return this.socket?.localPort;
  }

  /** Sequence number of the last message received (a cursor for `waitFor(…, since)`). */
  get cursor(): number {
    return this.seq;
  }

  /** Messages received after `since`, optionally of one type. */
  messagesSince(since: number, type?: SccpMessageType): (SccpMessage | UnknownMessage)[] {
    return this.received.filter((r) => r.seq > since && (!type || r.msg.type === type)).map((r) => r.msg);
  }

  /** Resolves when the connection is closed (by either side). */
  waitClosed(timeoutMs = 5000): Promise<string> {
    if (this.state === "closed") return Promise.resolve("closed");
    const p = new Promise<string>((resolve) => this.once("closed", resolve));
    return withTimeout(p, timeoutMs, `${this.options.device}: connection still open after ${timeoutMs} ms`);
  }

  /** Closes the connection abruptly (like pulling the cable: no Unregister). */
  close(): void {
    this.socket?.destroy();
    this.finish("closed by phone");
  }

  private sendRegister(): void {
    this.state = "registering";
    const p = this.profile;
    // sccp-flows.md §1.1: most phones send an Alarm with the reason of the last disconnect first.
    this.send(
      makeMessage("Alarm", {
        alarmSeverity: 2,
        text: `Name=${this.options.device} Load=${p.firmware} Last=Initialized`,
        parm1: 0,
        parm2: 0,
      }),
    );
    const reg = makeMessage("Register", {
      deviceName: this.options.device,
      userId: 0,
      instance: 1,
      stationIpAddr: "127.0.0.1",
      deviceType: p.model.deviceType,
      maxStreams: p.family === "7912" ? 0 : 5,
      protocolVersion: this.offeredVersion,
      phoneFeatures: p.phoneFeatures,
      firmwareLoadName: p.family === "79x1" ? p.firmware : "",
    });
    if (p.registerBodyLength !== undefined) this.sendShort(reg, p.registerBodyLength);
    else this.send(reg);
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    for (;;) {
      const r = this.reader.next();
      if (r.kind === "need-more") return;
      if (r.kind === "malformed") {
        this.log.warn("phone: framing lost", { reason: r.reason });
        this.close();
        return;
      }
      const msg = decodeMessage(r.id, r.body, this.negotiatedVersion);
      this.seq++;
      this.received.push({ seq: this.seq, msg });
      if (this.received.length > HISTORY_LIMIT) this.received.splice(0, this.received.length - HISTORY_LIMIT);
      this.react(msg);
      this.emit("message", msg);
    }
  }

  /** The phone's side of sccp-flows.md §1.1. */
  private react(msg: SccpMessage | UnknownMessage): void {
    this.track(msg);
    const waiting = this.pending.get(msg.type as SccpMessageType);
    if (waiting !== undefined) {
      if (waiting <= 1) this.pending.delete(msg.type as SccpMessageType);
      else this.pending.set(msg.type as SccpMessageType, waiting - 1);
    }
    switch (msg.type) {
      case "RegisterAck":
        this.negotiatedVersion = msg.maxProtocolVer;
        this.keepAliveInterval = msg.keepAliveInterval;
        this.startKeepalive();
        if (this.profile.family === "79x0") {
          this.send(makeMessage("IpPort", { rtpMediaPort: 0 }));
          this.send(makeMessage("HeadsetStatus", { headsetStatus: 2 }));
        }
        break;
      case "RegisterReject":
        this.state = "rejected";
        this.emit("rejected", msg.text);
        break;
      case "CapabilitiesReq":
        this.send(
          makeMessage("CapabilitiesRes", {
            capCount: 3,
            capabilities: [
              { payloadCapability: 4, maxFramesPerPacket: 40 },
              { payloadCapability: 2, maxFramesPerPacket: 40 },
              { payloadCapability: 11, maxFramesPerPacket: 60 },
            ],
          }),
        );
        if (this.options.sendUnknown) this.sendRaw(rawFrame(0x0030, Buffer.alloc(8)));
        this.send(makeMessage("ButtonTemplateReq", {}));
        this.send(makeMessage("SoftKeyTemplateReq", {}));
        this.send(makeMessage("SoftKeySetReq", {}));
        break;
      case "ButtonTemplate":
        this.buttons = msg.buttons.slice(0, msg.buttonCount).map((b) => ({ ...b }));
        this.requestButtonStatus();
        break;
      case "DefineTimeDate":
        this.timeAsked = true;
        break;
      case "KeepAliveAck":
        return;
      default:
        break;
    }
    if (this.state === "registering" && this.timeAsked && this.pending.size === 0) {
      this.state = "registered";
      this.emit("registered");
    }
  }

  /** Keeps what the phone shows up to date (calls, lamps, tones, media). */
  private track(msg: SccpMessage | UnknownMessage): void {
    switch (msg.type) {
      case "CallState": {
        const c = this.call(msg.lineInstance, msg.callReference);
        c.state = msg.callState;
        c.states.push(msg.callState);
        return;
      }
      case "SelectSoftKeys":
        if (msg.callReference === 0) this.idleSoftKeySet = msg.softKeySetIndex;
        else this.call(msg.lineInstance, msg.callReference).softKeySet = msg.softKeySetIndex;
        return;
      case "CallInfo":
        this.call(msg.lineInstance, msg.callReference).callInfo = msg;
        return;
      case "StartTone": {
        const c = this.calls.get(msg.callReference);
        if (c !== undefined) {
          c.tone = msg.tone;
          c.tones.push(msg.tone);
        }
        return;
      }
      case "StopTone": {
        const c = this.calls.get(msg.callReference);
        if (c !== undefined) c.tone = undefined;
        return;
      }
      case "DisplayPromptStatus": {
        const c = this.calls.get(msg.callReference);
        if (c !== undefined) c.prompt = msg.promptStatus;
        return;
      }
      case "ClearPromptStatus": {
        const c = this.calls.get(msg.callReference);
        if (c !== undefined) c.prompt = undefined;
        return;
      }
      case "DialedNumber":
        this.call(msg.lineInstance, msg.callReference).dialed = msg.calledParty;
        return;
      case "SetLamp":
        this.lamps.set(`${msg.stimulus}/${msg.stimulusInstance}`, msg.lampMode);
        return;
      case "SetRinger":
        this.ringer = msg.ringMode;
        return;
      case "SetSpeakerMode":
        this.speaker = msg.mode;
        return;
      case "SetMicroMode":
        this.micro = msg.mode;
        return;
      case "DisplayNotify":
        this.notify = msg.notify;
        return;
      case "ClearNotify":
        this.notify = "";
        return;
      case "FeatureStat":
      case "FeatureStatV2":
        this.features.set(msg.featureIndex, {
          id: msg.featureID,
          status: msg.featureStatus,
          label: msg.featureTextLabel,
        });
        return;
      case "ForwardStat":
        this.forwards.set(msg.lineNumber, msg);
        return;
      // Media messages are handled one after the other, as a phone's DSP does: an open must
      // finish (port bound, Ack sent) before a following Close or Start is applied.
      case "OpenReceiveChannel":
      case "StartMediaTransmission":
      case "StopMediaTransmission":
      case "CloseReceiveChannel":
        this.mediaChain = this.mediaChain
          .then(() => this.media(msg))
          .catch((err: unknown) => {
            this.log.warn("phone: media message failed", { err });
          });
        return;
      default:
        return;
    }
  }

  private mediaChain: Promise<void> = Promise.resolve();

  private async media(
    msg:
      | MessageOf<"OpenReceiveChannel">
      | MessageOf<"StartMediaTransmission">
      | MessageOf<"StopMediaTransmission">
      | MessageOf<"CloseReceiveChannel">,
  ): Promise<void> {
    if (msg.type === "OpenReceiveChannel") {
      await this.openReceiveChannel(msg);
      return;
    }
    const c = this.calls.get(msg.callReference) ?? this.calls.get(msg.conferenceId);
    if (c === undefined) return;
    switch (msg.type) {
      case "StartMediaTransmission":
        c.rtp?.startSending(
          { address: msg.remoteIpAddr, port: msg.remotePortNumber },
          msg.compressionType,
          msg.millisecondPacketSize || 20,
        );
        return;
      case "StopMediaTransmission":
        c.rtp?.stopSending();
        return;
      case "CloseReceiveChannel":
        c.rtp?.close();
        c.rtp = undefined;
        return;
    }
  }

  private call(lineInstance: number, callReference: number): PhoneCall {
    let c = this.calls.get(callReference);
    if (c === undefined) {
      c = {
        lineInstance,
        callReference,
        state: 0,
        states: [],
        softKeySet: undefined,
        callInfo: undefined,
        tone: undefined,
        tones: [],
        prompt: undefined,
        dialed: undefined,
        rtp: undefined,
        streams: [],
      };
      this.calls.set(callReference, c);
    }
    return c;
  }

  /** OpenReceiveChannel: open a port and answer with the Ack (sccp-flows.md §5.1, phone side). */
  private async openReceiveChannel(msg: MessageOf<"OpenReceiveChannel">): Promise<void> {
    const host = this.options.mediaHost ?? "127.0.0.1";
    const ref = msg.callReference !== 0 ? msg.callReference : msg.conferenceId;
    const c = this.calls.get(ref) ?? this.call(0, ref);
    c.rtp?.close();
    let rtp: PhoneRtp;
    try {
      rtp = await PhoneRtp.open(host);
    } catch (err) {
      this.log.warn("phone: cannot open an RTP port", { err });
      return;
    }
    if (this.state === "closed") {
      rtp.close();
      return;
    }
    c.rtp = rtp;
    c.streams.push(rtp);
    const ack = makeMessage("OpenReceiveChannelAck", {
      mediaReceptionStatus: 0,
      ipAddr: host,
      portNumber: rtp.port,
      passThruPartyId: msg.passThruPartyId,
      callReference: ref,
    });
    // The 7912's Ack has no callReference (sccp-protocol.md §10).
    if (this.profile.family === "7912") this.sendShort(ack, 16);
    else this.send(ack);
  }

  private closeMedia(): void {
    for (const c of this.calls.values()) {
      for (const s of c.streams) s.close();
      c.rtp = undefined;
    }
  }

  /** After the template: what each family asks for its buttons (sccp-flows.md §1.1 rule 5). */
  private requestButtonStatus(): void {
    const lines = this.buttons.filter((b) => b.buttonDefinition === 0x09);
    const speedDials = this.buttons.filter((b) => b.buttonDefinition === 0x02 || b.buttonDefinition === 0x15);
    for (const l of lines) {
      this.send(makeMessage("LineStatReq", { lineNumber: l.instanceNumber }));
      if (this.profile.family === "79x0")
        this.send(makeMessage("ForwardStatReq", { lineNumber: l.instanceNumber }));
    }
    switch (this.profile.family) {
      case "7912":
        // The 7912 asks FeatureStat 1 and its four menu speed dials, 4 down to 1 (CUCM capture).
        this.send(makeMessage("FeatureStatReq", { featureIndex: 1 }));
        for (let k = 4; k >= 1; k--) this.send(makeMessage("SpeedDialStatReq", { speedDialNumber: k }));
        this.send(makeMessage("RegisterAvailableLines", { maxNumOfAvailLines: 1 }));
        break;
      case "79x0":
        for (const sd of speedDials)
          this.send(makeMessage("SpeedDialStatReq", { speedDialNumber: sd.instanceNumber }));
        this.send(makeMessage("ConfigStatReq", {}));
        this.send(makeMessage("VersionReq", {}));
        this.send(makeMessage("ServerReq", {}));
        break;
      case "79x1":
        for (const sd of speedDials) {
          if (sd.buttonDefinition === 0x15)
            this.send(makeMessage("FeatureStatReq", { featureIndex: sd.instanceNumber }));
          else this.send(makeMessage("SpeedDialStatReq", { speedDialNumber: sd.instanceNumber }));
        }
        this.send(makeMessage("ServiceURLStatReq", { serviceURLIndex: 1 }));
        this.send(makeMessage("RegisterAvailableLines", { maxNumOfAvailLines: lines.length }));
        break;
    }
    this.send(makeMessage("TimeDateReq", {}));
  }

  private startKeepalive(): void {
    if (this.options.keepalive === false || this.keepaliveTimer || this.keepAliveInterval <= 0) return;
    this.keepaliveTimer = setInterval(() => {
      this.send(makeMessage("KeepAlive", {}));
    }, this.keepAliveInterval * 1000);
    this.keepaliveTimer.unref();
  }

  private finish(reason: string): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    this.closeMedia();
    if (this.state === "closed") return;
    this.state = "closed";
    this.emit("closed", reason);
  }
}

/** A frame with `bodyLength` bytes of the encoded body kept and the header's length fixed. */
export function truncateFrame(frame: Buffer, bodyLength: number): Buffer {
  const out = Buffer.from(frame.subarray(0, 12 + bodyLength));
  out.writeUInt32LE(4 + bodyLength, 0);
  return out;
}

/** A frame for an arbitrary id and body (unknown-id tests). */
export function rawFrame(id: number, body: Buffer, headerVersion = 0): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32LE(4 + body.length, 0);
  out.writeUInt32LE(headerVersion, 4);
  out.writeUInt32LE(id, 8);
  body.copy(out, 12);
  return out;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new LinekeyError("SCCP_ERR_SESSION_CLOSED", what));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
