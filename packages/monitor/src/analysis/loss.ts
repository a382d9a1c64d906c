// What a failover is known to lose (pure). At the failover: a lower bound, the old writer's last
// reported GTID positions beyond what the new writer received (it may have committed more after
// that report). When the old writer answers again: the GTIDs it has that the writer lacks (the
// divergence check), recorded once in the failover record.
import { combineGtidPositions, describeGtidGaps, gtidsBeyond } from '@mmm/common/pure';
import { missingOnWriter } from './divergence';
import { freshHealth } from './health';
import { receivedPositions } from './received';
import type { FailoverRecord, HostMemory, HostObservation, MonitorState } from './snapshot';

export interface LossReport {
  text: string;
  record: Pick<FailoverRecord, 'lostAtLeast' | 'lostAtLeastCount' | 'positionAt'>;
}

export function lossAtFailover(
  oldWriter: string,
  newWriter: string,
  last: MonitorState['writerPositions'],
  hosts: Record<string, HostObservation>,
  maxAgeMs: number,
  now: number,
): LossReport {
  if (last?.host !== oldWriter) return { text: `what ${oldWriter} committed last is unknown (it reported no GTID positions): the loss cannot be bounded`, record: {} };
  const mine = receivedPositions(freshHealth(hosts[newWriter], now, maxAgeMs));
  const gaps = mine ? gtidsBeyond(last.gtids, mine) : undefined;
  const age = `${((now - last.at) / 1000).toFixed(1)} s before`;
  const pos = (l: readonly string[]): string => combineGtidPositions(l) ?? l.join(', ');
  if (!gaps) return { text: `${newWriter}'s positions cannot be compared with what ${oldWriter} last reported (${pos(last.gtids)}, ${age})`, record: { positionAt: last.at } };
  if (gaps.length === 0) {
    return { text: `${newWriter} has everything ${oldWriter} last reported (${pos(last.gtids)}, ${age})`, record: { lostAtLeast: [], lostAtLeastCount: 0, positionAt: last.at } };
  }
  const count = gaps.reduce((n, g) => n + g.count, 0);
  return {
    text: `at least ${describeGtidGaps(gaps)} of ${oldWriter} lost: ${oldWriter} last reported ${pos(last.gtids)} ${age}, ${newWriter} has ${pos(mine!)}`,
    record: { lostAtLeast: gaps.map((g) => g.text), lostAtLeastCount: count, positionAt: last.at },
  };
}

/** The writer's positions this pass when its agent reports them, else what was known. */
export function trackWriterPositions(writer: string, prev: MonitorState['writerPositions'], hosts: Record<string, HostObservation>, maxAgeMs: number, now: number): MonitorState['writerPositions'] {
  const o = hosts[writer];
  const gtids = receivedPositions(freshHealth(o, now, maxAgeMs));
  if (writer && gtids) return { host: writer, gtids, at: o.agent.healthAt ?? now };
  return prev?.host === writer ? prev : undefined;
}

/**
 * The failover record once the old writer's agent reports its GTIDs again: what it has that the
 * current writer lacks ([] = nothing was lost). Unchanged when already known or not comparable yet.
 */
export function noteReturn(
  rec: FailoverRecord | undefined,
  writer: string,
  hosts: Record<string, HostObservation>,
  memory: Record<string, HostMemory>,
  maxAgeMs: number,
  now: number,
): FailoverRecord | undefined {
  if (!rec || rec.lostOnReturn !== undefined || writer !== rec.to) return rec;
  // back means checked again after the failover: not still down, not held offline by the operator
  const st = memory[rec.from]?.state;
  if (st === undefined || st === 'HARD_OFFLINE' || st === 'ADMIN_OFFLINE') return rec;
  const missing = missingOnWriter(freshHealth(hosts[rec.from], now, maxAgeMs), freshHealth(hosts[writer], now, maxAgeMs));
  return missing === undefined ? rec : { ...rec, lostOnReturn: missing };
}
