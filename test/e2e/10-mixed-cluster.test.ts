// Scenario 10 (issue 14, the rolling upgrade from MMM 2.2.1): a mixed cluster over TLS — MMM
// 2.2.1 agents (the legacy-agent double) on db1 and db3, our mmmd_agent on db2, our mmmd_mon
// driving them all; certificates without role URIs, named by `peer_role <CN> agent`. From the
// first start (every host AWAITING_RECOVERY until set_online) through planned moves both ways
// (MMM agent → ours → MMM agent) under the write workload, kill -9 of the MMM writer's mariadbd
// (db2 promoted only after the refused-connect trap, a role-less status and CLEAR_BAD_ROLES), its
// restart (back as a reader, no VIP twice), the writer moved back to it, and a restart of an MMM
// agent holding a reader (CLEAR_BAD_ROLES after its first status). A 100 ms observer checks the
// invariants throughout: never two writable, never a VIP (writer or reader) on two hosts, 0
// acknowledged writes lost on planned moves. The timeline of VIP placement and read_only after
// each step is printed for the closing note.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_SCHEMA, query } from '../../packages/sandbox/src';
import { countLines, reconverge, replicasCaughtUp, vipsTwice, vipsUnheld } from '../upgrade/lib/checks';
import { LogWatch } from '../upgrade/lib/log-watch';
import { HOSTS, MixedCluster } from '../upgrade/lib/mixed-cluster';
import { Timeline } from '../upgrade/lib/timeline';
import { PERL_DEATH } from '../legacy-agent/wire';
import { WRITES_TABLE, auditSince, leftovers, log, stateOf, until, writerOf } from './lib/cluster';
import { converge, lostWrites, report, twoWritable, waitForMonitor, writableCounts } from './lib/invariants';
import { firstTick, holdersIn, startObserver, writableIn, type Observer } from './lib/observer';
import { longestGap, startWorkload, waitForAcks, type Workload } from './lib/workload';

