// Pure classifiers for the rep_threads and rep_backlog checks from a SHOW SLAVE STATUS row.
// Unlike MMM, a NULL Seconds_Behind_Master is not "no backlog" when a thread is stopped:
// a stopped replica has an unknown, growing backlog.
import type { CheckResult, ReplicaStatusRow } from './snapshot';

const yes = (v: string): boolean => v.trim().toLowerCase() === 'yes';

/** rep_threads: `row` undefined means SHOW SLAVE STATUS returned no row. */
export function classifyRepThreads(row: ReplicaStatusRow | undefined): CheckResult {
  if (!row) return { status: 'ERROR', message: 'ERROR: Replication is not set up' };
  if (!yes(row.slaveIoRunning) || !yes(row.slaveSqlRunning)) {
    const err = row.lastSqlError || row.lastIoError;
    const detail = `IO: ${row.slaveIoRunning}, SQL: ${row.slaveSqlRunning}${err ? `, ${err}` : ''}`;
    return { status: 'ERROR', message: `ERROR: Replication is broken (${detail})` };
  }
  return { status: 'OK', message: 'OK' };
}

/** rep_backlog against max_backlog seconds. */
export function classifyRepBacklog(row: ReplicaStatusRow | undefined, maxBacklog: number): CheckResult {
  if (!row) return { status: 'ERROR', message: 'ERROR: Replication is not set up' };
  const running = yes(row.slaveIoRunning) && yes(row.slaveSqlRunning);
  const sbm = row.secondsBehindMaster;
  if (sbm === null) {
    if (!running) {
      // MMM said "OK: Backlog is null" here; the SQL thread is stopped, so the backlog is unknown
      return { status: 'ERROR', message: `ERROR: Backlog is unknown: replication is not running (IO: ${row.slaveIoRunning}, SQL: ${row.slaveSqlRunning})` };
    }
    // both threads just (re)started: no evidence yet, keep the last reported status
    return { status: 'UNKNOWN', message: 'UNKNOWN: Backlog is null while threads start' };
  }
  if (sbm > maxBacklog) return { status: 'ERROR', message: `ERROR: Backlog is too big (${sbm} s > ${maxBacklog} s)` };
  return { status: 'OK', message: `OK: Backlog is ${sbm} s` };
}
