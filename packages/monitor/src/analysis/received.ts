// What every host has received (GET_HEALTH's GTID positions) and what a candidate writer lacks of
// it (pure). A crash failover must not promote a host that lacks a transaction another survivor
// holds: with semi-sync that transaction may have been acknowledged to a client.
import { type GtidGap, describeGtidGaps, gtidsBeyond } from '@mmm/common/pure';
import { freshHealth } from './health';
import type { HealthSummary, HostObservation } from './snapshot';

/**
 * Everything the host received or wrote, as GTID positions: gtid_io_pos (received, relay log
 * included), gtid_slave_pos (applied), gtid_binlog_pos (written or logged). undefined when it
 * reports none, or only empty ones (no GTIDs: nothing can be compared).
 */
export function receivedPositions(h: HealthSummary | undefined): string[] | undefined {
  if (!h) return undefined;
  const list = [h.replication?.gtidIoPos, h.replication?.gtidSlavePos, h.gtidBinlogPos].filter((x): x is string => x !== undefined && x.trim() !== '');
  return list.length ? list : undefined;
}

/** One host whose received transactions the candidate lacks. */
export interface Lack {
  from: string;
  gaps: GtidGap[];
}

export interface Completeness {
  lacks: Lack[];
  /** Hosts not compared, with why (`db4: its agent does not answer`). */
  unknown: string[];
  /** The candidate's own positions are known (otherwise nothing was compared). */
  candidateKnown: boolean;
}

/** Compares `candidate` with every other host whose agent answered with fresh GTID positions: the runs each holds beyond the candidate. */
export function completeness(candidate: string, hosts: Record<string, HostObservation>, maxAgeMs: number, now: number): Completeness {
  const mine = receivedPositions(freshHealth(hosts[candidate], now, maxAgeMs));
  const lacks: Lack[] = [];
  const unknown: string[] = [];
  for (const h of Object.keys(hosts).sort()) {
    if (h === candidate) continue;
    const o = hosts[h];
    const health = freshHealth(o, now, maxAgeMs);
    const theirs = receivedPositions(health);
    if (!theirs) {
      // a server that is down has lost nothing it could still give: only a silent agent is a gap in the evidence
      if (!o.agent.reachable) unknown.push(`${h}: its agent does not answer`);
      else if (o.agent.legacy) unknown.push(`${h}: an MMM 2.x agent reports no positions`);
      else if (!health) unknown.push(`${h}: no recent GET_HEALTH`);
      else if (health.answering) unknown.push(`${h}: it reports no GTID positions`);
      continue;
    }
    if (!mine) continue;
    const gaps = gtidsBeyond(theirs, mine);
    if (gaps === undefined) unknown.push(`${h}: its positions cannot be compared with ${candidate}'s`);
    else if (gaps.length > 0) lacks.push({ from: h, gaps });
  }
  return { lacks, unknown, candidateKnown: mine !== undefined };
}

/** `db2 lacks 0-1-44..0-1-45 (2 transactions) that db3 received`. */
export function lackText(candidate: string, lacks: readonly Lack[]): string {
  return `${candidate} lacks ${lacks.map((l) => `${describeGtidGaps(l.gaps)} that ${l.from} received`).join('; and ')}`;
}

/** Every GTID run named in `lacks`, for the audit details. */
export function lackGtids(lacks: readonly Lack[]): string[] {
  return [...new Set(lacks.flatMap((l) => l.gaps.map((g) => g.text)))];
}
