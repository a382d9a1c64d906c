// GET_HEALTH with durability semisync (issue 16): the semi-sync state of the node on the wire as new
// optional keys after the old ones (older monitors ignore them); with async it is never read.
import { expect } from 'chai';
import { decodeHealth, encodeHealth } from '@mmm/common';
import { HeartbeatTracker, collectHealth, toAgentHealth } from '../../src/health/health';
import { FakeLocalMysql, fakeSemisync } from '../../src/testing';

const lease = () => ({ status: 'held' as const, msLeft: 1234, action: 'none' as const });
const collect = (mysql: FakeLocalMysql, semisync: boolean) => collectHealth({ mysql, lease, heartbeat: new HeartbeatTracker(), now: () => 0, semisync });

describe('health: semi-sync state (durability semisync)', () => {
  it('a writer whose master side waits for 2 replicas: the keys, after the old ones, and back', async () => {
    const mysql = new FakeLocalMysql();
    mysql.readOnly = false;
    mysql.semi = fakeSemisync({ masterEnabled: true, waitPoint: 'AFTER_SYNC', timeoutMs: 30_000, masterActive: true, masterClients: 2, masterYesTx: 41, masterNoTx: 3, slaveEnabled: true });
    const wire = encodeHealth(toAgentHealth(await collect(mysql, true)));
    expect(wire).to.equal(
      'mysqld=running,answering=1,writable=1,lease=held,lease_left_ms=1234,replication=none,gtid_binlog_pos=0-1-10,gtid_binlog_state=0-1-10,server_id=1,' +
        'semisync_master=1,semisync_master_status=1,semisync_master_clients=2,semisync_master_yes_tx=41,semisync_master_no_tx=3,semisync_slave=1,semisync_slave_status=0',
    );
    expect(decodeHealth(wire)).to.deep.include({
      semisyncMaster: true, semisyncMasterStatus: true, semisyncMasterClients: 2, semisyncMasterYesTx: 41, semisyncMasterNoTx: 3, semisyncSlave: true, semisyncSlaveStatus: false,
    });
  });

  it('fell back to async: master side on, status off', async () => {
    const mysql = new FakeLocalMysql();
    mysql.semi = fakeSemisync({ masterEnabled: true, masterActive: false, masterClients: 0 });
    expect(toAgentHealth(await collect(mysql, true))).to.include({ semisyncMaster: true, semisyncMasterStatus: false, semisyncMasterClients: 0 });
  });

  it('durability async: not read, no key; a server without semi-sync: no key either', async () => {
    const mysql = new FakeLocalMysql();
    const f = await collect(mysql, false);
    expect(mysql.calls).to.not.include('semisync');
    expect(encodeHealth(toAgentHealth(f))).to.not.match(/semisync/);
    mysql.semi = null;
    expect(encodeHealth(toAgentHealth(await collect(mysql, true)))).to.not.match(/semisync/);
  });

  it('unreadable (the query failed): no key, the rest of the health as usual', async () => {
    const mysql = new FakeLocalMysql();
    mysql.fail.add('semisync');
    const h = toAgentHealth(await collect(mysql, true));
    expect(h).to.include({ answering: true, writable: false });
    expect(Object.keys(h).filter((k) => k.startsWith('semisync'))).to.deep.equal([]);
  });
});
