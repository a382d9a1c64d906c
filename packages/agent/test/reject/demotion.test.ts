// Where the reject path hooks into a demotion: applySteps (SET_STATUS, fencing) and the health
// watch's drop of a dead writer's VIP. The rules come before the address goes; its departure
// starts the period; a VIP added back closes the window; a hung nft never holds up a demotion.
import { expect } from 'chai';
import { FakeClock } from '@mmm/common/testing';
import type { RoleIp } from '@mmm/common';
import { applySteps, observe } from '../../src/roles/apply';
import { type PlanHost, type WantedStatus, planSetStatus } from '../../src/roles/plan';
import { fenceWriter } from '../../src/lease/fencing';
import { dropWriterVips } from '../../src/health/health';
import { type RejectPath, VipRejector } from '../../src/reject/vip-reject';
import { FakeLocalMysql, FakeNft, FakeVipManager } from '../../src/testing';

const W: RoleIp = { name: 'writer', ip: '10.0.0.100' };
const R1: RoleIp = { name: 'reader', ip: '10.0.0.101' };
const host: PlanHost = { name: 'db1', mode: 'master', activeMasterRole: 'writer' };
const masters = { db1: { ip: '10.0.0.11', port: 3306 }, db2: { ip: '10.0.0.12', port: 3306 } };
const st = (roles: RoleIp[], activeMaster = 'db1'): WantedStatus => ({ state: 'ONLINE', roles, activeMaster });

/** Records the reject path's calls in the VIP manager's call list, so their order shows. */
function recording(vips: FakeVipManager, mysql: FakeLocalMysql, installed: Promise<void> = Promise.resolve()) {
  const seen: { readOnlyAtDemoting?: boolean } = {};
  const reject: RejectPath = {
    demoting: (ips) => {
      vips.calls.push(`demoting ${ips.join(',')}`);
      seen.readOnlyAtDemoting = mysql.readOnly;
      return installed.then(() => void vips.calls.push('rules installed'));
    },
    left: (ip) => void vips.calls.push(`left ${ip}`),
    returned: (ip) => void vips.calls.push(`returned ${ip}`),
  };
  return { reject, seen };
}

function setup(installed?: Promise<void>) {
  const mysql = new FakeLocalMysql();
  const vips = new FakeVipManager();
  const { reject, seen } = recording(vips, mysql, installed);
  const deps = { mysql, vips, reject, sleep: async () => undefined };
  const run = async (prev: WantedStatus, next: WantedStatus) =>
    applySteps(planSetStatus({ prev, next, host, observed: await observe(deps), masters, catchUpTimeoutMs: 2000 }), deps);
  return { mysql, vips, deps, run, seen };
}

describe('reject path in a demotion', () => {
  it('SET_STATUS without the writer role: the rules begin with the demotion (before read_only=1) and are in before the VIP goes; its departure is reported', async () => {
    const { mysql, vips, run, seen } = setup(new Promise((res) => setTimeout(res, 20)));
    mysql.readOnly = false;
    vips.ips.add(W.ip);
    vips.ips.add(R1.ip);
    const r = await run(st([W, R1]), st([R1], 'db2'));
    expect(r.ok).to.equal(true);
    expect(seen.readOnlyAtDemoting).to.equal(false); // begun alongside read_only, not after it
    expect(vips.calls).to.deep.equal(['demoting 10.0.0.100', 'rules installed', 'del 10.0.0.100', 'left 10.0.0.100']);
  });

  it('only the writer VIP: a reader VIP that goes is not answered for', async () => {
    const { vips, run } = setup();
    vips.ips.add(R1.ip);
    await run(st([R1]), st([]));
    expect(vips.calls).to.deep.equal(['del 10.0.0.101']);
  });

  it('a failed VIP removal still reports the departure (the window must close on its own), and the reply is ERROR as before', async () => {
    const { vips, run } = setup();
    vips.ips.add(W.ip);
    vips.failDel.add(W.ip);
    const r = await run(st([W]), st([], 'db2'));
    expect(r.ok).to.equal(false);
    expect(vips.calls).to.deep.equal(['demoting 10.0.0.100', 'rules installed', 'del 10.0.0.100', 'left 10.0.0.100']);
  });

  it('promotion: the VIP added here closes its window', async () => {
    const { vips, run } = setup();
    const r = await run(st([]), st([W]));
    expect(r.ok).to.equal(true);
    expect(vips.calls).to.deep.equal(['add 10.0.0.100', 'returned 10.0.0.100']);
  });

  it('a hung nft does not hold up the demotion: the VIP goes after a bounded wait', async () => {
    const { vips, run } = setup(new Promise<void>(() => undefined));
    vips.ips.add(W.ip);
    const r = await run(st([W]), st([], 'db2'));
    expect(r.ok).to.equal(true);
    expect(vips.ips.has(W.ip)).to.equal(false);
    expect(vips.calls).to.deep.equal(['demoting 10.0.0.100', 'del 10.0.0.100', 'left 10.0.0.100']);
  });

  it('the lease fence opens the window too', async () => {
    const mysql = new FakeLocalMysql();
    const vips = new FakeVipManager('eth0', [W.ip]);
    const { reject } = recording(vips, mysql);
    await fenceWriter({ mysql, vips, reject, sleep: async () => undefined }, [W.ip]);
    expect(vips.calls).to.deep.equal(['demoting 10.0.0.100', 'rules installed', 'del 10.0.0.100', 'left 10.0.0.100']);
  });

  it('the health watch dropping a dead writer\'s VIP: rules first, then the VIP, then the period (real rejector, fake nft)', async () => {
    const clock = new FakeClock(0);
    const nft = new FakeNft();
    const vips = new FakeVipManager('eth0', [W.ip]);
    const r = new VipRejector({ table: 'mmm_reject_db1', port: 3306, periodMs: 5000, nft, clock, schedule: () => () => undefined });
    const order: string[] = [];
    const del = vips.del.bind(vips);
    vips.del = async (ip) => {
      order.push(`del ${ip} with rules for ${nft.lastVips().join(',')}`);
      return del(ip);
    };
    const out = await dropWriterVips([W.ip, '10.0.0.200'], vips, undefined, r);
    expect(out).to.deep.equal({ removed: [W.ip], left: [] });
    expect(order).to.deep.equal(['del 10.0.0.100 with rules for 10.0.0.100']);
    expect(r.open).to.deep.equal([W.ip]); // 10.0.0.200 was not here: no window for it
  });
});
