/**
 * The SIP server: owns the transport, the transaction layer, the registrar, digest
 * authentication and the stateful proxy, and routes every incoming request:
 *
 * 1. CANCEL → the proxy (§16.10) or, for an INVITE a local handler answers, 200 + 487 (§9.2);
 * 2. validation (RFC 3261 §16.3) and Route preprocessing (§16.4);
 * 3. OPTIONS to the server itself → 200 (keep-alive pings, before authentication);
 * 4. digest authentication of out-of-dialog requests from local users (`auth = yes`), and no
 *    relaying for strangers;
 * 5. local handlers, first match wins (SCA's SUBSCRIBE with Event call-info / line-seize, …);
 * 6. REGISTER for one of our domains → the registrar;
 * 7. everything else → the proxy: registered contacts of a local Request-URI, foreign hosts,
 *    or the local target handler (the B2BUA) for a local user with no contact.
 *
 * ACKs of 2xx go to the ACK handlers, else are relayed statelessly; stray responses are relayed
 * when their top Via is ours. Other modules send requests as a UAC with {@link SipServer.sendRequest}.
 */
import { createSocket } from "node:dgram";
import { createServer, isIP } from "node:net";
import { networkInterfaces } from "node:os";
import type { SipSettings, SipUserConfig } from "../config/linekey-conf.ts";
import type { RegistrationsRepo } from "../store/registrations-repo.ts";
import { LinekeyError } from "../util/errors.ts";
import { silentLogger, type Logger } from "../util/logger.ts";
import { TypedEmitter } from "../util/typed-emitter.ts";
import { DigestAuthenticator } from "./auth/authenticator.ts";
import { parseDigestCredentials } from "./auth/digest.ts";
import { requestTarget } from "./dialog/uri-target.ts";
import { FinalResponseUser, type FinalResponseHandler } from "./final-response.ts";
import { createResponse } from "./message/create-response.ts";
import { generateBranch, generateTag } from "./message/ids.ts";
import type { SipRequest, SipResponse } from "./message/message.ts";
import { parseUri } from "./message/uri.ts";
import { branchVia } from "./message/via.ts";
import type { ProxyContext, ProxyObserver } from "./proxy/proxy-observer.ts";
import { validateProxyRequest } from "./proxy/request-validation.ts";
import { preprocessRoute } from "./proxy/route-preprocess.ts";
import { StatefulProxy, type ProxyTarget } from "./proxy/stateful-proxy.ts";
import { Registrar } from "./registrar/registrar.ts";
import type { InviteServerTransaction } from "./transaction/invite-server-transaction.ts";
import { TransactionLayer } from "./transaction/transaction-layer.ts";
import type { ServerTransaction } from "./transaction/transaction-types.ts";
import type { NewServerTransactionContext, TransactionUser } from "./transaction/transaction-user.ts";
import { SipTransportLayer, type BoundListener } from "./transport/transport-layer.ts";
import { normalizeAddress } from "./transport/via-received.ts";
import type { ReceivedInfo, SipTransport, TransportProtocol, TransportTarget } from "./transport/types.ts";

/** A transport address as the SCA and B2BUA modules name targets. */
export interface SipTarget {
  readonly address: string;
  readonly port: number;
  readonly transport: "udp" | "tcp";
}

/** Options of {@link SipServer.start}. */
export interface SipServerOptions {
  readonly settings: SipSettings;
  /** The configured users (read on every request, so a reload takes effect at once). */
  readonly users: () => ReadonlyMap<string, SipUserConfig>;
  readonly repo: RegistrationsRepo;
  readonly logger?: Logger;
  /** A ready transport instead of UDP/TCP sockets (tests), with the addresses it answers on. */
  readonly transport?: { readonly transport: SipTransport; readonly listening: readonly BoundListener[] };
  /** Timer C of proxied INVITEs, ms (default 181 s). */
  readonly timerC?: number;
  /** Milliseconds since the epoch. */
  readonly clock?: () => number;
}

/** Options of {@link SipServer.sendRequest}. */
export interface SendRequestOptions {
  /** Every response, provisional ones and 2xx retransmissions included. */
  readonly onResponse?: (res: SipResponse) => void;
}

/** Events of the SIP server. */
export type SipServerEvents = {
  /** A CANCEL ended an INVITE answered by a local handler (it got 487). */
  cancelled: [invite: InviteServerTransaction];
};

