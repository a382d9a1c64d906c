// Pure verdicts from SHOW SLAVE STATUS rows (shapes as MariaDB 10.11 and mysql2 return them).
import { expect } from 'chai';
import { classifyBacklog, classifyThreads, parseSlaveStatus } from '../../src/checks';

const row = (io: string, sql: string, sbm: number | string | null, extra: Record<string, unknown> = {}) => [
  { Slave_IO_Running: io, Slave_SQL_Running: sql, Seconds_Behind_Master: sbm, Last_IO_Error: '', Last_SQL_Error: '', ...extra },
];

describe('slave status verdicts', () => {
  it('parses MariaDB and MySQL 8 field names; no row is undefined', () => {
    expect(parseSlaveStatus([])).to.equal(undefined);
    expect(parseSlaveStatus(row('Yes', 'Yes', '7'))).to.include({ ioRunning: 'Yes', sqlRunning: 'Yes', secondsBehind: 7 });
    const mysql8 = [{ Replica_IO_Running: 'Yes', Replica_SQL_Running: 'No', Seconds_Behind_Source: null }];
    expect(parseSlaveStatus(mysql8)).to.include({ ioRunning: 'Yes', sqlRunning: 'No', secondsBehind: null });
  });

  const threads: [string, string, string, string][] = [
    ['Yes', 'Yes', 'OK', 'OK'],
    ['No', 'Yes', 'ERROR', 'ERROR: Replication is broken'],
    ['Yes', 'No', 'ERROR', 'ERROR: Replication is broken'],
    ['No', 'No', 'ERROR', 'ERROR: Replication is broken'],
    ['Connecting', 'No', 'ERROR', 'ERROR: Replication is broken'],
    ['Connecting', 'Yes', 'OK', 'OK: IO thread is connecting (boom)'],
  ];
  for (const [io, sql, status, message] of threads) {
    it(`rep_threads IO=${io} SQL=${sql} → ${message}`, () => {
      expect(classifyThreads(parseSlaveStatus(row(io, sql, null, { Last_IO_Error: io === 'Connecting' ? 'boom' : '' })))).to.deep.equal({
        status,
        message,
      });
    });
  }

  it('rep_threads without a row: not set up', () => {
    expect(classifyThreads(undefined)).to.deep.equal({ status: 'ERROR', message: 'ERROR: Replication is not set up' });
  });

  const backlog: [string, string, number | null, string, RegExp][] = [
    ['Yes', 'Yes', 0, 'OK', /^OK: Backlog is null$/],
    ['Yes', 'Yes', null, 'OK', /^OK: Backlog is null$/],
    ['Yes', 'Yes', 60, 'OK', /^OK$/],
    ['Yes', 'Yes', 61, 'ERROR', /^ERROR: Backlog is too big$/],
    ['Yes', 'No', null, 'ERROR', /^ERROR: Backlog is unknown: replication is stopped/],
    ['No', 'Yes', null, 'ERROR', /^ERROR: Backlog is unknown: replication is stopped/],
    ['No', 'No', null, 'ERROR', /^ERROR: Backlog is unknown: replication is stopped/],
    ['Connecting', 'Yes', null, 'UNKNOWN', /^UNKNOWN: Backlog is unknown while the IO thread is connecting$/],
    // a stopped SQL thread still shows the lag it had when MySQL can compute it: too big is too big
    ['Yes', 'No', 500, 'ERROR', /^ERROR: Backlog is too big$/],
  ];
  for (const [io, sql, sbm, status, message] of backlog) {
    it(`rep_backlog IO=${io} SQL=${sql} SBM=${String(sbm)} (max 60) → ${status}`, () => {
      const r = classifyBacklog(parseSlaveStatus(row(io, sql, sbm)), 60);
      expect(r.status).to.equal(status);
      expect(r.message).to.match(message);
    });
  }

  it('rep_backlog without a row: OK (rep_threads reports it)', () => {
    expect(classifyBacklog(undefined, 60).status).to.equal('OK');
  });
});
