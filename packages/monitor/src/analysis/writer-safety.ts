// DESIGN §5 "One writer, always": may a new writer be made writable while `oldWriter` may
// still be? Only when the old writer is (a) demoted, (b) known dead, (c) fenced, or (d) lost
// and past its lease while no replica still receives from it.
import { freshHealth } from './health';
import type { AnalysisPolicy, HostObservation } from './snapshot';

export type SafetyBasis = 'no-previous-writer' | 'same-host' | 'demoted' | 'dead' | 'fenced' | 'lease-expired' | 'mmm-rule';

export interface WriterSafety {
  allowed: boolean;
  basis?: SafetyBasis;
  reason: string;
  /** Replicas whose IO thread still hears the old writer. */
  receivingReplicas: string[];
  /** Milliseconds until (d) could hold, when only time is missing. */
  waitMs?: number;
  /** A legacy old writer must answer CLEAR_BAD_ROLES before the promotion (analysis sends it). */
  needsClearBadRoles?: string;
  /** A legacy old writer with no proof it stopped: only kill_host_bin can end the wait. */
  legacyUnproven?: boolean;
}

export interface WriterContext {
  oldWriter: string;
  /** The old writer's IP, to recognise replicas that name it by address. */
  oldWriterIp?: string;
  hosts: Record<string, HostObservation>;
  /** Last reply from the old writer's agent (renews its lease), ms. */
  lastWriterContact?: number;
  activeMasterRole: string;
  writerLeaseSec: number;
  /** trap_period of the mysql check (s): how long refused connects make a legacy writer's server dead. */
  mysqlTrapSec?: number;
  /** `legacy_failover`: `safe` (default) or `mmm` (promote after trap_period, as MMM 2.x did). */
  legacyFailover?: 'safe' | 'mmm';
  policy: Pick<AnalysisPolicy, 'leaseMarginMs' | 'heartbeatBoundMs' | 'healthMaxAgeMs'>;
  now: number;
}

const fresh = (o: HostObservation | undefined, c: WriterContext) => freshHealth(o, c.now, c.policy.healthMaxAgeMs);

/** Replicas of the old writer (by GET_HEALTH or GET_SYSTEM_STATUS) and whether each still receives. */
export function replicasOfWriter(c: WriterContext): { host: string; receiving: boolean | undefined }[] {
  const out: { host: string; receiving: boolean | undefined }[] = [];
  const names = new Set([c.oldWriter, c.oldWriterIp].filter((x): x is string => !!x));
  for (const host of Object.keys(c.hosts).sort()) {
    if (host === c.oldWriter) continue;
    const o = c.hosts[host];
    const h = fresh(o, c);
    const rep = h?.replication;
    const master = rep?.masterHost || o.agent.system?.masterIp || '';
    if (!names.has(master)) continue;
    if (!rep) {
      out.push({ host, receiving: undefined }); // replica known, its view unknown
      continue;
    }
    const heard = rep.lastReceiveAgeMs === undefined || rep.lastReceiveAgeMs <= c.policy.heartbeatBoundMs;
    out.push({ host, receiving: rep.ioConnected && heard });
  }
  return out;
}

/**
 * Old writer's agent answers and says mysqld is certainly not running. A server that is running
 * but not answering is hung, not dead: it may resume and commit what it had received, so it only
 * counts once its agent has killed it (the agent does that to a hung writer after its lease).
 */
export function knownDead(o: HostObservation | undefined, c: WriterContext): string | undefined {
  const h = fresh(o, c);
  if (!h) return undefined;
  if (!h.mysqldRunning) return 'its agent reports mysqld is not running';
  return undefined;
}

/** Old writer's agent confirmed a status without the writer role (read_only=1, VIP removed). */
export function demoted(o: HostObservation | undefined, c: WriterContext): boolean {
  const ap = o?.agent.lastApplied;
  return !!ap && ap.ok && !ap.roles.some((r) => r.name === c.activeMasterRole);
}

/** A legacy old writer's server is dead: its agent answers and every mysql check for trap_period was refused (RST). */
export function legacyRefusedFor(o: HostObservation | undefined, c: WriterContext): number | undefined {
  const since = o?.checks.mysql.refusedSince;
  if (!o?.agent.legacy || !o.agent.reachable || since === undefined) return undefined;
  return c.now - since >= (c.mysqlTrapSec ?? 10) * 1000 ? c.now - since : undefined;
}

/** A legacy agent's OK proves nothing: a demotion counts when a system status taken after it shows it read-only without the writer IP. */
function legacyDemotionVerified(o: HostObservation, c: WriterContext): boolean {
  const ap = o.agent.lastApplied;
  const sys = o.agent.system;
  if (!ap || !ap.ok || ap.roles.some((r) => r.name === c.activeMasterRole) || !sys || (o.agent.systemAt ?? -Infinity) < ap.at) return false;
  return sys.writable === false && !sys.configuredRoles.some((r) => r.name === c.activeMasterRole);
}

