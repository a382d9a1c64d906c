// Monitor HA on the agent (issue 19) with the BUILT mmmd_agent in network namespaces, real
// MariaDB and mutual TLS: SET_TERM 5 from monitor A and its statuses applied; a term-less
// connection and SET_TERM 4 refused (and closed); the term survives a kill -9 and restart;
// a malformed term file stops the start naming it; --reset-term (refused while the agent runs)
// gives term-less monitors back their rights. Outcomes are asserted on MariaDB, the interfaces
// and the term file, never times.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { type AgentReply, type ClientConnection, decodeAgentReply } from '@mmm/common';
import { readOnly, vipsOf, type DbNode } from '@mmm/sandbox';
import { AgentCluster, skipReason } from './harness';

const ETCD_ID = 'cdf818194e3a8c32';

describe('mmmd_agent monitor-HA terms (netns, real MariaDB, built agent)', function () {
  this.timeout(90_000);
  let c: AgentCluster | undefined;
  const conns: ClientConnection[] = [];
  const cl = (): AgentCluster => {
    if (!c) throw new Error('cluster did not start');
    return c;
  };
  const db1 = (): DbNode => cl().node('db1');
  const writerStatus = () => `SET_STATUS|1|db1|ONLINE|reader(${cl().vips.readers[0]}),writer(${cl().vips.writer})|db1`;
  const readerStatus = () => `SET_STATUS|1|db1|ONLINE|reader(${cl().vips.readers[0]})|db2`;
  const term = (t: number, monitor: string) => `SET_TERM|1|db1|default|${t}|${monitor}|${ETCD_ID}`;
  /** A connection kept open, as a monitor keeps one per agent. */
  const open = async (): Promise<ClientConnection> => {
    const conn = await cl().open('db1');
    conns.push(conn);
    return conn;
  };
  const on = async (conn: ClientConnection, line: string): Promise<AgentReply> => decodeAgentReply(await conn.request(line, 30_000));
  /** The agent closed this connection: the next request fails instead of being answered. */
  const closedByAgent = async (conn: ClientConnection): Promise<boolean> =>
    conn.request('PING|1|db1', 5_000).then(
      () => false,
      () => true,
    );
  const record = () => JSON.parse(readFileSync(cl().termFile('db1'), 'utf8')) as Record<string, unknown>;

  before(async function () {
    this.timeout(150_000);
    const why = await skipReason();
    if (why) {
      console.log(`      skipping the monitor-HA term integration test: ${why}`);
      return this.skip();
    }
    c = await AgentCluster.start((l) => console.log(`      ${l}`), { pidFiles: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && c) console.log(`      --- db1 agent log (tail) ---\n${c.logTail('db1', 25)}`);
  });

  after(async function () {
    this.timeout(60_000);
    for (const conn of conns) conn.destroy();
    await c?.stop();
  });

  it('before any term: a term-less monitor connection changes state as before (MMM 2.x monitors)', async () => {
    const r = await cl().send('db1', readerStatus());
    expect(r.ok, r.message).to.equal(true);
    expect(await readOnly(db1())).to.equal(true);
    expect(existsSync(cl().termFile('db1'))).to.equal(false);
  });

  let a: ClientConnection;
  it('SET_TERM 5 from monitor A: OK once the term file holds it; SET_STATUS on that connection is applied', async () => {
    a = await open();
    const t = await on(a, term(5, 'monA'));
    expect(t.ok, t.message).to.equal(true);
    expect(t.message).to.equal('Term 5 accepted');
    expect(record()).to.deep.include({ schema: 1, cluster: 'default', etcdClusterId: ETCD_ID, term: 5, monitor: 'monA' });
    const s = await on(a, writerStatus());
    expect(s.ok, s.message).to.equal(true);
    expect(await readOnly(db1())).to.equal(false);
    expect(await vipsOf(db1())).to.include(cl().vips.writer);
    expect(cl().logTail('db1', 40)).to.match(/SET_STATUS admitted .*term=5 monitor=monA/);
  });

  it('a term-less connection: SET_STATUS refused and the connection closed; nothing changed', async () => {
    const x = await open();
    const r = await on(x, readerStatus());
    expect(r.ok).to.equal(false);
    expect(r.message).to.equal('Refused: this agent follows term 5 (monitor monA); send SET_TERM first; nothing changed');
    expect(await closedByAgent(x)).to.equal(true);
    expect(await readOnly(db1()), 'still the writer').to.equal(false);
    expect(await vipsOf(db1())).to.include(cl().vips.writer);
  });

  it('SET_TERM 4, and term 5 from another monitor: refused, closed; the term file still holds 5 of monA', async () => {
    const x = await open();
    const r = await on(x, term(4, 'monB'));
    expect(r.ok).to.equal(false);
    expect(r.message).to.equal('Refused: stale term 4 < 5; nothing changed');
    expect(await closedByAgent(x)).to.equal(true);
    const y = await open();
    expect((await on(y, term(5, 'monB'))).message).to.equal('Refused: term 5 belongs to monitor monA; nothing changed');
    expect(await closedByAgent(y)).to.equal(true);
    expect(record()).to.deep.include({ term: 5, monitor: 'monA' });
    // monitor A's connection still works
    expect((await on(a, writerStatus())).ok).to.equal(true);
  });

  it('kill -9 and restart: term 5 survives; term 4 and term-less statuses are still refused; monitor A goes on after SET_TERM 5', async () => {
    const oldPid = cl().agents.get('db1')!.pid;
    await cl().killAgent('db1');
    await cl().startAgent('db1');
    expect(cl().agents.get('db1')!.pid).to.not.equal(oldPid);
    expect(cl().logTail('db1', 40)).to.match(/following term 5 of monitor monA/);
    expect((await cl().send('db1', term(4, 'monB'))).message).to.equal('Refused: stale term 4 < 5; nothing changed');
    expect((await cl().send('db1', readerStatus())).message).to.match(/^Refused: this agent follows term 5 \(monitor monA\)/);
    expect(await readOnly(db1())).to.equal(false);
    a = await open();
    expect((await on(a, term(5, 'monA'))).message).to.equal('Term 5 accepted');
    const s = await on(a, writerStatus());
    expect(s.ok, s.message).to.equal(true);
  });

  it('--reset-term is refused while the agent runs (its pid file), and changes nothing', async () => {
    const r = await cl().runOnce('db1', ['--reset-term']);
    expect(r.code, r.stderr).to.equal(4);
    expect(r.stderr).to.match(/which is running/);
    expect(record()).to.deep.include({ term: 5 });
  });

  it('a malformed term file: the agent does not start, exit 1, the error names the file', async () => {
    await cl().stopAgent('db1');
    const file = cl().termFile('db1');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, '{"schema":1,"term":');
    try {
      const r = await cl().runOnce('db1', []);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include(`term file ${file} is malformed`).and.to.include('--reset-term');
    } finally {
      writeFileSync(file, good);
    }
  });

  it('--reset-term (agent stopped): removes the file, says what it held, exits 0; then term-less monitors work again', async () => {
    const r = await cl().runOnce('db1', ['--reset-term']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`removed the term file ${cl().termFile('db1')} (it held term 5 of monitor monA)`);
    expect(existsSync(cl().termFile('db1'))).to.equal(false);
    const again = await cl().runOnce('db1', ['--reset-term']);
    expect(again.code).to.equal(0);
    expect(again.stdout).to.match(/^no term file at .*: nothing to remove/);
    await cl().startAgent('db1');
    const s = await cl().send('db1', readerStatus());
    expect(s.ok, s.message).to.equal(true);
    expect(await readOnly(db1()), 'the term-less demotion was applied').to.equal(true);
    expect(await vipsOf(db1())).to.not.include(cl().vips.writer);
    // and a lower term than before is a first term now
    expect((await cl().send('db1', term(2, 'monB'))).message).to.equal('Term 2 accepted');
  });
});
