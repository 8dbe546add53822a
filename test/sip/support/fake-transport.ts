/**
 * An in-memory network of fake SIP transports for transaction and dialog tests (in the manner
 * of SIP.js's TransportFake). Messages go through serialize/parse, are delivered synchronously,
 * and can be dropped, duplicated or held back (to reorder) by rules chosen per test. Every
 * transmission is logged.
 */
import {
  parseMessage,
  serialize,
  type SipMessage,
  type SipResponse,
} from "../../../src/sip/message/index.ts";
import {
  responseRoute,
  stampReceived,
  type Endpoint,
  type InboundListener,
  type SipTransport,
  type TransportProtocol,
  type TransportTarget,
} from "../../../src/sip/transport/index.ts";
import { LinekeyError } from "../../../src/util/errors.ts";

/** One transmission on the fake network. */
export interface WireRecord {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly transport: TransportProtocol;
  /** The message as the receiver parses it (before Via stamping). */
  readonly message: SipMessage;
  /** `INVITE`, `ACK`, `200 INVITE`, … */
  readonly label: string;
  readonly wire: string;
  /** What happened: delivered, dropped by a rule, held (until released), or no such endpoint. */
  outcome: "delivered" | "dropped" | "held" | "unreachable";
}

/** Chooses messages for a rule. */
export type Match = (record: WireRecord) => boolean;

interface Rule {
  readonly action: "drop" | "duplicate" | "hold";
  readonly match: Match;
  remaining: number;
}

function label(m: SipMessage): string {
  if (m.kind === "request") return m.method;
  return `${m.status} ${m.cseq.method}`;
}

function key(e: Endpoint): string {
  return `${e.address}|${e.port}`;
}

/** Matches a record by its label (`"INVITE"`, `"200 INVITE"`) or with a predicate. */
export function matching(what: string | Match): Match {
  return typeof what === "string" ? (r) => r.label === what : what;
}

/** The fake network linking {@link FakeTransport}s. */
export class FakeNetwork {
  readonly log: WireRecord[] = [];
  private readonly endpoints = new Map<string, FakeTransport>();
  private readonly rules: Rule[] = [];
  private held: (() => void)[] = [];

  /** A transport at `address:port` on this network. */
  transport(address: string, port: number): FakeTransport {
    const t = new FakeTransport(this, { address, port });
    this.endpoints.set(key(t.endpoint), t);
    return t;
  }

  /** Drops the next `times` messages that match. */
  drop(what: string | Match, times = 1): this {
    this.rules.push({ action: "drop", match: matching(what), remaining: times });
    return this;
  }

  /** Delivers the next `times` matching messages twice. */
  duplicate(what: string | Match, times = 1): this {
    this.rules.push({ action: "duplicate", match: matching(what), remaining: times });
    return this;
  }

  /** Holds the next `times` matching messages until {@link releaseHeld} (to reorder). */
  hold(what: string | Match, times = 1): this {
    this.rules.push({ action: "hold", match: matching(what), remaining: times });
    return this;
  }

  /** Delivers the held messages in the order they were sent; returns how many. */
  releaseHeld(): number {
    const held = this.held;
    this.held = [];
    for (const deliver of held) deliver();
    return held.length;
  }

  /** Records matching a label or predicate (all records when omitted). */
  sent(what?: string | Match): WireRecord[] {
    return what === undefined ? [...this.log] : this.log.filter(matching(what));
  }

  /** Number of records matching a label or predicate. */
  count(what: string | Match): number {
    return this.sent(what).length;
  }

  /** @internal Called by FakeTransport. */
  transmit(from: FakeTransport, to: Endpoint, transport: TransportProtocol, message: SipMessage): void {
    const wire = serialize(message);
    const copy = parseMessage(wire, { datagram: transport === "udp" });
    const record: WireRecord = {
      from: from.endpoint,
      to,
      transport,
      message: copy,
      label: label(copy),
      wire: wire.toString("utf8"),
      outcome: "delivered",
    };
    this.log.push(record);
    const receiver = this.endpoints.get(key(to));
    if (receiver === undefined || receiver.closed) {
      record.outcome = "unreachable";
      return;
    }
    const rule = this.rules.find((r) => r.remaining > 0 && r.match(record));
    if (rule !== undefined) rule.remaining--;
    const deliver = (): void => {
      receiver.deliver(parseMessage(wire, { datagram: transport === "udp" }), from.endpoint, transport);
    };
    switch (rule?.action) {
      case "drop":
        record.outcome = "dropped";
        return;
      case "hold":
        record.outcome = "held";
        this.held.push(deliver);
        return;
      case "duplicate":
        deliver();
        deliver();
        return;
      default:
        deliver();
    }
  }
}

/** A SipTransport endpoint on a {@link FakeNetwork}. */
export class FakeTransport implements SipTransport {
  private readonly listeners = new Set<InboundListener>();
  /** When set, every send rejects with this (to test transport errors). */
  failSends: Error | undefined;
  closed = false;

  constructor(
    private readonly network: FakeNetwork,
    readonly endpoint: Endpoint,
  ) {}

  send(message: SipMessage, target: TransportTarget): Promise<void> {
    if (this.failSends !== undefined) return Promise.reject(this.failSends);
    this.network.transmit(this, { address: target.address, port: target.port }, target.transport, message);
    return Promise.resolve();
  }

  sendResponse(response: SipResponse): Promise<void> {
    if (this.failSends !== undefined) return Promise.reject(this.failSends);
    const via = response.topVia;
    const route = via === undefined ? undefined : responseRoute(via);
    if (route === undefined) return Promise.reject(new LinekeyError("SIP_ERR_TRANSPORT", "no route"));
    this.network.transmit(this, { address: route.address, port: route.port }, route.transport, response);
    return Promise.resolve();
  }

  onMessage(listener: InboundListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
  }

  /** @internal Called by FakeNetwork. */
  deliver(message: SipMessage, remote: Endpoint, transport: TransportProtocol): void {
    if (message.kind === "request") stampReceived(message, remote);
    for (const l of [...this.listeners]) l({ message, transport, remote, local: this.endpoint });
  }
}
