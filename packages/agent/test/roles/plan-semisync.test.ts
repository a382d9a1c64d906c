// durability semisync in the SET_STATUS plan (issue 16): the writer gets the master side (AFTER_SYNC,
// the timeout) before it becomes writable, every node the replica side (a connected IO thread is
// restarted so it acknowledges), a demoted writer turns the master side off; every step only when
// the observed state differs; with durability async nothing about semi-sync is planned.
import { expect } from 'chai';
import type { RoleIp } from '@mmm/common';
import { type Observed, type PlanInput, type Step, type WantedStatus, planSetStatus } from '../../src/roles/plan';
import { fakeSemisync } from '../../src/testing';

const W: RoleIp = { name: 'writer', ip: '10.0.0.100' };
const R1: RoleIp = { name: 'reader', ip: '10.0.0.101' };
const master = { name: 'db1', mode: 'master' as const, activeMasterRole: 'writer' };
const slave = { name: 'db3', mode: 'slave' as const, activeMasterRole: 'writer' };
const masters = { db1: { ip: '10.0.0.11', port: 3306 }, db2: { ip: '10.0.0.12', port: 3306 } };
const SEMI = { timeoutMs: 30_000 };

const st = (roles: RoleIp[], activeMaster = 'db1'): WantedStatus => ({ state: 'ONLINE', roles, activeMaster });
const obs = (o: Partial<Observed> = {}): Observed => ({ readOnly: true, vips: [], replication: null, semisync: fakeSemisync(), ...o });
const names = (steps: Step[]) => steps.map((s) => s.name);
const plan = (p: Partial<PlanInput> & Pick<PlanInput, 'prev' | 'next'>): Step[] =>
  planSetStatus({ host: master, observed: obs(), masters, catchUpTimeoutMs: 5000, semisync: SEMI, ...p });
const fromDb1 = { host: '10.0.0.11', port: 3306, ioConnected: true };