type LocalHandler = {
  readonly match: (req: SipRequest) => boolean;
  readonly handle: (req: SipRequest, tx: ServerTransaction) => void;
};
/** Our Via sent-by for one transport, and the Via text before the branch. */
type OwnVia = {
  readonly transport: "UDP" | "TCP";
  readonly host: string;
  readonly port: number;
  /** `SIP/2.0/UDP host:port;branch=` */
  readonly prefix: string;
};

function ownVia(transport: TransportProtocol, sentBy: { host: string; port: number }): OwnVia {
  const t = transport === "tcp" ? "TCP" : "UDP";
  return { transport: t, ...sentBy, prefix: `SIP/2.0/${t} ${sentBy.host}:${sentBy.port};branch=` };
}

type AckHandler = {
  readonly match: (ack: SipRequest) => boolean;
  readonly handle: (ack: SipRequest, received: ReceivedInfo) => void;
};

const ALLOW =
  "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, REFER, PRACK, UPDATE, INFO, MESSAGE";
// Requests never challenged: ACK and CANCEL cannot be (RFC 3261 §22.1), PRACK is in-dialog.
const NEVER_CHALLENGED = new Set(["ACK", "CANCEL", "PRACK"]);

function isWildcard(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}

function hostText(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

function hasToTag(req: SipRequest): boolean {
  try {
    return req.toTag !== undefined;
  } catch {
    return false;
  }
}

// Every address of this machine (for a wildcard listener: what counts as "us").
function machineAddresses(): string[] {
  const out = ["127.0.0.1", "::1"];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) out.push(normalizeAddress(a.address));
  }
  return out;
}

/** How long a wildcard listener's advertised address is reused before the interfaces are read again. */
const ADDRESS_REFRESH_MS = 1000;

// The address a wildcard listener advertises: the first non-internal IPv4 address.
function firstExternalIpv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}

// A port free for UDP and TCP on `address` a moment ago (for udp_port = tcp_port = 0).
async function sharedFreePort(address: string): Promise<number> {
  // The kernel hands out a free UDP port; the same number may still be taken for TCP by someone
  // else, so probe TCP too and try again with another port when it is.
  for (let attempt = 0; ; attempt++) {
    const port = await freeUdpPort(address);
    if (await tcpPortFree(port, address)) return port;
    if (attempt >= 9)
      throw new LinekeyError("SIP_ERR_TRANSPORT", `no port free for both UDP and TCP on ${address}`);
  }
}

async function freeUdpPort(address: string): Promise<number> {
  const udp = createSocket(isIP(address) === 6 ? "udp6" : "udp4");
  const port = await new Promise<number>((resolve, reject) => {
    udp.once("error", reject);
    udp.bind(0, address, () => {
      resolve(udp.address().port);
    });
  });
  await new Promise<void>((resolve) => {
    udp.close(() => {
      resolve();
    });
  });
  return port;
}

function tcpPortFree(port: number, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => {
      resolve(false);
    });
    s.listen(port, address, () => {
      s.close(() => {
        resolve(true);
      });
    });
  });
}

/** The SIP server. Create with {@link SipServer.start}; stop with {@link SipServer.close}. */
export class SipServer extends TypedEmitter<SipServerEvents> implements TransactionUser {
  /** The transaction layer (for modules that run their own transactions). */
  readonly transactions: TransactionLayer;
  readonly registrar: Registrar;
  /** Digest authentication; consulted only when `settings.auth` is on. */
  readonly auth: DigestAuthenticator;
  readonly proxy: StatefulProxy;
  readonly settings: SipSettings;
  private readonly transport: SipTransport;
  private readonly owned: SipTransportLayer | undefined;
  private readonly users: () => ReadonlyMap<string, SipUserConfig>;
  private readonly log: Logger;
  private readonly observers: ProxyObserver[] = [];
  private readonly localHandlers: LocalHandler[] = [];
  private readonly ackHandlers: AckHandler[] = [];
  private localTarget: ((req: SipRequest, tx: ServerTransaction) => boolean) | undefined;
  private listeningOn: BoundListener[];
  private localHosts = new Set<string>();
  private localPorts = new Set<number>();
  private lastLocalUri: string | undefined;
  private lastLocalAnswer = false;
  // Our Via per transport while its sent-by cannot change: a listener on a literal address
  // (set by computeLocal, which runs whenever the listeners change). Undefined for a wildcard
  // listener, whose advertised address follows the interfaces (see advertised).
  private udpVia: OwnVia | undefined;
  private tcpVia: OwnVia | undefined;
  // A wildcard listener's advertised address and when it was looked up (see advertised).
  private wildcardAddress: { readonly address: string; readonly at: number } | undefined;
  private closed = false;

