// The monitor's HTTPS API on `http_listen` (issue 17): the control port's listener (same
// certificate, key, CA, CRL, mutual TLS, admission limits, refusals and reload; ALPN http/1.1)
// hands each authenticated socket to a node:http server that never listens itself. The role of
// the client certificate decides as on the control port (viewer reads; control and monitor
// change), and changes run through the control port's runCommand: same transitions, same texts.
import * as http from 'node:http';
import type * as net from 'node:net';
import {
  type Listener,
  type PeerInfo,
  type TlsMaterial,
  LogLimiter,
  MONITOR_COMMAND_MATRIX,
  clipInput,
  createListener,
  encodeHistoryJson,
  errorMessage,
  isAllowed,
  noRoleReason,
} from '@mmm/common';
import { notAuthorizedText } from '../commands';
import type { ControlServerOptions } from '../control/control-server';
import { runCommand } from '../control/run-command';
import { parseHistoryParams } from '../persistence/history';
import { commandOf, statusOfReply } from './commands';
import { type LeaderCheck, singleMonitor } from './leader';
import { type MetricsRegistry, builtinRegistry } from './metrics';
import { PAGE_CSP, STATUS_PAGE_HTML } from './page';
import { type Route, commandKindOf, matchRoute } from './routes';

/** Request bodies are small JSON objects: anything bigger is refused (413) unread. */
export const MAX_BODY_BYTES = 16 * 1024;
/** The request head (line and headers). */
export const MAX_HEADER_BYTES = 16 * 1024;

export interface HttpTimeouts {
  /** From connection (or the previous response) to a complete request head: slow clients are cut (408). */
  headersMs: number;
  /** To receive the whole request, body included. */
  requestMs: number;
  /** An idle kept-alive connection is closed after this. */
  keepAliveMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5_000 };

/** The control port's options (same listener, material and command path), plus the HTTP parts. */
export interface HttpServerOptions extends ControlServerOptions {
  /** GET /metrics; default: only `mmm_up 1` (the metrics part passes prom-client's registry). */
  metrics?: MetricsRegistry;
  /** GET /api/v1/leader; default: a single monitor (always the leader). */
  leader?: LeaderCheck;
  timeouts?: Partial<HttpTimeouts>;
  /** Passed to the listener (tests). */
  handshakeTimeoutMs?: number;
}

export interface HttpServer {
  readonly listener: Listener;
  readonly host: string;
  readonly port: number;
  reload(material?: TlsMaterial): Promise<void>;
  close(): Promise<void>;
}

const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};
/** JSON and text answers are never rendered as a page. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The JSON body of a change request, bounded; undefined when there is none. */
function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
    return Promise.reject(new HttpFailure(415, `the body must be application/json, not ${type}`));
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return Promise.reject(new HttpFailure(413, `the body may hold at most ${MAX_BODY_BYTES} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpFailure(413, `the body may hold at most ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', (e) => reject(new HttpFailure(400, `the body could not be read: ${errorMessage(e)}`)));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (e) {
        reject(new HttpFailure(400, `the body is not valid JSON: ${errorMessage(e)}`));
      }
    });
  });
}

