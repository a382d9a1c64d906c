// The daemon listener (DESIGN §4): one TCP port; the first byte decides TLS (0x16) or plain.
// TLS sockets go to a non-listening tls.Server that requires a client certificate from ca_file.
// Which sockets are kept (unauthenticated and established pools, eviction, the one summary line)
// is listener-gate.ts over admission.ts.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { randomBytes, type X509Certificate } from 'node:crypto';
import type { SocketConfig } from '../config/types';
import type { Logger } from '../logger';
import { MmmError, TlsError, errorMessage } from '../errors';
import { PeerConnection } from './connection';
import { ALPN, loadTlsMaterial, secureContextOptions, validateTlsMaterial, type TlsMaterial } from './material';
import { type PeerInfo, peerFromCert, plainPeer, remoteAddress, warnPeerExpiry } from './peer';
import { expiryWarnings } from '../tls/expiry';
import type { AdmissionLimits } from './admission';
import { ListenerGate } from './listener-gate';
import { LogLimiter } from '../log-limit';
import { captureClientCerts } from './peer-capture';
import { describeRefusal } from './refusal-reason';

const TLS_HANDSHAKE_RECORD = 0x16;

export interface ListenerOptions {
  host: string;
  port: number; // 0 = ephemeral
  socket: SocketConfig;
  /** PEM material; read from the socket block's files when absent. */
  material?: TlsMaterial;
  logger: Logger;
  /** Unauthenticated per source (16) and in all (128), their grace (250 ms); established connections (256). */
  limits?: Partial<AdmissionLimits>;
  /** Bound for the first byte plus the TLS handshake; a silent client is closed at it. */
  handshakeTimeoutMs?: number; // 3000
  /** At most one "listener limits:" summary line per this many ms (10000). */
  pressureWindowMs?: number;
  /** Idle bound after the handshake; 0 = none. */
  idleTimeoutMs?: number; // 300000
  maxLineBytes?: number;
  /**
   * How long to keep retrying (every second) while the address is in use (EADDRINUSE: a previous
   * instance still closing, a restart racing the old process); 0 = fail at once.
   */
  bindRetryMs?: number;
  /** ALPN protocols the TLS server accepts (default `mmm/1`; the monitor's HTTPS API: `http/1.1`). */
  alpnProtocols?: string[];
  /** Called once per accepted connection (TLS authenticated, or plain when allowed); one of the two is required. */
  onConnection?(conn: PeerConnection): void | Promise<void>;
  /**
   * Instead of onConnection: the socket itself with its peer, for an HTTP server on top (which
   * then owns the idle timeout and the framing).
   */
  onSocket?(socket: net.Socket, peer: PeerInfo): void;
}

export interface Listener {
  readonly host: string;
  readonly port: number;
  /** Open sockets (raw and TLS), including ones still in the handshake. */
  readonly connectionCount: number;
  /** Sockets whose TLS handshake (or first plain byte) has not come yet. */
  readonly unauthenticatedCount: number;
  /**
   * Validates new material (from the files when absent) and swaps it in for new connections.
   * On any problem the old context stays and a TlsError(TLS_MATERIAL) is thrown.
   */
  reload(material?: TlsMaterial): Promise<void>;
  /** Stops accepting and destroys every open connection. */
  close(): Promise<void>;
}