describe('e2e 10: mixed cluster (MMM 2.2.1 agents on db1/db3, ours on db2, our monitor, TLS): first start, move_role both ways, kill -9, restart', function () {
  this.timeout(240_000);
  let c: MixedCluster | undefined;
  let o: Observer | undefined;
  let watch: LogWatch | undefined;
  let tl: Timeline | undefined;
  let w: Workload | undefined;
  const figures: Record<string, string | number> = {};
  const C = (): MixedCluster => c!;

  before(async function () {
    this.timeout(150_000);
    const t0 = Date.now();
    c = await MixedCluster.start({ socket: 'ssl', legacy: ['db1', 'db3'] });
    if (!c) return this.skip();
    log(`mixed cluster up in ${Date.now() - t0} ms (${C().dir})`);
    await query(C().db.node('db1'), `CREATE TABLE ${TEST_SCHEMA}.${WRITES_TABLE} (id BIGINT PRIMARY KEY, ts TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))`);
    watch = new LogWatch(Object.fromEntries(HOSTS.map((h) => [h, C().agentLog(h)])));
    o = startObserver(C());
    tl = new Timeline(C(), 'e2e 10: our monitor, MMM 2.2.1 agents on db1 and db3, our agent on db2, TLS');
  });

  after(async function () {
    this.timeout(120_000);
    await w?.stop();
    watch?.stop();
    await o?.stop();
    if (tl?.rows.length) console.log(tl.format().split('\n').map((l) => `      ${l}`).join('\n'));
    if (Object.keys(figures).length) report('10 mixed cluster', figures);
    if (!c) return;
    if (this.test?.parent?.tests.some((t) => t.state === 'failed')) console.log(c.logTails(80));
    if (process.env.MMM_TEST_KEEP_LOGS) c.keepLogs(join(process.env.MMM_TEST_KEEP_LOGS, 'e2e-10'));
    const pids = c.livePids();
    await c.teardown();
    const left = await leftovers(c.db.dir, pids); // namespaces (client one included), PIDs
    if (existsSync(c.dir)) left.push(`dir ${c.dir}`);
    expect(left, 'nothing left behind').to.deep.equal([]);
  });

  const move = async (to: string, label: string): Promise<void> => {
    const t0 = Date.now();
    const r = await C().control('move_role', 'writer', to);
    expect(r.code, `move_role writer ${to}: ${r.stdout}${r.stderr}`).to.equal(0);
    const doc = await C().statusDoc();
    expect(writerOf(doc)).to.equal(to);
    const ack = await until(`a write acknowledged by ${to}`, async () => w!.firstAckOn(to, t0), 30_000, 20);
    figures[`move ${label}`] = `mmm_control ${Date.now() - t0} ms, monitor ${doc.lastMove?.durationMs ?? '?'} ms, first ack on ${to} +${ack.t - t0} ms, write-blocked ${longestGap(w!.acks, t0 - 200, ack.t + 1).ms} ms`;
    await reconverge(C(), to);
    await tl!.mark(`move_role writer ${to} (${label})`);
  };

  it('first start: every host AWAITING_RECOVERY until set_online, then the writer on db1, readers spread', async () => {
    await C().startMonitor();
    await waitForMonitor(C(), 'every host AWAITING_RECOVERY', (d) => HOSTS.every((h) => stateOf(d, h) === 'AWAITING_RECOVERY'));
    await new Promise((r) => setTimeout(r, 1_500));
    const doc = await C().statusDoc();
    expect(HOSTS.map((h) => stateOf(doc, h))).to.deep.equal(HOSTS.map(() => 'AWAITING_RECOVERY'));
    await tl!.mark('monitor started, no status file');
    for (const h of HOSTS) expect((await C().control('set_online', h)).code, `set_online ${h}`).to.equal(0);
    await converge(C(), { writer: 'db1' });
    await waitForMonitor(C(), 'a reader role on every host', (d) => d.hosts.every((h) => h.roles.some((r) => r.name === 'reader')));
    await reconverge(C(), 'db1');
    await tl!.mark('set_online db1, db2, db3');
  });

  it('move_role writer db2 (MMM agent → ours) and back (ours → MMM agent) under load: 0 acknowledged writes lost', async () => {
    w = startWorkload(C());
    await waitForAcks(w, 200);
    await move('db2', 'db1→db2');
    await waitForAcks(w, 100);
    await move('db1', 'db2→db1');
    await waitForAcks(w, 100);
    await w.stop();
    const lost = await lostWrites(C(), 'db1', w.acks);
    figures['planned moves: acknowledged (by db2) / lost'] = `${w.acks.length} (${w.acks.filter((a) => a.sid === 2).length}) / ${lost.lost.length}`;
    expect(lost.lost, 'every acknowledged write on db1').to.deep.equal([]);
    expect(twoWritable(o!)).to.deep.equal([]);
    expect(vipsTwice(o!, C())).to.deep.equal([]);
  });

  it('kill -9 of db1\'s mariadbd (MMM agent): db2 promoted after the refused-connect trap, a role-less status and CLEAR_BAD_ROLES', async () => {
    // the workload pauses for the kill (replicasCaughtUp says why) and resumes right after it
    w = startWorkload(C(), { firstId: 1_000_000 });
    await waitForAcks(w, 200);
    await w.stop();
    await replicasCaughtUp(C(), 'db1');
    const pid = C().db.node('db1').pid!;
    const tKill = Date.now();
    process.kill(pid, 'SIGKILL');
    w = startWorkload(C(), { firstId: 1_500_000 });
    await tl!.mark('kill -9 db1 mariadbd');
    await waitForMonitor(C(), 'writer role on db2', (d) => writerOf(d) === 'db2', 60_000);
    await until('a write acknowledged by db2', async () => w!.firstAckOn('db2', tKill), 30_000, 20);
    await converge(C(), { writer: 'db2', states: { db1: 'HARD_OFFLINE' }, skip: ['db1'] });
    // the dead host's reader VIP goes to a live one (once db1 confirmed dropping it)
    await until('every reader VIP on a live host', async () => (await C().statusDoc()).roles.find((r) => r.name === 'reader')!.ips.every((i) => i.assignedTo !== '' && i.assignedTo !== 'db1'), 20_000);
    await reconverge(C(), 'db2');
    await tl!.mark('failover to db2');
    // settled: from now on every VIP stays on one host while db1 is told role-less statuses (no flapping)
    const settled = Date.now();
    await new Promise((r) => setTimeout(r, 2_500));
    expect(vipsUnheld(o!, C(), settled), 'no VIP dropped again after the failover').to.deep.equal([]);
    await w.stop();
    watch!.poll();
    const roleLess = watch!.first('db1', /Command = 'SET_STATUS\|1\|db1\|[A-Z_]+\|\|/, tKill);
    const cleared = roleLess && watch!.first('db1', /Answer = 'OK: Removed \d+ roles'/, roleLess.t);
    const db2w = firstTick(o!, tKill, (t) => writableIn(t).includes('db2'));
    const vipOff = firstTick(o!, tKill, (t) => !holdersIn(t, C().writerVip).includes('db1'));
    const vipOn = firstTick(o!, tKill, (t) => holdersIn(t, C().writerVip).includes('db2'));
    const firstAck = w.firstAckOn('db2', tKill)!;
    figures['kill → role-less status / CLEAR_BAD_ROLES answered by db1'] = `${roleLess ? roleLess.t - tKill : '?'} / ${cleared ? cleared.t - tKill : '?'} ms`;
    figures['kill → writer VIP off db1 / on db2'] = `${vipOff ? vipOff.t - tKill : '?'} / ${vipOn ? vipOn.t - tKill : '?'} ms`;
    figures['kill → db2 writable / first ack on db2'] = `${db2w ? db2w.t - tKill : '?'} / ${firstAck.t - tKill} ms`;
    figures['failover reason'] = auditSince(C().dir, tKill).find((e) => e.kind === 'failover' && !e.blocked)?.reason ?? '(none)';
    figures['after the kill: acknowledged / missing on db2'] = `${w.acks.length} / ${(await lostWrites(C(), 'db2', w.acks)).lost.length}`;
    expect(roleLess, 'db1 told a status without roles').to.not.equal(undefined);
    expect(cleared, 'db1 answered CLEAR_BAD_ROLES').to.not.equal(undefined);
    expect(db2w, 'db2 writable').to.not.equal(undefined);
    // The order itself, from the monitor's side: it promoted on both answers (the double logs whole
    // seconds and our agent folds repeated lines, so their logs cannot order events 50 ms apart).
    expect(String(figures['failover reason'])).to.match(/refused every connect .* and it answered a status without roles and CLEAR_BAD_ROLES/);
    expect(watch!.find('db1', /Command = 'GET_SYSTEM_STATUS/, tKill), 'no GET_SYSTEM_STATUS while db1\'s mysqld is down').to.deep.equal([]);
    expect(twoWritable(o!)).to.deep.equal([]);
    expect(vipsTwice(o!, C())).to.deep.equal([]);
  });

  it('db1 restarted: back as a reader without the writer VIP or a duplicate reader VIP; the writer moved back to it with 0 lost', async () => {
    const t0 = Date.now();
    await C().db.startNode('db1');
    await tl!.mark('db1 mariadbd restarted');
    await waitForMonitor(C(), 'db1 ONLINE with a reader', (d) => stateOf(d, 'db1') === 'ONLINE' && d.hosts.find((h) => h.name === 'db1')!.roles.some((r) => r.name === 'reader'), 60_000);
    await reconverge(C(), 'db2');
    await tl!.mark('db1 ONLINE (reader)');
    figures['db1 restart → ONLINE with a reader'] = `${Date.now() - t0} ms`;
    expect(o!.since(t0).filter((t) => holdersIn(t, C().writerVip).includes('db1')).length, 'db1 without the writer VIP').to.equal(0);
    w = startWorkload(C(), { firstId: 2_000_000 });
    await waitForAcks(w, 200);
    await move('db1', 'db2→db1 after the crash');
    await waitForAcks(w, 100);
    await w.stop();
    const lost = await lostWrites(C(), 'db1', w.acks);
    figures['move back: acknowledged / lost'] = `${w.acks.length} / ${lost.lost.length}`;
    expect(lost.lost).to.deep.equal([]);
    expect(twoWritable(o!)).to.deep.equal([]);
    expect(vipsTwice(o!, C())).to.deep.equal([]);
    expect(C().rig.log('db1'), 'the MMM agent never died on GET_SYSTEM_STATUS').to.not.contain(PERL_DEATH);
  });

  it('the MMM agent on db3 restarted while it holds a reader: CLEAR_BAD_ROLES after its first status, no VIP twice; one GET_HEALTH per agent start at most', async () => {
    const agent = C().rig.agents.get('db3')!;
    const starts = countLines(C().rig.log('db3'), /Listener: listening/);
    const t0 = Date.now();
    process.kill(agent.workers()[0]!, 'SIGKILL');
    await C().rig.waitListening('db3', starts + 1);
    const status = await until('a status to the restarted db3', async () => watch!.first('db3', /Command = 'SET_STATUS/, t0), 30_000);
    const clear = await until('CLEAR_BAD_ROLES to db3 after it', async () => watch!.first('db3', /Command = 'CLEAR_BAD_ROLES/, status.t), 30_000);
    figures['db3 worker killed → first status / CLEAR_BAD_ROLES'] = `${status.t - t0} / ${clear.t - t0} ms`;
    await reconverge(C(), 'db1');
    await tl!.mark('db3 MMM agent restarted');
    for (const h of ['db1', 'db3']) {
      const text = C().rig.log(h);
      expect(countLines(text, /Invalid command 'GET_HEALTH'/), `${h}: GET_HEALTH answers vs agent starts`).to.be.at.most(countLines(text, /Listener: listening/));
    }
    expect(vipsTwice(o!, C())).to.deep.equal([]);
    expect(twoWritable(o!)).to.deep.equal([]);
    figures['observer ticks (writable per node)'] = `${o!.ticks.length} (${writableCounts(o!)})`;
  });
});
