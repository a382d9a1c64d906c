// The agent's load-balancer health endpoints (lb-checks.ts decides): on `health_listen` over
// HTTPS through the same listener as the agent protocol (common createListener: the agent's
// certificate, key, CA and CRL, a client certificate signed by the CA required, the same
// admission limits, handshake bound and SIGHUP reload), and on `health_http_listen` in plain HTTP.
// Answers come from memory and the health watch's last observation: never a wait on the agent's lock.
import * as http from 'node:http';
import type { Socket } from 'node:net';
import {
  type ListenAddress, type Listener, type Logger, type PeerInfo, type SocketConfig, type TlsMaterial, createListener, errorMessage, noRoleReason,
} from '@mmm/common';
import { type LbInputs, LB_METHODS, decideLbCheck, routeLbRequest } from './lb-checks';

export interface LbServerOptions {
  /** health_listen: HTTPS with mutual TLS. */
  https?: ListenAddress;
  /** health_http_listen: plain HTTP. */
  http?: ListenAddress;
  socket: SocketConfig;
  material?: TlsMaterial;
  logger: Logger;
  /** What the agent knows now (lb-inputs.ts); bounded by its maker. */
  inputs(): Promise<LbInputs>;
  bindRetryMs?: number;
  /** A connection idle this long is closed (5 s): a load balancer checks with a new one each time. */
  idleMs?: number;
  /** No connection lives longer (60 s), so a client dripping bytes cannot hold one. */
  lifetimeMs?: number;
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

/** The answer with its body for GET, without one for HEAD and OPTIONS (same status, same length for HEAD). */
function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  const bodyless = req.method === 'OPTIONS';
  res.writeHead(status, { ...JSON_HEADERS, ...extra, 'content-length': bodyless ? '0' : String(Buffer.byteLength(text)) });
  res.end(bodyless || req.method === 'HEAD' ? undefined : text);
}

export class LbHealthServer {
  private readonly listeners: Listener[] = [];
  private readonly peers = new WeakMap<Socket, PeerInfo>();
  private readonly server: http.Server;

  constructor(private readonly o: LbServerOptions) {
    this.server = http.createServer({ maxHeaderSize: 8192 }, (req, res) => void this.answer(req, res));
    this.server.timeout = o.idleMs ?? 5_000;
    this.server.keepAliveTimeout = o.idleMs ?? 5_000;
    this.server.maxRequestsPerSocket = 1000;
    this.server.on('clientError', (_e, s: Socket) => s.destroy());
  }

  /** "ip:port" of each listener, HTTPS first. */
  get addresses(): string[] {
    return this.listeners.map((l) => `${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`);
  }

  async start(): Promise<void> {
    const { o } = this;
    const logger = o.logger.child({ part: 'health' });
    const common = { socket: o.socket, logger, alpn: ['http/1.1'], onSocket: (s: Socket, p: PeerInfo) => this.accept(s, p), ...(o.bindRetryMs !== undefined ? { bindRetryMs: o.bindRetryMs } : {}) };
    try {
      if (o.https) {
        if (o.socket.type !== 'ssl') throw new Error('health_listen needs socket_type ssl (HTTPS with the agent\'s certificate); use health_http_listen for plain HTTP');
        this.listeners.push(await createListener({ ...common, host: o.https.ip, port: o.https.port, ...(o.material ? { material: o.material } : {}) }));
      }
      if (o.http) this.listeners.push(await createListener({ ...common, host: o.http.ip, port: o.http.port, plain: true }));
    } catch (e) {
      await this.close();
      throw e;
    }
    if (this.listeners.length) logger.info(`health endpoints (/writer, /reader, /health) on ${this.addresses.join(', ')}`);
  }

  /** SIGHUP: the HTTPS listener re-reads the agent's certificate, key, CA and CRL. */
  async reload(): Promise<void> {
    if (this.o.https) await this.listeners[0]?.reload();
  }

  async close(): Promise<void> {
    await Promise.all(this.listeners.splice(0).map((l) => l.close()));
  }

  private accept(s: Socket, peer: PeerInfo): void {
    this.peers.set(s, peer);
    const cap = setTimeout(() => s.destroy(), this.o.lifetimeMs ?? 60_000);
    cap.unref();
    s.once('close', () => clearTimeout(cap));
    this.server.emit('connection', s);
    // A plain socket comes paused with its first bytes put back (the listener looked at them).
    if (s.isPaused()) s.resume();
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const peer = this.peers.get(req.socket);
    // Any role may read; a certificate with no rights at all (peer_role rules, none matching) may not.
    if (peer && peer.role === null) return send(req, res, 403, { error: `this certificate has no rights (${noRoleReason(peer)})` });
    const route = routeLbRequest(req.method, req.url);
    if (route.kind === 'error') return send(req, res, route.status, { error: route.message }, route.status === 405 ? { allow: LB_METHODS.join(', ') } : {});
    try {
      const a = decideLbCheck(route.request, await this.o.inputs());
      send(req, res, a.status, a.body);
    } catch (e) {
      send(req, res, 503, { error: `health unknown: ${errorMessage(e)}` });
    }
  }
}
