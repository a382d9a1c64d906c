// DESIGN §5 "One writer, always": may a new writer be made writable while `oldWriter` may
// still be? Only when the old writer is (a) demoted, (b) known dead, (c) fenced, or (d) lost
// and past its lease while no replica still receives from it.
import { freshHealth } from './health';
import type { AnalysisPolicy, HostObservation } from './snapshot';

export type SafetyBasis = 'no-previous-writer' | 'same-host' | 'demoted' | 'dead' | 'fenced' | 'lease-expired';

export interface WriterSafety {
  allowed: boolean;
  basis?: SafetyBasis;
  reason: string;
  /** Replicas whose IO thread still hears the old writer. */
  receivingReplicas: string[];
  /** Milliseconds until (d) could hold, when only time is missing. */
  waitMs?: number;
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

export function writerSafety(newWriter: string, c: WriterContext): WriterSafety {
  const none: string[] = [];
  if (!c.oldWriter) return { allowed: true, basis: 'no-previous-writer', reason: 'no previous writer', receivingReplicas: none };
  if (c.oldWriter === newWriter) return { allowed: true, basis: 'same-host', reason: `${newWriter} is already the writer`, receivingReplicas: none };
  const o = c.hosts[c.oldWriter];
  const w = c.oldWriter;
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
