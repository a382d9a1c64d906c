// Certificates for the loopback benchmarks, made in-process with the same code as mmm_tls
// (@mmm/common createCa/issueCert), and the SocketConfig/TlsMaterial the transport wants.
import { mkdirSync } from 'node:fs';
import { createCa, issueCert, writeKeyPair, type SocketConfig, type TlsMaterial } from '@mmm/common';

export interface BenchCerts {
  dir: string;
  ca: string;
  /** One agent certificate carrying every simulated/loopback agent IP (role agent). */
  agent: { cert: string; key: string };
  monitor: { cert: string; key: string };
  control: { cert: string; key: string };
  pem: { ca: string; agent: TlsMaterial; monitor: TlsMaterial; control: TlsMaterial };
}

export async function makeCerts(dir: string, agentIps: string[], monitorIps = ['127.0.0.1']): Promise<BenchCerts> {
  mkdirSync(dir, { recursive: true });
  const ca = await createCa({ commonName: 'mmm bench CA', days: 30 });
  const agent = await issueCert({ ca, commonName: 'agent', ips: agentIps, role: 'agent', usage: 'both', days: 30 });
  const monitor = await issueCert({ ca, commonName: 'monitor', ips: monitorIps, role: 'monitor', usage: 'both', days: 30 });
  const control = await issueCert({ ca, commonName: 'control', role: 'control', usage: 'client', days: 30 });
  const caFiles = await writeKeyPair(dir, 'ca', ca);
  const a = await writeKeyPair(dir, 'agent', agent);
  const m = await writeKeyPair(dir, 'monitor', monitor);
  const c = await writeKeyPair(dir, 'control', control);
  const mat = (p: { certPem: string; keyPem: string }): TlsMaterial => ({ cert: p.certPem, key: p.keyPem, ca: ca.certPem });
  return {
    dir,
    ca: caFiles.certFile,
    agent: { cert: a.certFile, key: a.keyFile },
    monitor: { cert: m.certFile, key: m.keyFile },
    control: { cert: c.certFile, key: c.keyFile },
    pem: { ca: ca.certPem, agent: mat(agent), monitor: mat(monitor), control: mat(control) },
  };
}

/** A `<socket> type ssl` block as the config loader would build it. */
export function sslSocket(files: { cert: string; key: string; ca: string }): SocketConfig {
  return {
    type: 'ssl',
    certFile: files.cert,
    keyFile: files.key,
    caFile: files.ca,
    verifyMode: 1,
    tlsMinVersion: 'TLSv1.2',
    tlsListen: 'tls',
    tlsConnect: 'enforce',
    certExpiryWarnDays: 0,
    peerRoles: [],
  };
}
