/**
 * One configured (or guest) SCCP device and its registration state machine
 * (sccp-flows.md §1, §2, §16). Call-control messages are handed on to the driver through the
 * `stimulus` event; everything registration needs is answered here.
 */
import type { Logger } from "../util/logger.ts";
import { TypedEmitter } from "../util/typed-emitter.ts";
import type { SccpMessage, UnknownMessage, MessageOf } from "./protocol/index.ts";
import type { SccpSession, SessionCloseReason } from "./session.ts";
import type { DeviceSettings } from "./device-settings.ts";
import { buildButtonTemplate, type TemplateButton } from "./button-template.ts";
import { SOFTKEY_TEMPLATE, SoftKeySetIndex, softKeySetTable } from "./softkeys.ts";
import { modelByType, type ModelInfo } from "./models.ts";
import { phoneTime } from "./time-date.ts";

/** Registration state as `sccp show devices` prints it. */
export type DeviceState = "unregistered" | "registered";

/** A codec the phone announced in CapabilitiesRes. */
export interface PhoneCapability {
  readonly payloadCapability: number;
  readonly maxFramesPerPacket: number;
}

/** Server facts registration needs (ServerRes, ConfigStat, negotiation cap). */
export interface ServerIdentity {
  readonly name: string;
  readonly port: number;
  readonly maxProtocolVersion: number;
}

/** Events of a device. */
export interface DeviceEvents extends Record<string, unknown[]> {
  registered: [device: SccpDevice];
  unregistered: [device: SccpDevice, reason: SessionCloseReason];
  /** A call-control message (OffHook, KeypadButton, SoftKeyEvent, …) for the driver. */
  stimulus: [device: SccpDevice, msg: SccpMessage];
  /** The phone finished its registration burst (it asked for the time). */
  configured: [device: SccpDevice];
}

/** A device's state and its registration handling. */
export class SccpDevice extends TypedEmitter<DeviceEvents> {
  readonly name: string;
  settings: DeviceSettings;
  state: DeviceState = "unregistered";
  session: SccpSession | undefined;
  /** Register.deviceType of the phone now (or last) registered. */
  deviceType: number | undefined;
  model: ModelInfo | undefined;
  /** Register.protocolVersion the phone offered; `negotiatedVersion` = min(that, server cap). */
  offeredVersion = 0;
  negotiatedVersion = 0;
  firmware = "";
  ipAddress = "";
  capabilities: PhoneCapability[] = [];
  lastAlarm = "";
  registeredAt: number | undefined;
  /** True once the phone asked TimeDateReq: its burst of registration requests is over. */
  configured = false;
  /** A configuration change waits for the device to be idle before the reset (sccp-flows.md §16.1). */
  pendingReset = false;
  /** Number of calls the driver holds on this device; reload resets only idle devices at once. */
  activeCalls = 0;
  buttons: TemplateButton[];

  constructor(
    settings: DeviceSettings,
    private readonly server: ServerIdentity,
    private readonly log: Logger,
  ) {
    super(log);
    this.name = settings.name;
    this.settings = settings;
    this.buttons = buildButtonTemplate(settings);
  }

  get modelName(): string {
    return this.model?.name ?? "unknown";
  }

  /** Binds a session after a Register was accepted and answers it (sccp-flows.md §1.1). */
  attach(session: SccpSession, reg: MessageOf<"Register">): void {
    const fresh = this.session !== session;
    this.session = session;
    session.owner = this;
    this.deviceType = reg.deviceType;
    this.model = modelByType(reg.deviceType);
    this.offeredVersion = reg.protocolVersion;
    this.negotiatedVersion = Math.min(reg.protocolVersion, this.server.maxProtocolVersion);
    this.ipAddress = reg.stationIpAddr !== "0.0.0.0" ? reg.stationIpAddr : session.remoteAddress;
    if (reg.firmwareLoadName) this.firmware = reg.firmwareLoadName;
    this.capabilities = [];
    this.configured = false;
    this.state = "registered";
    this.registeredAt = Date.now();
    this.buttons = buildButtonTemplate(this.settings);

    if (fresh) {
      session.on("close", (reason) => {
        this.onSessionClosed(session, reason);
      });
    }

    // The RegisterAck itself uses the basic layout; the negotiated version applies afterwards.
    session.send({
      type: "RegisterAck",
      keepAliveInterval: this.settings.keepalive,
      dateTemplate: this.settings.dateformat,
      secondaryKeepAliveInterval: this.settings.keepalive,
      maxProtocolVer: this.negotiatedVersion,
      ...registerAckFeatures(this.negotiatedVersion),
    });
    session.protocolVersion = this.negotiatedVersion;
    // Rule 1 of sccp-flows.md §1.1: CapabilitiesReq right away, the phone's burst starts after it.
    session.send({ type: "CapabilitiesReq" });
    this.log.info("device registered", {
      device: this.name,
      model: this.modelName,
      ip: this.ipAddress,
      protocol: this.negotiatedVersion,
    });
    this.emit("registered", this);
  }

