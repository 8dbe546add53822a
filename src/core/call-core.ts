/**
 * The call core: owns the channels and bridges, runs channels through the dialplan, resolves
 * `TECH/resource` through the registered technologies, and publishes the typed call events.
 */
import type { Logger } from "../util/logger.ts";
import { TypedEmitter } from "../util/typed-emitter.ts";
import type { RtpPortPool } from "../media/port-pool.ts";
import { DialplanInterpreter, type Dialplan, type ApplicationRegistry } from "./dialplan/index.ts";
import { Bridge } from "./bridge.ts";
import { Cause, mediaTargetFor, type Channel } from "./channel.ts";
import type { CallEvents } from "./call-events.ts";
import {
  isRequestFailure,
  type ChannelTech,
  type RequestFailure,
  type ResourceState,
} from "./channel-tech.ts";

/** Construction options. */
export interface CallCoreOptions {
  readonly dialplan: Dialplan;
  readonly apps: ApplicationRegistry;
  readonly pool: RtpPortPool;
  /** Address the pool's sockets are bound to. */
  readonly relayHost: string;
  readonly log: Logger;
}

/** The call core. */
export class CallCore {
  readonly events: TypedEmitter<CallEvents>;
  readonly interpreter: DialplanInterpreter;
  readonly pool: RtpPortPool;
  private readonly channels = new Map<number, Channel>();
  private readonly bridges = new Map<number, Bridge>();
  private readonly pbxRunning = new Set<Channel>();
  private readonly techs = new Map<string, ChannelTech>();
  private readonly log: Logger;
  private readonly relayAddressFor: (ch: Channel) => string;

  constructor(opts: CallCoreOptions) {
    this.log = opts.log;
    this.pool = opts.pool;
    this.events = new TypedEmitter<CallEvents>(opts.log);
    this.interpreter = new DialplanInterpreter({
      dialplan: opts.dialplan,
      apps: opts.apps,
      logger: opts.log,
    });
    // The relay's sockets listen on the pool's host; an endpoint reaches them at the address it
    // reaches the server's signalling on (right for wildcard binds and for multi-homed hosts).
    this.relayAddressFor = (ch) => mediaTargetFor(ch, opts.relayHost, 0).address;
  }

  /** Registers a channel technology (the SCCP driver, the SIP B2BUA). */
  registerTech(tech: ChannelTech): void {
    this.techs.set(tech.name.toUpperCase(), tech);
  }

  /** Starts tracking a channel; it is forgotten when it hangs up. */
  add(ch: Channel): void {
    this.channels.set(ch.id, ch);
    ch.on("state", (c, s) => this.events.emit("channel-state", c, s));
    ch.on("hangup", (c, cause) => {
      this.channels.delete(c.id);
      this.events.emit("channel-hangup", c, cause);
    });
    this.events.emit("channel-new", ch);
  }

  /**
   * Runs an inbound channel through the dialplan; releases it with the run's cause when the
   * loop ends, unless a bridge holds it then (a transfer or a forward moved the call on: the
   * interpreter's end-of-loop `hungUp` mark is undone and the bridge ends the channel later).
   */
  startPbx(ch: Channel): void {
    const run = this.interpreter.start(ch);
    this.pbxRunning.add(ch);
    const offHangup = ch.on("hangup", (_c, cause) => {
      run.hangup(cause);
    });
    void run.done.then((outcome) => {
      offHangup();
      this.pbxRunning.delete(ch);
      if (ch.released) return;
      ch.hungUp = false;
      if (ch.bridgeId !== undefined) return;
      ch.hangup(outcome.reason === "invalid-extension" ? Cause.Unallocated : outcome.hangupCause);
    });
  }

  /**
   * True while `ch` runs the dialplan. Joins depend on it: such a channel is ended by its own
   * dialplan (its Dial returns when its bridge ends) and must never be hung up under it.
   */
  isInPbx(ch: Channel): boolean {
    return this.pbxRunning.has(ch);
  }

  /** Creates an outbound channel for `TECH/resource`. */
  request(target: string, requestor: Channel | undefined): Channel | RequestFailure {
    const slash = target.indexOf("/");
    const tech = this.techs.get((slash < 0 ? target : target.slice(0, slash)).toUpperCase());
    if (!tech || slash < 0) {
      return {
        fail: "CHANUNAVAIL",
        cause: Cause.Unallocated,
        reason: `no channel technology for '${target}'`,
      };
    }
    const result = tech.request(target.slice(slash + 1), requestor);
    if (!isRequestFailure(result)) this.add(result);
    return result;
  }

  /** State of `TECH/resource`. */
  resourceState(target: string): ResourceState {
    const slash = target.indexOf("/");
    const tech = this.techs.get(target.slice(0, slash).toUpperCase());
    return tech ? tech.state(target.slice(slash + 1)) : "unknown";
  }

  /** Bridges two answered channels. */
  bridge(a: Channel, b: Channel): Bridge {
    const bridge = new Bridge(a, b, {
      pool: this.pool,
      log: this.log,
      relayAddressFor: this.relayAddressFor,
      onClosed: (br) => {
        this.bridges.delete(br.id);
        this.events.emit("bridge-end", br);
      },
    });
    this.bridges.set(bridge.id, bridge);
    this.events.emit("bridge-new", bridge);
    return bridge;
  }

  /** The bridge a channel is in. */
  bridgeOf(ch: Channel): Bridge | undefined {
    return ch.bridgeId === undefined ? undefined : this.bridges.get(ch.bridgeId);
  }

  /** Live channels, oldest first. */
  listChannels(): Channel[] {
    return [...this.channels.values()];
  }

  /** Number of live bridges. */
  get bridgeCount(): number {
    return this.bridges.size;
  }

  /** A channel by its full name (`SCCP/100-0000000a`). */
  findChannel(name: string): Channel | undefined {
    for (const ch of this.channels.values()) if (ch.name === name) return ch;
    return undefined;
  }

  /** Hangs up every channel and ends every bridge (shutdown). */
  close(): void {
    for (const ch of [...this.channels.values()]) ch.hangup(Cause.NormalClearing);
    for (const b of [...this.bridges.values()]) b.close();
  }
}
