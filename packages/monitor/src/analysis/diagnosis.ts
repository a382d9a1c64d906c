// Named diagnoses ("what is wrong"), kept apart from "what to do" (actionFor), as in
// orchestrator's analysis.go. Detection always runs; acting is gated by mode and flapping.
import { type HostState, type MmmConfig, type Mode, describeProblem } from '@mmm/common/pure';
import type { Decision } from './decision';
import type { HostObservation } from './snapshot';
import { knownDead, legacyRefusedFor, replicasOfWriter, type WriterContext } from './writer-safety';
import { freshHealth } from './health';

export const DIAGNOSES = {
  MonitorIsolated: 'None of ping_ips answers: the monitor itself is cut off; states are frozen and nothing is sent.',
  DeadWriter: 'The writer fails the monitor checks and is known dead: its agent reports mysqld is not running (a hung server is killed by its agent first), or it was fenced.',
  UnreachableWriter: 'The monitor cannot check the writer, but its agent reports mysqld healthy or a replica still receives from it: the writer keeps its role.',
  WriterIsolated: 'The writer is unreachable from the monitor and no replica receives from it: it will fence itself when its lease expires, then failover.',
  NoWriter: 'The active master role is not held by any host.',
  HostDown: 'A host other than the writer fails the ping or mysql check.',
  ReplicaBroken: 'Replication threads are not running on a host (rep_threads failed).',
  ReplicaDelayed: 'A host lags behind its source by more than max_backlog (rep_backlog failed).',
  AgentUnreachable: 'The host passes the monitor checks but its agent does not answer: it gets no new roles.',
  HostFlapping: 'The host dropped from ONLINE more than flap_count times within flap_duration: it waits in AWAITING_RECOVERY.',
  LegacyWriterUnfenced: 'The failed writer runs an MMM 2.x agent, which holds no lease and cannot fence itself: no other host is made writable until its MySQL port refused every connect for trap_period (and it answered a role-less status and CLEAR_BAD_ROLES), or kill_host_bin fenced it.',
  RoleOnWrongHost: 'A host has a role IP on its interface that the monitor did not give it: two hosts may answer on that address. It is told to remove it (CLEAR_BAD_ROLES).',
  LegacyRolesUnknown: 'An MMM 2.x agent whose MySQL does not answer may still hold role IPs (it can be asked only while its MySQL answers): those IPs go to no other host until it answered a role-less status and CLEAR_BAD_ROLES, or kill_host_bin fenced it.',
  FailoverBlocked: 'No host may take the writer role: the promotion policy excludes every candidate (never_writer, failover_max_lag), or each lacks transactions another host received (a failover would lose them; move_role --force promotes one anyway).',
  FailoverCooldown: 'A writer failover is blocked: the last automatic failover was less than failover_cooldown ago. It proceeds when the period ends or after mmm_control ack_failover; the old writer may take its role back meanwhile.',
  FailoverVetoed: 'pre_failover_command vetoed the failover or switchover: the writer stays where it is (or nobody is made writable) until the hook exits 0; it runs again after pre_failover_interval.',
  MonitorAccountRefused: 'The monitor account is refused on this host (a missing GRANT or a wrong password): the checks it breaks fail for that reason, not because of the host.',
  WriterSemisyncFallback: 'durability semisync, but the writer\'s commits do not wait for any replica: it fell back to asynchronous replication (no replica acknowledged within semisync_timeout), or its semi-sync master side is off. A crash now can lose acknowledged writes.',
} as const;

export type DiagnosisCode = keyof typeof DIAGNOSES;

export interface Diagnosis {
  code: DiagnosisCode;
  host?: string;
  description: string;
  /** Evidence specific to this case. */
  detail?: string;
  /** When this diagnosis (code and host) was first made in an unbroken run of passes (ms). */
  since?: number;
}

export type RemedyKind =
  | 'freeze' // change nothing, send nothing
  | 'failover' // strip the writer, promote the best candidate once writer-safety allows
  | 'keep_writer' // no failover; report only
  | 'move_roles' // strip the host's roles, redistribute
  | 'assign_writer' // give the orphaned writer role to an eligible host
  | 'withhold_roles' // host gets no new roles
  | 'hold_offline' // no automatic return to ONLINE
  | 'report'; // nothing of its own: the failing checks act as they always do

export interface Remedy {
  remedy: RemedyKind;
  /** false: detected and reported, but this mode does not act on it. */
  actionable: boolean;
  why: string;
}

