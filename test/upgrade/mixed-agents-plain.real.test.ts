// Issue 14, half-way through path B: one MMM 2.2.1 agent left (db1, the legacy-agent double) and
// our BUILT mmmd_agent on db2 and db3, all driven by our BUILT mmmd_mon over plain sockets (MMM's
// default), on real MariaDB in network namespaces. Planned moves across the two kinds of agent in
// both directions with 0 acknowledged writes lost, our mmm_control's show (lag known for every
// host, no Invalid command in the MMM agent's log), then kill -9 of our writer's mariadbd with the
// MMM agent's host as the candidate, and its restart. Invariants polled throughout.
import { expect } from 'chai';
import { join } from 'node:path';
import { TEST_SCHEMA, query } from '../../packages/sandbox/src';
import { WRITES_TABLE, auditSince, stateOf, until, writerOf } from '../e2e/lib/cluster';
import { converge, lostWrites, report, twoWritable, waitForMonitor, writableCounts } from '../e2e/lib/invariants';
import { firstTick, holdersIn, startObserver, writableIn, type Observer } from '../e2e/lib/observer';
import { longestGap, startWorkload, waitForAcks, type Workload } from '../e2e/lib/workload';
import { PERL_DEATH } from '../legacy-agent/wire';
import { countLines, reconverge, replicasCaughtUp, vipsTwice } from './lib/checks';
import { HOSTS, MixedCluster } from './lib/mixed-cluster';
import { Timeline } from './lib/timeline';

