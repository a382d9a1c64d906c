// Scenario 4: the monitor cut off from the writer only (a blackhole route for db1's ip in the ROOT
// namespace, where only the monitor talks to node addresses; db1 still reaches db2 and db3 and the
// client on the bridge). db2/db3 still receive from db1 and db1's agent still reaches its peer, so:
// no failover, db1 keeps the writer role and keeps accepting writes, never a second writable node.
import { expect } from 'chai';
import { auditSince, describeRoles, log, writerOf } from './lib/cluster';
import { cutMonitorFrom, restoreMonitorTo } from './lib/faults';
import { converge, lostWrites, report, twoWritable, vipInTwoPlaces, waitForMonitor, writableCounts } from './lib/invariants';
import { writableIn } from './lib/observer';
import { scenario } from './lib/scenario';
import { longestGap } from './lib/workload';

const CUT_MS = 12_000; // writer_lease 3 s + margin 1 s, more than twice over

describe('e2e 04: monitor cut off from the writer only → no failover', function () {
  const s = scenario(this, '04');
  let cut = false;
  s.onCleanup(async () => {
    if (cut) await restoreMonitorTo(s.c, 'db1');
  });

  it('keeps db1 the only writer while the monitor cannot reach it, and after the route is back', async () => {
    await s.startLoad();
    const tFault = Date.now();
    await cutMonitorFrom(s.c, 'db1');
    cut = true;
    const writers = new Set<string>();
    const seen = new Set<string>();
    while (Date.now() - tFault < CUT_MS) {
      const doc = await s.c.statusDoc().catch(() => undefined);
      if (doc) {
        writers.add(writerOf(doc));
        seen.add(describeRoles(doc));
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const tBack = Date.now();
    await restoreMonitorTo(s.c, 'db1');
    cut = false;
    await waitForMonitor(s.c, 'every host ONLINE', (d) => d.hosts.every((h) => h.state === 'ONLINE'), 30_000);
    const conv = await converge(s.c, { writer: 'db1' });
    await new Promise((r) => setTimeout(r, 1_000));
    await s.stopLoad();
    const w = s.w!;
    const o = s.o!;
    const lost = await lostWrites(s.c, 'db1', w.acks);
    const during = w.acks.filter((a) => a.t >= tFault && a.t < tBack);
    const decisions = auditSince(s.c.dir, tFault).filter((e) => ['failover', 'fence'].includes(e.kind) || /writer/.test(e.role ?? ''));
    for (const d of decisions) log(`decision: ${d.kind} ${d.host ?? ''} ${d.role ?? ''} ${d.blocked ? 'BLOCKED ' : ''}${d.reason}`);
    report('04 monitor cut from writer', {
      'monitor views during the cut': [...seen].join(' || '),
      'writer role holders seen by the monitor': [...writers].map((x) => x || '(none)').join(','),
      'writes acknowledged during the cut (all by db1)': `${during.length} (${during.filter((a) => a.sid === 1).length} by db1)`,
      'write-blocked window': `${longestGap(w.acks).ms} ms`,
      'acknowledged / lost': `${w.acks.length} / ${lost.lost.length}`,
      'observer ticks (writable per node)': `${o.ticks.length} (${writableCounts(o)})`,
      'route back → converged': `${conv.ms + (Date.now() - tBack - conv.ms > 0 ? 0 : 0)} ms after all ONLINE`,
    });
    expect([...writers].filter((x) => x !== 'db1'), 'writer role never left db1').to.deep.equal([]);
    expect(o.ticks.filter((t) => writableIn(t).some((n) => n !== 'db1')).map((t) => t.n), 'no node but db1 ever writable').to.deep.equal([]);
    expect(during.length, 'db1 kept accepting writes during the cut').to.be.greaterThan(0);
    expect(lost.lost).to.deep.equal([]);
    expect(twoWritable(o)).to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip)).to.deep.equal([]);
  });
});