  private constructor(
    opts: SipServerOptions,
    transport: SipTransport,
    owned: SipTransportLayer | undefined,
    listening: readonly BoundListener[],
  ) {
    const log = (opts.logger ?? silentLogger).child({ component: "sip" });
    super(log);
    this.log = log;
    this.settings = opts.settings;
    this.users = opts.users;
    this.transport = transport;
    this.owned = owned;
    this.listeningOn = [...listening];
    this.computeLocal();
    const s = opts.settings;
    this.transactions = new TransactionLayer({
      transport,
      user: this,
      timers: { T1: s.t1, T2: s.t2, T4: s.t4 },
      logger: log,
    });
    this.registrar = new Registrar({
      repo: opts.repo,
      settings: { minExpires: s.minExpires, maxExpires: s.maxExpires, defaultExpires: s.defaultExpires },
      ...(opts.clock === undefined ? {} : { clock: opts.clock }),
      logger: log,
    });
    this.auth = new DigestAuthenticator({
      realm: s.realm,
      algorithms: s.authAlgorithms,
      secretOf: (u) => this.users().get(u)?.secret,
      ...(opts.clock === undefined ? {} : { clock: opts.clock }),
    });
    this.proxy = new StatefulProxy({
      transactions: this.transactions,
      transport,
      sentBy: (t) => this.sentBy(t),
      isLocalUri: (u) => this.isLocalUri(u),
      lookup: (req) => this.lookup(req),
      noBinding: (req, tx) => this.noBinding(req, tx),
      observers: () => this.observers,
      ...(opts.timerC === undefined ? {} : { timerC: opts.timerC }),
      server: s.userAgent,
      logger: log,
    });
  }

  /**
   * Restores the registrations, then listens on UDP and TCP (`bindaddr`, `udp_port`,
   * `tcp_port`; both ports 0 → one free port for both) or uses the given transport.
   */
  static async start(opts: SipServerOptions): Promise<SipServer> {
    if (opts.transport !== undefined) {
      const server = new SipServer(opts, opts.transport.transport, undefined, opts.transport.listening);
      await server.registrar.start();
      return server;
    }
    const s = opts.settings;
    for (let attempt = 0; ; attempt++) {
      const shared = s.udpPort === 0 && s.tcpPort === 0 ? await sharedFreePort(s.bindaddr) : undefined;
      const layer = new SipTransportLayer({
        listen: [
          { transport: "udp", address: s.bindaddr, port: shared ?? s.udpPort },
          { transport: "tcp", address: s.bindaddr, port: shared ?? s.tcpPort },
        ],
        ...(opts.logger === undefined ? {} : { logger: opts.logger }),
      });
      const server = new SipServer(opts, layer, layer, []);
      try {
        await server.registrar.start();
        await layer.start();
      } catch (err) {
        await server.close();
        // Another process took the shared free port between the probe and the bind: try again.
        if (shared !== undefined && attempt < 4) continue;
        throw err;
      }
      server.listeningOn = layer.listeners;
      server.computeLocal();
      server.log.info("sip listening", {
        udp: `${hostText(s.bindaddr)}:${layer.localEndpoint("udp")?.port ?? "-"}`,
        tcp: `${hostText(s.bindaddr)}:${layer.localEndpoint("tcp")?.port ?? "-"}`,
        auth: s.auth,
      });
      return server;
    }
  }

  /** The bound listeners. */
  get listening(): readonly BoundListener[] {
    return this.listeningOn;
  }

  /** Whether requests from local users are challenged. */
  get authEnabled(): boolean {
    return this.settings.auth;
  }

  /** Adds a proxy observer (called in the order added). */
  addObserver(o: ProxyObserver): void {
    this.observers.push(o);
  }

