// Outgoing connections (monitor -> agent, mmm_control -> monitor), DESIGN §4.
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { SocketConfig } from '../config/types';
import type { Logger } from '../logger';
import { ConnectError, TlsError, errorMessage } from '../errors';
import { ClientConnection } from './client-connection';
import { ALPN, TLS_CIPHERS, crlOption, loadTlsMaterial, type TlsMaterial } from './material';
import { type PeerInfo, peerFromCert, plainPeer, remoteAddress, warnPeerExpiry } from './peer';
import { IDENTITY_MISMATCH, checkServerIdentity } from './server-identity';
import { checkServerRole } from './server-role';
import type { PeerRole } from '../model/peer-role';

export interface ConnectOptions {
  host: string;
  port: number;
  socket: SocketConfig;
  /** The configured host ip or name the server certificate must carry (default: host). */
  expectedName?: string;
  /** The role the server must have (verify_mode 1): mmm_control wants monitor, the monitor agent. */
  expectedRole?: PeerRole;
  /** PEM material; read from the socket block's files when absent. */
  material?: TlsMaterial;
  /** Bound for TCP connect + handshake, and the default per-request bound. */
  timeoutMs?: number; // 10000
  logger: Logger;
  maxLineBytes?: number;
  idleTimeoutMs?: number; // 0 = none
  /** Peers already warned about (verify_mode 0, relaxed fallback, expiry); default: process-wide. */
  warned?: Set<string>;
  /** A session of an earlier connection to the same server (ClientConnection.resumption()). */
  resume?: TlsResumption;
}

/**
 * What resuming a TLS session needs: the server's ticket, and the peer as verified on the
 * connection that got it. A resumed handshake proves it is the same server (only it can open the
 * ticket) but carries no certificate on the client side (Node skips checkServerIdentity and
 * returns no peer certificate), so the identity and role checks of that first connection stand
 * for it; a resumption made for another name or role is not used. Kept in memory only: on disk a
 * ticket would let whoever reads it resume as us.
 */
export interface TlsResumption {
  session: Buffer;
  peer: PeerInfo;
  expectedName: string;
  expectedRole?: PeerRole;
}

const processWarned = new Set<string>();

/**
 * One client SecureContext per material (and minimum version), shared by every connection made
 * with it: tls.connect with cert/key/ca builds a new one each time, ~2 ms of CPU and ~60 KB of
 * memory (the monitor keeps one connection per agent: 200 agents, 200 copies of the same
 * certificates). New material (a reload) is a new object, so it gets a new context.
 */
const clientContexts = new WeakMap<TlsMaterial, Map<string, tls.SecureContext>>();

function clientContext(m: TlsMaterial, minVersion: tls.SecureVersion): tls.SecureContext {
  let byVersion = clientContexts.get(m);
  if (!byVersion) clientContexts.set(m, (byVersion = new Map()));
  let ctx = byVersion.get(minVersion);
  if (!ctx) {
    ctx = tls.createSecureContext({
      ca: m.ca,
      ...(m.crl ? { crl: crlOption(m.crl) } : {}),
      cert: m.clientCert ?? m.cert, // always presented
      key: m.clientKey ?? m.key,
      minVersion,
      ciphers: TLS_CIPHERS,
    });
    byVersion.set(minVersion, ctx);
  }
  return ctx;
}

function warnOnce(set: Set<string>, key: string, logger: Logger, msg: string, meta: Record<string, unknown>): void {
  if (set.has(key)) return;
  set.add(key);
  logger.warn(msg, meta);
}

/**
 * A TLS failure that looks like a plain-only peer: reset/closed/plain bytes, and no TLS alert.
 * `spokePlain`: the peer sent bytes that are not TLS. Without them it only closed (or reset) the
 * connection, which is also what a full listener does (issue 15).
 */
