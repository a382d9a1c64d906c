// A status document for the cluster of mmm-wire.md (db1, db2 masters; db3 slave; writer 10.77.0.100,
// readers 10.77.0.101-103), in the state its §3.2 transcripts were captured.
import type { CheckStatus, HostStatus, StatusDocument } from '../../src/render';

/** 2026/11/23 17:46:52 in the local time zone, so rendered local times are predictable. */
export const T0 = new Date(2026, 10, 23, 17, 46, 52).toISOString();

function checks(over: Partial<Record<string, Partial<CheckStatus>>> = {}): CheckStatus[] {
  const base: CheckStatus[] = [
    { name: 'ping', ok: true, message: 'OK', lastChange: T0 },
    { name: 'mysql', ok: true, message: 'OK', lastChange: T0 },
    { name: 'rep_threads', ok: true, message: 'OK', lastChange: T0 },
    { name: 'rep_backlog', ok: true, message: 'OK: Backlog is null', lastChange: T0 },
  ];
  return base.map((c) => ({ ...c, ...over[c.name] }));
}

function host(name: string, ip: string, mode: 'master' | 'slave', roles: Array<[string, string]>): HostStatus {
  return {
    name,
    ip,
    mode,
    state: 'ONLINE',
    roles: roles.map(([n, i]) => ({ name: n, ip: i })),
    stateChangedAt: T0,
    checks: checks(),
    replicationLagSeconds: 0,
    agentReachable: true,
    writable: name === 'db1',
    flapping: false,
  };
}

export function clusterDoc(): StatusDocument {
  return {
    schemaVersion: 1,
    generatedAt: T0,
    mode: 'ACTIVE',
    passiveCause: null,
    // deliberately unsorted: rendering sorts
    hosts: [
      host('db3', '10.77.0.13', 'slave', [['reader', '10.77.0.101']]),
      host('db1', '10.77.0.11', 'master', [
        ['writer', '10.77.0.100'],
        ['reader', '10.77.0.103'],
      ]),
      host('db2', '10.77.0.12', 'master', [['reader', '10.77.0.102']]),
    ],
    roles: [
      {
        name: 'writer',
        mode: 'exclusive',
        hosts: ['db1', 'db2'],
        ips: [{ ip: '10.77.0.100', assignedTo: 'db1' }],
        preferredHost: null,
        activeMaster: true,
        reason: 'startup vote: writable, IP configured',
      },
      {
        name: 'reader',
        mode: 'balanced',
        hosts: ['db1', 'db2', 'db3'],
        ips: [
          { ip: '10.77.0.101', assignedTo: 'db3' },
          { ip: '10.77.0.102', assignedTo: 'db2' },
          { ip: '10.77.0.103', assignedTo: 'db1' },
        ],
        preferredHost: null,
        activeMaster: false,
        reason: 'balanced over ONLINE hosts',
      },
    ],
    warnings: [],
    decisions: [
      { time: T0, kind: 'role_assign', host: 'db1', role: 'writer', reason: 'startup vote', blocked: false },
    ],
    lastMove: null,
  };
}