  /** Removes a proxy observer. */
  removeObserver(o: ProxyObserver): void {
    const i = this.observers.indexOf(o);
    if (i >= 0) this.observers.splice(i, 1);
  }

  /**
   * Adds a handler for requests this server answers itself (after authentication): the first
   * whose `match` is true gets the request (the working copy, Route preprocessed) and must
   * answer through `tx`. Applies to in-dialog requests too (e.g. SUBSCRIBE refreshes).
   */
  addLocalHandler(
    match: (req: SipRequest) => boolean,
    handle: (req: SipRequest, tx: ServerTransaction) => void,
  ): void {
    this.localHandlers.push({ match, handle });
  }

  /** Adds a handler for ACKs of 2xx sent by a local handler (they have no transaction). */
  addAckHandler(
    match: (ack: SipRequest) => boolean,
    handle: (ack: SipRequest, received: ReceivedInfo) => void,
  ): void {
    this.ackHandlers.push({ match, handle });
  }

  /**
   * Sets the hook for requests to a local Request-URI with no registered contact (the B2BUA:
   * a local extension). Returning true means it took the transaction; false lets the proxy
   * answer 480 (a configured user) or 404.
   */
  setLocalTargetHandler(fn: ((req: SipRequest, tx: ServerTransaction) => boolean) | undefined): void {
    this.localTarget = fn;
  }

  /** True when a URI's host is one of our domains or addresses and its port absent or ours. */
  isLocalUri(uri: string): boolean {
    // One request asks about its Request-URI several times (validation, OPTIONS, handlers,
    // REGISTER, the proxy): the last answer is remembered.
    if (uri === this.lastLocalUri) return this.lastLocalAnswer;
    const answer = this.checkLocalUri(uri);
    this.lastLocalUri = uri;
    this.lastLocalAnswer = answer;
    return answer;
  }

  private checkLocalUri(uri: string): boolean {
    let parsed;
    try {
      parsed = parseUri(uri);
    } catch {
      return false;
    }
    if (parsed.type !== "sip") return false;
    if (!this.localHosts.has(normalizeAddress(parsed.host))) return false;
    return parsed.port === undefined || this.localPorts.has(parsed.port);
  }

  /** host:port this server writes in Via, Record-Route and Contact for a transport. */
  sentBy(transport: TransportProtocol): { host: string; port: number } {
    const l = this.listeningOn.find((x) => x.transport === transport) ?? this.listeningOn[0];
    if (l === undefined) return { host: "127.0.0.1", port: 5060 };
    return { host: hostText(this.advertised(l.address)), port: l.port };
  }

  /** Our Contact URI for a transport: `sip:HOST:PORT` (`;transport=tcp` over TCP). */
  localContact(transport: TransportProtocol): string {
    const { host, port } = this.sentBy(transport);
    return `sip:${host}:${port}${transport === "tcp" ? ";transport=tcp" : ""}`;
  }

  /**
   * Sends a request as a UAC (NOTIFY, B2BUA legs) in a client transaction. A top Via (our
   * address, new branch) and Max-Forwards are added when missing; without `target`, the next hop
   * is the first Route or the Request-URI. Resolves with the final response: the first one, a
   * 408 on timeout, a 503 when the request could not be sent (RFC 3261 §8.1.3.1).
   */
  sendRequest(req: SipRequest, target?: SipTarget, options: SendRequestOptions = {}): Promise<SipResponse> {
    const dest = this.prepareRequest(req, target);
    if (dest === undefined)
      return Promise.resolve(createResponse(req, 503, "Service Unavailable - no route"));
    return new Promise((resolve) => {
      this.startClient(req, dest, new FinalResponseUser(req, resolve, options.onResponse));
    });
  }

  /**
   * {@link sendRequest} without a promise, for senders of many requests (SCA NOTIFYs): the same
   * final response goes to `handler`, possibly before this call returns.
   */
  sendRequestTo(req: SipRequest, target: SipTarget | undefined, handler: FinalResponseHandler): void {
    const dest = this.prepareRequest(req, target);
    const user = new FinalResponseUser(req, handler, undefined);
    if (dest === undefined) user.fail(503, "Service Unavailable - no route");
    else this.startClient(req, dest, user);
  }

  /** Sends a message outside any transaction (the ACK of a 2xx, §13.2.2.4). */
  sendStateless(message: SipRequest | SipResponse, target: SipTarget): Promise<void> {
    return this.transport.send(message, target);
  }

