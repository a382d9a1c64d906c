import { expect } from 'chai';
import { classifyRepBacklog, classifyRepThreads } from '../../src/analysis/replication-checks';
import type { ReplicaStatusRow } from '../../src/analysis/snapshot';

const row = (io: string, sql: string, sbm: number | null): ReplicaStatusRow => ({ masterHost: 'db1', slaveIoRunning: io, slaveSqlRunning: sql, secondsBehindMaster: sbm });

const ROWS: { label: string; row?: ReplicaStatusRow; threads: string; backlog: string }[] = [
  { label: 'no row', row: undefined, threads: 'ERROR', backlog: 'ERROR' },
  { label: 'running, in sync', row: row('Yes', 'Yes', 0), threads: 'OK', backlog: 'OK' },
  { label: 'running, 30 s behind', row: row('Yes', 'Yes', 30), threads: 'OK', backlog: 'OK' },
  { label: 'running, 61 s behind (max 60)', row: row('Yes', 'Yes', 61), threads: 'OK', backlog: 'ERROR' },
  { label: 'SQL thread stopped, NULL backlog (MMM said OK)', row: row('Yes', 'No', null), threads: 'ERROR', backlog: 'ERROR' },
  { label: 'IO connecting, NULL backlog', row: row('Connecting', 'Yes', null), threads: 'ERROR', backlog: 'ERROR' },
  { label: 'both running, NULL backlog (just started)', row: row('Yes', 'Yes', null), threads: 'OK', backlog: 'UNKNOWN' },
];

describe('rep_threads / rep_backlog classifiers', () => {
  for (const r of ROWS) {
    it(r.label, () => {
      expect(classifyRepThreads(r.row).status).to.equal(r.threads);
      expect(classifyRepBacklog(r.row, 60).status).to.equal(r.backlog);
    });
  }
  it('names the stopped thread and the error', () => {
    expect(classifyRepThreads({ ...row('Yes', 'No', null), lastSqlError: 'Duplicate entry' }).message).to.match(/SQL: No, Duplicate entry/);
  });
});
