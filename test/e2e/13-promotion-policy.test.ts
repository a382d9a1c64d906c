// Scenario 13 (issue 16, promotion policy): `failover_max_lag 3` in the monitor's config and db2
// applying with MASTER_DELAY 10, so it lags ~10 s behind db1 under the workload through the writer
// VIP. db1's mariadbd is killed once both replicas have RECEIVED everything db1 wrote (the workload
// paused; asynchronous replication loses what no replica received, whatever the monitor does).
// The only candidate, db2, lags more than the bound: the failover is blocked with FailoverBlocked
// naming its lag (status_json, `mmm_control show`, the audit log), nothing is writable and the VIP
// is on nobody while it lasts; once db2 has applied what it received it is promoted and every
// acknowledged write is on it. (MariaDB shows Seconds_Behind_Master NULL once db1 is gone: the
// monitor then counts db2's last reading while it still has relay log to apply — promotion.ts.)
// Then `never_writer db2` (the monitor restarted with it, db1 back as the writer): db1 killed
// again → nobody may take the writer role (FailoverBlocked, move_role refused even with --force),
// nothing writable, until db1's mariadbd is restarted and db1 takes its role back.
import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { texts } from '@mmm/common';
import { gtidState, query, readOnly, slaveStatus } from '../../packages/sandbox/src';
import { auditSince, describeRoles, failoverTimeline, log, stateOf, until, writerOf } from './lib/cluster';
import { killMonitor, restartMariadb, restartMonitor } from './lib/faults';
import { acksWhileReadOnly, heldWindow, pauseAndKill } from './lib/crash';
import { converge, lostWrites, report, twoWritable, vipInTwoPlaces, waitForMonitor, writableCounts } from './lib/invariants';
import { firstTick, writableIn } from './lib/observer';
import { scenario } from './lib/scenario';
import { waitForAcks } from './lib/workload';

const MAX_LAG_S = 3;
const DELAY_S = 10;

