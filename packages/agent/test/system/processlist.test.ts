import { expect } from 'chai';
import { type ProcessRow, threadsToKill } from '../../src/system/processlist';

describe('processlist: which threads a demotion ends', () => {
  const rows: ProcessRow[] = [
    { id: 1, user: 'system user', command: 'Slave_IO' }, // MariaDB replica threads
    { id: 2, user: 'system user', command: 'Slave_SQL' },
    { id: 3, user: 'event_scheduler', command: 'Daemon' },
    { id: 4, user: 'repl', command: 'Binlog Dump' }, // a replica reading from us
    { id: 5, user: 'repl', command: 'Binlog Dump GTID' },
    { id: 6, user: 'mmm_agent', command: 'Query' }, // our own session
    { id: 7, user: 'mmm_agent', command: 'Sleep' }, // another agent session
    { id: 8, user: 'app', command: 'Sleep' },
    { id: 9, user: 'app', command: 'Query' },
    { id: 10, user: 'system user', command: 'Connect' }, // MySQL 8 replication applier
    { id: 11, user: null, command: 'Daemon' },
    { id: 12, user: 'root', command: 'Query' },
    { id: 13, user: 'app', command: 'Killed' },
    { id: 14, user: 'system user', command: 'Slave_worker' },
  ];

  it('ends only application clients', () => {
    expect(threadsToKill(rows, { ownConnectionId: 6, agentUser: 'mmm_agent' })).to.deep.equal([8, 9, 12]);
  });

  it('without the agent user, still skips its own connection', () => {
    expect(threadsToKill(rows, { ownConnectionId: 6 })).to.deep.equal([7, 8, 9, 12]);
  });

  it('honours extra exclusions', () => {
    expect(threadsToKill(rows, { ownConnectionId: 6, agentUser: 'mmm_agent', excludeIds: [9] })).to.deep.equal([8, 12]);
  });
});
