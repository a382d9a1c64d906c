// Scenario 8: operator actions and a monitor restart under load. set_offline of the passive master
// db2 (ADMIN_OFFLINE: its reader role moves, the writer stays) and set_online (back ONLINE, a
// reader role again); then the monitor killed (kill -9) mid-workload and restarted with the
// sandbox's command line: it resumes from its status file, roles unchanged, no failover.
import { expect } from 'chai';
import { auditSince, describeRoles, log, rolesOf, stateOf, writerOf } from './lib/cluster';
import { killMonitor, restartMonitor } from './lib/faults';
import { converge, lostWrites, report, twoWritable, vipInTwoPlaces, waitForMonitor, writableCounts } from './lib/invariants';
import { writableIn } from './lib/observer';
import { scenario } from './lib/scenario';
import { longestGap } from './lib/workload';

describe('e2e 08: set_offline/set_online of a master; monitor killed and restarted → roles unchanged', function () {
  const s = scenario(this, '08');

  it('set_offline db2 moves only its reader role; set_online brings it back', async () => {
    await s.startLoad();
    const t0 = Date.now();
    const off = await s.c.control('set_offline', 'db2');
    expect(off.code, off.stdout).to.equal(0);
    await waitForMonitor(s.c, 'db2 ADMIN_OFFLINE without roles', (d) => stateOf(d, 'db2') === 'ADMIN_OFFLINE' && rolesOf(d, 'db2').length === 0, 15_000);
    const offView = describeRoles(await s.c.statusDoc());
    const tOn = Date.now();
    const on = await s.c.control('set_online', 'db2');
    expect(on.code, on.stdout).to.equal(0);
    await waitForMonitor(s.c, 'db2 ONLINE with a reader role', (d) => stateOf(d, 'db2') === 'ONLINE' && rolesOf(d, 'db2').length > 0, 15_000);
    const conv = await converge(s.c, { writer: 'db1' });
    report('08 set_offline/set_online db2', {
      'set_offline answer': off.stdout.trim(),
      'while offline': offView,
      'set_online → db2 has a reader role': `${Date.now() - tOn} ms`,
      'writer during both': writerOf(await s.c.statusDoc()),
      'write-blocked window': `${longestGap(s.w!.acks, t0).ms} ms`,
      roles: conv.roles,
    });
  });

  it('monitor kill -9 and restart: roles unchanged, no failover, writes continue', async () => {
    const before = await s.c.statusDoc();
    const rolesBefore = describeRoles(before);
    const tKill = Date.now();
    const oldPid = await killMonitor(s.c);
    await new Promise((r) => setTimeout(r, 5_000)); // past writer_lease: db1's lease expires, its peer answers → keeps writing
    const tStart = Date.now();
    const newPid = await restartMonitor(s.c);
    const tUp = Date.now();
    await new Promise((r) => setTimeout(r, 5_000));
    const after = await s.c.statusDoc();
    const conv = await converge(s.c, { writer: 'db1' });
    await s.stopLoad();
    const w = s.w!;
    const o = s.o!;
    const lost = await lostWrites(s.c, 'db1', w.acks);
    const moves = auditSince(s.c.dir, tStart).filter((e) => ['failover', 'role_move', 'fence'].includes(e.kind) && !e.blocked);
    for (const d of auditSince(s.c.dir, tStart)) log(`decision after restart: ${d.kind} ${d.host ?? ''} ${d.role ?? ''} ${d.blocked ? 'BLOCKED ' : ''}${d.reason}`);
    report('08 monitor restart', {
      'monitor PIDs': `${oldPid} killed, ${newPid} started`,
      'restart → answering ping': `${tUp - tStart} ms`,
      'roles before / after': `${rolesBefore} / ${describeRoles(after)}`,
      'writes acknowledged while the monitor was down': w.acks.filter((a) => a.t >= tKill && a.t < tStart).length,
      'write-blocked window (whole scenario)': `${longestGap(w.acks).ms} ms`,
      'acknowledged / lost': `${w.acks.length} / ${lost.lost.length}`,
      'role moves / failovers after restart': moves.length,
      'observer ticks (writable per node)': `${o.ticks.length} (${writableCounts(o)})`,
      roles: conv.roles,
    });
    expect(describeRoles(after), 'roles unchanged by the restart').to.equal(rolesBefore);
    expect(moves.map((m) => `${m.kind} ${m.reason}`), 'no role move or failover after the restart').to.deep.equal([]);
    expect(w.acks.filter((a) => a.t >= tKill && a.t < tStart).length, 'writes continued without the monitor').to.be.greaterThan(0);
    expect(o.ticks.filter((t) => writableIn(t).some((n) => n !== 'db1')).map((t) => t.n), 'nobody but db1 writable').to.deep.equal([]);
    expect(lost.lost).to.deep.equal([]);
    expect(twoWritable(o)).to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip)).to.deep.equal([]);
  });
});
