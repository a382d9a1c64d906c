// One kept mutual-TLS connection per agent. Requests on it are serialized (one line out, one
// line back); any failure drops the connection and the next request reconnects, so an agent that
// closes after every reply (MMM style) works too. Every request is bounded.
import {
  type AgentReply,
  type AgentRequest,
  type CertDescription,
  type ClientConnection,
  type HostConfig,
  type Logger,
  type SocketConfig,
  type TlsMaterial,
  MmmError,
  TERM_GATED,
  connect,
  decodeAgentReply,
  encodeAgentRequest,
  errorMessage,
} from '@mmm/common';

export class AgentRequestError extends MmmError {}

export interface AgentClientOptions {
  host: HostConfig;
  socket: SocketConfig;
  /** Current TLS material (changes on SIGHUP; used for new connections). */
  material: () => TlsMaterial | undefined;
  logger: Logger;
  /** Bound for TCP connect + TLS handshake (default 2000 ms). */
  connectTimeoutMs?: number;
  /** Injected for tests. */
  connectFn?: typeof connect;
  warned?: Set<string>;
  /** Called with the agent's certificate on every new connection (undefined: plain). */
  onPeerCert?: (cert: CertDescription | undefined) => void;
  /** Sent first on every new connection when it returns a request (monitor HA: SET_TERM); an ERROR reply drops the connection. */
  preamble?: () => AgentRequest | undefined;
  /** The agent answered the preamble with ERROR (the request fails with COMMAND_REJECTED). */
  onPreambleRefused?: (req: AgentRequest, reply: AgentReply) => void;
  /**
   * Monitor HA: may this monitor still change the cluster? Asked just before a state-changing
   * request leaves (it may have waited in the queue while leadership was lost): false fails it
   * with NOT_AUTHORIZED, nothing sent.
   */
  mayChange?: () => boolean;
}

export const NOT_LEADING = 'not sent: this monitor no longer leads (monitor HA)';

/** Monitor HA: is `req` a state change this monitor may not send now? */
export function withheld(req: AgentRequest, mayChange: (() => boolean) | undefined): boolean {
  return !!mayChange && TERM_GATED.has(req.kind) && !mayChange();
}

export class AgentClient {
  private conn?: ClientConnection;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  readonly name: string;

  constructor(private readonly o: AgentClientOptions) {
    this.name = o.host.name;
  }

  /** Sends one request; resolves with the decoded reply (OK or ERROR), rejects when there is none within `timeoutMs`. */
  request(req: AgentRequest, timeoutMs: number): Promise<AgentReply> {
    const run = this.queue.then(
      () => this.send(req, timeoutMs),
      () => this.send(req, timeoutMs),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async send(req: AgentRequest, timeoutMs: number): Promise<AgentReply> {
    if (this.closed) throw new AgentRequestError('CONNECT_FAILED', `agent client for ${this.name} is closed`);
    const deadline = Date.now() + timeoutMs;
    const line = encodeAgentRequest(req);
    for (let attempt = 0; ; attempt++) {
      // close() ends a request in flight by destroying its socket: that is no cue to reconnect
      if (this.closed) throw new AgentRequestError('CONNECT_FAILED', `agent client for ${this.name} is closed`);
      const fresh = !this.conn || this.conn.closed;
      const conn = await this.connection(Math.min(this.o.connectTimeoutMs ?? 2000, Math.max(1, deadline - Date.now())));
      if (withheld(req, this.o.mayChange)) throw new AgentRequestError('NOT_AUTHORIZED', NOT_LEADING);
      try {
        const reply = await conn.request(line, Math.max(1, deadline - Date.now()));
        return decodeAgentReply(reply);
      } catch (e) {
        this.drop();
        // a kept connection the agent closed meanwhile is not news about the agent: retry once
        const code = (e as MmmError).code;
        if (!fresh && attempt === 0 && code !== 'TIMEOUT' && Date.now() < deadline) continue;
        throw e;
      }
    }
  }

  private async connection(timeoutMs: number): Promise<ClientConnection> {
    if (this.conn && !this.conn.closed) return this.conn;
    this.drop();
    const h = this.o.host;
    try {
      this.conn = await (this.o.connectFn ?? connect)({
        host: h.ip,
        port: h.agentPort,
        socket: this.o.socket,
        expectedName: h.ip,
        expectedRole: 'agent',
        material: this.o.material(),
        timeoutMs,
        logger: this.o.logger,
        warned: this.o.warned,
      });
    } catch (e) {
      throw e instanceof MmmError ? e : new AgentRequestError('CONNECT_FAILED', `${h.name}: ${errorMessage(e)}`, { cause: e });
    }
    if (this.closed) {
      this.drop(); // closed while connecting
      throw new AgentRequestError('CONNECT_FAILED', `agent client for ${h.name} is closed`);
    }
    this.o.onPeerCert?.(this.conn.peer.cert);
    const pre = this.o.preamble?.();
    if (pre) {
      let r: AgentReply;
      try {
        r = decodeAgentReply(await this.conn.request(encodeAgentRequest(pre), timeoutMs));
      } catch (e) {
        this.drop();
        throw e instanceof MmmError ? e : new AgentRequestError('CONNECT_FAILED', `${h.name}: ${errorMessage(e)}`, { cause: e });
      }
      if (!r.ok) {
        this.drop();
        this.o.onPreambleRefused?.(pre, r);
        throw new AgentRequestError('COMMAND_REJECTED', `${h.name} refused ${pre.kind}: ${r.message}`);
      }
    }
    if (!this.conn) throw new AgentRequestError('CONNECT_FAILED', `agent client for ${h.name} is closed`);
    return this.conn;
  }

  private drop(): void {
    this.conn?.destroy();
    this.conn = undefined;
  }

  /** Drops the kept connection (new TLS material applies to the next one). */
  reset(): void {
    this.drop();
  }

  close(): void {
    this.closed = true;
    this.drop();
  }
}
