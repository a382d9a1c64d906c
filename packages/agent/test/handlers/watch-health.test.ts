// WATCH_HEALTH through the agent's dispatcher, with a fake server: answered at once for an old
// generation, on a change (a crash the sentinel session sees: the writer VIP is gone before it
// says stopped), at its bound, when the agent stops; one per connection; it renews no lease.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { connect, decodeAgentReply, nullLogger, parseConfigTextOrThrow, parseWatchHealthReply } from '@mmm/common';
import { MemoryLogger } from '@mmm/common/testing';
import { Agent } from '../../src/agent';
import { FakeLocalMysql, FakeVipManager } from '../../src/testing';
import type { RequestContext } from '../../src/handlers';
import { freePort } from '../helpers/mariadb';

const conf = (pidfile: string, agentPort = 9989): string =>
  [
    'this db1',
    'active_master_role writer',
    '<host default>',
    '    cluster_interface eth0',
    '    agent_user mmm_agent',
    '    agent_password pw',
    `    mysql_pidfile ${pidfile}`,
    `    agent_port ${agentPort}`,
    '    mysql_port 1', // probed when the server does not answer: refused, on loopback
    '</host>',
    '<host db1>',
    '    ip 127.0.0.1',
    '    mode master',
    '    peer db2',
    '</host>',
    '<host db2>',
    '    ip 10.0.0.12',
    '    mode master',
    '    peer db1',
    '</host>',
    '<role writer>',
    '    hosts db1, db2',
    '    ips 10.0.0.100',
    '    mode exclusive',
    '</role>',
    '<socket>',
    '    type plain',
    '</socket>',
  ].join('\n');

function deadPid(): number {
  for (let p = 4_000_000; p > 1000; p -= 7919) if (!fs.existsSync(`/proc/${p}`)) return p;
  throw new Error('no free pid found');
}

const monitor = { peer: { cn: 'monitor', sans: [], role: 'monitor' as const, plain: false, address: '10.0.0.10:5000', fingerprint256: 'AA' } };

