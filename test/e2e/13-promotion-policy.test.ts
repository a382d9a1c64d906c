// Scenario 13 (issue 16, promotion policy): `failover_max_lag 3` in the monitor's config and db2
// applying with MASTER_DELAY 10, so it lags ~10 s behind db1 under the workload through the writer
// VIP. db1's mariadbd is killed once both replicas have RECEIVED everything db1 wrote (the workload
// paused; asynchronous replication loses what no replica received, whatever the monitor does).
// The only candidate, db2, lags more than the bound: the failover is blocked with FailoverBlocked
// naming its lag (status_json, `mmm_control show`, the audit log), nothing is writable and the VIP
// is on nobody while it lasts; once db2 has applied what it received it is promoted and every
// acknowledged write is on it. (MariaDB shows Seconds_Behind_Master NULL once db1 is gone: the
// monitor then counts db2's last reading while it still has relay log to apply — promotion.ts.)
import { expect } from 'chai';
import { gtidState, query, readOnly, slaveStatus } from '../../packages/sandbox/src';
import { auditSince, describeRoles, failoverTimeline, log, until, writerOf } from './lib/cluster';
import { killMariadb } from './lib/faults';
import { converge, lostWrites, report, twoWritable, vipInTwoPlaces, waitForMonitor, writableCounts } from './lib/invariants';
import { firstTick, holdersIn, writableIn } from './lib/observer';
import { scenario } from './lib/scenario';
import { startWorkload, waitForAcks } from './lib/workload';

const MAX_LAG_S = 3;
const DELAY_S = 10;

describe(`e2e 13: failover_max_lag ${MAX_LAG_S}, db2 delayed ${DELAY_S} s, db1 killed → blocked naming the lag until db2 applied all, then promoted, 0 lost`, function () {
  const s = scenario(this, '13', 240_000, ['--monitor-option', `failover_max_lag=${MAX_LAG_S}`]);

  it('blocked with FailoverBlocked (db2 lags), nothing writable and no VIP meanwhile; db2 promoted once it applied everything; every acknowledged write on db2', async () => {
    const db1 = s.c.db.node('db1');
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
    const w1 = s.w!;
    await w1.stop(); // the observer keeps watching
    const pos = (await gtidState(db1)).binlogPos;
    await until(`db2 received and db3 applied everything db1 wrote (${pos})`, async () =>
      String((await slaveStatus(db2))?.Gtid_IO_Pos) === pos && (await gtidState(db3)).slavePos === pos, 15_000);
    const db2Applied = (await gtidState(db2)).slavePos;
    await new Promise((r) => setTimeout(r, 500)); // a few passes: the monitor saw db2's lag and db1's last position
    const tFault = Date.now();
    await killMariadb(s.c, 'db1');
    const w2 = startWorkload(s.c, { firstId: 1_000_000 });
    s.w = w2;

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
    const vipGone = firstTick(o, tFault, (t) => holdersIn(t, s.c.writerVip).length === 0);
    const during = o.ticks.filter((t) => t.t >= (vipGone?.t ?? tFault) && t.t < tEnd);
    const writableDuring = during.filter((t) => writableIn(t).length > 0).map((t) => `tick ${t.n}: ${writableIn(t).join(',')}`);
    const vipDuring = during.filter((t) => holdersIn(t, s.c.writerVip).length > 0).map((t) => `tick ${t.n}: ${holdersIn(t, s.c.writerVip).join(',')}`);
    const acksBeforeWriter = w2.acks.filter((a) => a.t < tEnd);
    report('13 promotion policy (failover_max_lag)', {
      [`db2 Seconds_Behind_Master before the kill (MASTER_DELAY ${DELAY_S})`]: `${lagged} s`,
      'db1 wrote / db2 had applied at the kill': `${pos} / ${db2Applied}`,
      'FailoverBlocked detail': blockedDetail,
      'mmm_control show': showLine,
      'fault → FailoverBlocked seen': `${tBlockedSeen - tFault} ms`,
      'fault → writer role on db2 (monitor)': `${tWriter - tFault} ms`,
      'fault → db2 writable (observer)': db2Writable ? `${db2Writable.t - tFault} ms` : 'never seen',
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
    expect(vipGone, 'the writer VIP left db1').to.not.equal(undefined);
    expect(writableDuring, 'nothing writable between the VIP leaving db1 and db2 writable').to.deep.equal([]);
    expect(vipDuring, 'the writer VIP on nobody meanwhile').to.deep.equal([]);
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
});