function listenOnce(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** listen(), retried every second while the address is in use, for at most `retryMs` (logged once). */
async function bindWithRetry(server: net.Server, host: string, port: number, retryMs: number, logger: Logger): Promise<void> {
  const start = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      await listenOnce(server, port, host);
      if (attempt > 0) logger.info(`${host}:${port} is free again: bound after ${((Date.now() - start) / 1000).toFixed(1)} s`);
      return;
    } catch (e) {
      const inUse = (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!inUse || Date.now() - start >= retryMs) throw e;
      if (attempt === 0) logger.warn(`${host}:${port} is in use (another process, or a previous instance still closing): retrying every 1 s for up to ${Math.round(retryMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Own and CA certificates close to expiry (or expired): logged at start and on every reload. */
function warnExpiry(m: TlsMaterial, days: number, logger: Logger): void {
  for (const w of expiryWarnings({ own: m.cert, ca: m.ca }, days)) logger.warn(w.message, { kind: w.kind });
}

export async function createListener(opts: ListenerOptions): Promise<Listener> {
  const { socket: cfg, logger } = opts;
  const onConnection = opts.onConnection;
  if (!onConnection === !opts.onSocket) throw new MmmError('USAGE', 'createListener needs exactly one of onConnection and onSocket');
  const useTls = cfg.type === 'ssl';
  const handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 3_000;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 300_000;
  const gate = new ListenerGate({ logger, limits: opts.limits, handshakeTimeoutMs, pressureWindowMs: opts.pressureWindowMs });
  const sockets = new Set<net.Socket>(); // raw and TLS sockets, destroyed on close()
  // Per raw socket: its handshake deadline, address and source (a failed TLS socket lost them).
  const pending = new WeakMap<net.Socket, { deadline: NodeJS.Timeout; address: string; source: string }>();
  const timers = new Set<NodeJS.Timeout>();
  const seenExpiring = new Set<string>();
  // Refused clients decide how often we would log: per kind, a budget and then a summary.
  const refusals = new LogLimiter(logger);
  let certOf: ((s: tls.TLSSocket) => X509Certificate | undefined) | undefined;

  let tlsServer: tls.Server | undefined;
  if (useTls) {
    const material = opts.material ?? (await loadTlsMaterial(cfg));
    validateTlsMaterial(material, cfg);
    warnExpiry(material, cfg.certExpiryWarnDays, logger);
    tlsServer = tls.createServer({
      ...secureContextOptions(material, cfg),
      requestCert: true,
      rejectUnauthorized: true,
      handshakeTimeout: handshakeTimeoutMs, // backstop; our own deadline fires first
      ALPNProtocols: opts.alpnProtocols ?? ALPN,
    });
    certOf = captureClientCerts(tlsServer);
    if (cfg.peerRoles.length === 0) {
      logger.warn(
        'no peer_role configured: every certificate signed by ca_file may run every command ' +
          '(unless it carries a urn:mmm:role SAN)',
      );
    }
    if (cfg.tlsListen === 'both') logger.warn('tls_listen both: plain connections are accepted too (migration mode)');
  } else {
    logger.warn('socket_type plain: connections are neither encrypted nor authenticated');
  }

  const connOpts = { idleTimeoutMs, maxLineBytes: opts.maxLineBytes };
  const dispatch = (s: net.Socket, peer: PeerInfo): void => {
    if (opts.onSocket) {
      try {
        opts.onSocket(s, peer);
      } catch (e) {
        logger.error(`connection handler failed: ${errorMessage(e)}`, { peer: peer.address });
        s.destroy();
      }
      return;
    }
    const conn = new PeerConnection(s, peer, connOpts);
    Promise.resolve()
      .then(() => onConnection!(conn))
      .catch((e: unknown) => {
        logger.error(`connection handler failed: ${errorMessage(e)}`, { peer: conn.peer.address });
        conn.destroy();
      });
  };
  // Node keeps the wrapped socket in the undocumented `_parent`; fall back to the TLS socket.
  const rawOf = (s: tls.TLSSocket): net.Socket => (s as unknown as { _parent?: net.Socket })._parent ?? s;
  const settle = (s: tls.TLSSocket): string => {
    const p = pending.get(rawOf(s));
    if (p) {
      clearTimeout(p.deadline);
      timers.delete(p.deadline);
    }
    return p?.address ?? remoteAddress(s);
  };

  tlsServer?.on('tlsClientError', (err: NodeJS.ErrnoException, s: tls.TLSSocket) => {
    // The useful reason (CERT_HAS_EXPIRED…) is in authorizationError; err.code is often ECONNRESET.
    const address = settle(s);
    const verifyCode = s.authorizationError as unknown as string | undefined;
    const r = describeRefusal({ verifyCode, errorCode: err.code, errorMessage: err.message, cert: certOf?.(s) });
    refusals.warn(`TLS handshake refused: ${r.code}`, `TLS handshake refused: ${r.code}: ${r.reason}`, { peer: address });
    s.destroy(); // Node leaves the TCP socket open after some handshake failures
  });
  tlsServer?.on('secureConnection', (s: tls.TLSSocket) => {
    const address = settle(s);
    const x = s.getPeerX509Certificate();
    if (!s.authorized || !x) {
      refusals.warn('TLS peer not authorized', `TLS peer not authorized: ${String(s.authorizationError ?? 'no certificate')}`, { peer: address });
      s.destroy();
      return;
    }
    // OpenSSL accepts a trusted CA certificate as a client's leaf; a peer identity must be a leaf.
    if (x.ca) {
      refusals.warn('TLS peer refused: CA certificate', 'TLS peer refused: a CA certificate presented as a client certificate', { peer: address, subject: x.subject });
      s.destroy();
      return;
    }
    const raw = rawOf(s);
    if (!gate.establish(raw, pending.get(raw)?.source ?? '?')) {
      s.destroy();
      return;
    }
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => {}); // PeerConnection records errors; this only prevents a crash before it attaches
    const peer = peerFromCert(x, cfg.peerRoles, address);
    logger.debug('TLS connection accepted', { peer: address, cn: peer.cn, role: peer.role, fp: peer.fingerprint256 });
    warnPeerExpiry(peer, cfg.certExpiryWarnDays, logger, seenExpiring);
    dispatch(s, peer);
  });

  const server = net.createServer({ pauseOnConnect: false }, (raw) => {
    sockets.add(raw);
    const address = remoteAddress(raw);
    const source = gate.arrive(raw);
    raw.on('error', (e: NodeJS.ErrnoException) => logger.debug(`socket error: ${e.code ?? e.message}`, { peer: address }));
    const deadline = setTimeout(() => {
      gate.timedOut(source);
      raw.destroy();
    }, handshakeTimeoutMs);
    timers.add(deadline);
    pending.set(raw, { deadline, address, source });
    raw.once('close', () => {
      sockets.delete(raw);
      gate.release(raw);
      clearTimeout(deadline);
      timers.delete(deadline);
    });
    raw.once('data', (chunk: Buffer) => {
      gate.spoke(raw);
      raw.pause();
      raw.unshift(chunk);
      const isTls = chunk[0] === TLS_HANDSHAKE_RECORD;
      if (isTls && tlsServer) {
        tlsServer.emit('connection', raw);
        return;
      }
      clearTimeout(deadline);
      timers.delete(deadline);
      if (isTls) {
        // A plain listener closes TLS at once, so a relaxed client falls back quickly.
        logger.warn('TLS handshake on a plain listener: closed', { peer: address });
        raw.destroy();
      } else if (useTls && cfg.tlsListen !== 'both') {
        logger.warn('plain bytes on a TLS port: closed without reply', { peer: address });
        raw.destroy();
      } else if (gate.establish(raw, source)) {
        dispatch(raw, plainPeer(address));
      } else {
        raw.destroy();
      }
    });
  });
  server.maxConnections = gate.socketCap;
  server.on('drop', (d?: { remoteAddress?: string }) => gate.dropped(d?.remoteAddress));

  await bindWithRetry(server, opts.host, opts.port, opts.bindRetryMs ?? 0, logger);
  server.on('error', (e) => logger.error(`listener error: ${errorMessage(e)}`));
  const port = (server.address() as net.AddressInfo).port;
  logger.info(`listening on ${opts.host}:${port} (${useTls ? `TLS${cfg.tlsListen === 'both' ? '+plain' : ''}` : 'plain'})`);

  return {
    host: opts.host,
    port,
    get connectionCount() {
      return sockets.size;
    },
    get unauthenticatedCount() {
      return gate.admission.unauthenticatedCount;
    },
    async reload(material?: TlsMaterial): Promise<void> {
      if (!tlsServer) throw new TlsError('TLS_MATERIAL', 'socket_type plain: nothing to reload');
      try {
        const m = material ?? (await loadTlsMaterial(cfg));
        validateTlsMaterial(m, cfg);
        warnExpiry(m, cfg.certExpiryWarnDays, logger);
        tlsServer.setSecureContext(secureContextOptions(m, cfg));
        // New ticket keys: no resumption with the old context, so CRL/CA changes apply at once.
        tlsServer.setTicketKeys(randomBytes(48));
      } catch (e) {
        const err = e instanceof TlsError ? e : new TlsError('TLS_MATERIAL', errorMessage(e), { cause: e });
        logger.error(`TLS reload refused, keeping the previous certificates: ${err.message}`);
        throw err;
      }
      logger.info('TLS material reloaded');
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        for (const t of timers) clearTimeout(t);
        timers.clear();
        gate.close();
        refusals.close();
      });
    },
  };
}
