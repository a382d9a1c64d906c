// Scenario 3: the writer's host isolated (its cable out: the switch side of its veth down). Its
// agent hears no monitor and cannot reach its peer: it fences itself when the writer lease runs
// out (read_only=1, clients killed, VIP removed). The monitor promotes db2 only after the lease
// plus a margin, so the observer (over unix sockets, which the cut does not affect) never sees
// two writable nodes and sees db1 read-only BEFORE db2 writable. Link back: db1 read-only, no VIP,
// AWAITING_RECOVERY, then ONLINE (MMM's short-outage rule) and the writer moves back to it.
import { expect } from 'chai';
import { describeRoles, failoverTimeline, log, transitionsOf, until, writerOf } from './lib/cluster';
import { link } from './lib/faults';
import { awaitComeback, converge, describeComeback, lostWrites, replicationLine, report, twoWritable, vipInTwoPlaces, waitForMonitor, writableCounts } from './lib/invariants';
import { firstTick, holdersIn, writableIn } from './lib/observer';
import { scenario } from './lib/scenario';
import { longestGap } from './lib/workload';

describe('e2e 03: writer host isolated → self-fence by lease, then failover; link back → read-only, AWAITING_RECOVERY', function () {
  const s = scenario(this, '03');
  let cut = false;
  s.onCleanup(async () => {
    if (cut) await link(s.c, 'db1', 'up');
  });
  let tFault = 0;

  it('link down: db1 fences itself (read-only, VIP gone) before db2 becomes writable', async () => {
    await s.startLoad();
    tFault = Date.now();
    await link(s.c, 'db1', 'down');
    cut = true;
    await waitForMonitor(s.c, 'writer role on db2', (d) => writerOf(d) === 'db2', 40_000);
    await until('an acknowledged write on db2 through the VIP', async () => s.w!.firstAckOn('db2', tFault), 30_000);
    await converge(s.c, { writer: 'db2', states: { db1: 'HARD_OFFLINE' }, skip: ['db1'] });
    const o = s.o!;
    const w = s.w!;
    const fenced = firstTick(o, tFault, (t) => t.nodes.find((x) => x.node === 'db1')?.readOnly === true);
    const vipGone = firstTick(o, tFault, (t) => t.nodes.find((x) => x.node === 'db1')?.vips?.includes(s.c.writerVip) === false);
    const db2w = firstTick(o, tFault, (t) => writableIn(t).includes('db2'));
    report('03 writer isolated', {
      'link down → db1 read-only (fenced by its lease)': fenced ? `${fenced.t - tFault} ms` : 'never',
      'link down → writer VIP gone from db1': vipGone ? `${vipGone.t - tFault} ms` : 'never',
      'link down → db2 writable': db2w ? `${db2w.t - tFault} ms` : 'never',
      'link down → first write acknowledged by db2': `${w.firstAckOn('db2', tFault)!.t - tFault} ms`,
      'write-blocked window': `${longestGap(w.acks, tFault - 1_000).ms} ms`,
      'db1 transitions': transitionsOf(s.c.dir, 'db1', tFault).join(' | '),
      'monitor decisions': failoverTimeline(s.c.dir, tFault).join(' | '),
    });
    expect(fenced, 'db1 fenced itself').to.not.equal(undefined);
    expect(db2w, 'db2 writable').to.not.equal(undefined);
    expect(fenced!.t, 'db1 read-only before db2 writable').to.be.below(db2w!.t);
    expect(twoWritable(o)).to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip)).to.deep.equal([]);
  });

  it('link back: db1 read-only and without the VIP until the switch back (or kept out when it diverged); it passes AWAITING_RECOVERY or REPLICATION_FAIL; 0 lost of what db2 acknowledged', async () => {
    const o = s.o!;
    const w = s.w!;
    await new Promise((r) => setTimeout(r, 2_000));
    const tBack = Date.now();
    await link(s.c, 'db1', 'up');
    cut = false;
    // Either MMM's way back (HARD_OFFLINE → AWAITING_RECOVERY → ONLINE, then the writer returns to
    // db1), or — when db1 committed a transaction at the cut that never reached db2 (async
    // replication: a write in flight when the cable went) — db1 diverged: the monitor must keep it
    // out (REPLICATION_FAIL naming the GTIDs) and db2 must stay the writer.
    const back = await awaitComeback(s.c, 'db1', 'db2', tBack, 40_000);
    const { outcome, finalWriter } = back;
    let conv = { roles: '', writer: '', ms: 0 };
    let convError = '';
    if (outcome !== 'neither') conv = await converge(s.c, back.convergeOpts).catch((e: Error) => ((convError = e.message), conv));
    await new Promise((r) => setTimeout(r, 1_000));
    await s.stopLoad();
    if (outcome === 'neither' || convError) {
      log(`db1 neither returned as the writer nor was kept out as diverged within 40 s after link up: ${convError || describeRoles(await s.c.statusDoc())}`);
      for (const n of ['db1', 'db2', 'db3']) log(await replicationLine(s.c, n));
    }
    const demoted = firstTick(o, tBack, (t) => t.nodes.find((x) => x.node === 'db2')?.readOnly === true);
    const early = o.ticks.filter((t) => t.t >= tBack && t.t < (demoted?.t ?? Infinity) && writableIn(t).includes('db1'));
    const earlyVip = o.ticks.filter((t) => t.t >= tBack && t.t < (demoted?.t ?? Infinity) && holdersIn(t, s.c.writerVip).includes('db1'));
    const lost = await lostWrites(s.c, finalWriter, w.acks);
    const trans = transitionsOf(s.c.dir, 'db1', tBack);
    const byDb1 = new Set(w.acks.filter((a) => a.sid === 1).map((a) => a.id));
    report('03 link back', {
      outcome: describeComeback(back, 'db1', 'db2', 'the cut'),
      'db1 transitions after link up': trans.join(' | '),
      'link up → db2 demoted for the switch back': demoted ? `${demoted.t - tBack} ms` : 'never',
      'acknowledged writes (whole scenario)': w.acks.length,
      [`acknowledged but missing on ${finalWriter} (final writer)`]: lost.lost.length,
      'of them acknowledged by db1 before the cut (async replication)': lost.lost.filter((id) => byDb1.has(id)).length,
      'observer ticks (writable per node)': `${o.ticks.length} (${writableCounts(o)})`,
      roles: conv.roles,
    });
    expect(early.map((t) => t.n), 'db1 read-only until the switch back').to.deep.equal([]);
    expect(earlyVip.map((t) => t.n), 'db1 without the writer VIP until the switch back').to.deep.equal([]);
    expect(trans.some((r) => /AWAITING_RECOVERY|lacks/.test(r)), 'db1 went through AWAITING_RECOVERY or was kept out as diverged').to.equal(true);
    expect(twoWritable(o)).to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip)).to.deep.equal([]);
    expect(outcome !== 'neither' && !convError, `db1 back as the writer or kept out as diverged, and the cluster converged (${convError || describeRoles(await s.c.statusDoc())})`).to.equal(true);
    const byDb2 = new Set(w.acks.filter((a) => a.sid === 2).map((a) => a.id));
    expect(lost.lost.filter((id) => byDb2.has(id)), `writes acknowledged by db2 are all on ${finalWriter}`).to.deep.equal([]);
  });
});
