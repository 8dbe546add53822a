/**
 * An SCA module on the in-memory fake network: a server transaction layer at 127.0.0.1:5060 that
 * hands SUBSCRIBEs to the module and sends its NOTIFYs, phones (transaction layers on their own
 * ports) that subscribe and answer NOTIFYs, and a clock moved by hand. Delivery is synchronous.
 */
import { SipRequest, generateBranch, generateTag, type SipResponse } from "../../../src/sip/message/index.ts";
import {
  TransactionLayer,
  type ClientTransactionUser,
  type NewServerTransactionContext,
  type ServerTransaction,
  type TimerConfig,
  type TransactionUser,
} from "../../../src/sip/transaction/index.ts";
import type { ReceivedInfo, TransportTarget } from "../../../src/sip/transport/index.ts";
import { ScaModule, type ScaParameters } from "../../../src/sca/module.ts";
import type { ScaRequestSender } from "../../../src/sca/notify.ts";
import { FinalResponseUser } from "../../../src/sip/final-response.ts";
import type { Database } from "../../../src/store/database.ts";
import { memoryLogger, type LogRecord } from "../../../src/util/logger.ts";
import { FakeNetwork, type FakeTransport } from "../../sip/support/fake-transport.ts";

/** The SCA domain of the test bed. */
export const DOMAIN = "127.0.0.1";
export const SERVER_PORT = 5060;

/** Resolves a transaction's final response. */
function finalOf(layer: TransactionLayer, req: SipRequest, target: TransportTarget): Promise<SipResponse> {
  return new Promise((resolve, reject) => {
    const user: ClientTransactionUser = {
      onResponse: (res) => {
        if (res.status >= 200) resolve(res);
      },
      onTimeout: () => reject(new Error("timeout")),
      onTransportError: (err) => reject(err),
    };
    layer.sendRequest(req, target, user);
  });
}

/** A phone: subscribes, answers NOTIFYs (200 unless told otherwise) and records them. */
export class Phone {
  readonly transport: FakeTransport;
  readonly layer: TransactionLayer;
  readonly notifies: SipRequest[] = [];
  /** Status answered to NOTIFYs; undefined = do not answer. */
  notifyStatus: number | undefined = 200;
  private seq = 0;

  constructor(
    net: FakeNetwork,
    readonly port: number,
    readonly user: string,
  ) {
    this.transport = net.transport(DOMAIN, port);
    const core: TransactionUser = {
      onRequest: (tx: ServerTransaction, _c: NewServerTransactionContext) => {
        if (tx.request.method === "NOTIFY") this.notifies.push(tx.request);
        if (this.notifyStatus !== undefined) tx.reply(this.notifyStatus);
      },
      onAck: (_ack: SipRequest, _r: ReceivedInfo) => undefined,
    };
    this.layer = new TransactionLayer({ transport: this.transport, user: core });
  }

  /** `sip:USER@127.0.0.1:PORT` */
  get contact(): string {
    return `sip:${this.user}@${DOMAIN}:${this.port}`;
  }

  /** A SUBSCRIBE as the conformance phones send it. */
  subscribeRequest(o: {
    aor?: string;
    event?: string | undefined;
    expires?: number | string | undefined;
    callInfo?: string | undefined;
    callId?: string;
    fromTag?: string;
    toTag?: string;
    cseq?: number;
    contact?: string | undefined;
    extra?: { name: string; value: string }[];
  }): SipRequest {
    const aor = o.aor ?? `sip:${this.user}@${DOMAIN}`;
    const headers = [
      { name: "Via", value: `SIP/2.0/UDP ${DOMAIN}:${this.port};branch=${generateBranch()}` },
      { name: "From", value: `<${aor}>;tag=${o.fromTag ?? generateTag()}` },
      { name: "To", value: `<${aor}>${o.toTag === undefined ? "" : `;tag=${o.toTag}`}` },
      { name: "Call-ID", value: o.callId ?? `sub-${this.port}-${++this.seq}` },
      { name: "CSeq", value: `${o.cseq ?? 1} SUBSCRIBE` },
      ...(o.contact === undefined && "contact" in o
        ? []
        : [{ name: "Contact", value: `<${o.contact ?? this.contact}>` }]),
      { name: "Max-Forwards", value: "70" },
      ...(o.event === undefined && "event" in o ? [] : [{ name: "Event", value: o.event ?? "call-info" }]),
      ...(o.expires === undefined && "expires" in o
        ? []
        : [{ name: "Expires", value: String(o.expires ?? 3600) }]),
      ...(o.callInfo === undefined ? [] : [{ name: "Call-Info", value: o.callInfo }]),
      ...(o.extra ?? []),
    ];
    return new SipRequest({ method: "SUBSCRIBE", uri: aor, headers });
  }