describe('roles/plan: durability semisync', () => {
  it('promotion: replica side on; master side on (AFTER_SYNC, timeout) after the catch-up, before read_only=0', () => {
    const steps = plan({ prev: st([R1]), next: st([R1, W]), observed: obs({ vips: ['10.0.0.101'] }) });
    expect(names(steps)).to.deep.equal([
      'semi-sync replica on', 'catch up', 'semi-sync master on (AFTER_SYNC, timeout 30000 ms)', 'read_only=0', 'add writer(10.0.0.100)',
    ]);
    expect(steps.find((s) => s.kind === 'semisync_master')).to.deep.include({ on: true, timeoutMs: 30_000, group: 'durability', halts: false });
  });

  it('a writer already as wanted (repeated SET_STATUS): no semi-sync step', () => {
    const semisync = fakeSemisync({ masterEnabled: true, waitPoint: 'AFTER_SYNC', timeoutMs: 30_000, slaveEnabled: true, masterActive: true });
    expect(names(plan({ prev: st([W]), next: st([W]), observed: obs({ readOnly: false, vips: ['10.0.0.100'], semisync }) }))).to.deep.equal([]);
  });

  it('a writer whose wait point or timeout was changed by hand is put right', () => {
    for (const over of [{ waitPoint: 'AFTER_COMMIT' }, { timeoutMs: 10_000 }, { masterEnabled: false }]) {
      const semisync = fakeSemisync({ masterEnabled: true, waitPoint: 'AFTER_SYNC', timeoutMs: 30_000, slaveEnabled: true, ...over });
      expect(names(plan({ prev: st([W]), next: st([W]), observed: obs({ readOnly: false, vips: ['10.0.0.100'], semisync }) })), JSON.stringify(over))
        .to.deep.equal(['semi-sync master on (AFTER_SYNC, timeout 30000 ms)']);
    }
  });

  it('demotion: master side off after the clients are ended and the VIP is gone', () => {
    const semisync = fakeSemisync({ masterEnabled: true, waitPoint: 'AFTER_SYNC', timeoutMs: 30_000, slaveEnabled: true, masterActive: true });
    const steps = plan({ prev: st([W]), next: st([], 'db2'), observed: obs({ readOnly: false, vips: ['10.0.0.100'], semisync }), graceMs: 0 });
    expect(names(steps)).to.deep.equal(['read_only=1', 'end client connections', 'del writer(10.0.0.100)', 'semi-sync master off']);
  });

  it('a non-writer whose master side is already off gets no master step', () => {
    const semisync = fakeSemisync({ slaveEnabled: true });
    expect(names(plan({ prev: st([R1]), next: st([R1]), observed: obs({ vips: ['10.0.0.101'], semisync }) }))).to.deep.equal(['read_only=1']);
  });

  it('replica: replica side on with the connected IO thread restarted (it reads the setting when it connects)', () => {
    const steps = plan({ host: slave, prev: st([R1]), next: st([R1]), observed: obs({ vips: ['10.0.0.101'], replication: fromDb1 }) });
    expect(names(steps)).to.deep.equal(['read_only=1', 'semi-sync replica on (IO thread restarted)']);
    expect(steps[1]).to.deep.include({ kind: 'semisync_slave', restartIo: true, group: 'durability', halts: false });
  });

  it('replica: IO thread not connected → the setting alone (its next connection acknowledges)', () => {
    const replication = { host: '10.0.0.11', port: 3306, ioConnected: false };
    const steps = plan({ host: slave, prev: st([R1]), next: st([R1]), observed: obs({ vips: ['10.0.0.101'], replication }) });
    expect(steps.find((s) => s.kind === 'semisync_slave')).to.deep.include({ restartIo: false, name: 'semi-sync replica on' });
  });

  it('replica re-pointed in the same plan: no extra IO restart (the re-point restarts it), and the setting comes first', () => {
    const steps = plan({ host: slave, prev: st([R1]), next: st([R1], 'db2'), observed: obs({ vips: ['10.0.0.101'], replication: fromDb1 }) });
    expect(names(steps)).to.deep.equal(['read_only=1', 'semi-sync replica on', 'catch up before re-point', 're-point to db2']);
  });

  it('replica side on and acknowledging: nothing; on but not acknowledging while connected (set by hand): IO thread restarted', () => {
    const acking = fakeSemisync({ slaveEnabled: true, slaveActive: true });
    expect(names(plan({ host: slave, prev: st([R1]), next: st([R1]), observed: obs({ vips: ['10.0.0.101'], replication: fromDb1, semisync: acking }) }))).to.deep.equal(['read_only=1']);
    const idle = fakeSemisync({ slaveEnabled: true, slaveActive: false });
    expect(names(plan({ host: slave, prev: st([R1]), next: st([R1]), observed: obs({ vips: ['10.0.0.101'], replication: fromDb1, semisync: idle }) })))
      .to.deep.equal(['read_only=1', 'semi-sync replica on (IO thread restarted)']);
  });

  it('semi-sync state unreadable: every side is asserted (the steps are idempotent)', () => {
    const steps = plan({ prev: st([]), next: st([W]), observed: obs({ semisync: undefined }) });
    expect(names(steps)).to.deep.equal(['semi-sync replica on', 'catch up', 'semi-sync master on (AFTER_SYNC, timeout 30000 ms)', 'read_only=0', 'add writer(10.0.0.100)']);
  });

  it('a server without semi-sync (MySQL without its plugins): the writer gets a failing step naming the plugin; promotion goes on', () => {
    const steps = plan({ prev: st([]), next: st([W]), observed: obs({ semisync: null }) });
    const bad = steps.find((s) => s.kind === 'unresolvable');
    expect(bad).to.deep.include({ name: 'semi-sync master on', group: 'durability', halts: false });
    expect(bad && bad.kind === 'unresolvable' ? bad.reason : '').to.match(/INSTALL PLUGIN rpl_semi_sync_source/);
    expect(names(steps)).to.include.members(['catch up', 'read_only=0', 'add writer(10.0.0.100)']);
    // a replica of such a server gets nothing (nothing to set)
    expect(names(plan({ host: slave, prev: st([R1]), next: st([R1]), observed: obs({ vips: ['10.0.0.101'], replication: fromDb1, semisync: null }) }))).to.deep.equal(['read_only=1']);
  });

  it('durability async: no semi-sync step in any of these cases, whatever the server has', () => {
    const on = fakeSemisync({ masterEnabled: true, slaveEnabled: false });
    const cases: Array<Partial<PlanInput> & Pick<PlanInput, 'prev' | 'next'>> = [
      { prev: st([R1]), next: st([R1, W]), observed: obs({ vips: ['10.0.0.101'] }) },
      { prev: st([W]), next: st([], 'db2'), observed: obs({ readOnly: false, vips: ['10.0.0.100'], semisync: on }) },
      { host: slave, prev: st([R1]), next: st([R1]), observed: obs({ vips: ['10.0.0.101'], replication: fromDb1 }) },
      { prev: st([]), next: st([W]), observed: obs({ semisync: null }) },
    ];
    for (const c of cases) {
      const steps = plan({ ...c, semisync: undefined });
      expect(steps.filter((s) => s.group === 'durability' || /semi-sync/.test(s.name)), JSON.stringify(c.next)).to.deep.equal([]);
    }
  });
});
