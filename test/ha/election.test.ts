// Monitor HA on a real etcd (issue 19): a 3-member cluster (Debian etcd-server, mutual TLS with
// certificates from the built mmm_tls) and EtcdCoordinators in this process or in child processes.
// Every test has its own key prefix; the tests that stop members come last and wait for quorum.
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import type { EtcdCoordinator } from '../../packages/monitor/src/ha/etcd-coordinator';
import { guardedTxn, historyAppend } from '../../packages/monitor/src/ha/etcd-txn';
import { haKeys } from '../../packages/monitor/src/ha/keys';
import { encodeStored } from '../../packages/monitor/src/ha/values';
import { type EtcdCluster, etcdAvailable, startEtcdCluster } from './lib/etcd-cluster';
import { TTL_S, type Child, type Timeline, childCoordinator, coordinator, settingsFor, timeline, waitFor } from './lib/coordinators';

describe('monitor HA on a real etcd (3 members, mutual TLS)', function () {
  this.timeout(60_000);
  let c: EtcdCluster | undefined;
  let tl: Timeline;
  let n = 0;
  const running: EtcdCoordinator[] = [];
  const children: Child[] = [];
  const prefix = (): string => `/mmm-test/t${++n}/`;
  const start = async (id: string, o: { prefix: string; endpoints?: string[]; certRole?: 'monitor' | 'etcd' }): Promise<EtcdCoordinator> => {
    const { co } = await coordinator(c!, tl, id, o);
    running.push(co);
    await co.start();
    return co;
  };

  before(async function () {
    const why = etcdAvailable();
    if (why) {
      console.log(`      skipping the etcd HA tests: ${why}`);
      return this.skip();
    }
    this.timeout(90_000);
    c = await startEtcdCluster({ members: 3, prefix: 'ha-etcd-election' });
  });

  beforeEach(() => {
    tl = timeline();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.log(`      --- timeline ---\n${tl.print()}\n${c?.logTails(8) ?? ''}`);
    for (const ch of children.splice(0)) await ch.stop();
    await Promise.all(running.splice(0).map((co) => co.stop()));
    if (c) for (let i = 0; i < c.members.length; i++) c.resume(i);
  });

  after(async () => {
    await c?.stop();
  });

  it('one coordinator is elected with a term; a second follows, sees the leader, both monitors and the state', async () => {
    const p = prefix();
    const a = await start('mon1', { prefix: p });
    await tl.next('mon1', 'elected', 5000);
    const term = a.term()!;
    expect(term).to.be.a('number').greaterThan(0);
    expect(a.isLeader()).to.equal(true);
    // A certificate from `mmm_tls issue --role etcd` works as a monitor's client certificate too.
    const b = await start('mon2', { prefix: p, certRole: 'etcd' });
    expect(b.isLeader()).to.equal(false);
    expect(b.term()).to.equal(undefined);
    expect(b.leader()).to.deep.include({ monitor: 'mon1', control: '127.0.0.1:9988', term });
    await waitFor(() => b.monitors().length === 2 && a.monitors().length === 2, 5000, 'both monitors registered');
    expect(b.monitors()).to.deep.equal([
      { id: 'mon1', control: '127.0.0.1:9988', leader: true },
      { id: 'mon2', control: '127.0.0.1:9988', leader: false },
    ]);
    expect(b.etcd()).to.deep.include({ reachable: true });
    expect(b.etcd().clusterId).to.match(/^[0-9a-f]+$/);
    expect(b.etcd().clusterId).to.equal(a.etcd().clusterId);

    expect(await b.readState()).to.equal(undefined);
    await a.writeState(term, { hosts: { db1: 'ONLINE' }, flap: 0 });
    await waitFor(() => (b.lastState() as { flap?: number } | undefined)?.flap === 0, 5000, 'the follower\'s watched copy');
    expect(await b.readState()).to.deep.equal({ hosts: { db1: 'ONLINE' }, flap: 0 });
    expect(tl.events.filter((e) => e.who === 'mon2' && e.ev === 'state').map((e) => e.x)).to.deep.equal([{ hosts: { db1: 'ONLINE' }, flap: 0 }]);
    await a.writeOp(term, { id: 'op1', kind: 'failover', step: 'demoted' });
    expect(await b.readOp()).to.deep.equal({ id: 'op1', kind: 'failover', step: 'demoted' });
    await a.writeOp(term, null);
    expect(await b.readOp()).to.equal(undefined);
    expect(tl.events.filter((e) => e.ev === 'elected').map((e) => e.who)).to.deep.equal(['mon1']);
  });

  it('a resigning leader deletes its key: the follower takes over with a higher term; old-term writes are STALE_TERM, in the coordinator and in etcd\'s guard', async () => {
    const p = prefix();
    const k = haKeys(p);
    const a = await start('mon1', { prefix: p });
    const t1 = (await tl.next('mon1', 'elected', 5000)).x as number;
    const b = await start('mon2', { prefix: p });
    await a.writeState(t1, { by: 'mon1' });
    await a.stop();
    expect((await tl.next('mon1', 'deposed', 1000)).x).to.equal('resign');
    const t2 = (await tl.next('mon2', 'elected', 5000)).x as number;
    expect(t2).to.be.greaterThan(t1);
    expect(b.leader()).to.deep.include({ monitor: 'mon2', term: t2 });

    // The coordinator refuses before etcd: not leader, or another term.
    for (const [who, term] of [[a, t1], [b, t1]] as const) {
      const e = await who.writeState(term, { by: 'stale' }).then(() => undefined, (err: unknown) => err);
      expect(e, `${term}`).to.have.property('code', 'STALE_TERM');
    }
    // etcd's guard: a txn with the old term changes nothing, whoever sends it.
    const etcd = await c!.client();
    const e = await guardedTxn(etcd, k, t1, [etcd.put(k.state).value(encodeStored(t1, 'x', { by: 'stale' }))]).then(() => undefined, (err: unknown) => err);
    expect(e).to.have.property('code', 'STALE_TERM');
    expect((e as Error).message).to.equal(`term ${t1} is stale: term ${t2} holds the leader key; nothing written`);
    expect(await b.readState()).to.deep.equal({ by: 'mon1' });
    await b.writeState(t2, { by: 'mon2' });
    expect(await b.readState()).to.deep.equal({ by: 'mon2' });
  });

  it('the history keeps the last entries, in order, under history/<revision>', async () => {
    const p = prefix();
    const k = haKeys(p);
    const a = await start('mon1', { prefix: p });
    const term = (await tl.next('mon1', 'elected', 5000)).x as number;
    const etcd = await c!.client();
    for (let i = 0; i < 5; i++) await historyAppend(etcd, k, term, encodeStored(term, 'x', { i }), 0, 3);
    await a.appendHistory(term, { i: 5 });
    const all = await etcd.getAll().prefix(k.historyPrefix).sort('Key', 'Ascend').strings();
    expect(Object.values(all).map((v) => (JSON.parse(v) as { data: { i: number } }).data.i)).to.deep.equal([2, 3, 4, 5]);
    const revs = Object.keys(all).map((key) => Number(key.slice(k.historyPrefix.length)));
    expect(revs).to.deep.equal([...revs].sort((x, y) => x - y));
    expect(new Set(revs).size).to.equal(4);
    const e = await historyAppend(etcd, k, term + 1, encodeStored(term + 1, 'x', {}), 0, 3).then(() => undefined, (err: unknown) => err);
    expect(e).to.have.property('code', 'STALE_TERM');
  });

  it(`kill -9 of the leader's process: the follower is elected within TTL + 2 s (TTL ${TTL_S} s) with a higher term`, async () => {
    const p = prefix();
    const child = childCoordinator(await settingsFor(c!, 'mon1', { prefix: p }), tl);
    children.push(child);
    const t1 = (await tl.next('mon1', 'elected', 15_000)).x as number;
    const b = await start('mon2', { prefix: p });
    expect(b.leader()).to.deep.include({ monitor: 'mon1', term: t1 });
    const killedAt = performance.now();
    process.kill(child.pid, 'SIGKILL');
    const elected = await tl.next('mon2', 'elected', TTL_S * 1000 + 2000, killedAt);
    const t2 = elected.x as number;
    expect(t2).to.be.greaterThan(t1);
    expect(b.isLeader()).to.equal(true);
    expect(b.term()).to.equal(t2);
    console.log(`      new leader ${Math.round(elected.at - killedAt)} ms after the kill (bound ${TTL_S * 1000 + 2000} ms)`);
  });

  it('a leader cut from etcd (its only member SIGSTOPped) deposes itself by its own deadline, before anyone else is elected', async () => {
    const p = prefix();
    const a = await start('mon1', { prefix: p, endpoints: [c!.members[0]!.clientUrl] });
    const t1 = (await tl.next('mon1', 'elected', 5000)).x as number;
    const b = await start('mon2', { prefix: p, endpoints: [c!.members[1]!.clientUrl, c!.members[2]!.clientUrl] });
    expect(b.leader()).to.deep.include({ monitor: 'mon1', term: t1 });
    const aWhenBElected: boolean[] = [];
    b.on('elected', () => aWhenBElected.push(a.isLeader()));
    // Let a renewal be acknowledged, then cut mon1 off.
    await new Promise((r) => setTimeout(r, 300));
    const cutAt = performance.now();
    c!.pause(0);
    const deposed = await tl.next('mon1', 'deposed', TTL_S * 1000 + 1000, cutAt);
    expect(deposed.x).to.match(/^deadline passed/);
    expect(a.isLeader()).to.equal(false);
    expect(a.term()).to.equal(undefined);
    expect(tl.events.some((e) => e.who === 'mon2' && e.ev === 'elected'), 'mon2 elected before mon1 stepped down').to.equal(false);
    // Whether etcd still holds mon1's key now (it may: etcd expires it TTL after the last keepalive it received).
    const etcd = await c!.client([c!.members[1]!.clientUrl, c!.members[2]!.clientUrl]);
    const held = await etcd.get(haKeys(p).leader).exec().then((r) => r.kvs.length > 0, () => 'unknown');
    console.log(`      mon1 deposed ${Math.round(deposed.at - cutAt)} ms after the cut; its leader key still in etcd then: ${held}`);
    // etcd expires the lease (a member's loss may re-elect etcd's own leader, which extends every lease once).
    const elected = await tl.next('mon2', 'elected', 15_000, cutAt);
    expect(elected.x as number).to.be.greaterThan(t1);
    expect(aWhenBElected).to.deep.equal([false]);
    c!.resume(0);
    await waitFor(() => a.leader()?.monitor === 'mon2', 10_000, 'mon1 sees mon2 lead once its member is back');
    expect(a.isLeader()).to.equal(false);
  });

  it('quorum lost (2 of 3 members stopped): nobody is leader; regained: exactly one leader, with a higher term', async () => {
    const p = prefix();
    const a = await start('mon1', { prefix: p });
    const b = await start('mon2', { prefix: p });
    const t1 = (await waitFor(() => tl.events.find((e) => e.ev === 'elected'), 5000, 'a leader')).x as number;
    const lostAt = performance.now();
    c!.pause(1);
    c!.pause(2);
    await waitFor(() => !a.isLeader() && !b.isLeader(), TTL_S * 1000 + 1000, 'nobody leads');
    // Two TTLs without quorum: nobody is elected.
    await new Promise((r) => setTimeout(r, TTL_S * 2000));
    expect([a.isLeader(), b.isLeader()]).to.deep.equal([false, false]);
    expect(tl.events.filter((e) => e.ev === 'elected' && e.at > lostAt)).to.deep.equal([]);
    expect(a.etcd().reachable || b.etcd().reachable, 'etcd reported reachable without quorum').to.equal(false);
    const regainedAt = performance.now();
    c!.resume(1);
    c!.resume(2);
    await waitFor(() => a.isLeader() || b.isLeader(), 20_000, 'a leader after quorum came back');
    const leaders = [a, b].filter((x) => x.isLeader());
    expect(leaders).to.have.length(1);
    expect(leaders[0]!.term()).to.be.greaterThan(t1);
    const follower = leaders[0] === a ? b : a;
    await waitFor(() => follower.leader()?.term === leaders[0]!.term(), 5000, 'the follower sees the new leader');
    const elected = tl.events.filter((e) => e.ev === 'elected' && e.at > regainedAt);
    expect(elected).to.have.length(1);
    console.log(`      leader again ${Math.round(elected[0]!.at - regainedAt)} ms after quorum came back`);
  });
});