export async function startHttpServer(o: HttpServerOptions): Promise<HttpServer> {
  const logger = o.logger.child({ part: 'http' });
  const refusals = new LogLimiter(logger);
  const metrics = o.metrics ?? builtinRegistry;
  const leader = o.leader ?? singleMonitor;
  const t = { ...DEFAULT_HTTP_TIMEOUTS, ...o.timeouts };
  const peers = new WeakMap<net.Socket, PeerInfo>();
  const run = { logger, target: o.target, mutex: o.mutex, refusals };

  const server = http.createServer(
    { maxHeaderSize: MAX_HEADER_BYTES, headersTimeout: t.headersMs, requestTimeout: t.requestMs, keepAliveTimeout: t.keepAliveMs, connectionsCheckingInterval: Math.min(1000, t.headersMs) },
    (req, res) => {
      handle(req, res).catch((e: unknown) => {
        logger.error(`HTTP ${req.method} ${clipInput(req.url ?? '')} failed: ${errorMessage(e)}`);
        if (!res.headersSent) send(res, 500, { ok: false, message: `internal error: ${errorMessage(e)}` });
        else res.destroy();
      });
    },
  );
  // node:http sets up its header and request timeouts on 'listening'; this server never listens
  // (the mmm listener owns the port and hands it sockets), so it is told here. Malformed requests,
  // heads over MAX_HEADER_BYTES and slow ones get node's own 400, 431 and 408, then a close.
  server.emit('listening');
  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
    res.writeHead(status, {
      ...COMMON_HEADERS,
      'Content-Security-Policy': API_CSP,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const peer = peers.get(req.socket);
    if (!peer) {
      res.destroy(); // not a socket the listener authenticated: cannot happen, never answer it
      return;
    }
    const method = req.method ?? 'GET';
    const raw = req.url ?? '/';
    if (!raw.startsWith('/')) return send(res, 400, { ok: false, message: 'the request target must be a path' });
    const url = new URL(raw, 'https://mmm.invalid');
    const m = matchRoute(method, url.pathname);
    if (m.kind === 'error') return send(res, m.status, { ok: false, message: m.message }, m.allow ? { Allow: m.allow.join(', ') } : {});
    if (m.kind === 'options') {
      res.writeHead(204, { ...COMMON_HEADERS, Allow: m.allow.join(', ') });
      res.end();
      return;
    }
    const route = m.route;
    // The control port's rule for the command behind the route: every known role reads, only
    // control and monitor change; a certificate with no rights (role null) may do nothing.
    const kind = commandKindOf(route);
    if (!isAllowed(peer.role, kind, MONITOR_COMMAND_MATRIX)) {
      const noRights = peer.role === null ? noRoleReason(peer) : undefined;
      const why = noRights !== undefined ? `the certificate has no rights: ${noRights}` : `${method} ${url.pathname} (${kind}) needs the control or monitor role`;
      refusals.warn('http request refused', `http request refused: ${why}`, { peer: peer.address, cn: peer.cn, role: String(peer.role) });
      return send(res, 403, { ok: false, message: notAuthorizedText(kind, peer.role, noRights) });
    }
    switch (route.name) {
      case 'page':
        return send(res, 200, STATUS_PAGE_HTML, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': PAGE_CSP });
      case 'cluster': {
        const a = await runCommand(run, peer, { kind: 'status_json' }, 'GET /api/v1/cluster', 'http');
        if (!a.reply.startsWith('{')) return send(res, 503, { ok: false, message: a.reply });
        return send(res, 200, `${a.reply}\n`);
      }
      case 'history': {
        const q = parseHistoryParams(url.searchParams);
        if (!q.ok) return send(res, 400, { ok: false, message: q.error });
        return send(res, 200, `${encodeHistoryJson(await o.target.history(q.query))}\n`);
      }
      case 'leader': {
        const l = await leader();
        return send(res, l.leader ? 200 : 503, l);
      }
      case 'metrics': {
        const text = await metrics.metrics();
        return send(res, 200, text, { 'Content-Type': metrics.contentType });
      }
      default:
        return change(req, res, peer, route, method, url.pathname);
    }
  }

  async function change(req: http.IncomingMessage, res: http.ServerResponse, peer: PeerInfo, route: Route, method: string, path: string): Promise<void> {
    let body: unknown;
    try {
      body = await readJsonBody(req);
    } catch (e) {
      if (e instanceof HttpFailure) return send(res, e.status, { ok: false, message: e.message }, e.status === 413 ? { Connection: 'close' } : {});
      throw e;
    }
    const c = commandOf(route, body);
    if (!c.ok) return send(res, 400, { ok: false, message: c.message });
    const a = await runCommand(run, peer, c.command, `${method} ${path} ${body === undefined ? '' : JSON.stringify(body)}`.trim(), 'http');
    const status = a.refused ? 403 : statusOfReply(c.command, a.reply);
    return send(res, status, { ok: status === 200, message: a.reply, command: c.command.kind });
  }

  const listener = await createListener({
    host: o.host,
    port: o.port,
    socket: o.config.socket,
    material: o.material,
    logger,
    alpn: ['http/1.1'],
    ...(o.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: o.handshakeTimeoutMs } : {}),
    ...(o.bindRetryMs !== undefined ? { bindRetryMs: o.bindRetryMs } : {}),
    onSocket: (socket, peer) => {
      peers.set(socket, peer);
      server.emit('connection', socket);
    },
  });
  return {
    listener,
    host: listener.host,
    port: listener.port,
    reload: (m) => listener.reload(m),
    async close() {
      await listener.close();
      server.close(); // stops its timeout checks; it holds no port
      refusals.close();
    },
  };
}