class PlainPeerSuspected extends ConnectError {
  constructor(
    message: string,
    readonly spokePlain: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const CLOSED_SIGNS = new Set(['ECONNRESET', 'EPIPE']);
const PLAIN_BYTES_SIGNS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/** What an enforcing client adds to a PlainPeerSuspected: relaxed only for a peer that spoke plain. */
function plainPeerHint(spokePlain: boolean): string {
  return spokePlain
    ? 'the peer answered in plain text: it may speak only plain; tls_connect relaxed would allow that'
    : "the peer closed the connection before the TLS handshake finished: its connection limits may be full (see 'listener limits:' in its log) or it refused the connection (its log says why)";
}

function mapHandshakeError(e: NodeJS.ErrnoException, where: string): Error {
  const code = e.code ?? '';
  if (code === IDENTITY_MISMATCH || code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new TlsError('TLS_IDENTITY', `${where}: ${e.message}`, { cause: e });
  }
  if (CLOSED_SIGNS.has(code) || PLAIN_BYTES_SIGNS.has(code)) {
    return new PlainPeerSuspected(`${where}: TLS handshake failed (${code})`, PLAIN_BYTES_SIGNS.has(code), { cause: e });
  }
  // OpenSSL verification codes (CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE…) and TLS alerts.
  if (/^[A-Z_]+$/.test(code) && !code.startsWith('E')) {
    return new TlsError('TLS_AUTH_FAILED', `${where}: server certificate refused: ${code}`, { cause: e });
  }
  if (code.includes('ALERT')) return new TlsError('TLS_AUTH_FAILED', `${where}: refused by the server: ${code}`, { cause: e });
  return new ConnectError(`${where}: ${code || errorMessage(e)}`, { cause: e });
}

function connectTls(o: ConnectOptions, m: TlsMaterial, warned: Set<string>): Promise<ClientConnection> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const expected = o.expectedName ?? o.host;
  const verify = o.socket.verifyMode === 1;
  const where = `${o.host}:${o.port}`;
  const resume = o.resume && o.resume.expectedName === expected && o.resume.expectedRole === o.expectedRole ? o.resume : undefined;
  return new Promise((resolve, reject) => {
    let ticket: Buffer | undefined;
    const s = tls.connect({
      host: o.host,
      port: o.port,
      secureContext: clientContext(m, o.socket.tlsMinVersion ?? 'TLSv1.2'),
      ...(resume ? { session: resume.session } : {}),
      ALPNProtocols: ALPN,
      rejectUnauthorized: verify,
      servername: net.isIP(expected) ? undefined : expected, // SNI must not be an IP
      checkServerIdentity: (_host, cert) => checkServerIdentity(expected, cert),
    });
    let settled = false;
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      reject(e);
    };
    const timer = setTimeout(
      () => fail(new ConnectError(`${where}: no TLS connection within ${timeoutMs} ms`, { code: 'TIMEOUT' })),
      timeoutMs,
    );
    s.once('error', (e: NodeJS.ErrnoException) => fail(mapHandshakeError(e, where)));
    s.once('close', () => fail(new PlainPeerSuspected(`${where}: closed during the TLS handshake`, false)));
    // TLS 1.3 sends tickets after the handshake: the latest is what a next connection resumes.
    s.on('session', (t: Buffer) => (ticket = t));
    s.once('secureConnect', () => {
      if (settled) return;
      const address = remoteAddress(s);
      const resumed = resume !== undefined && s.isSessionReused();
      const x = resumed ? undefined : s.getPeerX509Certificate();
      const peer = resumed ? { ...resume.peer, address } : x ? peerFromCert(x, o.socket.peerRoles, address) : { ...plainPeer(address), plain: false, role: null };
      // Before the first byte goes out: a server with the wrong role never sees a command.
      if (verify && o.expectedRole && peer.cert && !resumed) {
        const v = checkServerRole(peer.cert, o.socket.peerRoles, o.expectedRole);
        if (!v.ok) {
          fail(new TlsError('TLS_ROLE', `${where}: ${v.reason}`));
          return;
        }
        if (v.unchecked) warnOnce(warned, `role|${o.expectedRole}|${expected}:${o.port}`, o.logger, v.unchecked, { peer: address });
      }
      settled = true;
      clearTimeout(timer);
      s.removeAllListeners('error');
      s.removeAllListeners('close');
      if (!verify) {
        warnOnce(warned, `verify0|${expected}:${o.port}`, o.logger, `verify_mode 0: server certificate of ${expected} not verified`, {
          peer: address,
          cn: peer.cn,
        });
      }
      warnPeerExpiry(peer, o.socket.certExpiryWarnDays, o.logger, warned);
      const resumption = (): TlsResumption | undefined => {
        const session = ticket ?? (resumed ? resume.session : undefined);
        return session ? { session, peer, expectedName: expected, ...(o.expectedRole ? { expectedRole: o.expectedRole } : {}) } : undefined;
      };
      resolve(new ClientConnection(s, peer, timeoutMs, { maxLineBytes: o.maxLineBytes, idleTimeoutMs: o.idleTimeoutMs }, resumption));
    });
  });
}

function connectPlain(o: ConnectOptions): Promise<ClientConnection> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const where = `${o.host}:${o.port}`;
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: o.host, port: o.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new ConnectError(`${where}: no TCP connection within ${timeoutMs} ms`, { code: 'TIMEOUT' }));
    }, timeoutMs);
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ConnectError(`${where}: ${e.code ?? e.message}`, { cause: e }));
    });
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(new ClientConnection(s, plainPeer(remoteAddress(s)), timeoutMs, { maxLineBytes: o.maxLineBytes, idleTimeoutMs: o.idleTimeoutMs }));
    });
  });
}

/**
 * Connects to a daemon. TLS unless `socket_type plain`; with `tls_connect relaxed` falls back to
 * plain only when the peer looks plain-only (reset or closed in the handshake, no TLS alert),
 * never after a failed verification. Rejects with TlsError (TLS_AUTH_FAILED, TLS_IDENTITY,
 * TLS_ROLE, TLS_MATERIAL) or ConnectError (CONNECT_FAILED, TIMEOUT).
 */
export async function connect(o: ConnectOptions): Promise<ClientConnection> {
  if (o.socket.type === 'plain') return connectPlain(o);
  const warned = o.warned ?? processWarned;
  const m = o.material ?? (await loadTlsMaterial(o.socket));
  try {
    return await connectTls(o, m, warned);
  } catch (e) {
    if (!(e instanceof PlainPeerSuspected) || o.socket.tlsConnect !== 'relaxed') {
      if (e instanceof PlainPeerSuspected) {
        throw new ConnectError(`${e.message} (${plainPeerHint(e.spokePlain)})`, { cause: e });
      }
      throw e;
    }
    warnOnce(warned, `relaxed|${o.host}:${o.port}`, o.logger, `tls_connect relaxed: ${o.host}:${o.port} speaks only plain, falling back`, {
      reason: e.message,
    });
    return connectPlain(o);
  }
}
