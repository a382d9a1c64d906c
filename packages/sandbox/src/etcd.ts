// etcd members for monitor HA (docs/ha.md): the command line of one member on mutual TLS (client
// and peer URLs, certificates from the same code as mmm_tls), its health probe, and the timing the
// sandbox and test/ha use. Starting and stopping members by PID is the caller's (ha.ts, test/ha/lib).
//
// Timing: --heartbeat-interval 100 ms and --election-timeout 1000 ms (etcd's defaults), data on
// tmpfs so fsync stays off the critical path: a loaded 2-core machine still heartbeats in time, and
// an etcd leader lost to a stall of up to a second is not replaced. etcd's shortest lease is 1.5 ×
// the election timeout rounded up to whole seconds (2 s), below the sandbox's lease_ttl of 3 s.
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { delimiter, join } from 'node:path';
import { SandboxError } from './exec';

export const ETCD_HEARTBEAT_MS = 100;
export const ETCD_ELECTION_MS = 1000;
/** The sandbox monitors' lease_ttl (s): a leader stalled or cut off for up to 2.5 s keeps leading. */
export const SANDBOX_LEASE_TTL = 3;
export const ETCD_INSTALL_HINT = 'apt-get install etcd-server';

/** What one member needs: its name, data dir, URLs and certificate (serverAuth+clientAuth). */
export interface EtcdMemberSpec {
  name: string;
  dataDir: string;
  /** `https://IP:PORT` it serves clients on (and advertises). */
  clientUrl: string;
  /** `https://IP:PORT` of its peer listener (and advertised peer URL). */
  peerUrl: string;
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** `etcd` in PATH or /usr/bin (Debian etcd-server); throws NOT_INSTALLED naming the package. */
export function findEtcd(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin'];
  const found = dirs.map((d) => join(d, 'etcd')).find((f) => existsSync(f));
  if (!found) throw new SandboxError('NOT_INSTALLED', `etcd not found in PATH or /usr/bin: install it with \`${ETCD_INSTALL_HINT}\``);
  return found;
}

/** `--initial-cluster`: `etcd1=https://…:2380,etcd2=…`. */
export const initialCluster = (members: ReadonlyArray<Pick<EtcdMemberSpec, 'name' | 'peerUrl'>>): string =>
  members.map((m) => `${m.name}=${m.peerUrl}`).join(',');

/**
 * The flags of one member of a new cluster (docs/ha.md's ETCD_… settings as flags): mutual TLS on
 * both URLs with one CA, no plaintext port, warnings only on stderr.
 */
export function etcdMemberArgs(m: EtcdMemberSpec, cluster: { initial: string; token: string; heartbeatMs?: number; electionMs?: number }): string[] {
  return [
    `--name=${m.name}`, `--data-dir=${m.dataDir}`,
    `--listen-client-urls=${m.clientUrl}`, `--advertise-client-urls=${m.clientUrl}`,
    `--listen-peer-urls=${m.peerUrl}`, `--initial-advertise-peer-urls=${m.peerUrl}`,
    `--initial-cluster=${cluster.initial}`, '--initial-cluster-state=new', `--initial-cluster-token=${cluster.token}`,
    `--cert-file=${m.certFile}`, `--key-file=${m.keyFile}`, `--trusted-ca-file=${m.caFile}`, '--client-cert-auth',
    `--peer-cert-file=${m.certFile}`, `--peer-key-file=${m.keyFile}`, `--peer-trusted-ca-file=${m.caFile}`, '--peer-client-cert-auth',
    `--heartbeat-interval=${cluster.heartbeatMs ?? ETCD_HEARTBEAT_MS}`, `--election-timeout=${cluster.electionMs ?? ETCD_ELECTION_MS}`,
    // a member back from a partition must not depose etcd's leader with a higher raft term (3.4's
    // default is off): without it the monitors' leader lost its lease each time a cut member rejoined
    '--pre-vote',
    '--logger=zap', '--log-outputs=stderr', '--log-level=warn',
  ];
}

/** The environment a member runs with: PATH only, so no ETCD_… variable of the caller's changes a flag. */
export const etcdEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin' });

/**
 * GET /health on a member's client URL with a client certificate of its CA: true when it answers
 * `"health":"true"` (it is in a cluster with a raft leader), false otherwise (bounded).
 */
export function etcdHealthy(clientUrl: string, tls: { caFile: string; certFile: string; keyFile: string }, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${clientUrl}/health`, {
      ca: readFileSync(tls.caFile), cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), timeout: timeoutMs,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 && /"health"\s*:\s*"true"/.test(body)));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}
