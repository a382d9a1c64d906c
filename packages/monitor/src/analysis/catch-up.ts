// When every candidate writer lacks transactions another host received (promotion.ts), bring the
// first one up to date before its promotion: its agent replicates from a host whose binary log
// holds everything any survivor received (GTID replication, log_slave_updates), bounded by
// switch_timeout, then points its replication back (agent CATCH_UP). Pure: the plan as an action.
import { combineGtidPositions, describeGtidGaps, gtidsBeyond } from '@mmm/common/pure';
import { freshHealth } from './health';
import type { Election } from './promotion';
import { receivedPositions } from './received';
import type { Action, Decision } from './result';
import type { ClusterSnapshot, HostObservation } from './snapshot';

export type CatchUpAction = Extract<Action, { kind: 'catch_up' }>;

/** A catch-up that failed is not tried again for this long. */
export const CATCH_UP_BACKOFF_MS = 30_000;

/** Backoff after failed catch-ups: host → not before (ms); expired entries dropped. */
export function stepCatchUpBackoff(previous: Readonly<Record<string, number>> | undefined, last: ClusterSnapshot['lastCatchUp'], now: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [h, until] of Object.entries(previous ?? {})) if (until > now) out[h] = until;
  if (last && !last.ok && last.at + CATCH_UP_BACKOFF_MS > now) out[last.host] = Math.max(out[last.host] ?? 0, last.at + CATCH_UP_BACKOFF_MS);
  return out;
}

/** The host's binary log holds every transaction any host other than `candidate` received. */
function servesAll(source: string, candidate: string, hosts: Record<string, HostObservation>, maxAgeMs: number, now: number): string | undefined {
  const h = freshHealth(hosts[source], now, maxAgeMs);
  const binlog = h?.gtidBinlogPos;
  if (!binlog) return `${source} reports no binary log position`;
  for (const x of Object.keys(hosts).sort()) {
    if (x === candidate) continue;
    const theirs = receivedPositions(freshHealth(hosts[x], now, maxAgeMs));
    if (!theirs) continue;
    const gaps = gtidsBeyond(theirs, [binlog]);
    if (gaps === undefined) return `the positions of ${x} and ${source} cannot be compared`;
    if (gaps.length) return `${source}'s binary log lacks ${describeGtidGaps(gaps)} that ${x} received (log_slave_updates off, or not applied yet)`;
  }
  return undefined;
}

export function planCatchUp(i: {
  election: Election;
  hosts: Record<string, HostObservation>;
  backoff: Readonly<Record<string, number>>;
  lastCatchUp?: ClusterSnapshot['lastCatchUp'];
  switchTimeoutSec: number;
  healthMaxAgeMs: number;
  /** A replica that heard its source within this bound still receives from it. */
  heartbeatBoundMs: number;
  now: number;
}): { action?: CatchUpAction; decisions: Decision[] } {
  const first = i.election.lacking?.[0];
  if (!first) return { decisions: [] };
  const c = first.host;
  const decisions: Decision[] = [];
  const last = i.lastCatchUp;
  if (last && last.host === c) {
    decisions.push(last.ok
      ? { kind: 'failover', host: c, reason: `catch-up of ${c} from ${last.source} done`, blocked: false }
      : { kind: 'failover', host: c, reason: `catch-up of ${c} from ${last.source} failed: ${last.error ?? 'no reason given'}`, blocked: true });
  }
  const co = i.hosts[c];
  if (co?.agent.legacy || !freshHealth(co, i.now, i.healthMaxAgeMs)) {
    decisions.push({ kind: 'failover', host: c, reason: `${c} cannot be caught up from another host: its agent speaks no CATCH_UP (MMM 2.x) or reports no health`, blocked: true });
    return { decisions };
  }
  const rep = freshHealth(co, i.now, i.healthMaxAgeMs)?.replication;
  if (rep?.ioConnected && (rep.lastReceiveAgeMs === undefined || rep.lastReceiveAgeMs <= i.heartbeatBoundMs)) {
    // still fed by its source (the old writer, demoted but alive): it catches up by itself
    decisions.push({ kind: 'failover', host: c, reason: `${c} still receives from its source${rep.masterHost ? ` ${rep.masterHost}` : ''}: it catches up by itself`, blocked: true });
    return { decisions };
  }
  const until = i.backoff[c] ?? 0;
  if (i.now < until) {
    decisions.push({ kind: 'failover', host: c, reason: `no new catch-up of ${c} for ${Math.ceil((until - i.now) / 1000)} s after the failed one`, blocked: true });
    return { decisions };
  }
  // the hosts it lacks something from first, then every other answering agent
  const order = [...first.lacks.map((l) => l.from), ...Object.keys(i.hosts).sort()].filter((h, k, all) => h !== c && all.indexOf(h) === k);
  const why: string[] = [];
  for (const s of order) {
    const o = i.hosts[s];
    // only a server that answers its agent can be replicated from
    if (!o?.agent.reachable || o.agent.legacy || !freshHealth(o, i.now, i.healthMaxAgeMs)?.answering) continue;
    const bar = servesAll(s, c, i.hosts, i.healthMaxAgeMs, i.now);
    if (bar) {
      why.push(bar);
      continue;
    }
    const gtid = combineGtidPositions([freshHealth(o, i.now, i.healthMaxAgeMs)!.gtidBinlogPos!]);
    if (!gtid) continue;
    const timeoutMs = Math.round(i.switchTimeoutSec * 1000);
    const lacks = first.lacks.map((l) => `${describeGtidGaps(l.gaps)} that ${l.from} received`).join('; ');
    const reason = `catch-up before the promotion: ${c} replicates from ${s} until ${gtid} (it lacks ${lacks}), bounded by switch_timeout ${i.switchTimeoutSec} s`;
    decisions.push({ kind: 'failover', host: c, reason, blocked: false });
    return { action: { kind: 'catch_up', host: c, source: s, gtid, timeoutMs, reason }, decisions };
  }
  decisions.push({ kind: 'failover', host: c, reason: `${c} cannot be caught up: no host can serve what it lacks${why.length ? ` (${why.join('; ')})` : ''}`, blocked: true });
  return { decisions };
}
