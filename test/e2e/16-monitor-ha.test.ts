// Scenario 16 (issue 19 item 8): monitor HA under the workload. One `mmm_sandbox up --netns
// --monitors 3` (three monitors elected in a 3-member etcd, monitor K and etcd member K in one
// namespace), the workload through the writer VIP from the client namespace and the observer
// throughout; then, in order: kill -9 of the leader; SIGSTOP of the leader past its lease, then
// SIGCONT; the leader cut from etcd (its namespace's cable out); etcd's quorum lost and regained;
// the leader and db1's mariadbd killed together (the next leader fails over to db2); db3's agent
// killed and restarted. After each: never two writable nodes, never the writer VIP twice, and from
// the agents' logs no command admitted with a term below one admitted before it, each term from
// one monitor only. Bounds come from the sandbox's lease_ttl (status --json monitor_ha) and
// writer_lease (DIR/mmm_common.conf).
import { expect } from 'chai';
import { setLink } from '../../packages/sandbox/src';
import { until, type E2eCluster } from './lib/cluster';
import { replicasHave } from './lib/crash';
import { killAgent, killMariadb, restartAgent } from './lib/faults';
import {
  admitted, deposedAt, describeViews, firstAdmitted, killHaMonitor, monitor, pause, refusals, restartHaMonitor, sleepUntil, termRecord,
  termOverlaps, termsAdmitted, termViolations, views, waitAdmitted, waitFollows, waitLeader, writerLeaseS, type Leader,
} from './lib/ha';
import { converge, lostWrites, report, twoWritable, vipInTwoPlaces, writableCounts } from './lib/invariants';
import { writableIn, type Observer } from './lib/observer';
import { scenario } from './lib/scenario';
import { startWorkload, waitForAcks, type Ack } from './lib/workload';

const plus = (t: number | undefined, t0: number): string => (t === undefined ? 'never' : `${t >= t0 ? '+' : '−'}${Math.abs(t - t0)} ms`);