type Table = Record<DiagnosisCode, { remedy: RemedyKind; modes: readonly Mode[] }>;
const ALL: readonly Mode[] = ['ACTIVE', 'MANUAL', 'WAIT', 'PASSIVE'];
const ROLE_MODES: readonly Mode[] = ['ACTIVE', 'MANUAL', 'WAIT']; // orphans are distributed outside PASSIVE

// One table, like orchestrator's getCheckAndRecoverFunction.
const TABLE: Table = {
  MonitorIsolated: { remedy: 'freeze', modes: ALL },
  DeadWriter: { remedy: 'failover', modes: ['ACTIVE'] },
  WriterIsolated: { remedy: 'failover', modes: ['ACTIVE'] },
  UnreachableWriter: { remedy: 'keep_writer', modes: ALL },
  NoWriter: { remedy: 'assign_writer', modes: ROLE_MODES },
  HostDown: { remedy: 'move_roles', modes: ['ACTIVE'] },
  ReplicaBroken: { remedy: 'move_roles', modes: ['ACTIVE'] },
  ReplicaDelayed: { remedy: 'move_roles', modes: ['ACTIVE'] },
  AgentUnreachable: { remedy: 'withhold_roles', modes: ALL },
  LegacyWriterUnfenced: { remedy: 'failover', modes: ['ACTIVE'] },
  RoleOnWrongHost: { remedy: 'report', modes: ALL },
  LegacyRolesUnknown: { remedy: 'report', modes: ALL },
  HostFlapping: { remedy: 'hold_offline', modes: ALL },
  MonitorAccountRefused: { remedy: 'report', modes: ALL },
  WriterSemisyncFallback: { remedy: 'report', modes: ALL },
  FailoverBlocked: { remedy: 'report', modes: ALL },
  FailoverCooldown: { remedy: 'report', modes: ALL },
  FailoverVetoed: { remedy: 'report', modes: ALL },
};

export function actionFor(code: DiagnosisCode, mode: Mode): Remedy {
  const t = TABLE[code];
  const actionable = t.modes.includes(mode);
  const why = actionable
    ? `${t.remedy} (${mode} mode)`
    : mode === 'PASSIVE'
      ? 'PASSIVE mode: no role changes'
      : `${mode} mode: roles are not removed from failed hosts`;
  return { remedy: t.remedy, actionable, why };
}

/** Classifies the writer host: undefined when the monitor sees it well. */
export function diagnoseWriter(o: HostObservation | undefined, c: WriterContext): Diagnosis | undefined {
  if (!c.oldWriter || !o) return undefined;
  const host = c.oldWriter;
  const mk = (code: DiagnosisCode, detail: string): Diagnosis => ({ code, host, description: DIAGNOSES[code], detail });
  const monitorSees = o.checks.ping.ok && o.checks.mysql.ok;
  if (monitorSees) return o.agent.reachable ? undefined : mk('AgentUnreachable', 'writer agent does not answer; the writer keeps its role');
  if (o.fence?.ok) return mk('DeadWriter', 'kill_host succeeded');
  if (o.agent.legacy) {
    const refused = legacyRefusedFor(o, c);
    if (refused !== undefined) return mk('DeadWriter', `MMM 2.x agent answers; its MySQL port refused every connect for ${(refused / 1000).toFixed(1)} s`);
    return mk('LegacyWriterUnfenced', o.agent.reachable ? `its agent answers; its MySQL is not known dead (${o.checks.mysql.lastMessage ?? o.checks.mysql.message})` : 'its agent does not answer');
  }
  const dead = knownDead(o, c);
  if (dead) return mk('DeadWriter', dead);
  if (o.agent.reachable) return mk('UnreachableWriter', 'its agent answers and does not report mysqld down');
  const receiving = replicasOfWriter(c).filter((r) => r.receiving === true).map((r) => r.host);
  if (receiving.length > 0) return mk('UnreachableWriter', `${receiving.join(', ')} still receive from it`);
  return mk('WriterIsolated', 'its agent is unreachable and no replica receives from it');
}

/** Per-host diagnoses for hosts other than the writer. */
export function diagnoseHost(host: string, o: HostObservation, flapping: boolean): Diagnosis[] {
  const out: Diagnosis[] = [];
  const mk = (code: DiagnosisCode, detail?: string): Diagnosis => ({ code, host, description: DIAGNOSES[code], detail });
  const c = o.checks;
  if (!c.ping.ok || !c.mysql.ok) out.push(mk('HostDown', [c.ping, c.mysql].filter((x) => !x.ok).map((x) => x.message).join('; ')));
  else {
    if (!c.rep_threads.ok) out.push(mk('ReplicaBroken', c.rep_threads.message));
    else if (!c.rep_backlog.ok) out.push(mk('ReplicaDelayed', c.rep_backlog.message));
    if (!o.agent.reachable) out.push(mk('AgentUnreachable'));
  }
  if (flapping) out.push(mk('HostFlapping'));
  return out;
}

