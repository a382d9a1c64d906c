import { expect } from 'chai';
import type { RoleIp } from '@mmm/common';
import { applySteps, clearBadRoles, observe, reassert } from '../../src/roles/apply';
import { type PlanHost, type WantedStatus, planSetStatus } from '../../src/roles/plan';
import { FakeLocalMysql, FakeVipManager, fakeSlaveStatus } from '../../src/testing';
import { TimeoutError } from '@mmm/common';

const W: RoleIp = { name: 'writer', ip: '10.0.0.100' };
const R1: RoleIp = { name: 'reader', ip: '10.0.0.101' };
const host: PlanHost = { name: 'db1', mode: 'master', activeMasterRole: 'writer' };
const masters = { db1: { ip: '10.0.0.11', port: 3306 }, db2: { ip: '10.0.0.12', port: 3306 } };
const st = (roles: RoleIp[], activeMaster = 'db1', state: WantedStatus['state'] = 'ONLINE'): WantedStatus => ({ state, roles, activeMaster });

function setup() {
  const mysql = new FakeLocalMysql();
  const vips = new FakeVipManager();
  const slept: number[] = [];
  const deps = { mysql, vips, replication: { user: 'repl', password: 'pw' }, sleep: async (ms: number) => void slept.push(ms) };
  const run = async (prev: WantedStatus, next: WantedStatus, h = host) =>
    applySteps(planSetStatus({ prev, next, host: h, observed: await observe(deps), masters, catchUpTimeoutMs: 2000 }), deps);
  return { mysql, vips, slept, deps, run };
}

