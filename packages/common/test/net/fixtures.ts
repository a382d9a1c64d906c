// Shared test set-up: a CA with daemon certificates, a socket block, an echo listener.
import type { SocketConfig } from '../../src/config/types';
import type { PeerRole } from '../../src/model/peer-role';
import { createCa, issueCert, type CertKeyPair } from '../../src/tls';
import { createListener, type Listener, type ListenerOptions, type PeerConnection, type TlsMaterial } from '../../src/net';
import { MemoryLogger } from '../../src/testing';

export const HOST = '127.0.0.1';

export interface Pki {
  ca: CertKeyPair;
  server: CertKeyPair;
  client: CertKeyPair;
}

export async function makePki(): Promise<Pki> {
  const ca = await createCa({ commonName: 'mmm test CA' });
  const server = await issueCert({ ca, commonName: 'db1', ips: [HOST], dns: ['localhost'], usage: 'both', role: 'agent' });
  const client = await issueCert({ ca, commonName: 'monitor', ips: [HOST], usage: 'both', role: 'monitor' });
  return { ca, server, client };
}

export function socketConfig(over: Partial<SocketConfig> = {}): SocketConfig {
  return {
    type: 'ssl',
    verifyMode: 1,
    tlsMinVersion: 'TLSv1.2',
    tlsListen: 'tls',
    tlsConnect: 'enforce',
    certExpiryWarnDays: 30,
    peerRoles: [],
    ...over,
  };
}

export function material(pair: CertKeyPair, ca: CertKeyPair, extra: Partial<TlsMaterial> = {}): TlsMaterial {
  return { cert: pair.chainPem ?? pair.certPem, key: pair.keyPem, ca: ca.certPem, ...extra };
}

/** What the echo listener saw. */
export interface Seen {
  conns: PeerConnection[];
  lines: string[];
}

/** A listener that answers every line with "OK: <line>|role=<role>". */
export async function echoListener(
  pki: Pki,
  logger: MemoryLogger,
  over: Partial<ListenerOptions> = {},
): Promise<{ listener: Listener; seen: Seen }> {
  const seen: Seen = { conns: [], lines: [] };
  const listener = await createListener({
    host: HOST,
    port: 0,
    socket: socketConfig(),
    material: material(pki.server, pki.ca),
    logger,
    async onConnection(conn) {
      seen.conns.push(conn);
      for await (const line of conn) {
        seen.lines.push(line);
        await conn.writeLine(`OK: ${line}|role=${String(conn.peer.role)}|plain=${conn.peer.plain}`);
      }
    },
    ...over,
  });
  return { listener, seen };
}

export function roleCert(pki: Pki, commonName: string, role?: PeerRole): Promise<CertKeyPair> {
  return issueCert({ ca: pki.ca, commonName, usage: 'client', ...(role ? { role } : {}) });
}

/** Polls `cond` every 10 ms; rejects after `ms` (every wait in tests is bounded). */
export async function waitFor(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
