/**
 * A phone on a real UDP socket (loopback, free port): subscribes to a Linekey running in another
 * process and records the NOTIFYs it answers with 200.
 */
import { digestResponse } from "../../../src/sip/auth/index.ts";
import { SipRequest, generateBranch, type SipResponse } from "../../../src/sip/message/index.ts";
import {
  TransactionLayer,
  type ServerTransaction,
  type TransactionUser,
} from "../../../src/sip/transaction/index.ts";
import { startTransportLayer, type SipTransportLayer } from "../../../src/sip/transport/index.ts";

/** A SIP phone for cross-process tests. */
export class UdpPhone {
  private seq = 0;

  private constructor(
    private readonly transport: SipTransportLayer,
    private readonly layer: TransactionLayer,
    readonly user: string,
    readonly port: number,
    /** NOTIFYs received, in order. */
    readonly notifies: SipRequest[],
  ) {}

  /** Binds 127.0.0.1 on a free port. */
  static async start(user: string): Promise<UdpPhone> {
    const transport = await startTransportLayer({
      listen: [{ transport: "udp", address: "127.0.0.1", port: 0 }],
    });
    const port = transport.listeners[0]?.port ?? 0;
    const notifies: SipRequest[] = [];
    const core: TransactionUser = {
      onRequest: (tx: ServerTransaction) => {
        if (tx.request.method === "NOTIFY") notifies.push(tx.request);
        tx.reply(200);
      },
      onAck: () => undefined,
    };
    const layer = new TransactionLayer({ transport, user: core });
    return new UdpPhone(transport, layer, user, port, notifies);
  }

  get contact(): string {
    return `sip:${this.user}@127.0.0.1:${this.port}`;
  }

  /** Sends a SUBSCRIBE to the server at `port`; resolves with the final response. */
  subscribe(
    port: number,
    o: {
      event?: string;
      callInfo?: string;
      callId: string;
      fromTag: string;
      toTag?: string;
      cseq?: number;
      expires?: number;
    },
  ): Promise<SipResponse> {
    const aor = `sip:${this.user}@127.0.0.1`;
    const req = new SipRequest({
      method: "SUBSCRIBE",
      uri: aor,
      headers: [
        { name: "Via", value: `SIP/2.0/UDP 127.0.0.1:${this.port};branch=${generateBranch()}` },
        { name: "From", value: `<${aor}>;tag=${o.fromTag}` },
        { name: "To", value: `<${aor}>${o.toTag === undefined ? "" : `;tag=${o.toTag}`}` },
        { name: "Call-ID", value: o.callId },
        { name: "CSeq", value: `${o.cseq ?? ++this.seq} SUBSCRIBE` },
        { name: "Contact", value: `<${this.contact}>` },
        { name: "Max-Forwards", value: "70" },
        { name: "Event", value: o.event ?? "call-info" },
        { name: "Expires", value: String(o.expires ?? 3600) },
        ...(o.callInfo === undefined ? [] : [{ name: "Call-Info", value: o.callInfo }]),
      ],
    });
    return this.send(port, req);
  }

  /**
   * REGISTERs with the server at `port` (Expires 60); answers one digest challenge (MD5, qop
   * auth) with `password`. Resolves with the final response.
   */
  async register(port: number, password: string): Promise<SipResponse> {
    const callId = `reg-${generateBranch()}`;
    const first = await this.send(port, this.registerRequest(callId, undefined));
    if (first.status !== 401) return first;
    const challenge = first.header("WWW-Authenticate") ?? "";
    const field = (name: string): string =>
      new RegExp(`${name}="?([^",]*)"?`, "i").exec(challenge)?.[1] ?? "";
    const realm = field("realm");
    const nonce = field("nonce");
    const uri = "sip:127.0.0.1";
    const cnonce = "c0ffee";
    const response = digestResponse({
      algorithm: "MD5",
      username: this.user,
      realm,
      password,
      method: "REGISTER",
      uri,
      nonce,
      qop: "auth",
      nc: "00000001",
      cnonce,
    });
    const auth = `Digest username="${this.user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"`;
    return this.send(port, this.registerRequest(callId, auth));
  }

  private registerRequest(callId: string, authorization: string | undefined): SipRequest {
    const aor = `sip:${this.user}@127.0.0.1`;
    return new SipRequest({
      method: "REGISTER",
      uri: "sip:127.0.0.1",
      headers: [
        { name: "Via", value: `SIP/2.0/UDP 127.0.0.1:${this.port};branch=${generateBranch()}` },
        { name: "From", value: `<${aor}>;tag=reg` },
        { name: "To", value: `<${aor}>` },
        { name: "Call-ID", value: callId },
        { name: "CSeq", value: `${++this.seq} REGISTER` },
        { name: "Contact", value: `<${this.contact}>` },
        { name: "Max-Forwards", value: "70" },
        { name: "Expires", value: "60" },
        ...(authorization === undefined ? [] : [{ name: "Authorization", value: authorization }]),
      ],
    });
  }

  private send(port: number, req: SipRequest): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      this.layer.sendRequest(
        req,
        { transport: "udp", address: "127.0.0.1", port },
        {
          onResponse: (res) => {
            if (res.status >= 200) resolve(res);
          },
          onTimeout: () => reject(new Error(`no answer to ${req.method} ${req.callId}`)),
          onTransportError: (err) => reject(err),
        },
      );
    });
  }

  /** Resolves once a NOTIFY matching `pred` arrived (fails after `ms`). */
  async waitNotify(pred: (n: SipRequest) => boolean, ms = 15_000): Promise<SipRequest> {
    const end = Date.now() + ms;
    for (;;) {
      const found = this.notifies.find(pred);
      if (found !== undefined) return found;
      if (Date.now() > end) throw new Error(`no matching NOTIFY for ${this.contact}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.layer.close();
    await this.transport.close();
  }
}
