import { expect } from 'chai';
import { ioConnected, parseSlaveStatus, pickDefaultConnection, receivedAllApplied } from '../../src/system/slave-status';
import { fakeSlaveStatus } from '../../src/testing';
import { parseMariadbGtidList } from '@mmm/common';
import { mariadbGtidReached } from '../../src/system/gtid';

describe('slave-status', () => {
  it('picks the default connection of SHOW ALL SLAVES STATUS', () => {
    expect(pickDefaultConnection([{ Connection_name: 'other', Master_Host: 'a' }, { Connection_name: '', Master_Host: 'b' }])?.Master_Host).to.equal('b');
    expect(pickDefaultConnection([{ Connection_name: 'other' }])).to.equal(undefined);
    expect(pickDefaultConnection([{ Source_Host: 'c' }])?.Source_Host).to.equal('c');
    expect(pickDefaultConnection([])).to.equal(undefined);
  });

  it('no row means no replication', () => {
    expect(parseSlaveStatus(undefined)).to.equal(undefined);
  });

  it('reads MariaDB SHOW SLAVE STATUS', () => {
    const s = parseSlaveStatus({
      Master_Host: '127.0.0.1',
      Master_Port: 33061,
      Slave_IO_Running: 'Connecting',
      Slave_SQL_Running: 'Yes',
      Seconds_Behind_Master: null,
      Gtid_IO_Pos: '0-2-4',
      Using_Gtid: 'Slave_Pos',
      Last_IO_Errno: 2003,
      Last_IO_Error: 'error connecting to master',
      Last_SQL_Errno: 0,
      Last_SQL_Error: '',
      Slave_heartbeat_period: '1.000',
      Slave_received_heartbeats: 7,
    });
    expect(s).to.include({ masterHost: '127.0.0.1', masterPort: 33061, ioRunning: 'Connecting', sqlRunning: 'Yes', gtidIoPos: '0-2-4' });
    expect(s?.secondsBehindMaster).to.equal(null);
    expect(s?.lastIoErrno).to.equal(2003);
    expect(s?.heartbeatPeriod).to.equal(1);
    expect(s?.receivedHeartbeats).to.equal(7);
    expect(ioConnected(s)).to.equal(false);
  });

  it('reads MySQL 8 SHOW REPLICA STATUS names', () => {
    const s = parseSlaveStatus({
      Source_Host: '10.0.0.11',
      Source_Port: 3306,
      Replica_IO_Running: 'Yes',
      Replica_SQL_Running: 'Yes',
      Seconds_Behind_Source: 3,
      Retrieved_Gtid_Set: 'uuid-a:1-10,\nuuid-b:1-2',
      Executed_Gtid_Set: 'uuid-a:1-9',
      Auto_Position: 1,
    });
    expect(s).to.include({ masterHost: '10.0.0.11', ioRunning: 'Yes', secondsBehindMaster: 3, gtidIoPos: 'uuid-a:1-10,uuid-b:1-2', executedGtidSet: 'uuid-a:1-9' });
    expect(ioConnected(s)).to.equal(true);
  });
});

describe('receivedAllApplied: a transaction cut off mid-transfer is not waited for', () => {
  const idle = 'Slave has read all relay log; waiting for more updates';
  const rows: Array<[string, Parameters<typeof fakeSlaveStatus>[0], boolean]> = [
    ['IO stopped (re-point), SQL idle: all that arrived in full is applied', { ioRunning: 'No', sqlState: idle }, true],
    ['source gone (Connecting), SQL idle', { ioRunning: 'Connecting', sqlState: idle }, true],
    ['MySQL 8 wording', { ioRunning: 'No', sqlState: 'Replica has read all relay log; waiting for more updates' }, true],
    ['IO still connected: more may come, wait for Gtid_IO_Pos', { ioRunning: 'Yes', sqlState: idle }, false],
    ['SQL thread still applying', { ioRunning: 'No', sqlState: 'Reading event from the relay log' }, false],
    ['SQL thread stopped (error)', { ioRunning: 'No', sqlRunning: 'No', sqlState: '' }, false],
  ];
  for (const [what, over, want] of rows) it(what, () => expect(receivedAllApplied(fakeSlaveStatus(over))).to.equal(want));
  it('parses Slave_SQL_Running_State', () => {
    expect(parseSlaveStatus({ Slave_IO_Running: 'No', Slave_SQL_Running: 'Yes', Slave_SQL_Running_State: idle })?.sqlState).to.equal(idle);
  });
});

describe('gtid (MariaDB positions)', () => {
  it('parses lists', () => {
    expect(parseMariadbGtidList('')).to.deep.equal([]);
    expect(parseMariadbGtidList('0-1-3, 1-2-9')).to.deep.equal([
      { domain: 0, server: 1, seq: 3n },
      { domain: 1, server: 2, seq: 9n },
    ]);
    expect(parseMariadbGtidList('junk')).to.equal(undefined);
  });

  const cases: [string, string, boolean | undefined][] = [
    ['0-1-10', '0-1-10', true],
    ['0-1-10', '0-2-9', true], // seq is what counts within a domain
    ['0-1-9', '0-1-10', false],
    ['0-1-10', '0-1-10,1-1-1', false], // domain missing
    ['0-1-10,1-1-5', '1-1-5', true],
    ['', '', true],
    ['0-1-1', '', true],
    ['x', '0-1-1', undefined],
  ];
  for (const [have, target, want] of cases) {
    it(`'${have}' reaches '${target}': ${want}`, () => expect(mariadbGtidReached(have, target)).to.equal(want));
  }
});