describe(`e2e 13: promotion policy — failover_max_lag ${MAX_LAG_S} with db2 delayed ${DELAY_S} s, then never_writer db2: failovers blocked with the reason, 0 lost`, function () {
  const s = scenario(this, '13', 240_000, ['--monitor-option', `failover_max_lag=${MAX_LAG_S}`]);

  it('blocked with FailoverBlocked (db2 lags), nothing writable and no VIP meanwhile; db2 promoted once it applied everything; every acknowledged write on db2', async () => {
    const db2 = s.c.db.node('db2');
    const db3 = s.c.db.node('db3');
    const t0 = Date.now();
    await query(db2, 'STOP SLAVE');
    await query(db2, `CHANGE MASTER TO MASTER_DELAY = ${DELAY_S}`);
    await query(db2, 'START SLAVE');
    await s.startLoad();
    const lagged = await until(`db2 lagging more than ${MAX_LAG_S} s (Seconds_Behind_Master)`, async () => {
      const sbm = Number((await slaveStatus(db2))?.Seconds_Behind_Master ?? 0);
      return sbm > MAX_LAG_S + 1 ? sbm : false;
    }, 30_000, 200);
    // db2's IO thread is not delayed: it has received all db1 wrote, only not applied it
    const crash = await pauseAndKill(s, 'db1', 1_000_000, { db2: 'received' });
    const { tFault, pos } = crash;
    const db2Applied = (await gtidState(db2)).slavePos;
    const w1 = { acks: crash.acks };
    const w2 = s.w!;

    let blockedDetail = '';
    await waitForMonitor(s.c, 'FailoverBlocked naming db2\'s lag', (d) => {
      blockedDetail = d.diagnoses?.find((x) => x.code === 'FailoverBlocked')?.detail ?? '';
      return blockedDetail !== '';
    }, 20_000);
    const tBlockedSeen = Date.now();
    const show = await s.c.control('show');
    const showLine = show.stdout.split('\n').find((l) => l.startsWith('# Diagnosis FailoverBlocked')) ?? '';
    const blockedDoc = await s.c.statusDoc();
    const writableWhileBlocked = [];
    for (const n of [db2, db3]) if (!(await readOnly(n))) writableWhileBlocked.push(n.name);

    await waitForMonitor(s.c, 'writer role on db2 once it applied what it received', (d) => writerOf(d) === 'db2', DELAY_S * 1000 + 30_000);
    const tWriter = Date.now();
    await until('an acknowledged write on db2 through the VIP', async () => w2.firstAckOn('db2', tFault), 30_000);
    const conv = await converge(s.c, { writer: 'db2', states: { db1: 'HARD_OFFLINE' }, skip: ['db1'] });
    await waitForAcks(w2, 50);
    await s.stopLoad();

    const o = s.o!;
    const acks = [...w1.acks, ...w2.acks];
    const lost = await lostWrites(s.c, 'db2', acks);
    const audit = auditSince(s.c.dir, tFault);
    const lagBlocks = audit.filter((e) => e.kind === 'role_assign' && e.blocked && e.reason.includes(`more than failover_max_lag ${MAX_LAG_S} s`));
    const promoted = audit.find((e) => e.kind === 'failover' && !e.blocked && e.host === 'db2');
    const db2Writable = firstTick(o, tFault, (t) => writableIn(t).includes('db2'));
    const tEnd = db2Writable?.t ?? tWriter;
    // from the dead writer's VIP gone (its agent drops it) to db2 writable: nobody writable, the VIP nowhere
    const held = heldWindow(o, s.c.writerVip, tFault, tEnd);
    const acksBeforeWriter = acksWhileReadOnly(o, 'db2', tFault, tEnd, w2.acks);
    report('13 promotion policy (failover_max_lag)', {
      [`db2 Seconds_Behind_Master before the kill (MASTER_DELAY ${DELAY_S})`]: `${lagged} s`,
      'db1 wrote / db2 had applied at the kill': `${pos} / ${db2Applied}`,
      'FailoverBlocked detail': blockedDetail,
      'mmm_control show': showLine,
      'fault → FailoverBlocked seen': `${tBlockedSeen - tFault} ms`,
      'fault → writer role on db2 (monitor)': `${tWriter - tFault} ms`,
      'fault → db2 writable (observer)': db2Writable ? `${db2Writable.t - tFault} ms` : 'never seen',
      'held (VIP off db1 → db2 writable)': `${held.ticks} ticks`,
      'blocked decisions naming the lag (audit)': lagBlocks.length,
      'promotion decision': promoted?.reason.slice(0, 200) ?? 'none',
      'acknowledged writes (before the kill / after it, on db2)': `${w1.acks.length} / ${w2.acks.length}`,
      'acknowledged but missing on db2': lost.lost.length,
      'observer ticks (writable per node)': `${o.ticks.length} (${writableCounts(o)})`,
      roles: conv.roles,
      'scenario time (sandbox up excluded)': `${Date.now() - t0} ms`,
    });
    log(failoverTimeline(s.c.dir, tFault).join('\n      '));

    const lagText = new RegExp(`^no eligible host can take this role: db2 lags \\d+ s behind its source( \\(its last reading: it has not applied all it received yet\\))?, more than failover_max_lag ${MAX_LAG_S} s$`);
    expect(blockedDetail).to.match(lagText);
    expect(showLine, show.stdout).to.match(/^# Diagnosis FailoverBlocked since .*: no eligible host can take this role: db2 lags \d+ s behind its source/);
    expect(writerOf(blockedDoc), `no writer while blocked: ${describeRoles(blockedDoc)}`).to.equal('');
    expect(writableWhileBlocked, 'db2 and db3 read-only while blocked').to.deep.equal([]);
    expect(lagBlocks.length, 'the blocked decision in the audit log').to.be.at.least(1);
    expect(promoted, 'a failover decision promoting db2').to.not.equal(undefined);
    expect(Date.parse(promoted!.time), 'promoted after the lag block, not instead of it').to.be.at.least(Date.parse(lagBlocks.at(-1)!.time));
    expect(held.vipGone, 'the writer VIP left db1').to.not.equal(undefined);
    expect(held.writable, 'nothing writable between the VIP leaving db1 and db2 writable').to.deep.equal([]);
    expect(held.vip, 'the writer VIP on nobody meanwhile').to.deep.equal([]);
    expect(acksBeforeWriter.map((a) => a.id), 'no write acknowledged before db2 was writable').to.deep.equal([]);
    expect(w2.acks.every((a) => a.sid === 2), 'every write after the kill acknowledged by db2').to.equal(true);
    expect(lost.lost, 'acknowledged writes missing on db2').to.deep.equal([]);
    expect(twoWritable(o), 'never two writable nodes').to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip), 'never the writer VIP twice').to.deep.equal([]);
    const doc = await s.c.statusDoc();
    expect(doc.diagnoses?.some((x) => x.code === 'FailoverBlocked'), 'FailoverBlocked cleared').to.equal(false);
    expect(doc.lastFailover, 'the failover recorded').to.include({ from: 'db1', to: 'db2', automatic: true });
    expect(doc.lastFailover!.lostAtLeast, 'nothing db1 reported was lost').to.deep.equal([]);
  });

  it('never_writer db2 (the monitor restarted with it): db1 killed → FailoverBlocked, move_role refused, nothing writable; db1 restarted takes its role back, 0 lost', async () => {
    const db2 = s.c.db.node('db2');
    const t0 = Date.now();
    // db2 the writer now; its own replication (from the dead db1) without the delay, for what follows
    await query(db2, 'STOP SLAVE');
    await query(db2, 'CHANGE MASTER TO MASTER_DELAY = 0');
    await query(db2, 'START SLAVE');
    await s.startLoad({ firstId: 2_000_000 });
    await restartMariadb(s.c, 'db1');
    // db1 ONLINE again (MMM's short-outage rule), the writer back on it by the planned switch to prefer
    // (which waits for db1 to be within failover_max_lag of db2)
    await waitForMonitor(s.c, 'db1 ONLINE with the writer role again', (d) => stateOf(d, 'db1') === 'ONLINE' && writerOf(d) === 'db1', 60_000);
    await converge(s.c, { writer: 'db1' });
    const tBack = Date.now();

    const conf = s.c.status.monitor.config;
    writeFileSync(conf, readFileSync(conf, 'utf8').replace('</monitor>', '    never_writer            db2\n</monitor>'));
    await killMonitor(s.c);
    await restartMonitor(s.c);
    await waitForMonitor(s.c, 'db1 still the writer after the monitor restart', (d) => writerOf(d) === 'db1' && stateOf(d, 'db1') === 'ONLINE');
    await waitForAcks(s.w!, 100);

    const crash = await pauseAndKill(s, 'db1', 3_000_000);
    const { tFault } = crash;
    let detail = '';
    await waitForMonitor(s.c, 'FailoverBlocked: never_writer', (d) => (detail = d.diagnoses?.find((x) => x.code === 'FailoverBlocked')?.detail ?? '') !== '', 20_000);
    const plain = await s.c.control('move_role', 'writer', 'db2');
    const forced = await s.c.control('move_role', '--force', 'writer', 'db2');
    await new Promise((r) => setTimeout(r, 1_000)); // some passes with the failover blocked
    const blockedDoc = await s.c.statusDoc();

    const tRestart = Date.now();
    await restartMariadb(s.c, 'db1');
    await waitForMonitor(s.c, 'db1 ONLINE with the writer role again', (d) => stateOf(d, 'db1') === 'ONLINE' && writerOf(d) === 'db1', 60_000);
    const tWriter = Date.now();
    await until('an acknowledged write on db1 through the VIP', async () => s.w!.firstAckOn('db1', tFault), 30_000);
    const conv = await converge(s.c, { writer: 'db1' });
    await waitForAcks(s.w!, 50);
    const w = s.w!;
    await s.stopLoad();

    const o = s.o!;
    const acks = [...crash.acks, ...w.acks];
    const lost = await lostWrites(s.c, 'db1', acks);
    const audit = auditSince(s.c.dir, tFault);
    const taken = audit.find((e) => e.kind === 'role_assign' && !e.blocked && e.host === 'db1');
    const db1Writable = firstTick(o, tFault + 1, (t) => writableIn(t).includes('db1'));
    const tEnd = db1Writable?.t ?? tWriter;
    const held = heldWindow(o, s.c.writerVip, tFault, tEnd);
    report('13 promotion policy (never_writer)', {
      'db1 restart → the writer again (planned switch back)': `${tBack - t0} ms`,
      'FailoverBlocked detail': detail,
      'move_role writer db2': `exit ${plain.code}: ${plain.stdout.trim()}`,
      'move_role --force writer db2': `exit ${forced.code}: ${forced.stdout.trim()}`,
      'db1 restart → writer role on db1 (monitor)': `${tWriter - tRestart} ms`,
      'db1 restart → db1 writable (observer)': db1Writable ? `${db1Writable.t - tRestart} ms` : 'never seen',
      'held (VIP off db1 → db1 writable again)': `${held.ticks} ticks`,
      'role decision': taken?.reason ?? 'none',
      'acknowledged writes / missing on db1': `${acks.length} / ${lost.lost.length}`,
      'observer ticks (writable per node)': `${o.ticks.length} (${writableCounts(o)})`,
      roles: conv.roles,
      'this part (db1 restart to the end)': `${Date.now() - t0} ms`,
    });

    expect(detail).to.equal('no eligible host can take this role: db2 is in never_writer');
    expect(writerOf(blockedDoc), `no writer while blocked: ${describeRoles(blockedDoc)}`).to.equal('');
    expect([plain.code, plain.stdout.trim()]).to.deep.equal([1, texts.neverWriter('db2', 'writer')]);
    expect([forced.code, forced.stdout.trim()]).to.deep.equal([1, texts.neverWriter('db2', 'writer')]);
    expect(held.vipGone, 'the writer VIP left db1').to.not.equal(undefined);
    expect(held.writable, 'nothing writable until db1 is back').to.deep.equal([]);
    expect(held.vip, 'the writer VIP on nobody until db1 is back').to.deep.equal([]);
    expect(taken?.reason, 'db1 takes its role back').to.match(/^orphaned role goes to db1: it held the role before/);
    expect(w.acks.every((a) => a.sid === 1), 'every write after the kill acknowledged by db1').to.equal(true);
    expect(lost.lost, 'acknowledged writes missing on db1').to.deep.equal([]);
    expect(twoWritable(o), 'never two writable nodes').to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip), 'never the writer VIP twice').to.deep.equal([]);
    expect(await readOnly(db2)).to.equal(true);
  });
});