describe('upgrade: our monitor drives one MMM 2.2.1 agent and two of ours over plain sockets (mixed cluster, real MariaDB)', function () {
  this.timeout(300_000);
  let c: MixedCluster | undefined;
  let o: Observer | undefined;
  let tl: Timeline | undefined;
  let w: Workload | undefined;
  const figures: Record<string, string | number> = {};
  const C = (): MixedCluster => c!;

  before(async function () {
    this.timeout(180_000);
    c = await MixedCluster.start({ socket: 'plain', legacy: ['db1'] });
    if (!c) return this.skip();
    await query(C().db.node('db1'), `CREATE TABLE ${TEST_SCHEMA}.${WRITES_TABLE} (id BIGINT PRIMARY KEY, ts TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))`);
    o = startObserver(C());
    tl = new Timeline(C(), 'our monitor + MMM 2.2.1 agent on db1 + our agents on db2, db3, plain');
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && c) console.log(C().logTails(60));
  });

  after(async function () {
    this.timeout(120_000);
    await w?.stop();
    await o?.stop();
    if (tl?.rows.length) console.log(tl.format().split('\n').map((l) => `      ${l}`).join('\n'));
    if (Object.keys(figures).length) report('mixed agents, plain', figures);
    if (!c) return;
    if (process.env.MMM_TEST_KEEP_LOGS) c.keepLogs(join(process.env.MMM_TEST_KEEP_LOGS, 'mixed-agents-plain'));
    await c.teardown();
    expect(c.livePids(), 'nothing of the cluster left running').to.deep.equal([]);
  });

  it('first start: AWAITING_RECOVERY until set_online; then the writer on db1 (MMM agent), readers spread', async () => {
    await C().startMonitor();
    await waitForMonitor(C(), 'every host AWAITING_RECOVERY', (d) => HOSTS.every((h) => stateOf(d, h) === 'AWAITING_RECOVERY'));
    await tl!.mark('monitor started (no status file)');
    for (const h of HOSTS) expect((await C().control('set_online', h)).code, `set_online ${h}`).to.equal(0);
    await converge(C(), { writer: 'db1' });
    await waitForMonitor(C(), 'a reader role on every host', (d) => d.hosts.every((h) => h.roles.some((r) => r.name === 'reader')));
    await reconverge(C(), 'db1');
    await tl!.mark('set_online db1, db2, db3');
    expect(C().monitorLines().filter((l) => /is an MMM 2\.x agent/.test(l)).map((l) => /agent (db\d)/.exec(l)?.[1])).to.deep.equal(['db1']);
  });

  it('move_role writer db2 (MMM agent → ours) and back (ours → MMM agent) under serial INSERTs: OK, 0 acknowledged writes lost', async () => {
    w = startWorkload(C());
    await waitForAcks(w, 200);
    const moves: string[] = [];
    for (const to of ['db2', 'db1']) {
      const t0 = Date.now();
      const r = await C().control('move_role', 'writer', to);
      expect(r.code, `move_role writer ${to}: ${r.stdout}${r.stderr}`).to.equal(0);
      const doc = await C().statusDoc();
      expect(writerOf(doc)).to.equal(to);
      const ack = await until(`a write acknowledged by ${to}`, async () => w!.firstAckOn(to, t0), 30_000, 20);
      moves.push(`→${to}: mmm_control ${Date.now() - t0} ms, monitor ${doc.lastMove?.durationMs ?? '?'} ms, first ack on ${to} +${ack.t - t0} ms, blocked ${longestGap(w.acks, t0 - 200, ack.t + 1).ms} ms`);
      await reconverge(C(), to);
      await tl!.mark(`move_role writer ${to}`);
      await waitForAcks(w, 100);
    }
    await w.stop();
    const lost = await lostWrites(C(), 'db1', w.acks);
    figures['planned moves'] = moves.join('; ');
    figures['acknowledged writes (by db2)'] = `${w.acks.length} (${w.acks.filter((a) => a.sid === 2).length})`;
    figures['lost on db1 (final writer)'] = lost.lost.length;
    expect(w.acks.filter((a) => a.sid === 2).length, 'some writes acknowledged by db2').to.be.above(0);
    expect(lost.lost).to.deep.equal([]);
    expect(twoWritable(o!)).to.deep.equal([]);
    expect(vipsTwice(o!, C())).to.deep.equal([]);
  });

  it('our mmm_control show: replication lag known for every host, MMM agent included; the MMM agent logged no Invalid command after its first', async () => {
    const r = await until('a lag for every host in show', async () => {
      const x = await C().control('show');
      return HOSTS.every((h) => new RegExp(`^# Host ${h}: .*replication lag \\d+ s`, 'm').test(x.stdout)) ? x : undefined;
    }, 20_000, 250);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.not.match(/replication lag unknown/);
    figures['show'] = r.stdout.split('\n').filter((l) => /^# Host /.test(l)).join(' | ');
    const text = C().rig.log('db1');
    expect(countLines(text, /Invalid command/)).to.be.at.most(countLines(text, /Listener: listening/));
  });

  it('kill -9 of our writer\'s mariadbd (db2) with the MMM agent\'s host as the candidate: db1 writable, never two writable, no VIP twice; db2 restarted comes back as a reader', async () => {
    expect((await C().control('move_role', 'writer', 'db2')).code).to.equal(0);
    await reconverge(C(), 'db2');
    await tl!.mark('move_role writer db2');
    // the workload pauses for the kill (replicasCaughtUp says why) and resumes right after it
    w = startWorkload(C(), { firstId: 1_000_000 });
    await waitForAcks(w, 200);
    await w.stop();
    await replicasCaughtUp(C(), 'db2');
    const pid = C().db.node('db2').pid!;
    const tKill = Date.now();
    process.kill(pid, 'SIGKILL');
    w = startWorkload(C(), { firstId: 1_500_000 });
    await tl!.mark('kill -9 db2 mariadbd');
    await waitForMonitor(C(), 'writer role on db1', (d) => writerOf(d) === 'db1', 60_000);
    await until('a write acknowledged by db1', async () => w!.firstAckOn('db1', tKill), 30_000, 20);
    await converge(C(), { writer: 'db1', states: { db2: 'HARD_OFFLINE' }, skip: ['db2'] });
    // the dead host's reader VIP goes to a live one (once db2 confirmed dropping it)
    await until('every reader VIP on a live host', async () => (await C().statusDoc()).roles.find((r) => r.name === 'reader')!.ips.every((i) => i.assignedTo !== '' && i.assignedTo !== 'db2'), 20_000);
    await tl!.mark('failover to db1');
    await w.stop();
    const db1w = firstTick(o!, tKill, (t) => writableIn(t).includes('db1'));
    const vipOff = firstTick(o!, tKill, (t) => !holdersIn(t, C().writerVip).includes('db2'));
    const lost = await lostWrites(C(), 'db1', w.acks);
    figures['kill db2 → writer VIP off db2 (our agent)'] = vipOff ? `${vipOff.t - tKill} ms` : 'never';
    figures['kill db2 → db1 writable (MMM agent)'] = db1w ? `${db1w.t - tKill} ms` : 'never';
    figures['kill db2: failover reason'] = auditSince(C().dir, tKill).find((e) => e.kind === 'failover' && !e.blocked)?.reason ?? '(none)';
    figures['after the kill of db2: acknowledged / lost'] = `${w.acks.length} / ${lost.lost.length}`;
    expect(twoWritable(o!)).to.deep.equal([]);
    expect(vipsTwice(o!, C())).to.deep.equal([]);
    const t0 = Date.now();
    await C().db.startNode('db2');
    await tl!.mark('db2 mariadbd restarted');
    await waitForMonitor(C(), 'db2 ONLINE with a reader', (d) => stateOf(d, 'db2') === 'ONLINE' && d.hosts.find((h) => h.name === 'db2')!.roles.some((r) => r.name === 'reader'), 60_000);
    await reconverge(C(), 'db1');
    await tl!.mark('db2 ONLINE again (reader)');
    expect(o!.since(t0).filter((t) => holdersIn(t, C().writerVip).includes('db2')).length, 'db2 never holds the writer VIP again').to.equal(0);
    expect(twoWritable(o!)).to.deep.equal([]);
    expect(vipsTwice(o!, C())).to.deep.equal([]);
    expect(C().rig.log('db1')).to.not.contain(PERL_DEATH);
    figures['observer ticks (writable per node)'] = `${o!.ticks.length} (${writableCounts(o!)})`;
  });
});