describe('WATCH_HEALTH (agent dispatcher, fake server)', () => {
  let dir: string;
  let pidfile: string;
  let mysql: FakeLocalMysql;
  let vips: FakeVipManager;
  let agent: Agent;
  const conns: Array<{ from: RequestContext; close: () => void }> = [];

  /** A connection's context, as Agent.serve() makes it. */
  const connection = (): RequestContext => {
    const from = agent.accepted();
    let close!: () => void;
    from.closed = new Promise<void>((r) => (close = r));
    from.peerKey = 'AA';
    conns.push({ from, close });
    return from;
  };
  const watch = async (generation: number, timeoutMs: number, from = connection()) => {
    const line = await agent.handleLine(`WATCH_HEALTH|1|db1|${generation}|${timeoutMs}`, monitor, from);
    const reply = decodeAgentReply(line);
    return { line, reply, ...(reply.ok ? parseWatchHealthReply(reply) : {}) };
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(join(os.tmpdir(), 'push-watch-'));
    pidfile = join(dir, 'mysqld.pid');
    fs.writeFileSync(pidfile, `${process.pid}\n`); // this test process stands in for mysqld
    const { config } = parseConfigTextOrThrow('agent', { '/etc/mmm/mmm_agent.conf': conf(pidfile) });
    mysql = new FakeLocalMysql();
    vips = new FakeVipManager('eth0');
    agent = new Agent({ config, logger: new MemoryLogger(), mysql, vips, graceMs: 0 });
  });
  afterEach(async () => {
    for (const c of conns.splice(0)) c.close();
    await agent.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers at once with generation 0 (a new connection): the same payload as GET_HEALTH, plus the generation', async () => {
    const w = await watch(0, 60_000);
    expect(w.line).to.match(/^OK: Returning health!\|mysqld=running,answering=1,writable=0,lease=none.*\|\d+\|UP:[\d.]+$/);
    expect(w.generation).to.be.above(0);
    const get = decodeAgentReply(await agent.handleLine('GET_HEALTH|1|db1', monitor, agent.accepted()));
    expect(w.reply.fields[0]).to.equal(get.fields[0]);
  });

  it('waits while nothing changes and answers at its bound with the same generation', async () => {
    const first = await watch(0, 60_000);
    const again = await watch(first.generation!, 30);
    expect(again.reply.ok).to.equal(true);
    expect(again.generation, 'the bound: no change').to.equal(first.generation);
  });

  it('a crash the sentinel session sees answers the standing request: stopped, the writer VIP already gone', async () => {
    expect(await agent.handleLine('SET_STATUS|1|db1|ONLINE|writer(10.0.0.100)|db1', monitor, agent.accepted())).to.match(/^OK: Status applied/);
    const first = await watch(0, 60_000);
    expect(first.health!.writable).to.equal(true);
    expect(mysql.openSessions, 'a sentinel session is open').to.equal(1);
    const pending = watch(first.generation!, 60_000);
    for (let i = 0; i < 500 && agent.standingRequests < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(agent.standingRequests, 'it waits').to.equal(1);
    // kill -9: the process is gone and its sockets close
    fs.writeFileSync(pidfile, `${deadPid()}\n`);
    mysql.answering = false;
    mysql.dropSessions();
    const w = await pending;
    expect(w.generation, 'answered by the change, not the bound').to.be.above(first.generation!);
    expect(w.health!.mysqld).to.equal('stopped');
    expect(w.health!.answering).to.equal(false);
    expect(vips.ips.has('10.0.0.100'), 'no VIP left when it says stopped').to.equal(false);
  });

  it('an older generation is answered at once: no change between two requests is lost', async () => {
    const first = await watch(0, 60_000);
    mysql.answering = false; // changes before the next request arrives
    fs.writeFileSync(pidfile, `${deadPid()}\n`);
    await agent.handleLine('GET_HEALTH|1|db1', monitor, agent.accepted()); // the agent sees it
    const w = await watch(first.generation!, 60_000);
    expect(w.generation).to.be.above(first.generation!);
    expect(w.health!.mysqld).to.equal('stopped');
  });

  it('one standing request per connection', async () => {
    const first = await watch(0, 60_000);
    const from = connection();
    const pending = watch(first.generation!, 60_000, from);
    for (let i = 0; i < 500 && agent.standingRequests < 1; i++) await new Promise((r) => setTimeout(r, 10));
    const second = await watch(first.generation!, 60_000, from);
    expect(second.line).to.match(/^ERROR: WATCH_HEALTH refused: a WATCH_HEALTH already waits on this connection\|UP:/);
    conns.find((c) => c.from === from)!.close();
    expect((await pending).line, 'its connection closed: it stops waiting').to.match(/^ERROR: WATCH_HEALTH: connection closed/);
  });

  it('stop() answers every standing request', async () => {
    const first = await watch(0, 60_000);
    const pending = [watch(first.generation!, 60_000), watch(first.generation!, 60_000)];
    for (let i = 0; i < 500 && agent.standingRequests < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(agent.standingRequests).to.equal(2);
    await agent.stop();
    for (const w of await Promise.all(pending)) expect(w.generation, w.line).to.equal(first.generation);
  });

  it('refuses a bound over 60 s without holding anything', async () => {
    expect((await watch(1, 60_001)).line).to.match(/^ERROR: Invalid arguments for command 'WATCH_HEALTH': timeout '60001'/);
  });

  it('over a real connection: stop() sends the standing request its answer before the connection goes', async () => {
    const port = await freePort();
    const { config } = parseConfigTextOrThrow('agent', { '/etc/mmm/mmm_agent.conf': conf(pidfile, port) });
    const live = new Agent({ config, logger: new MemoryLogger(), mysql, vips, graceMs: 0, probePeer: () => Promise.resolve(true) });
    await live.start();
    const c = await connect({ host: '127.0.0.1', port, socket: config.socket, logger: nullLogger, timeoutMs: 5_000 });
    try {
      const first = parseWatchHealthReply(decodeAgentReply(await c.request('WATCH_HEALTH|1|db1|0|60000', 5_000)));
      const pending = c.request(`WATCH_HEALTH|1|db1|${first.generation}|60000`, 10_000);
      for (let i = 0; i < 500 && live.standingRequests < 1; i++) await new Promise((r) => setTimeout(r, 10));
      expect(live.standingRequests, 'it stands').to.equal(1);
      await live.stop();
      const last = parseWatchHealthReply(decodeAgentReply(await pending));
      expect(last.generation, 'answered (no change)').to.equal(first.generation);
    } finally {
      c.destroy();
      await live.stop();
    }
  });
});