  /** Sends a message to the phone if it is connected. */
  send(msg: SccpMessage): void {
    this.session?.send(msg);
  }

  /** Asks the phone to reset: `restart` = 2 (re-register), `reset` = 1 (full reboot) — §6.1. */
  reset(kind: "restart" | "reset"): boolean {
    if (!this.session) return false;
    this.send({ type: "Reset", resetType: kind === "reset" ? 1 : 2 });
    this.pendingReset = false;
    return true;
  }

  /** Remembers the phone's Alarm text ("Name=… Load=… Last=…"): it says why the last session ended. */
  noteAlarm(text: string): void {
    this.lastAlarm = text;
    const load = /Load=(\S+)/.exec(text);
    if (load?.[1]) this.firmware = load[1];
  }

  /** Handles one message from the phone (the server dispatches a registered session's messages here). */
  handle(msg: SccpMessage | UnknownMessage): void {
    switch (msg.type) {
      // sccp-flows.md §2: answer every KeepAlive at once.
      case "KeepAlive":
        this.send({ type: "KeepAliveAck" });
        return;
      case "Unregister":
        // §16.2: always accept; the open-source servers never NAK.
        this.send({ type: "UnregisterAck", status: 0 });
        this.session?.close("unregistered", "phone unregistered");
        return;
      case "Register":
        // A second Register on a live session: the phone restarted its registration; answer again.
        if (this.session) this.attach(this.session, msg);
        return;
      case "Alarm":
        this.noteAlarm(msg.text);
        this.log.info("phone alarm", { device: this.name, severity: msg.alarmSeverity, text: msg.text });
        return;
      case "CapabilitiesRes":
        this.capabilities = msg.capabilities.slice(0, msg.capCount).map((c) => ({
          payloadCapability: c.payloadCapability,
          maxFramesPerPacket: c.maxFramesPerPacket,
        }));
        return;
      case "ButtonTemplateReq":
        this.send({
          type: "ButtonTemplate",
          buttonOffset: 0,
          buttonCount: this.buttons.length,
          totalButtonCount: this.buttons.length,
          buttons: this.buttons,
        });
        return;
      case "SoftKeyTemplateReq":
        this.send({
          type: "SoftKeyTemplateRes",
          softKeyOffset: 0,
          softKeyCount: SOFTKEY_TEMPLATE.length,
          totalSoftKeyCount: SOFTKEY_TEMPLATE.length,
          softKeys: SOFTKEY_TEMPLATE.map((k) => ({ label: k.label, event: k.event })),
        });
        return;
      case "SoftKeySetReq": {
        const sets = softKeySetTable();
        this.send({
          type: "SoftKeySetRes",
          softKeySetOffset: 0,
          softKeySetCount: sets.length,
          totalSoftKeySetCount: sets.length,
          sets,
        });
        this.send({
          type: "SelectSoftKeys",
          lineInstance: 0,
          callReference: 0,
          softKeySetIndex: SoftKeySetIndex.OnHook,
          validKeyMask: 0xffffffff,
        });
        return;
      }
      case "LineStatReq":
        this.sendLineStat(msg.lineNumber);
        return;
      case "ForwardStatReq":
        this.sendForwardStat(msg.lineNumber);
        return;
      case "SpeedDialStatReq": {
        // §6.4: always answer, empty for an index with nothing configured (7912 asks 4..1).
        const sd = this.settings.speedDials[msg.speedDialNumber - 1];
        this.send({
          type: "SpeedDialStat",
          speedDialNumber: msg.speedDialNumber,
          speedDialDirNumber: sd?.number ?? "",
          speedDialDisplayName: sd?.label ?? "",
        });
        return;
      }
      case "FeatureStatReq": {
        // §6.4: unknown index → empty FeatureStat, never a closed session (wazo's bug).
        const sd = this.settings.speedDials[msg.featureIndex - 1];
        this.send({
          type: "FeatureStat",
          featureIndex: msg.featureIndex,
          featureID: sd?.blf ? 0x15 : 0,
          featureTextLabel: sd?.label ?? "",
          featureStatus: sd?.blf ? this.blfStatus(sd.number) : 0,
        });
        return;
      }
      case "ServiceURLStatReq":
        this.send({
          type: "ServiceURLStat",
          serviceURLIndex: msg.serviceURLIndex,
          serviceURL: "",
          serviceURLDisplayName: "",
        });
        return;
      case "ConfigStatReq":
        this.send({
          type: "ConfigStat",
          deviceName: this.name,
          stationUserId: 0,
          stationInstance: 1,
          userName: this.settings.lines[0]?.cidName ?? "",
          serverName: this.server.name,
          numberLines: this.settings.lines.length,
          numberSpeedDials: this.settings.speedDials.length,
        });
        return;
      case "TimeDateReq":
        this.send({ type: "DefineTimeDate", ...phoneTime(Date.now(), this.settings.timezone) });
        if (!this.configured) {
          this.configured = true;
          this.emit("configured", this);
        }
        return;
      case "VersionReq":
        // §6.1: the phone may upgrade when this differs from its load; echo its own load.
        this.send({ type: "Version", versionStr: this.firmware.slice(0, 15) });
        return;
      case "ServerReq":
        this.send(this.serverRes());
        return;
      case "RegisterAvailableLines":
      case "IpPort":
      case "HeadsetStatus":
      case "StartMediaTransmissionAck":
        return;
      case "Unknown":
        // §2: unknown inbound ids are logged and ignored, never a disconnect.
        this.log.debug("unknown message ignored", { device: this.name, id: msg.id, length: msg.body.length });
        return;
      default:
        this.emit("stimulus", this, msg);
    }
  }

