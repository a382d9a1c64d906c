// Shared builders: a 2 masters + 2 replicas cluster (db1/db2 masters, db3/db4 slaves).
import type { CheckName, HostConfig, MmmConfig, RoleConfig } from '@mmm/common';
import { failedCheck, okCheck } from '../src/analysis/debounce';
import type { HostChecks, HostObservation } from '../src/analysis/snapshot';

const host = (name: string, ip: string, mode: 'master' | 'slave', peer?: string): HostConfig => ({
  name, ip, mode, peer, agentPort: 9989, mysqlPort: 3306,
});

export function makeConfig(over: Partial<MmmConfig> = {}, monitor: Partial<NonNullable<MmmConfig['monitor']>> = {}): MmmConfig {
  const check = (name: CheckName) => ({ name, checkPeriod: 5, trapPeriod: 10, timeout: 2, restartAfter: 10000, maxBacklog: 60 });
  const roles: Record<string, RoleConfig> = {
    writer: { name: 'writer', mode: 'exclusive', hosts: ['db1', 'db2'], ips: ['10.0.0.100'], prefer: 'db1' },
    reader: { name: 'reader', mode: 'balanced', hosts: ['db1', 'db2', 'db3', 'db4'], ips: ['10.0.0.101', '10.0.0.102', '10.0.0.103', '10.0.0.104'] },
  };
  return {
    debug: false,
    activeMasterRole: 'writer',
    maxKillRetries: 10,
    hosts: {
      db1: host('db1', '10.0.0.11', 'master', 'db2'),
      db2: host('db2', '10.0.0.12', 'master', 'db1'),
      db3: host('db3', '10.0.0.13', 'slave'),
      db4: host('db4', '10.0.0.14', 'slave'),
    },
    roles,
    checks: { ping: check('ping'), mysql: check('mysql'), rep_threads: check('rep_threads'), rep_backlog: check('rep_backlog') },
    socket: { type: 'plain', verifyMode: 1, tlsMinVersion: 'TLSv1.2', tlsListen: 'tls', tlsConnect: 'enforce', certExpiryWarnDays: 30, peerRoles: [] },
    monitor: {
      ip: '127.0.0.1', port: 9988, pingIps: ['10.0.0.1'], pingInterval: 1, flapDuration: 3600, flapCount: 3, autoSetOnline: 0,
      carefulStartup: true, firstStart: 'manual', legacyFailover: 'safe', mode: 'active', waitForOtherMaster: 120, ...monitor,
    },
    writerLease: 10,
    switchTimeout: 10,
    demoteGrace: 1,
    durability: 'async',
    semisyncTimeout: 30,
    logs: {},
    ...over,
  };
}

/** Check states from a compact spec: names listed in `failed` are FAILED, others OK. */
export function checks(failed: string[] = [], at = 0): HostChecks {
  const c = (n: CheckName) => (failed.includes(n) ? failedCheck(at, `ERROR: ${n} failed`) : okCheck(at));
  return { ping: c('ping'), mysql: c('mysql'), rep_threads: c('rep_threads'), rep_backlog: c('rep_backlog') };
}

export function healthyHost(now: number, over: Partial<HostObservation> = {}): HostObservation {
  return { checks: checks(), agent: { reachable: true, lastContact: now, uptime: 100000 }, ...over };
}