/** DESIGN §5 for an MMM 2.x old writer (no lease, always-OK replies): issue 14's rules. */
function legacyWriterSafety(w: string, o: HostObservation, c: WriterContext): WriterSafety {
  const none: string[] = [];
  if (o.fence?.ok) return { allowed: true, basis: 'fenced', reason: `old writer ${w} (MMM 2.x agent) was fenced (kill_host succeeded)`, receivingReplicas: none };
  if (legacyDemotionVerified(o, c)) {
    return { allowed: true, basis: 'demoted', reason: `old writer ${w} (MMM 2.x agent) was demoted and its system status shows it read-only without the writer IP`, receivingReplicas: none };
  }
  const refusedMs = legacyRefusedFor(o, c);
  if (refusedMs !== undefined) {
    const since = o.checks.mysql.refusedSince!;
    const ap = o.agent.lastApplied;
    const statusAcked = !!ap && ap.ok && ap.roles.length === 0 && ap.at >= since;
    const why = `old writer ${w} (MMM 2.x agent): its MySQL port refused every connect for ${(refusedMs / 1000).toFixed(1)} s`;
    if (!statusAcked) return { allowed: false, reason: `${why}; waiting for it to answer a status without roles`, receivingReplicas: none };
    if ((o.agent.clearedBadRolesAt ?? -Infinity) < ap.at) {
      return { allowed: false, reason: `${why}; waiting for it to answer CLEAR_BAD_ROLES`, receivingReplicas: none, needsClearBadRoles: w };
    }
    return { allowed: true, basis: 'dead', reason: `${why}, and it answered a status without roles and CLEAR_BAD_ROLES`, receivingReplicas: none };
  }
  if (c.legacyFailover === 'mmm') {
    return {
      allowed: true,
      basis: 'mmm-rule',
      reason: `legacy_failover mmm: old writer ${w} (MMM 2.x agent) failed its checks for trap_period; promoted by MMM's rule, without proof that ${w} stopped writing or dropped the writer IP`,
      receivingReplicas: none,
    };
  }
  const state = o.agent.reachable
    ? `its agent answers but its MySQL is not known dead (${o.checks.mysql.lastMessage ?? o.checks.mysql.message}; only refused connects for trap_period count, a timeout or a hang never does)`
    : 'its agent does not answer';
  return {
    allowed: false,
    reason: `old writer ${w} is an MMM 2.x agent, which holds no lease and cannot fence itself; ${state}: configure kill_host_bin, or set legacy_failover mmm to accept MMM's rule`,
    receivingReplicas: none,
    legacyUnproven: true,
  };
}

export function writerSafety(newWriter: string, c: WriterContext): WriterSafety {
  const none: string[] = [];
  if (!c.oldWriter) return { allowed: true, basis: 'no-previous-writer', reason: 'no previous writer', receivingReplicas: none };
  if (c.oldWriter === newWriter) return { allowed: true, basis: 'same-host', reason: `${newWriter} is already the writer`, receivingReplicas: none };
  const o = c.hosts[c.oldWriter];
  const w = c.oldWriter;
  if (o?.agent.legacy) return legacyWriterSafety(w, o, c);
  if (demoted(o, c)) return { allowed: true, basis: 'demoted', reason: `old writer ${w} confirmed its demotion`, receivingReplicas: none };
  const dead = knownDead(o, c);
  if (dead) return { allowed: true, basis: 'dead', reason: `old writer ${w} is dead: ${dead}`, receivingReplicas: none };
  if (o?.fence?.ok) return { allowed: true, basis: 'fenced', reason: `old writer ${w} was fenced (kill_host succeeded)`, receivingReplicas: none };

  if (o?.agent.reachable) {
    return { allowed: false, reason: `old writer ${w} is reachable and has not confirmed its demotion yet`, receivingReplicas: none };
  }
  const reps = replicasOfWriter(c);
  const receiving = reps.filter((r) => r.receiving === true).map((r) => r.host);
  if (receiving.length > 0) {
    return { allowed: false, reason: `old writer ${w} is unreachable from the monitor but ${receiving.join(', ')} still receive from it`, receivingReplicas: receiving };
  }
  const leaseMs = c.writerLeaseSec * 1000 + c.policy.leaseMarginMs;
  if (c.lastWriterContact === undefined) {
    // a previous monitor may have renewed the lease just before we started: no clock, no promotion
    return { allowed: false, reason: `old writer ${w} lost and the time of its last contact is unknown`, receivingReplicas: none };
  }
  const elapsed = c.now - c.lastWriterContact;
  if (elapsed < leaseMs) {
    return {
      allowed: false,
      reason: `old writer ${w} lost; no replica receives from it; waiting for its lease (${(elapsed / 1000).toFixed(1)} s of ${(leaseMs / 1000).toFixed(1)} s)`,
      receivingReplicas: none,
      waitMs: leaseMs - elapsed,
    };
  }
  return {
    allowed: true,
    basis: 'lease-expired',
    reason: `old writer ${w} lost for ${(elapsed / 1000).toFixed(1)} s (> writer_lease + margin) and no replica receives from it`,
    receivingReplicas: none,
  };
}
