// A SET_STATUS delayed in the network (queued on a connection the monitor has dropped) must not
// undo what the monitor decided since: the pure rule, then the dispatcher with a fenced writer.
import { expect } from 'chai';
import { parseConfigTextOrThrow } from '@mmm/common';
import { FakeClock, MemoryLogger } from '@mmm/common/testing';
import { Agent } from '../../src/agent';
import type { AgentContext, RequestContext } from '../../src/handlers';
import { staleStatusReason } from '../../src/lease/stale-status';
import { FakeLocalMysql, FakeVipManager } from '../../src/testing';

describe('stale SET_STATUS: the rule', () => {
  const cases: Array<[string, Parameters<typeof staleStatusReason>[0], RegExp | undefined]> = [
    ['first status ever', { origin: { connSeq: 1 }, newestStatusConn: 0, fencedAtConn: undefined, givesWriter: true }, undefined],
    ['same connection again', { origin: { connSeq: 3 }, newestStatusConn: 3, fencedAtConn: undefined, givesWriter: true }, undefined],
    ['a newer connection', { origin: { connSeq: 4 }, newestStatusConn: 3, fencedAtConn: undefined, givesWriter: false }, undefined],
    ['an older connection after a newer one sent a status', { origin: { connSeq: 2 }, newestStatusConn: 3, fencedAtConn: undefined, givesWriter: false }, /connection #2, and #3 \(newer\)/],
    ['writer on the connection that was open at the fence', { origin: { connSeq: 3 }, newestStatusConn: 3, fencedAtConn: 3, givesWriter: true }, /opened before this host fenced itself/],
    ['writer on an even older connection', { origin: { connSeq: 2 }, newestStatusConn: 2, fencedAtConn: 3, givesWriter: true }, /opened before this host fenced itself/],
    ['writer on a connection opened after the fence', { origin: { connSeq: 4 }, newestStatusConn: 3, fencedAtConn: 3, givesWriter: true }, undefined],
    ['no writer role on an old connection while fenced', { origin: { connSeq: 3 }, newestStatusConn: 3, fencedAtConn: 3, givesWriter: false }, undefined],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => {
      const r = staleStatusReason(input);
      if (want) expect(r).to.match(want);
      else expect(r).to.equal(undefined);
    });
  }
});

const CONF = [
  'this db1', 'active_master_role writer', 'writer_lease 3',
  '<host default>', '    cluster_interface eth0', '    agent_user mmm_agent', '    agent_password pw', '    replication_user repl', '    replication_password rpw', '</host>',
  '<host db1>', '    ip 10.0.0.11', '    mode master', '    peer db2', '</host>',
  '<host db2>', '    ip 10.0.0.12', '    mode master', '    peer db1', '</host>',
  '<role writer>', '    hosts db1, db2', '    ips 10.0.0.100', '    mode exclusive', '</role>',
  '<socket>', '    type plain', '</socket>',
].join('\n');