/**
 * Any host, the writer too: the checks whose latest run was refused to the monitor account
 * (trapped or not), grouped by fix, e.g. "rep_threads, rep_backlog: the monitor account … lacks
 * SLAVE MONITOR on 'db2'. Fix: GRANT …".
 */
export function diagnoseAccount(host: string, o: HostObservation): Diagnosis | undefined {
  const byFix = new Map<string, { checks: string[]; what: string }>();
  for (const [name, c] of Object.entries(o.checks)) {
    const p = c.lastCause;
    if (!p) continue;
    const g = byFix.get(p.fix) ?? { checks: [], what: describeProblem(p, host) };
    g.checks.push(name);
    byFix.set(p.fix, g);
  }
  if (byFix.size === 0) return undefined;
  const detail = [...byFix].map(([fix, g]) => `${g.checks.join(', ')}: ${g.what}. Fix: ${fix}`).join('; ');
  return { code: 'MonitorAccountRefused', host, description: DIAGNOSES.MonitorAccountRefused, detail };
}

export const diagnosisKey = (d: Pick<Diagnosis, 'code' | 'host'>): string => `${d.code}@${d.host ?? ''}`;

/**
 * Diagnoses of this pass against those of the last one: each carries `since`, and one
 * `diagnosis` decision says what appeared or cleared (the audit log gets changes, not repeats).
 */
export function trackDiagnoses(current: readonly Diagnosis[], previousSince: Readonly<Record<string, number>> | undefined, now: number): {
  diagnoses: Diagnosis[];
  since: Record<string, number>;
  decisions: Decision[];
} {
  const since: Record<string, number> = {};
  const decisions: Decision[] = [];
  const diagnoses = current.map((d) => {
    const key = diagnosisKey(d);
    const was = previousSince?.[key];
    since[key] = was ?? now;
    if (was === undefined) {
      decisions.push({ kind: 'diagnosis', ...(d.host ? { host: d.host } : {}), reason: `${d.code}${d.host ? ` on ${d.host}` : ''}: ${d.detail ?? d.description}`, blocked: false });
    }
    return { ...d, since: since[key] };
  });
  for (const key of Object.keys(previousSince ?? {}).sort()) {
    if (since[key] !== undefined) continue;
    const [code, host] = key.split('@');
    decisions.push({ kind: 'diagnosis', ...(host ? { host } : {}), reason: `${code}${host ? ` on ${host}` : ''} cleared`, blocked: false });
  }
  return { diagnoses, since, decisions };
}

// ---- durability semisync (issue 16) ---------------------------------------------------------------

/**
 * An ONLINE writer (writable, as its agent reports) whose Rpl_semi_sync_master_status is OFF.
 * Only ONLINE: a writer that is failing loses its roles on its own diagnosis, and a report-only
 * diagnosis must never decide what happens to its roles. Nothing when the agent does not report
 * semi-sync (durability async, MMM 2.x or older agents): unknown is not OFF.
 */
export function diagnoseSemisync(
  config: Pick<MmmConfig, 'durability' | 'semisyncTimeout'>,
  writer: string,
  state: HostState | undefined,
  o: HostObservation | undefined,
  now: number,
  healthMaxAgeMs: number,
): Diagnosis | undefined {
  if (config.durability !== 'semisync' || writer === '' || state !== 'ONLINE') return undefined;
  const h = freshHealth(o, now, healthMaxAgeMs);
  const s = h?.semisync;
  if (!h || h.readOnly !== false || s?.masterStatus !== false) return undefined;
  const replicas = s.masterClients === undefined ? '' : ` (${s.masterClients} semi-sync replica${s.masterClients === 1 ? '' : 's'} connected)`;
  const detail = s.master === false
    ? `the semi-sync master side is off on the writer ${writer}: its commits wait for no replica (its agent could not turn it on: see its SET_STATUS reply)`
    : `the writer ${writer} fell back to asynchronous replication: no replica acknowledged within semisync_timeout ${config.semisyncTimeout} s${replicas}; it acknowledges commits no replica has until a replica catches up`;
  return { code: 'WriterSemisyncFallback', host: writer, description: DIAGNOSES.WriterSemisyncFallback, detail };
}