  /** Stops listening, ends every transaction and timer. Bindings stay in the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.proxy.close();
    this.transactions.close();
    this.registrar.close();
    this.auth.close();
    this.removeAllListeners();
    await this.owned?.close();
  }

  // --- TransactionUser ---------------------------------------------------------------------

  /** @internal A new server transaction (TransactionUser). */
  onRequest(tx: ServerTransaction, context: NewServerTransactionContext): void {
    const received = context.received;
    const req = tx.request.clone();
    const ctx: ProxyContext = {
      source: { address: received.remote.address, port: received.remote.port, transport: received.transport },
    };
    if (req.method === "CANCEL") {
      this.onCancel(tx, req, context.cancels, received, ctx);
      return;
    }
    const toServer = (r: SipRequest): boolean => this.isLocalUri(r.uri) && !/^sips?:[^@]*@/i.test(r.uri);
    const bad = validateProxyRequest(req, toServer(req));
    if (bad !== undefined) {
      this.proxy.respondLocally(tx, req, bad.status, bad.reason, bad.headers ?? [], ctx);
      return;
    }
    preprocessRoute(req, (u) => this.isLocalUri(u));
    const routed = req.headers.has("Route");
    if (req.method === "OPTIONS" && !routed && toServer(req)) {
      this.answerOptions(tx);
      return;
    }
    const auth = this.authenticate(tx, req, routed, ctx);
    if (auth === false) return;
    for (const h of this.localHandlers) {
      let matched = false;
      try {
        matched = h.match(req);
      } catch (err) {
        this.log.error("local handler match failed", { err });
      }
      if (!matched) continue;
      try {
        h.handle(req, tx);
      } catch (err) {
        this.log.error("local handler failed", { err, method: req.method });
        if (tx.state === "trying" || tx.state === "proceeding") {
          this.proxy.respondLocally(tx, req, 500, "Server Internal Error", [], ctx);
        }
      }
      return;
    }
    if (req.method === "REGISTER" && !routed && this.isLocalUri(req.uri)) {
      this.register(tx, req, received, auth);
      return;
    }
    this.proxy.forward(tx, req, received);
  }

  /** @internal An ACK outside any transaction (TransactionUser). */
  onAck(ack: SipRequest, received: ReceivedInfo): void {
    preprocessRoute(ack, (u) => this.isLocalUri(u));
    for (const h of this.ackHandlers) {
      let matched = false;
      try {
        matched = h.match(ack);
        if (matched) h.handle(ack, received);
      } catch (err) {
        this.log.error("ACK handler failed", { err });
      }
      if (matched) return;
    }
    this.proxy.forwardAck(ack, received);
  }

  /** @internal A response matching no client transaction (TransactionUser). */
  onStrayResponse(response: SipResponse): void {
    this.proxy.forwardStrayResponse(response, (via) => this.isOwnVia(via.host, via.port));
  }

  // --- routing helpers ---------------------------------------------------------------------

  private prepareRequest(req: SipRequest, target: SipTarget | undefined): TransportTarget | undefined {
    const dest: TransportTarget | undefined = target ?? requestTarget(req);
    if (!req.headers.has("Via")) {
      const t = dest?.transport ?? "udp";
      const own = (t === "tcp" ? this.tcpVia : this.udpVia) ?? ownVia(t, this.sentBy(t));
      const branch = generateBranch();
      // The text from the kept prefix, not Via#toString: the same bytes for a fraction of the
      // garbage, on the path of every NOTIFY.
      req.prependVia(branchVia(own.transport, own.host, own.port, branch), own.prefix + branch);
    }
    if (!req.headers.has("Max-Forwards")) req.headers.append("Max-Forwards", "70");
    return dest;
  }

  private startClient(req: SipRequest, dest: TransportTarget, user: FinalResponseUser): void {
    try {
      this.transactions.sendRequest(req, dest, user);
    } catch (err) {
      this.log.debug("cannot send request", { err });
      user.fail(503, "Service Unavailable");
    }
  }