describe('roles/apply', () => {
  it('promotes: catch-up, writable, VIP; then a repeat changes nothing', async () => {
    const { mysql, vips, run } = setup();
    const r = await run(st([]), st([W]));
    expect(r.ok).to.equal(true); // the OK reply: handlers/set-status.test.ts
    expect(mysql.readOnly).to.equal(false);
    expect([...vips.ips]).to.deep.equal(['10.0.0.100']);
    expect(mysql.calls.filter((c) => !['getReadOnly', 'slaveStatus'].includes(c))).to.deep.equal(['catchUp(2000)', 'setReadOnly(0)']);
    mysql.calls.length = 0;
    vips.calls.length = 0;
    const again = await run(st([W]), st([W]));
    expect(again.doneSteps).to.deep.equal([]);
    expect(vips.calls).to.deep.equal([]);
  });

  it('demotes with grace and ends client connections', async () => {
    const { mysql, vips, slept, run } = setup();
    mysql.readOnly = false;
    vips.ips.add(W.ip);
    const r = await run(st([W]), st([], 'db2'));
    expect(r.ok).to.equal(true);
    expect(mysql.readOnly).to.equal(true);
    expect(mysql.clients).to.equal(0);
    expect(slept).to.deep.equal([1000]);
    expect(vips.ips.size).to.equal(0);
  });

  it('failed catch-up: ERROR names it, and nothing of the promotion happens', async () => {
    const { mysql, vips, run } = setup();
    mysql.replication = fakeSlaveStatus();
    mysql.caughtUp = false;
    const r = await run(st([R1]), st([R1, W]));
    expect(r.ok).to.equal(false);
    expect(r.failedSteps.map((f) => f.name)).to.deep.equal(['catch up']);
    expect(r.skippedSteps).to.deep.equal(['read_only=0', 'add writer(10.0.0.100)']);
    expect(mysql.readOnly).to.equal(true);
    expect(vips.ips.has(W.ip)).to.equal(false);
    expect(vips.ips.has(R1.ip)).to.equal(true); // other roles are independent
    // the ERROR reply naming them: handlers/set-status.test.ts
  });

  it('demotion is best effort: a failing read_only still removes the VIP, and the reply says ERROR', async () => {
    const { mysql, vips, run } = setup();
    mysql.readOnly = false;
    vips.ips.add(W.ip);
    mysql.fail.add('setReadOnly');
    const r = await run(st([W]), st([]));
    expect(r.failedSteps.map((f) => f.name)).to.deep.equal(['read_only=1']);
    expect(vips.ips.has(W.ip)).to.equal(false);
    // the ERROR reply naming read_only=1: handlers/set-status.test.ts
  });

  it('read_only=1 timing out (long transaction): ends clients and retries', async () => {
    const { mysql, deps } = setup();
    let first = true;
    mysql.setReadOnly = async (on: boolean) => {
      mysql.calls.push(`setReadOnly(${on ? 1 : 0})`);
      if (first) {
        first = false;
        throw new TimeoutError('lock wait');
      }
      mysql.readOnly = on;
    };
    mysql.readOnly = false;
    const r = await applySteps([{ kind: 'read_only', on: true, name: 'read_only=1', group: 'demote', halts: false }], deps);
    expect(r.ok).to.equal(true);
    expect(mysql.calls).to.deep.equal(['setReadOnly(1)', 'endClientConnections', 'setReadOnly(1)']);
  });

  it('mysqld down: every MySQL step fails, the reply is ERROR', async () => {
    const { mysql, run } = setup();
    mysql.answering = false;
    const r = await run(st([]), st([W]));
    expect(r.ok).to.equal(false);
    expect(r.failedSteps[0].name).to.equal('catch up');
  });

  it('replica: re-points to the new active master with replication credentials', async () => {
    const { mysql, run } = setup();
    mysql.replication = fakeSlaveStatus({ masterHost: '10.0.0.11' });
    const r = await run(st([], 'db1'), st([], 'db2'), { ...host, name: 'db3', mode: 'slave' });
    expect(r.ok).to.equal(true);
    expect(mysql.calls).to.include('repoint(10.0.0.12:3306,2000)');
    expect(mysql.replication?.masterHost).to.equal('10.0.0.12');
    expect(mysql.lastRepoint).to.not.have.property('ssl');
  });

  it('replica: re-points over TLS when the new master has it', async () => {
    const { mysql, deps } = setup();
    mysql.replication = fakeSlaveStatus({ masterHost: '10.0.0.11' });
    const tlsMasters = { ...masters, db2: { ...masters.db2, tls: { caFile: '/etc/mmm/ca.crt' } } };
    const r = await applySteps(
      planSetStatus({ prev: st([], 'db1'), next: st([], 'db2'), host: { ...host, name: 'db3', mode: 'slave' }, observed: await observe(deps), masters: tlsMasters, catchUpTimeoutMs: 2000 }),
      deps,
    );
    expect(r.ok).to.equal(true);
    expect(mysql.lastRepoint).to.deep.include({ host: '10.0.0.12', user: 'repl', ssl: { caFile: '/etc/mmm/ca.crt' } });
  });

  it('replica: failed catch-up means no re-point', async () => {
    const { mysql, run } = setup();
    mysql.replication = fakeSlaveStatus({ masterHost: '10.0.0.11' });
    mysql.caughtUp = false;
    const r = await run(st([], 'db1'), st([], 'db2'), { ...host, name: 'db3', mode: 'slave' });
    expect(r.failedSteps.map((f) => f.name)).to.deep.equal(['catch up before re-point']);
    expect(r.skippedSteps).to.deep.equal(['re-point to db2']);
    expect(mysql.replication?.masterHost).to.equal('10.0.0.11');
  });

  it('ADMIN_OFFLINE stops and leaving it starts replication', async () => {
    const { mysql, run } = setup();
    mysql.replication = fakeSlaveStatus({ masterHost: '10.0.0.12' });
    await run(st([]), st([], 'db1', 'ADMIN_OFFLINE'));
    expect(mysql.replication?.ioRunning).to.equal('No');
    await run(st([], 'db1', 'ADMIN_OFFLINE'), st([], 'db1'));
    expect(mysql.replication?.ioRunning).to.equal('Yes');
  });

  it('reassert: puts back a VIP removed by hand and read-only on a non-writer', async () => {
    const { mysql, vips, deps } = setup();
    mysql.readOnly = false;
    let r = await reassert(st([R1]), host, deps);
    expect(r.ok).to.equal(true);
    expect(mysql.readOnly).to.equal(true);
    expect(vips.ips.has(R1.ip)).to.equal(true);
    r = await reassert(st([W]), host, deps);
    expect(mysql.readOnly).to.equal(false);
    expect(vips.ips.has(W.ip)).to.equal(true);
  });

  it('reassert with mysqld down does not add the writer VIP', async () => {
    const { mysql, vips, deps } = setup();
    mysql.answering = false;
    const r = await reassert(st([W]), host, deps);
    expect(r.ok).to.equal(false);
    expect(vips.ips.has(W.ip)).to.equal(false);
  });

  it('clearBadRoles removes configured role IPs not held, keeps the rest', async () => {
    const vips = new FakeVipManager('eth0', ['10.0.0.11', '10.0.0.100', '10.0.0.101', '10.0.0.102']);
    const n = await clearBadRoles(['10.0.0.100', '10.0.0.101', '10.0.0.102', '10.0.0.103'], [R1], vips);
    expect(n).to.equal(2);
    expect([...vips.ips].sort()).to.deep.equal(['10.0.0.101', '10.0.0.11']);
    expect(await clearBadRoles(['10.0.0.100'], [], vips)).to.equal(0);
  });

  it('observe: unreadable facts are undefined', async () => {
    const { mysql, vips, deps } = setup();
    mysql.answering = false;
    vips.failList = true;
    expect(await observe(deps)).to.deep.equal({ readOnly: undefined, vips: undefined, replication: undefined });
  });
});