  /** BLF state of a speed-dial target; the driver replaces this once calls exist. */
  blfStatus: (number: string) => number = () => 1;

  private sendLineStat(lineNumber: number): void {
    // §6.4: a request for an unknown line still gets a LineStat with the same number.
    const line = this.settings.lines[lineNumber - 1];
    this.send({
      type: "LineStat",
      lineNumber,
      lineDirNumber: line?.cidNum ?? "",
      lineFullyQualifiedDisplayName: line?.cidName ?? "",
      lineTextLabel: line?.label ?? "",
      lineDisplayOptions: line ? 15 : 0,
    });
  }

  /** Sends ForwardStat for a line instance; the driver overrides `forwardAllOf` to report CFwdAll. */
  sendForwardStat(lineNumber: number): void {
    const target = this.forwardAllOf(lineNumber);
    this.send({
      type: "ForwardStat",
      activeForward: target ? 1 : 0,
      lineNumber,
      forwardAllActive: target ? 1 : 0,
      forwardAllDirnum: target ?? "",
      forwardBusyActive: 0,
      forwardBusyDirnum: "",
      forwardNoAnswerActive: 0,
      forwardNoAnswerDirnum: "",
    });
  }

  /** Call-forward-all target of a line instance (set by the driver). */
  forwardAllOf: (lineInstance: number) => string | undefined = () => undefined;

  private serverRes(): SccpMessage {
    const addr = this.session?.localAddress ?? "0.0.0.0";
    const ipv4 = /^\d+\.\d+\.\d+\.\d+$/.test(addr) ? addr : "0.0.0.0";
    return {
      type: "ServerRes",
      serverName: [this.server.name, "", "", "", ""],
      serverTcpListenPort: [this.server.port, 0, 0, 0, 0],
      serverIpAddr: [ipv4, "0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0"],
    };
  }

  private onSessionClosed(session: SccpSession, reason: SessionCloseReason): void {
    if (this.session !== session) return; // an old, replaced session
    this.session = undefined;
    this.state = "unregistered";
    this.configured = false;
    this.log.info("device unregistered", { device: this.name, reason });
    this.emit("unregistered", this, reason);
  }
}

/** RegisterAck feature bytes as wazo-libsccp sends them (sccp-protocol.md §6.1). */
function registerAckFeatures(version: number): {
  featureByte1: number;
  featureByte2: number;
  featureByte3: number;
} {
  if (version <= 3) return { featureByte1: 0, featureByte2: 0, featureByte3: 0 };
  if (version < 11) return { featureByte1: 0x20, featureByte2: 0x00, featureByte3: 0xfe };
  return { featureByte1: 0x20, featureByte2: 0xf1, featureByte3: 0xff };
}