  private onCancel(
    tx: ServerTransaction,
    req: SipRequest,
    invite: InviteServerTransaction | undefined,
    received: ReceivedInfo,
    ctx: ProxyContext,
  ): void {
    if (invite !== undefined && this.proxy.cancel(tx, invite, req, received)) return;
    if (invite !== undefined) {
      // RFC 3261 §9.2: a UAS answers the CANCEL 200 and, if the INVITE has no final response
      // yet, the INVITE 487 (with the To tag of its provisional responses, if any).
      tx.reply(200, "OK", { headers: this.serverHeader() });
      if (invite.state === "proceeding") {
        const tag = tagOf(invite.lastResponse) ?? generateTag();
        invite.reply(487, "Request Terminated", { toTag: tag, headers: this.serverHeader() });
        this.emit("cancelled", invite);
      }
      return;
    }
    // No INVITE transaction to cancel: Kamailio's t_check_trans() drops such a CANCEL; a final
    // answer ends our CANCEL server transaction instead of leaving it open.
    this.proxy.respondLocally(tx, req, 481, "Call/Transaction Does Not Exist", [], ctx);
  }

  /**
   * RFC 3261 §22: challenges out-of-dialog requests from local users (From in one of our
   * domains; REGISTER always), and refuses to relay for others. Returns the authenticated user
   * (undefined when not needed) or false when it answered the request.
   */
  private authenticate(
    tx: ServerTransaction,
    req: SipRequest,
    routed: boolean,
    ctx: ProxyContext,
  ): string | undefined | false {
    if (!this.settings.auth || hasToTag(req) || NEVER_CHALLENGED.has(req.method)) return undefined;
    let fromUri: string;
    let fromUser: string | undefined;
    try {
      fromUri = req.from.uri;
      const parsed = parseUri(fromUri);
      fromUser = parsed.type === "sip" ? parsed.user : undefined;
    } catch {
      this.proxy.respondLocally(tx, req, 400, "Bad Request - malformed From", [], ctx);
      return false;
    }
    const fromLocal = this.isLocalHost(fromUri);
    if (req.method !== "REGISTER" && !fromLocal) {
      // Kamailio's sample: a request neither from nor to one of our domains is not relayed.
      if (routed || !this.isLocalUri(req.uri)) {
        this.proxy.respondLocally(tx, req, 403, "Relaying Forbidden", [], ctx);
        return false;
      }
      return undefined;
    }
    const r = this.auth.check(req);
    if (!r.ok) {
      this.proxy.respondLocally(tx, req, r.status, r.reason, r.headers, ctx);
      return false;
    }
    // RFC 3261 §22.3 / Kamailio auth_check(…, 1): the authenticated user must be the one in From.
    if (req.method !== "REGISTER" && fromUser !== r.username) {
      this.proxy.respondLocally(tx, req, 403, "Forbidden - From does not match credentials", [], ctx);
      return false;
    }
    // Credentials for our realm are used up here (Kamailio's consume_credentials): the next hop
    // has no use for them and should not see them.
    const kept = req.headers
      .lines("Proxy-Authorization")
      .filter((l) => parseDigestCredentials(l.value)?.realm !== this.auth.realm);
    if (kept.length !== req.headers.count("Proxy-Authorization")) {
      req.headers.delete("Proxy-Authorization");
      for (const l of kept) req.headers.append(l.name, l.value);
    }
    return r.username;
  }

  private register(
    tx: ServerTransaction,
    req: SipRequest,
    received: ReceivedInfo,
    authUser: string | undefined,
  ): void {
    // RFC 3261 §10.3 step 2: Require option tags the registrar does not know → 420.
    const unknown = req.headers
      .getAll("Require")
      .map((t) => t.trim())
      .filter((t) => t !== "" && t.toLowerCase() !== "path");
    if (unknown.length > 0) {
      tx.reply(420, "Bad Extension", {
        toTag: generateTag(),
        headers: [{ name: "Unsupported", value: unknown.join(", ") }, ...this.serverHeader()],
      });
      return;
    }
    this.registrar.register(req, received, authUser).then(
      (out) => {
        if (this.closed) return;
        try {
          tx.reply(out.status, out.reason, {
            toTag: generateTag(),
            headers: [...out.headers, ...this.serverHeader()],
          });
        } catch (err) {
          this.log.debug("REGISTER answer not sent", { err });
        }
      },
      (err: unknown) => {
        this.log.error("REGISTER failed", { err });
        if (this.closed) return;
        try {
          tx.reply(500, "Server Internal Error", { toTag: generateTag(), headers: this.serverHeader() });
        } catch {
          // The transaction is gone; nothing to answer.
        }
      },
    );
  }

