// The status_json document (StatusDocument v1) from what the monitor knows. Pure: `show`,
// `checks` and status_json are all rendered from this one document.
import {
  CHECK_NAMES,
  type Decision as DocDecision,
  type DiagnosisStatus,
  type FailoverStatus,
  type HostStatus,
  type MmmConfig,
  type MoveStatus,
  type ReplicationStatus,
  type RoleStatus,
  type SemisyncStatus,
  STATUS_SCHEMA_VERSION,
  type StatusDocument,
} from '@mmm/common';
import type { Diagnosis } from '../analysis/diagnosis';
import type { HostChecks, HostObservation, MonitorState, ReplicationHealth, SemisyncHealth } from '../analysis/snapshot';
import { cooldownUntil } from '../analysis/promotion';
import { rolesOf } from '../analysis/roles/role-table';
import type { AuditEntry } from '../persistence/audit-log';

export interface StatusInput {
  config: MmmConfig;
  state: MonitorState;
  hosts: Record<string, HostObservation>;
  warnings: string[];
  decisions: AuditEntry[];
  lastMove: MoveStatus | null;
  /** Why each role IP is where it is (role(ip) → reason). */
  roleReasons: Record<string, string>;
  /** The last pass's diagnoses. */
  diagnoses?: readonly Diagnosis[];
  now: number;
}

const iso = (ms: number | undefined): string | null => (ms === undefined || !Number.isFinite(ms) || ms <= 0 ? null : new Date(ms).toISOString());

function hostStatus(name: string, i: StatusInput): HostStatus {
  const hc = i.config.hosts[name];
  const mem = i.state.hosts[name];
  const o = i.hosts[name];
  const checks: HostChecks | undefined = o?.checks;
  const a = o?.agent;
  // Only what the agent says now: a host whose agent or mysqld cannot be asked is unknown, never
  // its last value. An agent without GET_HEALTH (MMM 2.x) has only GET_SYSTEM_STATUS to go by.
  const writable = !a?.reachable ? null : a.health ? (a.health.readOnly !== undefined ? !a.health.readOnly : null) : (a.system?.writable ?? null);
  return {
    name,
    ip: hc.ip,
    mode: hc.mode,
    state: mem?.state ?? 'AWAITING_RECOVERY',
    roles: rolesOf(i.state.roles, name),
    stateChangedAt: iso(mem?.since),
    checks: CHECK_NAMES.map((c) => ({
      name: c,
      ok: checks ? checks[c].ok : false,
      message: checks ? checks[c].message : '',
      lastChange: iso(checks?.[c].lastChange),
    })),
    // What the monitor's own rep_backlog check last read: when the monitor cannot read replication
    // (missing GRANT, host unreachable) the lag is unknown, whatever an agent reported earlier.
    replicationLagSeconds: checks?.rep_backlog.lastLagSeconds ?? null,
    agentReachable: !!a?.reachable,
    writable,
    flapping: !!mem?.flap.flapping,
    ...(i.config.durability === 'semisync' ? { semisync: semisyncStatus(a?.reachable ? a.health?.semisync : undefined) } : {}),
    // what the agent says now (the status page shows them); unknown while it does not answer
    lease: a?.reachable && a.health?.lease ? { held: a.health.lease.held, remainingMs: a.health.lease.remainingMs ?? null } : null,
    replication: a?.reachable && a.health?.replication ? replicationStatus(a.health.replication) : null,
  };
}

const replicationStatus = (r: ReplicationHealth): ReplicationStatus => ({
  ioConnected: r.ioConnected,
  sqlRunning: r.sqlRunning,
  lastReceiveAgeMs: r.lastReceiveAgeMs ?? null,
});

function semisyncStatus(s: SemisyncHealth | undefined): SemisyncStatus | null {
  if (!s) return null;
  const v = <T>(x: T | undefined): T | null => (x === undefined ? null : x);
  return {
    master: v(s.master), masterStatus: v(s.masterStatus), masterClients: v(s.masterClients), masterYesTx: v(s.masterYesTx),
    masterNoTx: v(s.masterNoTx), replica: v(s.replica), replicaStatus: v(s.replicaStatus),
  };
}

function roleStatus(name: string, i: StatusInput): RoleStatus {
  const rc = i.config.roles[name];
  const rows = i.state.roles.filter((a) => a.role === name);
  // One reason per IP, named, so a balanced role reads "ip on host: why" for each of its IPs.
  const reasons = rows.flatMap((r) => {
    const why = i.roleReasons[`${r.role}(${r.ip})`];
    if (!why) return [];
    return rows.length > 1 ? [`${r.ip} on ${r.host || 'nobody'}: ${why}`] : [why];
  });
  return {
    name,
    mode: rc.mode,
    hosts: [...rc.hosts],
    ips: rows.map((r) => ({ ip: r.ip, assignedTo: r.host })),
    preferredHost: rc.prefer ?? null,
    activeMaster: name === i.config.activeMasterRole,
    reason: reasons.length > 0 ? [...new Set(reasons)].join('; ') : null,
  };
}

function failoverStatus(i: StatusInput): FailoverStatus | null {
  const f = i.state.lastFailover;
  if (!f) return null;
  return {
    from: f.from,
    to: f.to,
    at: new Date(f.at).toISOString(),
    automatic: f.automatic,
    acknowledgedAt: iso(f.acknowledgedAt),
    cooldownUntil: iso(cooldownUntil(f, i.config, i.now)),
    lostAtLeast: f.lostAtLeast ?? null,
    lostAtLeastCount: f.lostAtLeastCount ?? null,
    positionAt: iso(f.positionAt),
    lostOnReturn: f.lostOnReturn ?? null,
  };
}

export function buildStatusDocument(i: StatusInput): StatusDocument {
  const decisions: DocDecision[] = i.decisions.map((d) => ({
    time: d.time,
    kind: d.kind,
    host: d.host ?? null,
    role: d.role ?? null,
    reason: d.reason,
    blocked: d.blocked,
  }));
  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    generatedAt: new Date(i.now).toISOString(),
    mode: i.state.mode,
    passiveCause: i.state.mode === 'PASSIVE' ? (i.state.passiveCause ?? '') : null,
    hosts: Object.keys(i.config.hosts).sort().map((h) => hostStatus(h, i)),
    roles: Object.keys(i.config.roles).sort().map((r) => roleStatus(r, i)),
    warnings: [...i.warnings],
    decisions,
    diagnoses: [...(i.diagnoses ?? [])]
      .sort((a, b) => (a.host ?? '').localeCompare(b.host ?? '') || a.code.localeCompare(b.code))
      .map((d): DiagnosisStatus => ({ code: d.code, host: d.host ?? null, description: d.description, detail: d.detail ?? null, since: iso(d.since) })),
    lastMove: i.lastMove,
    durability: i.config.durability,
    lastFailover: failoverStatus(i),
  };
}
