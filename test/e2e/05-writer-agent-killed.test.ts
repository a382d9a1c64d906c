// Scenario 5: the writer's agent killed (kill -9) while MySQL is healthy: the monitor reports it
// (status_json agentReachable=false, `show` warns), keeps db1 the writer (no failover: the mysql
// check is fine), and the workload goes on. The agent restarted (same command line as the
// sandbox's, new PID recorded for `down`): roles re-asserted, writer still db1, nothing lost.
import { expect } from 'chai';
import { auditSince, log, writerOf } from './lib/cluster';
import { killAgent, restartAgent } from './lib/faults';
import { converge, lostWrites, report, twoWritable, vipInTwoPlaces, waitForMonitor, writableCounts } from './lib/invariants';
import { writableIn } from './lib/observer';
import { scenario } from './lib/scenario';
import { longestGap } from './lib/workload';

describe('e2e 05: agent on the writer killed → reported, no failover; restarted → roles re-asserted', function () {
  const s = scenario(this, '05');

  it('reports the dead agent, keeps db1 writer; the restarted agent takes its roles up again', async () => {
    await s.startLoad();
    const tFault = Date.now();
    const oldPid = await killAgent(s.c, 'db1');
    await waitForMonitor(s.c, 'db1 agent reported unreachable', (d) => d.hosts.find((h) => h.name === 'db1')?.agentReachable === false, 20_000);
    const tReported = Date.now();
    const show = await s.c.control('show');
    const warning = show.stdout.split('\n').find((l) => /agent on host db1 is not reachable/.test(l)) ?? '';
    await new Promise((r) => setTimeout(r, 8_000)); // well past writer_lease and the checks' trap_period
    const during = await s.c.statusDoc();
    const tRestart = Date.now();
    const newPid = await restartAgent(s.c, 'db1');
    await waitForMonitor(s.c, 'db1 agent reachable again', (d) => d.hosts.find((h) => h.name === 'db1')?.agentReachable === true, 20_000);
    const tBack = Date.now();
    const conv = await converge(s.c, { writer: 'db1' });
    await new Promise((r) => setTimeout(r, 1_000));
    await s.stopLoad();
    const w = s.w!;
    const o = s.o!;
    const lost = await lostWrites(s.c, 'db1', w.acks);
    const agentLog = auditSince(s.c.dir, tFault).filter((e) => e.host === 'db1');
    for (const d of agentLog) log(`decision: ${d.kind} ${d.host ?? ''} ${d.role ?? ''} ${d.blocked ? 'BLOCKED ' : ''}${d.reason}`);
    report('05 writer agent killed', {
      'kill → monitor reports the agent unreachable': `${tReported - tFault} ms`,
      '`show` warning': warning,
      'state/roles while the agent was down': `db1 ${during.hosts.find((h) => h.name === 'db1')?.state}, writer ${writerOf(during)}`,
      'agent PIDs': `${oldPid} killed, ${newPid} started`,
      'restart → agent reachable': `${tBack - tRestart} ms`,
      'writes acknowledged while the agent was down': w.acks.filter((a) => a.t >= tFault && a.t < tRestart).length,
      'write-blocked window': `${longestGap(w.acks).ms} ms`,
      'acknowledged / lost': `${w.acks.length} / ${lost.lost.length}`,
      'observer ticks (writable per node)': `${o.ticks.length} (${writableCounts(o)})`,
      roles: conv.roles,
    });
    expect(warning, '`show` warns about the agent').to.not.equal('');
    expect(writerOf(during), 'no failover while MySQL is healthy').to.equal('db1');
    expect(o.ticks.filter((t) => writableIn(t).some((n) => n !== 'db1')).map((t) => t.n), 'nobody but db1 writable').to.deep.equal([]);
    expect(w.acks.filter((a) => a.t >= tFault && a.t < tRestart).length, 'writes continued').to.be.greaterThan(0);
    expect(lost.lost).to.deep.equal([]);
    expect(twoWritable(o)).to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip)).to.deep.equal([]);
  });
});
