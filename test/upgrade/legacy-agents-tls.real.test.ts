// Issue 14, path B (monitor first): our BUILT mmmd_mon drives three MMM 2.2.1 agents (the
// legacy-agent double) over TLS, on real MariaDB in network namespaces. The agents' certificates
// carry no role URI; the monitor names them `peer_role <CN> agent`. First start like MMM, planned
// moves both ways with 0 acknowledged writes lost, a move refused before the writer is touched,
// kill -9 of the legacy writer's mariadbd (promotion only after the refused-connect trap, a
// role-less status and CLEAR_BAD_ROLES), its restart, and a legacy agent restarted while it holds
// a reader. Invariants polled throughout: never two writable, never a VIP on two hosts.
import { expect } from 'chai';
import { join } from 'node:path';
import { TEST_SCHEMA, query, queries, slaveStatus } from '../../packages/sandbox/src';
import { WRITES_TABLE, auditSince, describeRoles, stateOf, until, writerOf } from '../e2e/lib/cluster';
import { converge, lostWrites, report, twoWritable, waitForMonitor, writableCounts } from '../e2e/lib/invariants';
import { firstTick, holdersIn, startObserver, writableIn, type Observer } from '../e2e/lib/observer';
import { longestGap, startWorkload, waitForAcks, type Workload } from '../e2e/lib/workload';
import { PERL_DEATH } from '../legacy-agent/wire';
import { LogWatch } from './lib/log-watch';
import { HOSTS, MixedCluster } from './lib/mixed-cluster';
import { Timeline } from './lib/timeline';
import { countLines, reconverge, replicasCaughtUp, vipsTwice, vipsUnheld } from './lib/checks';