  /** Sends a request to the server; resolves with the final response. */
  send(req: SipRequest): Promise<SipResponse> {
    return finalOf(this.layer, req, { transport: "udp", address: DOMAIN, port: SERVER_PORT });
  }

  /** NOTIFYs received on one dialog (Call-ID). */
  notifiesOn(callId: string): SipRequest[] {
    return this.notifies.filter((n) => n.callId === callId);
  }

  /** The Call-Info of the last NOTIFY on a dialog. */
  lastCallInfo(callId: string): string | undefined {
    return this.notifiesOn(callId).at(-1)?.headers.lines("Call-Info")[0]?.value;
  }

  close(): void {
    this.layer.close();
    this.transport.close();
  }
}

/** The server side of the test bed. */
export class ScaTestBed {
  readonly net = new FakeNetwork();
  readonly serverTransport: FakeTransport;
  readonly layer: TransactionLayer;
  readonly module: ScaModule;
  readonly logs: LogRecord[];
  /** The test clock, ms. */
  nowMs = 1_900_000_000_000;
  /** Requests the server got that the module does not handle. */
  readonly otherRequests: SipRequest[] = [];
  private readonly phones: Phone[] = [];

  constructor(
    opts: {
      parameters?: Partial<ScaParameters>;
      db?: Database;
      serverAddress?: string;
      timers?: Partial<TimerConfig>;
    } = {},
  ) {
    this.serverTransport = this.net.transport(DOMAIN, SERVER_PORT);
    const core: TransactionUser = {
      onRequest: (tx: ServerTransaction) => {
        if (tx.request.method === "SUBSCRIBE") this.module.handleSubscribe(tx.request, tx);
        else {
          this.otherRequests.push(tx.request);
          tx.reply(405);
        }
      },
      onAck: () => undefined,
    };
    this.layer = new TransactionLayer({
      transport: this.serverTransport,
      user: core,
      timers: opts.timers ?? {},
    });
    const { logger, records } = memoryLogger("debug");
    this.logs = records;
    // As the SIP server sends: a timeout answers 408, a send failure or no route 503.
    const sender: ScaRequestSender = {
      sendRequestTo: (req, target, handler) => {
        req.headers.prepend("Via", `SIP/2.0/UDP ${DOMAIN}:${SERVER_PORT};branch=${generateBranch()}`);
        const user = new FinalResponseUser(req, handler, undefined);
        if (target === undefined) user.fail(503, "Service Unavailable - no route");
        else this.layer.sendRequest(req, target, user);
      },
    };
    this.module = new ScaModule({
      sender,
      log: logger,
      clock: () => this.nowMs,
      ...(opts.parameters === undefined ? {} : { parameters: opts.parameters }),
      ...(opts.db === undefined ? {} : { db: opts.db }),
      ...(opts.serverAddress === undefined ? {} : { serverAddress: opts.serverAddress }),
    });
  }

  /** A phone on `port` whose user part is `user`. */
  phone(port: number, user: string): Phone {
    const p = new Phone(this.net, port, user);
    this.phones.push(p);
    return p;
  }

  /** Moves the clock. */
  advance(seconds: number): void {
    this.nowMs += seconds * 1000;
  }

  async close(): Promise<void> {
    await this.module.close();
    for (const p of this.phones) p.close();
    this.layer.close();
  }
}
