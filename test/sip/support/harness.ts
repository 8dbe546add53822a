/**
 * A UAC and a UAS transaction layer joined by a fake network, with recording transaction users,
 * for the transaction tests (run them under `mock.timers`).
 */
import type { MockTimers } from "node:test";
import type { SipRequest, SipResponse } from "../../../src/sip/message/index.ts";
import {
  TransactionLayer,
  type ClientTransaction,
  type ClientTransactionUser,
  type NewServerTransactionContext,
  type ServerTransaction,
  type TimerConfig,
  type TransactionUser,
} from "../../../src/sip/transaction/index.ts";
import type { ReceivedInfo, TransportProtocol, TransportTarget } from "../../../src/sip/transport/index.ts";
import { FakeNetwork, type FakeTransport, type Match } from "./fake-transport.ts";
import { makeRequest } from "./messages.ts";

/** A core TU that records what reaches it and lets a test decide how to answer. */
export class RecordingCore implements TransactionUser {
  /** Every new server transaction with its request (a completed non-INVITE one lets it go). */
  readonly requests: {
    tx: ServerTransaction;
    request: SipRequest;
    context: NewServerTransactionContext;
  }[] = [];
  readonly acks: SipRequest[] = [];
  readonly stray: SipResponse[] = [];
  /** Called for each new server transaction; answer from here or later. */
  answer: (tx: ServerTransaction, context: NewServerTransactionContext) => void = () => undefined;

  onRequest(tx: ServerTransaction, context: NewServerTransactionContext): void {
    this.requests.push({ tx, request: tx.request, context });
    this.answer(tx, context);
  }
  onAck(ack: SipRequest, _received: ReceivedInfo): void {
    this.acks.push(ack);
  }
  onStrayResponse(response: SipResponse): void {
    this.stray.push(response);
  }
}

/** A client TU that records every callback. */
export class RecordingClient implements ClientTransactionUser {
  readonly responses: SipResponse[] = [];
  timeouts = 0;
  transportErrors: Error[] = [];
  terminated = 0;
  onResponse(response: SipResponse, _tx: ClientTransaction): void {
    this.responses.push(response);
  }
  onTimeout(): void {
    this.timeouts++;
  }
  onTransportError(error: Error): void {
    this.transportErrors.push(error);
  }
  onTerminated(): void {
    this.terminated++;
  }
  statuses(): number[] {
    return this.responses.map((r) => r.status);
  }
}

/** Two layers on one fake network: `uac` at 10.0.0.1:5060, `uas` at 10.0.0.2:5060. */
export class Harness {
  readonly net = new FakeNetwork();
  readonly uacTransport: FakeTransport;
  readonly uasTransport: FakeTransport;
  readonly uacCore = new RecordingCore();
  readonly uasCore = new RecordingCore();
  readonly uac: TransactionLayer;
  readonly uas: TransactionLayer;
  readonly transport: TransportProtocol;

  constructor(options: { transport?: TransportProtocol; timers?: Partial<TimerConfig>; uas?: boolean } = {}) {
    this.transport = options.transport ?? "udp";
    this.uacTransport = this.net.transport("10.0.0.1", 5060);
    this.uasTransport = this.net.transport("10.0.0.2", 5060);
    const timers = options.timers ?? {};
    this.uac = new TransactionLayer({ transport: this.uacTransport, user: this.uacCore, timers });
    this.uas = new TransactionLayer({ transport: this.uasTransport, user: this.uasCore, timers });
    if (options.uas === false) this.uasTransport.close();
  }

  get target(): TransportTarget {
    return { transport: this.transport, address: "10.0.0.2", port: 5060 };
  }

  request(method: string, cseq = 1): SipRequest {
    return makeRequest(method, {
      transport: this.transport,
      from: this.uacTransport.endpoint,
      to: this.uasTransport.endpoint,
      cseq,
    });
  }

  /** Sends `method` in a client transaction; returns the transaction and its recording TU. */
  send(method: string): { tx: ClientTransaction; user: RecordingClient; request: SipRequest } {
    const user = new RecordingClient();
    const request = this.request(method);
    const tx = this.uac.sendRequest(request, this.target, user);
    return { tx, user, request };
  }

  close(): void {
    this.uac.close();
    this.uas.close();
  }
}

/**
 * Advances mocked time to `until` ms in `step` ms increments and returns the times (ms from
 * now) at which messages matching `what` were sent, including any already sent at 0.
 */
export function sendTimes(
  timers: MockTimers,
  net: FakeNetwork,
  what: string | Match,
  until: number,
  step = 50,
): number[] {
  const times: number[] = [];
  let seen = 0;
  const sample = (t: number): void => {
    const n = net.count(what);
    for (; seen < n; seen++) times.push(t);
  };
  sample(0);
  for (let t = step; t <= until; t += step) {
    timers.tick(step);
    sample(t);
  }
  return times;
}
