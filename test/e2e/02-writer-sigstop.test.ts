// Scenario 2: the writer's mariadbd hung (SIGSTOP: the kernel still accepts TCP connections, the
// server never answers). The monitor's mysql check times out, db1 goes HARD_OFFLINE, its agent
// drops the writer VIP and, once mysqld has not answered for writer_lease − 1 s, kills it: a hung
// server could resume and commit what it had received while db2 writes (a first run of this
// scenario saw exactly that). Only then is db1 known dead and db2 promoted; the workload resumes
// through the VIP on db2. SIGCONT later finds no process; db1's mariadbd is started again and must
// stay read-only and without the writer VIP while it is not the writer (AWAITING_RECOVERY, then
// MMM's short-outage rule takes it ONLINE and ACTIVE mode moves the writer back by a planned
// switch, losing nothing).
import { expect } from 'chai';
import { describeRoles, log, transitionsOf, until, writerOf } from './lib/cluster';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../../packages/sandbox/src';
import { restartMariadb, signalMariadb } from './lib/faults';
import { awaitComeback, converge, describeComeback, lostWrites, replicationLine, report, twoWritable, vipInTwoPlaces, waitForMonitor, writableCounts } from './lib/invariants';
import { firstTick, holdersIn, writableIn } from './lib/observer';
import { scenario } from './lib/scenario';
import { longestGap } from './lib/workload';

describe('e2e 02: writer mariadbd SIGSTOP (hung) → failover; SIGCONT → read-only until it is the writer again', function () {
  const s = scenario(this, '02');
  let stopped = false;
  let hungPid = 0;
  s.onCleanup(async () => {
    if (stopped && processAlive(hungPid)) signalMariadb(s.c, 'db1', 'SIGCONT'); // never leave a stopped mariadbd to `down`
  });

  it('SIGSTOP of db1 mariadbd: db2 becomes the writer, the workload resumes on it', async () => {
    await s.startLoad();
    const tFault = Date.now();
    hungPid = signalMariadb(s.c, 'db1', 'SIGSTOP');
    stopped = true;
    await waitForMonitor(s.c, 'writer role on db2', (d) => writerOf(d) === 'db2');
    await until('an acknowledged write on db2 through the VIP', async () => s.w!.firstAckOn('db2', tFault), 30_000);
    await converge(s.c, { writer: 'db2', states: { db1: 'HARD_OFFLINE' }, skip: ['db1'] });
    await new Promise((r) => setTimeout(r, 3_000));
    const w = s.w!;
    const o = s.o!;
    const db2w = firstTick(o, tFault, (t) => writableIn(t).includes('db2'));
    const gap = longestGap(w.acks, tFault - 1_000);
    report('02 writer SIGSTOP', {
      'fault → db2 writable (observer)': db2w ? `${db2w.t - tFault} ms` : 'never seen',
      'fault → first write acknowledged by db2 through the VIP': `${w.firstAckOn('db2', tFault)!.t - tFault} ms`,
      'write-blocked window': `${gap.ms} ms`,
      'db1 transitions': transitionsOf(s.c.dir, 'db1', tFault).join(' | '),
    });
    expect(twoWritable(o)).to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip)).to.deep.equal([]);
    // The hung writer was fenced by its agent before db2 became writable.
    expect(processAlive(hungPid), 'the hung mariadbd was killed by its agent').to.equal(false);
    const agentLog = readFileSync(join(s.c.dir, 'db1', 'mmmd_agent.log'), 'utf8');
    expect(agentLog).to.match(/fenced a hung writer: mysqld \(pid \d+\) did not answer/);
  });

  it('SIGCONT: db1 read-only and without the writer VIP until the planned switch back; 0 writes lost on it', async () => {
    const o = s.o!;
    const w = s.w!;
    const tCont = Date.now();
    // The process is gone (its agent killed it): SIGCONT finds nothing, so db1 is started again.
    expect(() => signalMariadb(s.c, 'db1', 'SIGCONT')).to.throw(/ESRCH/);
    stopped = false;
    await restartMariadb(s.c, 'db1');
    // MMM rules: HARD_OFFLINE → AWAITING_RECOVERY → ONLINE (short outage), then the writer returns
    // to db1 — unless the kill left a transaction in db1's binlog that db2 never got (diverged).
    const back = await awaitComeback(s.c, 'db1', 'db2', tCont, 40_000);
    const returned = back.outcome !== 'neither';
    let conv = { roles: '', writer: '', ms: 0 };
    let convError = '';
    if (returned) conv = await converge(s.c, back.convergeOpts).catch((e: Error) => ((convError = e.message), conv));
    await new Promise((r) => setTimeout(r, 1_000));
    await s.stopLoad();
    if (!returned || convError) {
      log(`db1 neither returned as the writer nor was kept out as diverged within 40 s after the restart: ${convError || describeRoles(await s.c.statusDoc())}`);
      for (const n of ['db1', 'db2', 'db3']) log(await replicationLine(s.c, n));
    }
    // The switch back begins when db2 is demoted: until then db1 must not be writable.
    const demoted = firstTick(o, tCont, (t) => t.nodes.find((x) => x.node === 'db2')?.readOnly === true);
    const early = o.ticks.filter((t) => t.t >= tCont && t.t < (demoted?.t ?? Infinity) && writableIn(t).includes('db1'));
    const earlyVip = o.ticks.filter((t) => t.t >= tCont && t.t < (demoted?.t ?? Infinity) && holdersIn(t, s.c.writerVip).includes('db1'));
    const lost = await lostWrites(s.c, back.finalWriter, w.acks);
    const trans = transitionsOf(s.c.dir, 'db1', tCont);
    report('02 db1 resumed', {
      outcome: describeComeback(back, 'db1', 'db2', 'the kill'),
      'db1 transitions after SIGCONT': trans.join(' | '),
      'SIGCONT → db2 demoted for the switch back (observer)': demoted ? `${demoted.t - tCont} ms` : 'never',
      'ticks with db1 writable before that': early.length,
      'acknowledged writes (whole scenario)': w.acks.length,
      [`acknowledged but missing on ${back.finalWriter} (final writer)`]: `${lost.lost.length}${lost.lost.length ? ` (ids ${lost.lost.slice(0, 10).join(',')})` : ''}`,
      'observer ticks (writable per node)': `${o.ticks.length} (${writableCounts(o)})`,
      roles: conv.roles,
    });
    expect(early.map((t) => t.n), 'db1 read-only after SIGCONT until the switch back').to.deep.equal([]);
    expect(earlyVip.map((t) => t.n), 'db1 without the writer VIP after SIGCONT until the switch back').to.deep.equal([]);
    expect(trans.some((r) => /AWAITING_RECOVERY|lacks/.test(r)), 'db1 went through AWAITING_RECOVERY or was kept out as diverged').to.equal(true);
    expect(twoWritable(o), 'never two writable nodes').to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip), 'never the writer VIP twice').to.deep.equal([]);
    expect(returned && !convError, `db1 back as the writer or kept out as diverged, and the cluster converged (${convError || describeRoles(await s.c.statusDoc())})`).to.equal(true);
    const afterFailover = w.acks.filter((a) => a.sid === 2).map((a) => a.id);
    expect(lost.lost.filter((id) => afterFailover.includes(id)), `writes acknowledged by db2 are all on ${back.finalWriter}`).to.deep.equal([]);
  });
});