describe('stale SET_STATUS: a fenced old writer', () => {
  const monitor = { peer: { cn: 'monitor', sans: [], role: 'monitor' as const, plain: false, address: '10.0.0.10:5000' } };
  const writer = 'SET_STATUS|1|db1|ONLINE|writer(10.0.0.100)|db1';
  let clock: FakeClock;
  let mysql: FakeLocalMysql;
  let vips: FakeVipManager;
  let agent: Agent;
  let log: MemoryLogger;
  const conn = (): RequestContext => agent.accepted();

  beforeEach(async () => {
    const { config } = parseConfigTextOrThrow('agent', { '/etc/mmm/mmm_agent.conf': CONF });
    clock = new FakeClock(1_000_000);
    mysql = new FakeLocalMysql();
    vips = new FakeVipManager('eth0');
    log = new MemoryLogger();
    // the peer's MySQL does not answer either: this host is the cut-off one (no network probe here)
    agent = new Agent({ config, logger: log, clock, mysql, vips, graceMs: 0, probePeer: async () => false });
  });

  const fence = async (): Promise<void> => {
    clock.advance(3_001);
    await (agent as unknown as { ctx: AgentContext }).ctx.lease.tick();
    expect(mysql.readOnly, 'fenced: read-only').to.equal(true);
    expect([...vips.ips], 'fenced: no writer VIP').to.deep.equal([]);
  };

  it('the writer status queued before the cut arrives after the fence on the old connection: refused, nothing changes, that connection is closed', async () => {
    const old = conn();
    expect(await agent.handleLine(writer, monitor, old)).to.match(/^OK: /);
    expect(mysql.readOnly).to.equal(false);
    await fence();
    clock.advance(5_000);
    const reply = await agent.handleLine(writer, monitor, old);
    expect(reply).to.match(/^ERROR: Refused: SET_STATUS with the writer role on a connection opened before this host fenced itself/);
    expect(old.close).to.equal(true);
    expect(mysql.readOnly).to.equal(true);
    expect([...vips.ips]).to.deep.equal([]);
    expect(log.messages('error').some((m) => /SET_STATUS refused/.test(m))).to.equal(true);
  });

  it('a writer status on a connection opened after the fence is the monitor deciding again: applied, fence lifted', async () => {
    expect(await agent.handleLine(writer, monitor, conn())).to.match(/^OK: /);
    await fence();
    expect(await agent.handleLine(writer, monitor, conn())).to.match(/^OK: /);
    expect(mysql.readOnly).to.equal(false);
    expect([...vips.ips]).to.deep.equal(['10.0.0.100']);
  });

  it('a fence step that keeps failing is retried, but never after a writer status on a newer connection lifted the fence', async () => {
    expect(await agent.handleLine(writer, monitor, conn())).to.match(/^OK: /);
    mysql.fail.add('endClientConnections');
    clock.advance(3_001);
    const lease = (agent as unknown as { ctx: AgentContext }).ctx.lease;
    await lease.tick();
    expect(lease.fenced, 'fenced from the decision on').to.equal(true);
    expect(mysql.readOnly).to.equal(true);
    mysql.fail.delete('endClientConnections');
    // The monitor's writer status holds the lock (held up in its first read) when the next retry
    // tick comes: the retry queues behind it and must then find the fence lifted.
    let open!: () => void;
    let entered = false;
    const gate = new Promise<void>((r) => (open = r));
    const getReadOnly = mysql.getReadOnly.bind(mysql);
    mysql.getReadOnly = async () => {
      entered = true;
      await gate;
      return getReadOnly();
    };
    const status = agent.handleLine(writer, monitor, conn());
    for (let i = 0; i < 100 && !entered; i++) await new Promise((r) => setTimeout(r, 5));
    expect(entered, 'the status is inside the lock').to.equal(true);
    const retry = lease.tick();
    mysql.getReadOnly = getReadOnly;
    open();
    expect(await status).to.match(/^OK: /);
    await retry;
    expect(mysql.readOnly, 'the retry did not take down the writer the monitor just made').to.equal(false);
    expect([...vips.ips]).to.deep.equal(['10.0.0.100']);
  });

  it('a request on a replaced connection does not renew the lease', async () => {
    const old = conn();
    expect(await agent.handleLine(writer, monitor, old)).to.match(/^OK: /);
    const fresh = conn();
    expect(await agent.handleLine(writer, monitor, fresh)).to.match(/^OK: /);
    clock.advance(2_500);
    await agent.handleLine('PING|1|db1', monitor, old); // delayed: says nothing about now
    clock.advance(600);
    await (agent as unknown as { ctx: AgentContext }).ctx.lease.tick();
    expect(mysql.readOnly, 'lease ran out 3 s after the last request on the current connection').to.equal(true);
  });

  it('once a newer connection has sent a status, one from an older connection is refused', async () => {
    const old = conn();
    const fresh = conn();
    expect(await agent.handleLine('SET_STATUS|1|db1|ONLINE||db2', monitor, fresh)).to.match(/^OK: /);
    const reply = await agent.handleLine(writer, monitor, old);
    expect(reply).to.match(/^ERROR: Refused: stale SET_STATUS: it came on monitor connection #1, and #2 \(newer\) has sent a status since/);
    expect(mysql.readOnly).to.equal(true);
    expect([...vips.ips]).to.deep.equal([]);
  });
});
