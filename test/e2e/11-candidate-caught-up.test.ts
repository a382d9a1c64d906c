// Scenario 11 (issue 16): db3 has received transactions db2 lacks — db2's IO thread is held while
// the workload writes through the writer VIP — and db1's mariadbd is killed. The monitor must not
// promote db2 as it is: it names the GTIDs db2 lacks, catches db2 up from db3 (CATCH_UP: replicate
// from db3 by GTID, then point back at db1), and only then makes db2 the writer. Every write db1
// acknowledged is on db2 (the workload pauses before the kill until db3 has applied everything:
// with asynchronous replication a write db3 never received is lost whatever the monitor does).
import { expect } from 'chai';
import { TEST_SCHEMA, gtidState, query, readOnly, slaveStatus } from '../../packages/sandbox/src';
import { WRITES_TABLE, auditSince, failoverTimeline, log, until, writerOf } from './lib/cluster';
import { killMariadb } from './lib/faults';
import { converge, lostWrites, report, twoWritable, vipInTwoPlaces, waitForMonitor, writableCounts } from './lib/invariants';
import { firstTick, writableIn } from './lib/observer';
import { scenario } from './lib/scenario';
import { startWorkload, waitForAcks } from './lib/workload';

describe('e2e 11: db3 received what db2 lacks, db1 killed → db2 caught up from db3 before it becomes the writer, 0 lost', function () {
  const s = scenario(this, '11');
  let held = false;
  s.onCleanup(async () => {
    if (held) await query(s.c.db.node('db2'), 'START SLAVE IO_THREAD').catch(() => undefined);
  });

  it('kill -9 of db1 while db2 lacks writes db3 received: the GTIDs named, db2 caught up from db3, then promoted; every acknowledged write on db2', async () => {
    const db1 = s.c.db.node('db1');
    const db2 = s.c.db.node('db2');
    const db3 = s.c.db.node('db3');
    await s.startLoad();
    await query(db2, 'STOP SLAVE IO_THREAD');
    held = true;
    const tHold = Date.now();
    await until('200 acknowledged writes while db2 receives nothing', async () => s.w!.acks.filter((a) => a.t > tHold).length >= 200, 60_000);
    const w1 = s.w!;
    await w1.stop(); // the observer keeps watching
    const pos = (await gtidState(db1)).binlogPos;
    await until(`db3 applied everything db1 wrote (${pos})`, async () => (await gtidState(db3)).slavePos === pos, 30_000);
    const db2Had = (await gtidState(db2)).slavePos;
    await new Promise((r) => setTimeout(r, 500)); // a few passes: the monitor saw db1's last position
    const tFault = Date.now();
    await killMariadb(s.c, 'db1');
    await waitForMonitor(s.c, 'writer role on db2', (d) => writerOf(d) === 'db2', 60_000);
    const tWriter = Date.now();
    const w2 = startWorkload(s.c, { firstId: 1_000_000 });
    s.w = w2;
    await waitForAcks(w2, 50);
    expect(w2.firstAckOn('db2', tFault), 'writes acknowledged by db2 through the VIP').to.not.equal(undefined);
    const conv = await converge(s.c, { writer: 'db2', states: { db1: 'HARD_OFFLINE' }, skip: ['db1'] });
    await s.stopLoad();

    const acks = [...w1.acks, ...w2.acks];
    const o = s.o!;
    const audit = auditSince(s.c.dir, tFault);
    const reasons = audit.map((e) => `${e.kind}${e.blocked ? ' BLOCKED' : ''} ${e.host ?? ''}: ${e.reason}`);
    const at = (re: RegExp): number => reasons.findIndex((r) => re.test(r));
    const blocked = at(/^role_assign BLOCKED : no host can take the writer role without losing transactions another host received: db2 lacks 0-1-\d+\.\.0-1-\d+ \(\d+ transactions\) that db3 received/);
    const planned = at(/^failover db2: catch-up before the promotion: db2 replicates from db3 until 0-1-\d+/);
    const done = at(/^failover db2: catch-up of db2 from db3: Caught up to 0-1-\d+ from db3 in \d+ ms; replicates from [\d.]+:\d+ again$/);
    const promoted = at(/^failover db2: failover from db1 \(HARD_OFFLINE\): db2 may become writable: .*; db2 has everything db1 last reported/);
    const lost = await lostWrites(s.c, 'db2', acks);
    const db2Writable = firstTick(o, tFault, (t) => writableIn(t).includes('db2'));
    report('11 candidate caught up', {
      'db2 had / db1 wrote at the kill': `${db2Had} / ${pos}`,
      'fault → writer role on db2 (monitor)': `${tWriter - tFault} ms`,
      'fault → db2 writable (observer)': db2Writable ? `${db2Writable.t - tFault} ms` : 'never seen',
      'acknowledged writes (before the kill / after it on db2)': `${w1.acks.length} / ${w2.acks.length}`,
      'acknowledged but missing on db2': lost.lost.length,
      'observer ticks (writable per node)': `${o.ticks.length} (${writableCounts(o)})`,
      roles: conv.roles,
    });
    log(failoverTimeline(s.c.dir, tFault).join('\n      '));
    expect([blocked, planned, done, promoted].every((i) => i >= 0), reasons.join('\n')).to.equal(true);
    expect(blocked < planned && planned < done && done < promoted, 'blocked, caught up, then promoted').to.equal(true);
    expect(lost.lost, 'acknowledged writes missing on db2').to.deep.equal([]);
    expect(twoWritable(o), 'never two writable nodes').to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip), 'never the writer VIP twice').to.deep.equal([]);
    expect(await readOnly(db3)).to.equal(true);
    // db2's agent pointed its replication back at db1 (down): its IO thread waits for it
    expect((await slaveStatus(db2))?.Master_Host).to.equal(db1.ip);
    held = false;
    const marker = await query(db2, `SELECT COUNT(*) AS n FROM ${TEST_SCHEMA}.${WRITES_TABLE}`);
    expect(Number(marker[0]?.n)).to.be.at.least(acks.length);
  });
});
