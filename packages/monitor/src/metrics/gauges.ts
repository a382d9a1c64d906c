// The gauges of /metrics from one pass (pure): the status document the pass produced plus the
// observations it rests on. Every value is recomputed from scratch, so a host, role or diagnosis
// that is gone leaves no series behind. Unknown values (agent unreachable, no replication) have
// no series, never their last value.
import { HOST_STATES, type Mode, type StatusDocument } from '@mmm/common';
import type { HostObservation } from '../analysis/snapshot';

export type Labels = Record<string, string>;
export interface Sample {
  labels: Labels;
  value: number;
}

export const MODES: readonly Mode[] = ['ACTIVE', 'MANUAL', 'WAIT', 'PASSIVE'];

/** The gauge names this file fills (their help and label names: definitions.ts). */
export type GaugeName =
  | 'mmm_host_state'
  | 'mmm_host_role'
  | 'mmm_mysql_read_only'
  | 'mmm_replication_lag_seconds'
  | 'mmm_replication_io_running'
  | 'mmm_replication_sql_running'
  | 'mmm_check_ok'
  | 'mmm_writer_lease_remaining_seconds'
  | 'mmm_fenced'
  | 'mmm_agent_reachable'
  | 'mmm_monitor_mode'
  | 'mmm_diagnosis';

export interface GaugeInput {
  cluster: string;
  doc: StatusDocument;
  hosts: Record<string, HostObservation>;
  now: number;
}

const bit = (b: boolean): number => (b ? 1 : 0);

/** Every gauge sample of the pass, by gauge (labels without `cluster` are given it here). */
export function gaugeSamples(i: GaugeInput): Record<GaugeName, Sample[]> {
  const out: Record<GaugeName, Sample[]> = {
    mmm_host_state: [], mmm_host_role: [], mmm_mysql_read_only: [], mmm_replication_lag_seconds: [],
    mmm_replication_io_running: [], mmm_replication_sql_running: [], mmm_check_ok: [],
    mmm_writer_lease_remaining_seconds: [], mmm_fenced: [], mmm_agent_reachable: [], mmm_monitor_mode: [], mmm_diagnosis: [],
  };
  const cluster = i.cluster;
  const add = (g: GaugeName, labels: Labels, value: number): void => void out[g].push({ labels: { cluster, ...labels }, value });

  for (const m of MODES) add('mmm_monitor_mode', { mode: m }, bit(i.doc.mode === m));
  for (const h of i.doc.hosts) {
    const host = h.name;
    for (const s of HOST_STATES) add('mmm_host_state', { host, state: s }, bit(h.state === s));
    for (const c of h.checks) add('mmm_check_ok', { host, check: c.name }, bit(c.ok));
    if (h.writable !== null) add('mmm_mysql_read_only', { host }, bit(!h.writable));
    if (h.replicationLagSeconds !== null) add('mmm_replication_lag_seconds', { host }, h.replicationLagSeconds);
    add('mmm_agent_reachable', { host }, bit(h.agentReachable));

    const a = i.hosts[host]?.agent;
    // What the agent says now: an unreachable agent's replication threads are unknown.
    const rep = a?.reachable ? a.health?.replication : undefined;
    if (rep) {
      add('mmm_replication_io_running', { host }, bit(rep.ioConnected));
      add('mmm_replication_sql_running', { host }, bit(rep.sqlRunning));
    }
    const lease = a?.health?.lease;
    const leaseEnded = !!lease && !lease.held && lease.remainingMs === 0; // expired, or it fenced itself
    // The lease runs down on the agent whether or not it answers: count down from its last report.
    if (lease?.held && lease.remainingMs !== undefined && a?.healthAt !== undefined) {
      add('mmm_writer_lease_remaining_seconds', { host }, Math.max(0, lease.remainingMs - (i.now - a.healthAt)) / 1000);
    } else if (leaseEnded) add('mmm_writer_lease_remaining_seconds', { host }, 0);
    add('mmm_fenced', { host }, bit(!!i.hosts[host]?.fence?.ok || (!!a?.reachable && leaseEnded)));
  }

  // One series per role IP and host that may hold it: 1 where it is, 0 elsewhere (no gaps when it moves).
  for (const r of i.doc.roles) {
    for (const ipRow of r.ips) {
      const eligible = new Set([...r.hosts, ...(ipRow.assignedTo ? [ipRow.assignedTo] : [])]);
      for (const host of [...eligible].sort()) add('mmm_host_role', { host, role: r.name, ip: ipRow.ip }, bit(ipRow.assignedTo === host));
    }
  }
  const seen = new Set<string>();
  for (const d of i.doc.diagnoses ?? []) {
    const key = `${d.code}@${d.host ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    add('mmm_diagnosis', { code: d.code, host: d.host ?? '' }, 1);
  }
  return out;
}
