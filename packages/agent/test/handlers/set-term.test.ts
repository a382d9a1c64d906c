// SET_TERM and the term gate through the agent's dispatcher (monitor HA, issue 19): table tests of
// what each connection may do once a term was seen, the lease renewal rule with a term, the
// term file written (fsync'd) before the OK and a failed write changing nothing.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { type DurableFs, nodeDurableFs, parseConfigTextOrThrow } from '@mmm/common';
import { FakeClock, MemoryLogger } from '@mmm/common/testing';
import { Agent } from '../../src/agent';
import type { AgentContext, RequestContext } from '../../src/handlers';
import { FileTermStore, type TermRecord, type TermStore } from '../../src/term/index';
import { FakeLocalMysql, FakeVipManager } from '../../src/testing';

const CONF = [
  'this db1', 'active_master_role writer', 'writer_lease 3',
  '<host default>', '    cluster_interface eth0', '    agent_user mmm_agent', '    agent_password pw', '    replication_user repl', '    replication_password rpw', '</host>',
  '<host db1>', '    ip 10.0.0.11', '    mode master', '    peer db2', '</host>',
  '<host db2>', '    ip 10.0.0.12', '    mode master', '    peer db1', '</host>',
  '<host db3>', '    ip 10.0.0.13', '    mode slave', '</host>',
  '<role writer>', '    hosts db1, db2', '    ips 10.0.0.100', '    mode exclusive', '</role>',
  '<role reader>', '    hosts db1, db2', '    ips 10.0.0.101', '    mode balanced', '</role>',
  '<socket>', '    type plain', '</socket>',
].join('\n');

/** The term record in memory: what was saved, in order; `fail` makes the next saves throw. */
class MemoryTermStore implements TermStore {
  readonly file = '/var/lib/mmm/mmmd_agent.db1.term.json';
  readonly saved: TermRecord[] = [];
  fail: Error | undefined;
  constructor(private record?: TermRecord) {}
  load(): TermRecord | undefined {
    return this.record;
  }
  async save(r: TermRecord): Promise<void> {
    if (this.fail) throw this.fail;
    this.saved.push(r);
    this.record = r;
  }
}

const monitor = { peer: { cn: 'monitor', sans: [], role: 'monitor' as const, plain: false, address: '10.0.0.10:5000' } };
const viewer = { peer: { ...monitor.peer, cn: 'viewer', role: 'viewer' as const } };
const TERM = (t: number, m: string, etcd = 'aa11') => `SET_TERM|1|db1|default|${t}|${m}${etcd ? `|${etcd}` : ''}`;
const WRITER = 'SET_STATUS|1|db1|ONLINE|reader(10.0.0.101),writer(10.0.0.100)|db1';
const READER = 'SET_STATUS|1|db1|ONLINE|reader(10.0.0.101)|db2';
const STATE_CHANGES = [WRITER, 'CLEAR_BAD_ROLES|1|db1', 'WAIT_GTID|1|db1|0-1-5|100', 'CATCH_UP|1|db1|db2|0-1-5|100'];