describe('upgrade: our monitor drives three MMM 2.2.1 agents over TLS (mixed cluster, real MariaDB)', function () {
  this.timeout(300_000);
  let c: MixedCluster | undefined;
  let o: Observer | undefined;
  let watch: LogWatch | undefined;
  let tl: Timeline | undefined;
  const figures: Record<string, string | number> = {};
  const C = (): MixedCluster => c!;

  before(async function () {
    this.timeout(180_000);
    c = await MixedCluster.start({ socket: 'ssl', legacy: ['db1', 'db2', 'db3'] });
    if (!c) return this.skip();
    await query(C().db.node('db1'), `CREATE TABLE ${TEST_SCHEMA}.${WRITES_TABLE} (id BIGINT PRIMARY KEY, ts TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))`);
    watch = new LogWatch({ monitor: C().monitorLog, ...Object.fromEntries(HOSTS.map((h) => [h, C().agentLog(h)])) });
    o = startObserver(C());
    tl = new Timeline(C(), 'our monitor + 3 MMM 2.2.1 agents, TLS');
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && c) console.log(C().logTails(80));
  });

  after(async function () {
    this.timeout(120_000);
    watch?.stop();
    await o?.stop();
    if (tl?.rows.length) console.log(tl.format().split('\n').map((l) => `      ${l}`).join('\n'));
    if (Object.keys(figures).length) report('legacy agents, TLS', figures);
    if (!c) return;
    if (process.env.MMM_TEST_KEEP_LOGS) c.keepLogs(join(process.env.MMM_TEST_KEEP_LOGS, 'legacy-agents-tls'));
    await c.teardown();
    expect(c.livePids(), 'nothing of the cluster left running').to.deep.equal([]);
  });

  it('first start like MMM: every host AWAITING_RECOVERY until set_online, then the writer on db1; one GET_HEALTH per agent start at most', async () => {
    await C().startMonitor();
    await tl!.mark('monitor started (no status file)');
    const first = await waitForMonitor(C(), 'every host AWAITING_RECOVERY', (d) => HOSTS.every((h) => stateOf(d, h) === 'AWAITING_RECOVERY'));
    await new Promise((r) => setTimeout(r, 2_000)); // several passes: nothing may go ONLINE by itself
    const doc = await C().statusDoc();
    expect(HOSTS.map((h) => stateOf(doc, h)), `after 2 s: ${describeRoles(doc)} (first: ${first})`).to.deep.equal(HOSTS.map(() => 'AWAITING_RECOVERY'));
    expect(writerOf(doc)).to.equal('');
    await tl!.mark('2 s later: still AWAITING_RECOVERY');
    for (const h of HOSTS) {
      const r = await C().control('set_online', h);
      expect(r.code, `set_online ${h}: ${r.stdout}${r.stderr}`).to.equal(0);
      expect(r.stdout).to.contain(`State of '${h}' changed to ONLINE`);
    }
    const conv = await converge(C(), { writer: 'db1' });
    await waitForMonitor(C(), 'a reader role on every host', (d) => d.hosts.every((h) => h.roles.some((r) => r.name === 'reader')));
    await reconverge(C(), 'db1');
    await tl!.mark('set_online db1, db2, db3');
    figures['set_online → converged (writer db1)'] = `${conv.ms} ms`;
    for (const h of HOSTS) {
      const text = C().rig.log(h);
      const starts = countLines(text, /Listener: listening/);
      const invalid = countLines(text, /Daemon: Answer = 'ERROR: Invalid command 'GET_HEALTH'!'/);
      expect(invalid, `${h}: Invalid command 'GET_HEALTH' answers (${starts} agent starts)`).to.be.at.most(starts);
      expect(countLines(text, /Invalid command/), `${h}: no other extension command`).to.equal(invalid);
    }
    expect(C().monitorLines().filter((l) => /is an MMM 2\.x agent/.test(l))).to.have.length(3);
  });

  let w: Workload | undefined;
  const stopLoad = async (): Promise<void> => {
    await w?.stop();
  };

  it('move_role writer db2 and back to db1 (MMM agents on both sides) under serial INSERTs: OK, 0 acknowledged writes lost', async () => {
    w = startWorkload(C());
    await waitForAcks(w, 200);
    const moves: string[] = [];
    for (const to of ['db2', 'db1']) {
      const t0 = Date.now();
      const r = await C().control('move_role', 'writer', to);
      expect(r.code, `move_role writer ${to}: ${r.stdout}${r.stderr}`).to.equal(0);
      expect(r.stdout).to.match(/^OK: Role 'writer' has been moved from 'db[12]' to 'db[12]'/);
      const doc = await C().statusDoc();
      expect(writerOf(doc)).to.equal(to);
      const ack = await until(`a write acknowledged by ${to}`, async () => w!.firstAckOn(to, t0), 30_000, 20);
      moves.push(`→${to}: mmm_control ${Date.now() - t0} ms, monitor ${doc.lastMove?.durationMs ?? '?'} ms, first ack on ${to} +${ack.t - t0} ms, blocked ${longestGap(w.acks, t0 - 200, ack.t + 1).ms} ms`);
      await reconverge(C(), to);
      await tl!.mark(`move_role writer ${to}`);
      await waitForAcks(w, 100);
    }
    await stopLoad();
    const lost = await lostWrites(C(), 'db1', w.acks);
    const onDb2 = w.acks.filter((a) => a.sid === 2);
    figures['planned moves'] = moves.join('; ');
    figures['acknowledged writes (by db2)'] = `${w.acks.length} (${onDb2.length})`;
    figures['lost on db1 (final writer)'] = lost.lost.length;
    expect(onDb2.length, 'some writes acknowledged by db2').to.be.above(0);
    expect(lost.lost, 'every acknowledged id on the final writer').to.deep.equal([]);
    expect(twoWritable(o!), 'never two writable').to.deep.equal([]);
    expect(vipsTwice(o!, C()), 'never a VIP on two hosts').to.deep.equal([]);
  });

  it('a move that cannot complete is refused before the writer is touched: db1 never read-only, never told to drop the writer', async () => {
    const t0 = Date.now();
    const db2 = C().db.node('db2');
    // (1) the candidate's replication stopped (MMM's own check or our pre-check refuses it)
    await query(db2, 'STOP SLAVE');
    try {
      const r = await C().control('move_role', 'writer', 'db2');
      expect(r.code, r.stdout).to.not.equal(0);
      figures['refused move (replication stopped)'] = r.stdout.trim().split('\n')[0]!;
    } finally {
      await query(db2, 'START SLAVE');
    }
    await until('db2 replicating again', async () => (await slaveStatus(db2))?.Slave_SQL_Running === 'Yes', 15_000);
    await waitForMonitor(C(), 'db2 ONLINE again', (d) => stateOf(d, 'db2') === 'ONLINE', 30_000);
    // (2) our pre-check only: the monitor account cannot see client threads on db2
    const mon = C().db.credentials.monitor;
    // the account wherever the sandbox made it (the monitor's own address)
    const monHost = String((await query(db2, 'SELECT Host AS h FROM mysql.user WHERE User = ?', [mon.user]))[0]?.h);
    await queries(db2, ['SET SESSION sql_log_bin = 0', `REVOKE PROCESS ON *.* FROM '${mon.user}'@'${monHost}'`]);
    try {
      const r = await C().control('move_role', 'writer', 'db2');
      expect(r.code, r.stdout).to.not.equal(0);
      expect(r.stdout).to.match(/lacks PROCESS on db2/);
      figures['refused move (no PROCESS)'] = r.stdout.trim().split('\n')[0]!;
    } finally {
      await queries(db2, ['SET SESSION sql_log_bin = 0', `GRANT PROCESS ON *.* TO '${mon.user}'@'${monHost}'`]);
    }
    const since = o!.since(t0);
    expect(since.filter((t) => t.nodes.find((n) => n.node === 'db1')?.readOnly === true).length, 'db1 never read-only').to.equal(0);
    expect(watch!.find('db1', /Command = 'SET_STATUS\|1\|db1\|ONLINE\|[^|]*\|/, t0).filter((l) => !l.line.includes('writer(')), 'db1 never told to drop the writer').to.deep.equal([]);
    expect((await C().statusDoc()).lastMove?.reason ?? '').to.match(/refused before anything changed/);
    await tl!.mark('move_role writer db2 refused (x2)');
  });

  it('kill -9 of the legacy writer\'s mariadbd: db2 promoted only after the refused-connect trap, a role-less status and CLEAR_BAD_ROLES; no GET_SYSTEM_STATUS to db1 while its mysqld is down', async () => {
    // the workload pauses for the kill (replicasCaughtUp says why) and resumes right after it
    w = startWorkload(C(), { firstId: 1_000_000 });
    await waitForAcks(w, 200);
    await w.stop();
    await replicasCaughtUp(C(), 'db1');
    const pid = C().db.node('db1').pid!;
    const tKill = Date.now();
    process.kill(pid, 'SIGKILL');
    w = startWorkload(C(), { firstId: 1_500_000 });
    await until('db1 mariadbd gone', async () => { try { process.kill(pid, 0); return false; } catch { return true; } }, 10_000, 20);
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
    await new Promise((r) => setTimeout(r, 1_000));
    await stopLoad();
    watch!.poll();
    const roleLess = watch!.first('db1', /Command = 'SET_STATUS\|1\|db1\|[A-Z_]+\|\|/, tKill);
    const cleared = roleLess && watch!.first('db1', /Answer = 'OK: Removed \d+ roles'/, roleLess.t);
    const promoted = watch!.first('db2', /Command = 'SET_STATUS\|1\|db2\|ONLINE\|[^|]*writer\(/, tKill);
    const db2w = firstTick(o!, tKill, (t) => writableIn(t).includes('db2'));
    const vipOff = firstTick(o!, tKill, (t) => !holdersIn(t, C().writerVip).includes('db1'));
    const failover = auditSince(C().dir, tKill).find((e) => e.kind === 'failover' && !e.blocked);
    figures['kill → role-less status to db1'] = roleLess ? `${roleLess.t - tKill} ms` : 'never';
    figures['kill → CLEAR_BAD_ROLES answered by db1'] = cleared ? `${cleared.t - tKill} ms` : 'never';
    figures['kill → writer VIP off db1'] = vipOff ? `${vipOff.t - tKill} ms` : 'never';
    figures['kill → promotion sent to db2'] = promoted ? `${promoted.t - tKill} ms` : 'never';
    figures['kill → db2 writable'] = db2w ? `${db2w.t - tKill} ms` : 'never';
    figures['failover reason'] = failover?.reason ?? '(none)';
    const lost = await lostWrites(C(), 'db2', w.acks);
    figures['after the kill: acknowledged / lost'] = `${w.acks.length} / ${lost.lost.length}`;
    expect(roleLess, 'db1 got a status without roles').to.not.equal(undefined);
    expect(cleared, 'db1 answered CLEAR_BAD_ROLES after it').to.not.equal(undefined);
    expect(promoted, 'db2 was promoted').to.not.equal(undefined);
    expect(cleared!.t, 'CLEAR_BAD_ROLES answered before the promotion').to.be.at.most(promoted!.t);
    expect(roleLess!.t - tKill, 'not before the refused-connect trap').to.be.at.least(1_000);
    expect(failover?.reason ?? '').to.match(/refused every connect .* and it answered a status without roles and CLEAR_BAD_ROLES/);
    const text = C().rig.log('db1');
    expect(text, 'the legacy agent never died on GET_SYSTEM_STATUS').to.not.contain(PERL_DEATH);
    expect(watch!.find('db1', /Command = 'GET_SYSTEM_STATUS/, tKill), 'no GET_SYSTEM_STATUS to db1 while its mysqld is down').to.deep.equal([]);
    expect(twoWritable(o!)).to.deep.equal([]);
    expect(vipsTwice(o!, C())).to.deep.equal([]);
  });

  it('db1\'s mariadbd restarted: db1 back (AWAITING_RECOVERY → ONLINE) without the writer VIP and without a duplicate reader VIP', async () => {
    const t0 = Date.now();
    await C().db.startNode('db1');
    await tl!.mark('db1 mariadbd restarted');
    await waitForMonitor(C(), 'db1 ONLINE with a reader', (d) => stateOf(d, 'db1') === 'ONLINE' && d.hosts.find((h) => h.name === 'db1')!.roles.some((r) => r.name === 'reader'), 60_000);
    await reconverge(C(), 'db2');
    await tl!.mark('db1 ONLINE again (reader)');
    const trans = auditSince(C().dir, t0).filter((e) => e.kind === 'state_change' && e.host === 'db1' && !e.blocked).map((e) => e.reason);
    figures['db1 back: transitions'] = trans.join(' | ');
    expect(o!.since(t0).filter((t) => holdersIn(t, C().writerVip).includes('db1')).length, 'db1 never holds the writer VIP again').to.equal(0);
    expect(vipsTwice(o!, C())).to.deep.equal([]);
    expect(twoWritable(o!)).to.deep.equal([]);
    expect(C().rig.log('db1')).to.not.contain(PERL_DEATH);
  });

  it('a legacy agent restarted while it holds a reader (worker killed, then angel stopped and started): CLEAR_BAD_ROLES after its first status; no VIP on two hosts', async () => {
    const doc = await C().statusDoc();
    const holder = HOSTS.find((h) => h !== writerOf(doc) && doc.hosts.find((x) => x.name === h)!.roles.some((r) => r.name === 'reader'))!;
    const agent = C().rig.agents.get(holder)!;
    // (1) the worker killed: the angel restarts it at once, with its roles forgotten
    let t0 = Date.now();
    const starts = countLines(C().rig.log(holder), /Listener: listening/);
    process.kill(agent.workers()[0]!, 'SIGKILL');
    await C().rig.waitListening(holder, starts + 1);
    const status1 = await until(`a status to the restarted ${holder}`, async () => watch!.first(holder, /Command = 'SET_STATUS/, t0), 30_000);
    const clear1 = await until(`CLEAR_BAD_ROLES to ${holder} after it`, async () => watch!.first(holder, /Command = 'CLEAR_BAD_ROLES/, status1.t), 30_000);
    figures[`${holder} worker killed → first status / CLEAR_BAD_ROLES`] = `${status1.t - t0} / ${clear1.t - t0} ms`;
    await reconverge(C(), 'db2');
    await tl!.mark(`${holder} legacy worker killed and restarted`);
    // (2) the angel stopped (SIGTERM) and started again
    await C().stopAgent(holder);
    await new Promise((r) => setTimeout(r, 1_000));
    t0 = Date.now();
    await C().startAgent(holder);
    const status2 = await until(`a status to the started ${holder}`, async () => watch!.first(holder, /Command = 'SET_STATUS/, t0), 30_000);
    const clear2 = await until(`CLEAR_BAD_ROLES to ${holder} after it`, async () => watch!.first(holder, /Command = 'CLEAR_BAD_ROLES/, status2.t), 30_000);
    figures[`${holder} agent stopped+started → first status / CLEAR_BAD_ROLES`] = `${status2.t - t0} / ${clear2.t - t0} ms`;
    await reconverge(C(), 'db2');
    await tl!.mark(`${holder} legacy agent stopped and started`);
    expect(vipsTwice(o!, C())).to.deep.equal([]);
    expect(twoWritable(o!)).to.deep.equal([]);
    figures['observer ticks (writable per node)'] = `${o!.ticks.length} (${writableCounts(o!)})`;
  });
});