  private answerOptions(tx: ServerTransaction): void {
    tx.reply(200, "OK", {
      toTag: generateTag(),
      headers: [
        { name: "Allow", value: ALLOW },
        { name: "Accept", value: "application/sdp" },
        ...this.serverHeader(),
      ],
    });
  }

  private lookup(req: SipRequest): ProxyTarget[] {
    let uri;
    try {
      uri = req.requestUri;
    } catch {
      return [];
    }
    if (uri.type !== "sip" || uri.user === undefined) return [];
    return this.registrar.lookup(uri).map((r) => ({ uri: r.uri, target: r.target, route: r.route }));
  }

  private noBinding(
    req: SipRequest,
    tx: ServerTransaction,
  ): { kind: "handled" } | { kind: "reject"; status: number; reason: string } {
    if (this.localTarget !== undefined) {
      try {
        if (this.localTarget(req, tx)) return { kind: "handled" };
      } catch (err) {
        this.log.error("local target handler failed", { err });
      }
    }
    let user: string | undefined;
    try {
      const u = req.requestUri;
      user = u.type === "sip" ? u.user : undefined;
    } catch {
      user = undefined;
    }
    // A configured user who is not registered is "temporarily unavailable"; anyone else is
    // unknown here (Kamailio's lookup() failure answers 404 Not Found).
    if (user !== undefined && this.users().has(user))
      return { kind: "reject", status: 480, reason: "Temporarily Unavailable" };
    return { kind: "reject", status: 404, reason: "Not Found" };
  }

  private serverHeader(): { name: string; value: string }[] {
    return [{ name: "Server", value: this.settings.userAgent }];
  }

  private isOwnVia(host: string, port: number | undefined): boolean {
    if (!this.localHosts.has(normalizeAddress(host))) return false;
    return this.localPorts.has(port ?? 5060);
  }

  // The host part alone (any port): From and To URIs of local users rarely carry our port.
  private isLocalHost(uri: string): boolean {
    try {
      const u = parseUri(uri);
      return u.type === "sip" && this.localHosts.has(normalizeAddress(u.host));
    } catch {
      return false;
    }
  }

  private advertised(address: string): string {
    if (!isWildcard(address)) return address;
    const ipDomain = this.settings.domains.find((d) => isIP(d) !== 0);
    if (ipDomain !== undefined) return ipDomain;
    // os.networkInterfaces() costs tens of µs and kilobytes per call, on the path of every
    // request Linekey sends (each NOTIFY): looked up at most once per ADDRESS_REFRESH_MS, so an
    // interface change still shows within that time.
    const now = performance.now();
    const cached = this.wildcardAddress;
    if (cached !== undefined && now - cached.at < ADDRESS_REFRESH_MS) return cached.address;
    const found = firstExternalIpv4() ?? "127.0.0.1";
    this.wildcardAddress = { address: found, at: now };
    return found;
  }

  private computeLocal(): void {
    const hosts = new Set<string>(this.settings.domains.map((d) => normalizeAddress(d)));
    const ports = new Set<number>();
    for (const l of this.listeningOn) {
      ports.add(l.port);
      if (isWildcard(l.address)) for (const a of machineAddresses()) hosts.add(a);
      else hosts.add(normalizeAddress(l.address));
      hosts.add(normalizeAddress(this.advertised(l.address)));
    }
    this.localHosts = hosts;
    this.localPorts = ports;
    this.lastLocalUri = undefined;
    this.udpVia = this.fixedVia("udp");
    this.tcpVia = this.fixedVia("tcp");
  }

  /** Our Via for `transport` when its sent-by is fixed (see udpVia), else undefined. */
  private fixedVia(transport: TransportProtocol): OwnVia | undefined {
    const l = this.listeningOn.find((x) => x.transport === transport) ?? this.listeningOn[0];
    if (l !== undefined && isWildcard(l.address)) return undefined;
    return ownVia(transport, this.sentBy(transport));
  }
}

function tagOf(res: SipResponse | undefined): string | undefined {
  if (res === undefined || res.status <= 100) return undefined;
  try {
    return res.to.tag;
  } catch {
    return undefined;
  }
}
