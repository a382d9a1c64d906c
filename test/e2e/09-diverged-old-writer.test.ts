// Scenario 9 (beyond the eight, found by scenario 3): the isolated writer commits a
// transaction that never reaches db2 (what a write in flight at the cut does under async
// replication; injected here as root over db1's unix socket, after its lease fenced it), db2
// takes over and writes. When the link is back, db1 has a transaction the writer lacks: it must
// be kept out (REPLICATION_FAIL naming the GTID, no roles, never writable), db2 must stay the
// writer, and a move of the writer to db1 must be refused before db2 is demoted.
import { expect } from 'chai';
import { query, readOnly } from '../../packages/sandbox/src';
import { describeRoles, log, stateOf, transitionsOf, until, writerOf } from './lib/cluster';
import { link } from './lib/faults';
import { converge, lostWrites, report, twoWritable, vipInTwoPlaces, waitForMonitor, writableCounts } from './lib/invariants';
import { holdersIn, writableIn } from './lib/observer';
import { scenario } from './lib/scenario';

describe('e2e 09: old writer back with a transaction the new writer lacks → kept out, db2 stays the writer', function () {
  const s = scenario(this, '09');
  let cut = false;
  s.onCleanup(async () => {
    if (cut) await link(s.c, 'db1', 'up');
  });

  it('db1 diverged while cut off: REPLICATION_FAIL naming the GTID, no roles, move_role to it refused without demoting db2', async () => {
    await s.startLoad();
    const tFault = Date.now();
    await link(s.c, 'db1', 'down');
    cut = true;
    await waitForMonitor(s.c, 'writer role on db2', (d) => writerOf(d) === 'db2', 40_000);
    await until('an acknowledged write on db2 through the VIP', async () => s.w!.firstAckOn('db2', tFault), 30_000);
    const db1 = s.c.db.node('db1');
    await until('db1 fenced (read-only)', async () => (await readOnly(db1)) === true, 20_000);
    await query(db1, 'CREATE TABLE mmm_test.errant_09 (i INT PRIMARY KEY)');
    await query(db1, 'INSERT INTO mmm_test.errant_09 VALUES (1)');
    const [g] = await query(db1, 'SELECT @@GLOBAL.gtid_binlog_state AS st');
    const db1State = String(g?.st ?? '');

    const tBack = Date.now();
    await link(s.c, 'db1', 'up');
    cut = false;
    await waitForMonitor(s.c, 'db1 REPLICATION_FAIL as diverged', (d) => stateOf(d, 'db1') === 'REPLICATION_FAIL', 40_000);
    const why = transitionsOf(s.c.dir, 'db1', tBack).find((r) => /lacks/.test(r));
    // db3 may have received the transaction in flight at the cut that db2 never got (asynchronous
    // replication; the new writer is not caught up from the most advanced replica): then db3 has
    // diverged too and must be kept out the same way, with the GTIDs named by the monitor.
    const db3Diverged = (): string | undefined => transitionsOf(s.c.dir, 'db3', tFault).find((r) => /lacks/.test(r));
    const conv = await converge(s.c, { writer: 'db2', states: { db1: 'REPLICATION_FAIL' }, skip: ['db1'] }).catch(async (e: Error) => {
      if (!db3Diverged()) throw e;
      return converge(s.c, { writer: 'db2', states: { db1: 'REPLICATION_FAIL', db3: 'REPLICATION_FAIL' }, skip: ['db1', 'db3'] });
    });

    const plain = await s.c.control('move_role', 'writer', 'db1');
    const forced = await s.c.control('move_role', '--force', 'writer', 'db1');
    await new Promise((r) => setTimeout(r, 1_000));
    await s.stopLoad();
    const o = s.o!;
    const w = s.w!;
    const db1Writable = o.ticks.filter((t) => t.t >= tBack && writableIn(t).includes('db1'));
    const db1Vip = o.ticks.filter((t) => t.t >= tBack && holdersIn(t, s.c.writerVip).includes('db1'));
    const db2ReadOnly = o.ticks.filter((t) => t.t >= tBack && t.nodes.find((x) => x.node === 'db2')?.readOnly === true);
    const lost = await lostWrites(s.c, 'db2', w.acks);
    const doc = await s.c.statusDoc();
    report('09 diverged old writer', {
      'db1 gtid_binlog_state after the injected commit': db1State,
      'db1 transitions after link up': transitionsOf(s.c.dir, 'db1', tBack).join(' | '),
      'link up → converged (db2 writer, db1 kept out)': `${conv.ms} ms after the monitor said REPLICATION_FAIL`,
      'db3': db3Diverged() ?? 'replicates from db2',
      'move_role writer db1': `exit ${plain.code}: ${plain.stdout.trim()}`,
      'move_role --force writer db1': `exit ${forced.code}: ${forced.stdout.trim()}`,
      'acknowledged / missing on db2': `${w.acks.length} / ${lost.lost.length}`,
      'observer ticks (writable per node)': `${o.ticks.length} (${writableCounts(o)})`,
      roles: describeRoles(doc),
    });
    if (!why) log(`db1 transitions: ${transitionsOf(s.c.dir, 'db1', tBack).join(' | ')}`);
    expect(why, 'db1 kept out with the GTIDs db2 lacks').to.match(/db1 has transactions the writer db2 lacks \(0-1-\d+/);
    expect(transitionsOf(s.c.dir, 'db1', tBack).filter((r) => /-> ONLINE/.test(r)), 'db1 never ONLINE again').to.deep.equal([]);
    expect(stateOf(doc, 'db1')).to.equal('REPLICATION_FAIL');
    expect(writerOf(doc)).to.equal('db2');
    expect(doc.hosts.find((h) => h.name === 'db1')!.roles).to.deep.equal([]);
    expect(db1Writable.map((t) => t.n), 'db1 never writable after link up').to.deep.equal([]);
    expect(db1Vip.map((t) => t.n), 'db1 never holds the writer VIP after link up').to.deep.equal([]);
    expect(plain.code, plain.stdout).to.equal(1);
    expect(forced.code, forced.stdout).to.equal(1);
    expect(forced.stdout).to.match(/refused before anything changed: db1 has transactions the writer db2 lacks/);
    expect(db2ReadOnly.map((t) => t.n), 'db2 never demoted by the refused moves').to.deep.equal([]);
    expect(twoWritable(o)).to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip)).to.deep.equal([]);
    const byDb2 = new Set(w.acks.filter((a) => a.sid === 2).map((a) => a.id));
    expect(lost.lost.filter((id) => byDb2.has(id)), 'writes acknowledged by db2 are all on db2').to.deep.equal([]);
  });
});