describe('e2e 16: monitor HA (3 monitors on etcd) — leader killed, stopped, cut off; etcd quorum lost; leader and writer killed together; an agent restarted', function () {
  const s = scenario(this, '16', 120_000, ['--monitors', '3']);
  let ttlMs = 0;
  let leaseMs = 0;
  /** Acknowledged writes of workloads already stopped (scenario 5 starts a new one). */
  const earlierAcks: Ack[] = [];
  const c = (): E2eCluster => s.c;
  const o = (): Observer => s.o!;

  /** The invariants every scenario ends with, over everything observed so far. */
  const invariants = (): void => {
    expect(twoWritable(o()), 'never two writable nodes').to.deep.equal([]);
    expect(vipInTwoPlaces(o(), c().writerVip), 'never the writer VIP on two hosts').to.deep.equal([]);
    expect(termViolations(c()), 'agents: no lower term after a higher one, each term from one monitor').to.deep.equal([]);
    expect(termOverlaps(c()), 'no two monitors\' state-changing commands overlap in time (over all agents)').to.deep.equal([]);
  };
  const lost = async (writer: string): Promise<string> => {
    const l = await lostWrites(c(), writer, [...earlierAcks, ...s.w!.acks]);
    expect(l.lost, `acknowledged writes missing on ${writer}`).to.deep.equal([]);
    return `${l.acknowledged} / ${l.lost.length}`;
  };

  before(async function () {
    if (!s.c) return;
    ttlMs = s.c.ha!.leaseTtl * 1000;
    leaseMs = writerLeaseS(s.c) * 1000;
    await s.startLoad();
  });

  it('1. kill -9 of the leader: another acts within lease_ttl + 2 s, converged within writer_lease + 5 s, writes keep landing, 0 lost; the killed one restarted follows', async () => {
    const old = await waitLeader(c(), 'a leader', 10_000);
    const acks0 = s.w!.acks.length;
    const tFault = Date.now();
    await killHaMonitor(c(), old.id);
    const bound = ttlMs + 2_000;
    const first = await until('a new leader\'s first admitted command', async () => firstAdmitted(c(), tFault, (a) => a.term > old.term), bound + 5_000, 50);
    const now = await waitLeader(c(), 'the new leader named by every monitor', 10_000, (l) => l.id !== old.id);
    const conv = await converge(c(), { writer: 'db1', boundMs: leaseMs + 5_000 });
    const tConverged = Date.now();
    await waitForAcks(s.w!, 100);
    const tRestart = Date.now();
    await restartHaMonitor(c(), old.id);
    await waitFollows(c(), old.id, 20_000, now.id);
    const tFollows = Date.now();
    report('16.1 kill -9 of the leader monitor', {
      'leader before → after': `${old.id} (term ${old.term}) → ${now.id} (term ${now.term})`,
      'fault (kill -9); the old leader stops acting (its PID gone)': '+0 ms',
      'new leader\'s first admitted command': `${plus(first.at, tFault)} at ${first.node} (${first.kind}; bound ${bound} ms)`,
      converged: `${plus(tConverged, tFault)} (bound ${leaseMs + 5_000} ms; ${conv.roles})`,
      'restarted old leader follows': `${tFollows - tRestart} ms after its start`,
      'acknowledged since the kill': s.w!.acks.length - acks0,
    });
    expect(first.monitor).to.equal(now.id);
    expect(first.term).to.equal(now.term);
    expect(first.at - tFault, 'new leader acting within lease_ttl + 2 s').to.be.at.most(bound);
    expect(tConverged - tFault, 'converged within writer_lease + 5 s').to.be.at.most(leaseMs + 5_000);
    expect(s.w!.acksSince(tFault).length, 'writes keep landing').to.be.above(0);
    await lost('db1');
    invariants();
  });

  it('2. SIGSTOP of the leader past lease_ttl + 2 s, then SIGCONT: another leads meanwhile; the stopped one follows, and nothing of its term is admitted after the new term\'s first', async () => {
    const old = await waitLeader(c(), 'a leader', 10_000);
    const tFault = Date.now();
    const resume = pause([monitor(c(), old.id).pid!]);
    s.onCleanup(async () => resume());
    let now: Leader;
    let tCont: number;
    try {
      now = await waitLeader(c(), 'another monitor leads', ttlMs + 10_000, (l) => l.id !== old.id);
      await waitAdmitted(c(), tFault, now.term);
      await sleepUntil(tFault + ttlMs + 2_000);
    } finally {
      resume();
      tCont = Date.now();
    }
    const first = firstAdmitted(c(), tFault, (a) => a.term === now.term)!;
    await waitFollows(c(), old.id, 20_000, now.id);
    const tFollows = Date.now();
    const deposed = deposedAt(c(), old.id, tFault, old.term);
    await converge(c(), { writer: 'db1', boundMs: leaseMs + 5_000 });
    const tConverged = Date.now();
    await new Promise((r) => setTimeout(r, 1_000)); // a few passes of both
    const late = c().status.nodes.flatMap((n) => {
      const a = admitted(c(), n.name);
      const firstNew = a.find((x) => x.term === now.term);
      return firstNew ? a.filter((x) => x.at > firstNew.at && x.term < now.term).map((x) => `${n.name}: ${x.kind} of term ${x.term} at ${new Date(x.at).toISOString()}`) : [];
    });
    const refused = refusals(c(), tFault);
    report('16.2 SIGSTOP of the leader monitor, then SIGCONT', {
      'leader before → during': `${old.id} (term ${old.term}) → ${now.id} (term ${now.term})`,
      'fault (SIGSTOP); the old leader stops acting (stopped)': '+0 ms',
      'new leader\'s first admitted command': `${plus(first.at, tFault)} at ${first.node}`,
      SIGCONT: plus(tCont, tFault),
      'resumed, it logs that it no longer leads': `${plus(deposed?.at, tFault)} (${deposed?.why ?? '-'})`,
      'stopped one follows': `${plus(tFollows, tFault)} (${tFollows - tCont} ms after SIGCONT)`,
      converged: plus(tConverged, tFault),
      'agents\' refusals since the fault': refused.length ? `${refused.length}: ${refused.slice(0, 3).join(' | ')}` : 'none',
    });
    expect(now.term).to.be.above(old.term);
    expect(late, `nothing of term ${old.term} admitted after term ${now.term}'s first`).to.deep.equal([]);
    await lost('db1');
    invariants();
  });

  it('3. the leader cut from etcd (its namespace\'s link down): it stops acting at its own deadline, another leads; link up: it follows', async () => {
    const old = await waitLeader(c(), 'a leader', 10_000);
    const m = monitor(c(), old.id);
    const cable = { name: m.id, netns: m.netns, ip: m.ip };
    const tFault = Date.now();
    await setLink(cable, 'down');
    s.onCleanup(() => setLink(cable, 'up'));
    let now: Leader;
    let tUp: number;
    try {
      now = await waitLeader(c(), 'another monitor leads', ttlMs + 10_000, (l) => l.id !== old.id);
      await waitAdmitted(c(), tFault, now.term);
    } finally {
      await setLink(cable, 'up');
      tUp = Date.now();
    }
    const first = firstAdmitted(c(), tFault, (a) => a.term === now.term)!;
    // once back it follows whoever leads (etcd member K rejoining may cost the new leader its lease: reported below)
    const followed = await waitFollows(c(), old.id, 20_000);
    const tFollows = Date.now();
    const deposed = deposedAt(c(), old.id, tFault, old.term);
    await converge(c(), { writer: 'db1', boundMs: leaseMs + 5_000 });
    const tConverged = Date.now();
    const after = await waitLeader(c(), 'one leader after the cut', 10_000);
    const refused = refusals(c(), tFault);
    const lostAgain = deposedAt(c(), now.id, tUp, now.term);
    report('16.3 the leader monitor cut from etcd (and everything else)', {
      'leader before → after': `${old.id} (term ${old.term}) → ${now.id} (term ${now.term})`,
      'fault (link down)': '+0 ms',
      'old leader stops acting (its log)': `${plus(deposed?.at, tFault)} (${deposed?.why ?? '-'})`,
      'new leader\'s first admitted command': `${plus(first.at, tFault)} at ${first.node}`,
      'link up': plus(tUp, tFault),
      'cut one follows': `${plus(tFollows, tFault)} (${tFollows - tUp} ms after link up; it names ${followed})`,
      converged: plus(tConverged, tFault),
      'leader after': `${after.id} (term ${after.term})${lostAgain ? `; ${now.id} lost its lead ${plus(lostAgain.at, tFault)} (${lostAgain.why})` : ''}`,
      'agents\' refusals since the fault': refused.length ? `${refused.length}: ${refused.slice(0, 3).join(' | ')}` : 'none',
    });
    expect(deposed, `${old.id} logged that it no longer leads`).to.not.equal(undefined);
    expect(deposed!.why, 'by its own deadline').to.match(/deadline passed/);
    expect(deposed!.at, 'it stopped acting before the new leader acted').to.be.at.most(first.at);
    expect(now.term).to.be.above(old.term);
    await lost('db1');
    invariants();
  });

  it('4. etcd quorum lost (two members SIGSTOPped) then regained: nobody leads, state changes refused, db1 keeps writing past writer_lease; after: one leader with a higher term', async () => {
    const old = await waitLeader(c(), 'a leader', 10_000);
    // the two members beside the followers: the leader still reaches its own member, which has no quorum
    const members = c().status.etcd!.filter((e) => e.netns !== monitor(c(), old.id).netns);
    const tFault = Date.now();
    const resume = pause(members.map((e) => e.pid!));
    s.onCleanup(async () => resume());
    let tNoLeader: number;
    let said = '';
    let etcdLines = '';
    let refusal = { code: 0, out: '' };
    let tBack: number;
    try {
      // a follower that cannot read etcd may still name the last leader it saw; its etcd line then says UNREACHABLE
      await until('no monitor leads (each names none, or says etcd is unreachable)', async () => {
        const vs = await views(c());
        said = describeViews(vs);
        etcdLines = vs.map((v) => `${v.id}: ${v.etcd}`).join(' | ');
        return vs.every((v) => v.answered && !v.leads && (!v.leader || v.etcd.startsWith('UNREACHABLE'))) ? true : undefined;
      }, ttlMs + 6_000, 100).catch((e: Error) => {
        throw new Error(`${e.message}; monitors: ${said}; etcd: ${etcdLines}`);
      });
      tNoLeader = Date.now();
      const r = await c().control('set_offline', 'db3');
      refusal = { code: r.code, out: (r.stdout + r.stderr).trim().split('\n')[0] ?? '' };
      // nothing renews db1's writer lease once no monitor leads: it runs out by tNoLeader + writer_lease,
      // and db2 (db1's peer) answers, so db1 keeps writing
      await sleepUntil(tNoLeader + leaseMs + 2_000);
    } finally {
      resume();
      tBack = Date.now();
    }
    const now = await waitLeader(c(), 'a leader again', 30_000);
    const tLeader = Date.now();
    const first = await waitAdmitted(c(), tBack, now.term);
    await converge(c(), { writer: 'db1', boundMs: leaseMs + 5_000 });
    const tConverged = Date.now();
    const lostWindow = o().since(tNoLeader).filter((t) => t.t < tBack);
    const notDb1 = lostWindow.filter((t) => writableIn(t).join() !== 'db1' && t.nodes.every((x) => x.readOnly !== null)).map((t) => `tick ${t.n}: ${writableIn(t).join(',') || 'none'}`);
    const acksPastLease = s.w!.acks.filter((a) => a.t > tNoLeader! + leaseMs && a.t < tBack);
    const admittedWhileLost = c().status.nodes.flatMap((n) => admitted(c(), n.name).filter((a) => a.at > tNoLeader && a.at < tBack));
    report('16.4 etcd quorum lost (2 of 3 members SIGSTOPped), then regained', {
      'stopped members': members.map((e) => `${e.name}=${e.pid}`).join(' '),
      'leader before → after': `${old.id} (term ${old.term}) → ${now.id} (term ${now.term})`,
      'fault (SIGSTOP)': '+0 ms',
      'no monitor leads': `${plus(tNoLeader!, tFault)} (${said})`,
      'their etcd lines': etcdLines.slice(0, 400),
      'set_offline db3 while lost': `exit ${refusal.code}: ${refusal.out}`,
      'acknowledged past writer_lease without a leader (after no-leader + writer_lease)': `${acksPastLease.length} (last at ${plus(acksPastLease.at(-1)?.t, tFault)})`,
      SIGCONT: plus(tBack, tFault),
      'a leader again': `${plus(tLeader, tFault)} (${tLeader - tBack} ms after SIGCONT)`,
      'new leader\'s first admitted command': `${plus(first.at, tFault)} at ${first.node}`,
      converged: plus(tConverged, tFault),
    });
    expect(refusal.code, 'set_offline refused while no monitor leads').to.not.equal(0);
    expect(refusal.out).to.match(/Not the leader/);
    expect(admittedWhileLost.map((a) => `${a.node} ${a.kind} term ${a.term}`), 'nothing admitted while no monitor leads').to.deep.equal([]);
    expect(notDb1, 'db1 the only writable node while quorum was lost').to.deep.equal([]);
    expect(acksPastLease.length, 'acknowledged writes past writer_lease').to.be.above(0);
    expect(now.term).to.be.above(old.term);
    await lost('db1');
    invariants();
  });

  it('5. the leader monitor and db1\'s mariadbd killed together: the next leader fails over to db2; converged within writer_lease + 5 s after it acts; 0 lost', async () => {
    const old = await waitLeader(c(), 'a leader', 10_000);
    // asynchronous replication loses what no replica received, whatever the monitors do: pause the
    // workload until the replicas applied all of db1 (lib/crash.ts), kill, resume at once
    await s.w!.stop();
    earlierAcks.push(...s.w!.acks);
    await replicasHave(c(), 'db1');
    await new Promise((r) => setTimeout(r, 500));
    const tFault = Date.now();
    await Promise.all([killHaMonitor(c(), old.id), killMariadb(c(), 'db1')]);
    s.w = startWorkload(c(), { firstId: 1_000_000 });
    const now = await waitLeader(c(), 'another monitor leads', ttlMs + 10_000, (l) => l.id !== old.id);
    const first = await waitAdmitted(c(), tFault, now.term);
    const conv = await converge(c(), { writer: 'db2', states: { db1: 'HARD_OFFLINE' }, skip: ['db1'], boundMs: leaseMs + 10_000 });
    const tConverged = Date.now();
    const firstAck = await until('a write acknowledged by db2', async () => s.w!.firstAckOn('db2', tFault), 20_000, 50);
    await waitForAcks(s.w!, 100);
    const db2Writable = o().since(tFault).find((t) => writableIn(t).includes('db2'));
    report('16.5 the leader monitor and db1\'s mariadbd killed together', {
      'leader before → after': `${old.id} (term ${old.term}) → ${now.id} (term ${now.term})`,
      'fault (kill -9 of both)': '+0 ms',
      'new leader\'s first admitted command': `${plus(first.at, tFault)} at ${first.node} (${first.kind})`,
      'db2 writable (observer)': plus(db2Writable?.t, tFault),
      converged: `${plus(tConverged, tFault)} (${tConverged - first.at} ms after the new leader acted; bound ${leaseMs + 5_000} ms; ${conv.roles})`,
      'first write acknowledged by db2': plus(firstAck.t, tFault),
      'acknowledged / lost (all workloads)': await lost('db2'),
      'observer ticks (writable per node)': `${o().ticks.length} (${writableCounts(o())})`,
    });
    expect(tConverged - first.at, 'converged within writer_lease + 5 s after the new leader acted').to.be.at.most(leaseMs + 5_000);
    invariants();
  });

  it('6. db3\'s agent killed (kill -9) and restarted: its term file still holds the highest term, and it admits the current leader\'s commands', async () => {
    const now = await waitLeader(c(), 'a leader', 10_000);
    const highest = Math.max(...admitted(c(), 'db3').map((a) => a.term));
    const tFault = Date.now();
    await killAgent(c(), 'db3');
    const tRestart = Date.now();
    await restartAgent(c(), 'db3');
    const tListening = Date.now();
    const rec = termRecord(c(), 'db3');
    const first = await until(`db3 admits a command of term ${now.term} after its restart`, async () => admitted(c(), 'db3').find((a) => a.at >= tRestart && a.term === now.term), 15_000, 50);
    await converge(c(), { writer: 'db2', states: { db1: 'HARD_OFFLINE' }, skip: ['db1'] });
    const tConverged = Date.now();
    await waitForAcks(s.w!, 50);
    await s.stopLoad();
    report('16.6 db3\'s agent killed and restarted', {
      'fault (kill -9)': '+0 ms',
      'restarted, listening': plus(tListening, tFault),
      'term file after the restart': `term ${rec.term} (${rec.monitor}, etcd cluster ${rec.etcdClusterId}); highest admitted before ${highest}`,
      'first admitted command of the leader after the restart': `${plus(first.at, tFault)} (${first.kind}, term ${first.term}, ${first.monitor})`,
      converged: plus(tConverged, tFault),
      'acknowledged / lost (all workloads)': await lost('db2'),
      'terms admitted (agents)': termsAdmitted(c()),
    });
    expect(rec.term, 'the term file holds the highest term').to.equal(highest);
    expect(rec.term).to.equal(now.term);
    expect(first.monitor).to.equal(now.id);
    invariants();
  });
});
