// Pure: turn a `SHOW SLAVE STATUS` row into the rep_threads / rep_backlog verdicts.
import { type CheckResult, error, ok, unknown } from './types';

export interface SlaveStatus {
  /** `Yes`, `No`, `Connecting` (MySQL 8 also `Preparing`). */
  ioRunning: string;
  sqlRunning: string;
  /** null when the server reports NULL (a thread stopped, or the IO thread not connected). */
  secondsBehind: number | null;
  lastIoError: string;
  lastSqlError: string;
}

/** undefined when there is no row: replication is not set up. */
export function parseSlaveStatus(rows: readonly Record<string, unknown>[]): SlaveStatus | undefined {
  const row = rows[0];
  if (!row) return undefined;
  // MySQL 8.0.22+ renamed the fields (Replica_*, Seconds_Behind_Source); MariaDB keeps Slave_*.
  const field = (...names: string[]): unknown => names.map((n) => row[n]).find((v) => v !== undefined);
  const text = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
  const sbm = field('Seconds_Behind_Master', 'Seconds_Behind_Source');
  const n = sbm === null || sbm === undefined || sbm === '' ? null : Number(sbm);
  return {
    ioRunning: text(field('Slave_IO_Running', 'Replica_IO_Running')),
    sqlRunning: text(field('Slave_SQL_Running', 'Replica_SQL_Running')),
    secondsBehind: n === null || Number.isNaN(n) ? null : n,
    lastIoError: text(field('Last_IO_Error')),
    lastSqlError: text(field('Last_SQL_Error')),
  };
}

/**
 * MMM: `No` in either thread is broken. `Connecting` is not: the IO thread is retrying a master
 * that is down, which the master's own checks report; failing its replicas too would take their
 * roles away in the middle of a failover.
 */
export function classifyThreads(s: SlaveStatus | undefined): CheckResult {
  if (!s) return error('Replication is not set up');
  if (s.ioRunning === 'No' || s.sqlRunning === 'No') return error('Replication is broken');
  if (s.ioRunning !== 'Yes') {
    const why = s.lastIoError ? ` (${s.lastIoError})` : '';
    return ok(`OK: IO thread is ${s.ioRunning.toLowerCase() || 'not running'}${why}`);
  }
  return ok();
}

/**
 * MMM reported `OK: Backlog is null` whenever Seconds_Behind_Master was NULL, so a stopped slave
 * looked fine here. We only say so when both threads run. With a stopped thread the lag is
 * unknown and growing: ERROR (rep_threads, which the state machine looks at first, reports the
 * cause). With the IO thread still connecting the lag is simply unknown: UNKNOWN keeps the last
 * verdict, for the same reason `Connecting` is not broken above.
 */
export function classifyBacklog(s: SlaveStatus | undefined, maxBacklog: number): CheckResult {
  // Nothing replicates, so nothing lags; rep_threads reports "not set up".
  if (!s) return ok('OK: Backlog is null (replication is not set up)');
  if (s.secondsBehind !== null && s.secondsBehind > maxBacklog) return error('Backlog is too big');
  const running = s.ioRunning === 'Yes' && s.sqlRunning === 'Yes';
  if (s.secondsBehind === null || s.secondsBehind === 0) {
    if (running) return ok('OK: Backlog is null');
    if (s.ioRunning === 'No' || s.sqlRunning === 'No') {
      return error(
        `Backlog is unknown: replication is stopped (Slave_IO_Running: ${s.ioRunning}, Slave_SQL_Running: ${s.sqlRunning})`,
      );
    }
    return unknown(`Backlog is unknown while the IO thread is ${s.ioRunning.toLowerCase() || 'not running'}`);
  }
  return ok();
}
