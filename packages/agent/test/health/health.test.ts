import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeHealth } from '@mmm/common';
import { HeartbeatTracker, collectHealth, dropWriterVipIfDead, mysqldProcess, toAgentHealth } from '../../src/health/health';
import { FakeLocalMysql, FakeVipManager, fakeSlaveStatus } from '../../src/testing';
import type { LeaseDecision } from '../../src/lease/lease';

describe('health', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'mmmag-health-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('mysqld process from the pid file and /proc', async () => {
    const pf = join(dir, 'mysqld.pid');
    expect(await mysqldProcess(undefined)).to.deep.equal({ running: undefined, pid: undefined });
    expect(await mysqldProcess(pf)).to.deep.equal({ running: false, pid: undefined });
    writeFileSync(pf, `${process.pid}\n`);
    expect(await mysqldProcess(pf)).to.deep.equal({ running: true, pid: process.pid });
    writeFileSync(pf, '999999999\n');
    expect((await mysqldProcess(pf)).running).to.equal(false);
    writeFileSync(pf, 'garbage');
    expect((await mysqldProcess(pf)).running).to.equal(false);
  });

  it("MMM's default pid file (not configured) that does not exist proves nothing: unknown, not stopped", async () => {
    const pf = join(dir, 'absent.pid');
    expect(await mysqldProcess(pf, '/proc', false)).to.deep.equal({ running: undefined, pid: undefined });
    expect(await mysqldProcess(pf, '/proc', true)).to.deep.equal({ running: false, pid: undefined });
  });

  it('a zombie mysqld (killed, not reaped yet) is not running', async () => {
    const proc = join(dir, 'proc');
    const pf = join(dir, 'z.pid');
    writeFileSync(pf, '4242\n');
    mkdirSync(join(proc, '4242'), { recursive: true });
    const stat = (state: string) => writeFileSync(join(proc, '4242', 'stat'), `4242 (mariadbd) ${state} 1 4242 4242 0 -1 4194560 0 0\n`);
    stat('S');
    expect(await mysqldProcess(pf, proc)).to.deep.equal({ running: true, pid: 4242 });
    stat('Z');
    expect(await mysqldProcess(pf, proc)).to.deep.equal({ running: false, pid: 4242 });
    writeFileSync(join(proc, '4242', 'stat'), '4242 (odd) name)) R 1\n'); // comm with ')' in it
    expect((await mysqldProcess(pf, proc)).running).to.equal(true);
  });

  it('heartbeat age: time since the counter or received GTID last moved', () => {
    const t = new HeartbeatTracker();
    expect(t.observe(5, '0-1-1', true, 1000)).to.equal(undefined);
    expect(t.observe(6, '0-1-1', true, 2000)).to.equal(0);
    expect(t.observe(6, '0-1-1', true, 2500)).to.equal(500);
    expect(t.observe(6, '0-1-2', true, 3000)).to.equal(0);
    expect(t.observe(6, '0-1-2', false, 7000)).to.equal(4000);
  });

  const lease = (d: Partial<LeaseDecision> = {}) => () => ({ status: 'held' as const, msLeft: 1234, action: 'none' as const, ...d });

  it('collects facts from a healthy replica and encodes them for the wire', async () => {
    const mysql = new FakeLocalMysql();
    mysql.replication = fakeSlaveStatus({ gtidIoPos: '0-1-10,1-2-3', secondsBehindMaster: 2 });
    mysql.positions = { ...mysql.positions, slavePos: '0-1-9,1-2-3', binlogPos: '0-1-10', own: '0-1-10' };
    const f = await collectHealth({ mysql, lease: lease(), heartbeat: new HeartbeatTracker(), now: () => 0 });
    expect(f).to.deep.include({ answering: true, writable: false, lease: 'held', leaseMsLeft: 1234, gtidBinlogPos: '0-1-10' });
    expect(f.replication).to.deep.include({ ioRunning: true, sqlRunning: true, ioConnected: true, gtidSlavePos: '0-1-9,1-2-3', secondsBehindMaster: 2 });
    const wire = encodeHealth(toAgentHealth(f));
    expect(wire).to.equal(
      'mysqld=running,answering=1,writable=0,lease=held,lease_left_ms=1234,replication=configured,io_running=1,sql_running=1,io_connected=1,' +
        'gtid_io_pos=0-1-10;1-2-3,gtid_slave_pos=0-1-9;1-2-3,gtid_binlog_pos=0-1-10,gtid_binlog_state=0-1-10,server_id=1,seconds_behind=2',
    );
  });

  it('mysqld down: not answering, nothing else claimed; fenced is reported as fenced', async () => {
    const mysql = new FakeLocalMysql();
    mysql.answering = false;
    const f = await collectHealth({ mysql, pidfile: join(dir, 'none.pid'), lease: lease({ status: 'fenced', msLeft: 0 }), heartbeat: new HeartbeatTracker(), now: () => 0 });
    expect(f).to.deep.include({ mysqldRunning: false, answering: false, writable: undefined, replication: undefined, lease: 'fenced' });
    expect(encodeHealth(toAgentHealth(f))).to.equal('mysqld=stopped,answering=0,lease=fenced');
  });

  it('no replication configured', async () => {
    const mysql = new FakeLocalMysql();
    const f = await collectHealth({ mysql, lease: lease({ status: 'none', msLeft: undefined }), heartbeat: new HeartbeatTracker(), now: () => 0 });
    expect(f.replication).to.equal(null);
    expect(toAgentHealth(f)).to.include({ replication: 'none', lease: 'none' });
  });

  it('drops the writer VIP when mysqld does not answer, only then', async () => {
    const vips = new FakeVipManager('eth0', ['10.0.0.100', '10.0.0.101']);
    expect(await dropWriterVipIfDead({ answering: true }, ['10.0.0.100'], vips)).to.deep.equal([]);
    expect(await dropWriterVipIfDead({ answering: false }, ['10.0.0.100'], vips)).to.deep.equal(['10.0.0.100']);
    expect([...vips.ips]).to.deep.equal(['10.0.0.101']);
    expect(await dropWriterVipIfDead({ answering: false }, ['10.0.0.100'], vips)).to.deep.equal([]);
  });
});