describe('SET_TERM and the term gate (dispatcher)', () => {
  let clock: FakeClock;
  let mysql: FakeLocalMysql;
  let vips: FakeVipManager;
  let log: MemoryLogger;
  let store: MemoryTermStore;
  let agent: Agent;
  const ctx = (): AgentContext => (agent as unknown as { ctx: AgentContext }).ctx;
  const make = (s: MemoryTermStore | TermStore = new MemoryTermStore()): void => {
    const { config } = parseConfigTextOrThrow('agent', { '/etc/mmm/mmm_agent.conf': CONF });
    clock = new FakeClock(1_000_000);
    mysql = new FakeLocalMysql();
    vips = new FakeVipManager('eth0');
    log = new MemoryLogger();
    if (s instanceof MemoryTermStore) store = s;
    agent = new Agent({ config, logger: log, clock, mysql, vips, graceMs: 0, probePeer: async () => true, termStore: s });
    agent.loadTerm();
  };
  const send = (line: string, c: RequestContext, who: typeof monitor | typeof viewer = monitor) => agent.handleLine(line, who, c);
  /** A new connection that sent SET_TERM; asserts the OK. */
  const follower = async (t: number, m: string): Promise<RequestContext> => {
    const c = agent.accepted();
    expect(await send(TERM(t, m), c)).to.match(new RegExp(`^OK: Term ${t} accepted\\|UP:`));
    return c;
  };

  beforeEach(() => make());

  it('no term ever seen: term-less connections change state as before (an MMM 2.x monitor)', async () => {
    for (const line of STATE_CHANGES.slice(0, 3)) expect(await send(line, agent.accepted()), line).to.match(/^OK: /);
    expect(mysql.readOnly).to.equal(false);
    expect(log.entries.some((e) => 'term' in e.meta)).to.equal(false);
  });

  it('first term: persisted, then OK; the connection may change state, logged with term= and monitor=', async () => {
    const a = await follower(5, 'monA');
    expect(store.saved.map((r) => [r.term, r.monitor, r.etcdClusterId, r.cluster])).to.deep.equal([[5, 'monA', 'aa11', 'default']]);
    expect(await send(WRITER, a)).to.match(/^OK: Status applied successfully!/);
    expect(mysql.readOnly).to.equal(false);
    const admitted = log.entries.find((e) => e.msg === 'SET_STATUS admitted');
    expect(admitted?.meta).to.deep.include({ term: 5, monitor: 'monA', conn: a.connSeq });
    expect(log.entries.find((e) => e.msg === 'SET_STATUS applied')?.meta).to.deep.include({ term: 5, monitor: 'monA' });
  });

  it('same term from the same monitor on a new connection: OK, nothing written again', async () => {
    await follower(5, 'monA');
    const a2 = await follower(5, 'monA');
    expect(store.saved).to.have.length(1);
    expect(await send(READER, a2)).to.match(/^OK: /);
  });

  it('same term from another monitor: refused, connection closed, nothing changed', async () => {
    await follower(5, 'monA');
    const b = agent.accepted();
    expect(await send(TERM(5, 'monB'), b)).to.match(/^ERROR: Refused: term 5 belongs to monitor monA; nothing changed\|UP:/);
    expect(b.close).to.equal(true);
    expect(store.saved).to.have.length(1);
    expect(ctx().term.record).to.deep.include({ term: 5, monitor: 'monA' });
  });

  it('a lower term: refused and that connection closed; the record keeps the higher term', async () => {
    await follower(5, 'monA');
    const old = agent.accepted();
    expect(await send(TERM(4, 'monB'), old)).to.match(/^ERROR: Refused: stale term 4 < 5; nothing changed\|UP:/);
    expect(old.close).to.equal(true);
    expect(old.term).to.equal(undefined);
    expect(ctx().term.record?.term).to.equal(5);
    expect(store.saved).to.have.length(1);
  });

  it('a higher term: persisted before the OK; the old term\'s connection is refused from then on and closed', async () => {
    const a = await follower(5, 'monA');
    expect(await send(WRITER, a)).to.match(/^OK: /);
    const b = await follower(6, 'monB');
    expect(store.saved.map((r) => r.term)).to.deep.equal([5, 6]);
    const vipsBefore = [...vips.ips].sort();
    expect(await send(READER, a)).to.match(/^ERROR: Refused: stale term 5 < 6; nothing changed\|UP:/);
    expect(a.close).to.equal(true);
    expect(mysql.readOnly, 'the old term\'s demotion was not applied').to.equal(false);
    expect([...vips.ips].sort()).to.deep.equal(vipsBefore);
    expect(await send(READER, b)).to.match(/^OK: /);
    expect(mysql.readOnly).to.equal(true);
    expect(log.entries.find((e) => e.level === 'error' && /SET_STATUS refused: Refused: stale term 5 < 6/.test(e.msg))?.meta).to.deep.include({ term: 5, monitor: 'monA' });
  });

  for (const line of STATE_CHANGES) {
    const cmd = line.split('|')[0];
    it(`${cmd} on a term-less connection after a term was seen: refused, closed, nothing run`, async () => {
      await follower(5, 'monA');
      const calls = mysql.calls.length;
      const c = agent.accepted();
      expect(await send(line, c)).to.match(/^ERROR: Refused: this agent follows term 5 \(monitor monA\); send SET_TERM first; nothing changed\|UP:/);
      expect(c.close).to.equal(true);
      expect(mysql.calls.slice(calls)).to.deep.equal([]);
      expect(vips.calls).to.deep.equal([]);
    });
  }

  it('reads stay open to every connection and role once a term was seen', async () => {
    await follower(5, 'monA');
    expect(await send('PING|1|db1', agent.accepted())).to.match(/^OK: Pinged!/);
    expect(await send('GET_AGENT_STATUS|1|db1', agent.accepted(), viewer)).to.match(/^OK: Returning status!/);
    expect(await send(TERM(9, 'monX'), agent.accepted(), viewer)).to.match(/^ERROR: Not authorized: SET_TERM needs the monitor role/);
    expect(ctx().term.record?.term).to.equal(5);
  });

  it('a changed etcd cluster id starts over: accepted (also a lower term), persisted, a warning; connections of the old record refused', async () => {
    const a = await follower(500, 'monA');
    const c = agent.accepted();
    expect(await send(TERM(3, 'monC', 'cc33'), c)).to.match(/^OK: Term 3 accepted/);
    expect(store.saved.map((r) => [r.term, r.etcdClusterId])).to.deep.equal([[500, 'aa11'], [3, 'cc33']]);
    expect(log.messages('warn').some((m) => /etcd cluster id changed from aa11 to cc33: the term record starts over \(it held term 500 of monitor monA\)/.test(m))).to.equal(true);
    expect(await send(READER, a)).to.match(/^ERROR: Refused: this agent follows term 3 \(monitor monC\)/);
    expect(await send(READER, c)).to.match(/^OK: /);
    // the old cluster's term is now just another cluster again: a restart, not a stale one
    expect(await send(TERM(4, 'monC', 'cc33'), agent.accepted())).to.match(/^OK: Term 4 accepted/);
  });

  it('the term file cannot be written: ERROR naming the file, nothing changed (record, connection, gate)', async () => {
    const a = await follower(5, 'monA');
    store.fail = new Error('cannot write /var/lib/mmm/mmmd_agent.db1.term.json (open): EROFS: read-only file system');
    const b = agent.accepted();
    expect(await send(TERM(6, 'monB'), b)).to.match(/^ERROR: Could not record term 6 in \/var\/lib\/mmm\/mmmd_agent\.db1\.term\.json: .*EROFS.*; nothing changed\|UP:/);
    expect(b.term).to.equal(undefined);
    expect(ctx().term.record).to.deep.include({ term: 5, monitor: 'monA' });
    expect(await send(READER, b)).to.match(/^ERROR: Refused: this agent follows term 5 \(monitor monA\)/);
    expect(await send(READER, a)).to.match(/^OK: /);
  });

  it('the first term cannot be written: still term-less, and term-less connections still work', async () => {
    store.fail = new Error('EACCES');
    const c = agent.accepted();
    expect(await send(TERM(5, 'monA'), c)).to.match(/^ERROR: Could not record term 5/);
    expect(ctx().term.record).to.equal(undefined);
    expect(await send(READER, agent.accepted())).to.match(/^OK: /);
  });

  it('a term of an earlier run (loaded at start) gates from the first request', async () => {
    make(new MemoryTermStore({ schema: 1, cluster: 'default', etcdClusterId: 'aa11', term: 5, monitor: 'monA', at: 'x' }));
    expect(await send(WRITER, agent.accepted())).to.match(/^ERROR: Refused: this agent follows term 5 \(monitor monA\)/);
    expect(await send(TERM(4, 'monA'), agent.accepted())).to.match(/^ERROR: Refused: stale term 4 < 5/);
    expect(await send(WRITER, await follower(5, 'monA'))).to.match(/^OK: /);
    expect(log.messages('info').some((m) => /^following term 5 of monitor monA/.test(m))).to.equal(true);
  });

  it('within a term the accept order still counts; a new term starts it again', async () => {
    const early = agent.accepted(); // a follower's read connection, opened first
    const a1 = await follower(5, 'monA');
    const a2 = await follower(5, 'monA');
    expect(await send(READER, a2)).to.match(/^OK: /);
    expect(await send(READER, a1)).to.match(/^ERROR: Refused: stale SET_STATUS: it came on monitor connection #2, and #3 \(newer\)/);
    // monB wins on the connection it opened before monA's: its statuses count from its SET_TERM on
    expect(await send(TERM(6, 'monB'), early)).to.match(/^OK: Term 6 accepted/);
    expect(await send(READER, early)).to.match(/^OK: /);
  });

  describe('the writer lease with a term', () => {
    const leftMs = () => ctx().lease.status().msLeft;

    it('without a term, every monitor command renews it (as before)', async () => {
      const c = agent.accepted();
      expect(await send(WRITER, c)).to.match(/^OK: /);
      clock.advance(2_000);
      await send('PING|1|db1', agent.accepted());
      expect(leftMs()).to.equal(3_000);
    });

    it('with a term, only the admitted state-changing commands of that term renew it', async () => {
      const a = await follower(5, 'monA');
      expect(await send(WRITER, a)).to.match(/^OK: /);
      expect(leftMs()).to.equal(3_000);
      clock.advance(1_000);
      await send('PING|1|db1', a);
      await send('GET_AGENT_STATUS|1|db1', a);
      await send('PING|1|db1', await follower(5, 'monA'));
      await send('GET_SYSTEM_STATUS|1|db1', agent.accepted());
      expect(leftMs(), 'reads and PINGs, even the leader\'s, do not renew').to.equal(2_000);
      expect(await send(WRITER, agent.accepted())).to.match(/^ERROR: Refused/);
      expect(await send(TERM(4, 'monB'), agent.accepted())).to.match(/^ERROR: Refused/);
      expect(leftMs(), 'refused commands do not renew').to.equal(2_000);
      expect(await send('WAIT_GTID|1|db1|0-1-5|100', a)).to.match(/^OK: /);
      expect(leftMs()).to.equal(3_000);
      clock.advance(1_000);
      const b = await follower(6, 'monB');
      expect(leftMs(), 'SET_TERM itself does not renew').to.equal(2_000);
      expect(await send('CLEAR_BAD_ROLES|1|db1', a)).to.match(/^ERROR: Refused: stale term 5 < 6/);
      expect(leftMs(), 'a deposed monitor\'s command does not renew').to.equal(2_000);
      expect(await send(WRITER, b)).to.match(/^OK: /);
      expect(leftMs()).to.equal(3_000);
    });
  });
});

describe('SET_TERM with the real term file: written and fsync\'d before the OK', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(tmpdir(), 'ha-agent-setterm-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the OK waits for the fsync of the folder after the rename; the next start loads the term', async () => {
    const file = path.join(dir, 'db1.term.json');
    const calls: string[] = [];
    let releaseDirSync!: () => void;
    const dirSynced = new Promise<void>((r) => (releaseDirSync = r));
    const port: DurableFs = {
      async open(p, flags, mode) {
        const fh = await nodeDurableFs.open(p, flags, mode);
        const what = p === dir ? 'folder' : 'temp file';
        return {
          writeFile: (d, e) => (calls.push(`write ${what}`), fh.writeFile(d, e)),
          sync: async () => {
            calls.push(`fsync ${what}`);
            if (what === 'folder') await dirSynced;
            return fh.sync();
          },
          close: () => fh.close(),
        };
      },
      rename: (a, b) => (calls.push('rename'), fsp.rename(a, b)),
      unlink: (p) => fsp.unlink(p),
    };
    const { config } = parseConfigTextOrThrow('agent', { '/etc/mmm/mmm_agent.conf': CONF });
    const agent = new Agent({ config, logger: new MemoryLogger(), mysql: new FakeLocalMysql(), vips: new FakeVipManager('eth0'), graceMs: 0, termStore: new FileTermStore(file, port) });
    let reply: string | undefined;
    const pending = agent.handleLine(TERM(7, 'monA'), monitor, agent.accepted()).then((r) => (reply = r));
    for (let i = 0; i < 50 && !calls.includes('fsync folder'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(calls).to.deep.equal(['write temp file', 'fsync temp file', 'rename', 'fsync folder']);
    expect(reply, 'no answer before the folder is synced').to.equal(undefined);
    releaseDirSync();
    await pending;
    expect(reply).to.match(/^OK: Term 7 accepted/);
    expect(new FileTermStore(file).load()).to.deep.include({ term: 7, monitor: 'monA', etcdClusterId: 'aa11' });
    const next = new Agent({ config, logger: new MemoryLogger(), mysql: new FakeLocalMysql(), vips: new FakeVipManager('eth0'), graceMs: 0, termStore: new FileTermStore(file) });
    next.loadTerm();
    expect(await next.handleLine(WRITER, monitor, next.accepted())).to.match(/^ERROR: Refused: this agent follows term 7 \(monitor monA\)/);
  });
});
