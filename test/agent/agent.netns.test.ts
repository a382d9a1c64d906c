// mmmd_agent end to end: the BUILT agent as a child process inside each node's network namespace,
// real MariaDB (db1 <-> db2 masters with GTID, db3 replica), mutual TLS with certificates made
// here. Tests run in order on one cluster and walk it through what a monitor does: give the
// writer role, move it (demote, re-point the replica, promote), lose a mysqld, cut a writer off.
// Waits are bounded; nothing asserts wall-clock timings (fence times are printed, not checked).
import { expect } from 'chai';
import {
  decodeAgentReply,
  decodeHealth,
  parseAgentStatus,
  parseSystemStatus,
  parseWatchHealthReply,
  type AgentHealth,
  type AgentReply,
} from '@mmm/common';
import {
  TEST_SCHEMA,
  gtidState,
  query,
  readOnly,
  run,
  setLink,
  slaveStatus,
  sleep,
  vipsOf,
  waitFor,
  type DbNode,
} from '@mmm/sandbox';
import { AgentCluster, AppClient, AGENT_PORT, WRITER_LEASE_S, rawTcp, skipReason } from './harness';

const TABLE = `\`${TEST_SCHEMA}\`.t`;

describe('mmmd_agent in network namespaces against real MariaDB (mutual TLS)', function () {
  this.timeout(60_000);
  let c: AgentCluster | undefined;
  const apps: AppClient[] = [];
  const linksDown = new Set<DbNode>();

  const cl = (): AgentCluster => {
    if (!c) throw new Error('cluster did not start');
    return c;
  };
  const n = (name: string): DbNode => cl().node(name);
  const status = (name: string, state: string, roles: string, master: string): string => `SET_STATUS|1|${name}|${state}|${roles}|${master}`;
  const roles = (...r: string[]): string => r.sort().join(',');
  const writer = (): string => `writer(${cl().vips.writer})`;
  const reader = (i: 0 | 1 | 2): string => `reader(${cl().vips.readers[i]})`;
  const health = async (name: string, role: 'monitor' | 'control' = 'monitor'): Promise<AgentHealth> => {
    const r = await cl().send(name, `GET_HEALTH|1|${name}`, role);
    expect(r.ok, r.message).to.equal(true);
    return decodeHealth(r.fields[0] ?? '');
  };
  const ok = async (name: string, line: string): Promise<AgentReply> => {
    const r = await cl().send(name, line);
    expect(r.ok, `${line} → ERROR: ${r.message}`).to.equal(true);
    expect(r.message).to.equal('Status applied successfully!');
    return r;
  };
  const openApp = async (fromNs: string, host: string): Promise<AppClient> => {
    const a = cl().db.credentials.app;
    const app = await waitFor(`application connection to ${host} from ${fromNs}`, () => AppClient.open(fromNs, host, 3306, a.user, a.password), {
      timeoutMs: 10_000,
      intervalMs: 200,
    });
    apps.push(app);
    return app;
  };
  const count = async (node: DbNode, where = '1'): Promise<number> => Number((await query(node, `SELECT COUNT(*) AS c FROM ${TABLE} WHERE ${where}`))[0]?.c);
  const threadIds = async (node: DbNode, user: string): Promise<number[]> =>
    (await query(node, 'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?', [user])).map((r) => Number(r.id));

  before(async function () {
    this.timeout(120_000);
    const why = await skipReason();
    if (why) {
      console.log(`      skipping mmmd_agent integration tests: ${why}`);
      return this.skip();
    }
    c = await AgentCluster.start((l) => console.log(`      ${l}`));
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && c) {
      for (const name of ['db1', 'db2', 'db3']) console.log(`      --- ${name} agent log (tail) ---\n${c.logTail(name, 15)}`);
    }
  });

  after(async function () {
    this.timeout(60_000);
    for (const a of apps) a.kill();
    if (!c) return;
    for (const node of linksDown) await setLink(node, 'up').catch(() => undefined);
    await c.stop();
  });

  it('answers PING with MMM texts, checks the host name, and reports UNKNOWN before any SET_STATUS', async () => {
    const line = await cl().sendRaw('db1', 'PING|1|db1');
    expect(line).to.match(/^OK: Pinged!\|UP:\d+\.\d\d$/);
    expect(await cl().sendRaw('db1', 'PING|1|db2')).to.match(/^ERROR: Invalid hostname in command \(db2\)! My name is 'db1'\|UP:/);
    expect(await cl().sendRaw('db1', 'FOO|1|db1')).to.match(/^ERROR: Invalid command 'FOO'!\|UP:/);
    for (const name of ['db1', 'db2', 'db3']) {
      expect(await cl().sendRaw(name, `GET_AGENT_STATUS|1|${name}`)).to.match(/^OK: Returning status!\|UNKNOWN\|\|\|UP:/);
    }
  });

  it('writer role → catch-up, read_only=0 and the writer VIP on eth0; a client in another namespace reaches MariaDB through the VIP', async () => {
    const t0 = Date.now();
    await ok('db1', status('db1', 'ONLINE', roles(reader(0), writer()), 'db1'));
    const promoteMs = Date.now() - t0;
    await ok('db2', status('db2', 'ONLINE', reader(1), 'db1'));
    await ok('db3', status('db3', 'ONLINE', reader(2), 'db1'));
    console.log(`      promote db1 (catch-up, read_only=0, VIP): ${promoteMs} ms`);
    expect(await readOnly(n('db1'))).to.equal(false);
    expect(await readOnly(n('db2'))).to.equal(true);
    expect(await readOnly(n('db3'))).to.equal(true);
    expect((await vipsOf(n('db1'))).sort()).to.deep.equal([cl().vips.readers[0], cl().vips.writer].sort());
    expect(await vipsOf(n('db2'))).to.deep.equal([cl().vips.readers[1]]);
    expect(await vipsOf(n('db3'))).to.deep.equal([cl().vips.readers[2]]);
    // An application (no SUPER, no READ_ONLY ADMIN) in db3's namespace, through the writer VIP.
    const app = await openApp(n('db3').netns!, cl().vips.writer);
    expect(await app.query('SELECT @@server_id AS sid')).to.equal('ok [{"sid":1}]');
    expect(await app.query(`INSERT INTO ${TABLE} (token, origin) VALUES ('app-via-vip', 'db1')`)).to.match(/^ok /);
    // …and through db2's reader VIP from db1's namespace.
    const ro = await openApp(n('db1').netns!, cl().vips.readers[1]);
    expect(await ro.query('SELECT @@server_id AS sid')).to.equal('ok [{"sid":2}]');
    expect(await ro.query(`INSERT INTO ${TABLE} (token, origin) VALUES ('refused', 'db2')`)).to.match(/^err 1290 /);
    ro.kill();
  });

  it('a repeated SET_STATUS is idempotent: same reply, nothing changes, no client connection ended', async () => {
    const app = await openApp(n('db3').netns!, cl().vips.writer);
    const line = status('db1', 'ONLINE', roles(reader(0), writer()), 'db1');
    const before = { sys: await cl().send('db1', 'GET_SYSTEM_STATUS|1|db1'), vips: (await vipsOf(n('db1'))).sort() };
    const r1 = await cl().send('db1', line);
    const r2 = await cl().send('db1', line);
    expect([r1.ok, r1.message, r1.fields]).to.deep.equal([r2.ok, r2.message, r2.fields]);
    expect(r2.message).to.equal('Status applied successfully!');
    expect(await readOnly(n('db1'))).to.equal(false);
    expect((await vipsOf(n('db1'))).sort()).to.deep.equal(before.vips);
    const after = await cl().send('db1', 'GET_SYSTEM_STATUS|1|db1');
    expect(after.fields).to.deep.equal(before.sys.fields);
    expect(await app.query('SELECT 1 AS x')).to.equal('ok [{"x":1}]');
    expect(app.closed).to.equal(undefined);
    app.kill();
  });

  it('GET_SYSTEM_STATUS and GET_AGENT_STATUS reflect reality (writable, VIPs on eth0, replication source)', async () => {
    const [db1, db2, db3] = [n('db1'), n('db2'), n('db3')];
    const s1 = parseSystemStatus(await cl().send('db1', 'GET_SYSTEM_STATUS|1|db1'));
    expect(s1).to.deep.equal({
      writable: true,
      roles: [{ name: 'reader', ip: cl().vips.readers[0] }, { name: 'writer', ip: cl().vips.writer }],
      masterIp: db2.ip,
    });
    // MMM's exact shape: writable is '1' or '' (never '0').
    expect(await cl().sendRaw('db3', 'GET_SYSTEM_STATUS|1|db3')).to.match(
      new RegExp(`^OK: Returning status!\\|\\|reader\\(${cl().vips.readers[2].replace(/\./g, '\\.')}\\)\\|${db1.ip.replace(/\./g, '\\.')}\\|UP:`),
    );
    expect(parseSystemStatus(await cl().send('db2', 'GET_SYSTEM_STATUS|1|db2')).masterIp).to.equal(db1.ip);
    // The agent's own view: what the monitor last asked for; masters report no active master (MMM).
    expect(parseAgentStatus(await cl().send('db1', 'GET_AGENT_STATUS|1|db1'))).to.deep.equal({
      state: 'ONLINE',
      roles: [{ name: 'reader', ip: cl().vips.readers[0] }, { name: 'writer', ip: cl().vips.writer }],
      activeMaster: '',
    });
    expect(await cl().sendRaw('db3', 'GET_AGENT_STATUS|1|db3')).to.match(new RegExp(`^OK: Returning status!\\|ONLINE\\|reader\\([0-9.]+\\)\\|db1\\|UP:`));
    // GET_HEALTH and GET_GTID against the same reality.
    const h1 = await health('db1');
    expect(h1).to.include({ mysqld: 'running', answering: true, writable: true, lease: 'held', replication: 'configured', ioConnected: true });
    const h3 = await health('db3');
    expect(h3).to.include({ mysqld: 'running', answering: true, writable: false, lease: 'none' });
    const g1 = await cl().send('db1', 'GET_GTID|1|db1');
    expect(g1.ok).to.equal(true);
    expect(g1.message).to.equal((await gtidState(db1)).binlogPos);
    const w = await cl().send('db3', `WAIT_GTID|1|db3|${g1.message}|5000`);
    expect(w.ok, w.message).to.equal(true);
    const far = await cl().send('db3', 'WAIT_GTID|1|db3|0-1-999999|300');
    expect(far.ok).to.equal(false);
    expect(far.message).to.match(/not executed/);
    expect(await readOnly(db3)).to.equal(true);
  });

  it('CLEAR_BAD_ROLES removes a role VIP added by hand and keeps the held ones', async () => {
    const db3 = n('db3');
    const stray = cl().vips.readers[1];
    await run('ip', ['-n', db3.netns!, 'addr', 'add', `${stray}/32`, 'dev', 'eth0']);
    expect((await vipsOf(db3)).sort()).to.deep.equal([cl().vips.readers[2], stray].sort());
    expect(parseSystemStatus(await cl().send('db3', 'GET_SYSTEM_STATUS|1|db3')).roles.map((r) => r.ip).sort()).to.deep.equal(
      [cl().vips.readers[2], stray].sort(),
    );
    expect(await cl().sendRaw('db3', 'CLEAR_BAD_ROLES|1|db3')).to.match(/^OK: Removed 1 roles\|UP:/);
    expect(await vipsOf(db3)).to.deep.equal([cl().vips.readers[2]]);
    expect(await cl().sendRaw('db3', 'CLEAR_BAD_ROLES|1|db3')).to.match(/^OK: Removed 0 roles\|UP:/);
    expect(await vipsOf(n('db2'))).to.deep.equal([stray]); // its owner still has it
  });

  it('a SET_STATUS without the writer role makes a node that was left writable by hand read-only', async () => {
    const db2 = n('db2');
    await query(db2, 'SET GLOBAL read_only = 0');
    await ok('db2', status('db2', 'ONLINE', reader(1), 'db1'));
    expect(await readOnly(db2)).to.equal(true);
    expect(await vipsOf(db2)).to.deep.equal([cl().vips.readers[1]]);
  });

  it('a certificate without the monitor role (control) cannot change state; it may read', async () => {
    const db2 = n('db2');
    const r = await cl().sendRaw('db2', status('db2', 'ONLINE', roles(reader(1), writer()), 'db2'), 'control');
    expect(r).to.match(/^ERROR: Not authorized: SET_STATUS needs the monitor role\|UP:/);
    expect(await cl().sendRaw('db2', 'CLEAR_BAD_ROLES|1|db2', 'control')).to.match(/^ERROR: Not authorized/);
    expect(await cl().sendRaw('db2', `WAIT_GTID|1|db2|0-1-1|100`, 'control')).to.match(/^ERROR: Not authorized/);
    expect(await readOnly(db2)).to.equal(true);
    expect(await vipsOf(db2)).to.deep.equal([cl().vips.readers[1]]);
    expect(parseAgentStatus(await cl().send('db2', 'GET_AGENT_STATUS|1|db2', 'control')).roles).to.deep.equal([
      { name: 'reader', ip: cl().vips.readers[1] },
    ]);
    expect(await cl().sendRaw('db2', 'PING|1|db2', 'control')).to.match(/^OK: Pinged!/);
  });

  it('an idle TLS client and a stalled TCP client do not block other connections; one connection carries several requests', async () => {
    const db1 = n('db1');
    const stalled = await rawTcp(db1.ip, AGENT_PORT); // never starts its handshake
    const idle = await cl().open('db1'); // handshake done, never sends
    const busy = await cl().open('db1');
    try {
      const t0 = Date.now();
      expect(await busy.request('PING|1|db1', 5_000)).to.match(/^OK: Pinged!/);
      expect(await busy.request('GET_AGENT_STATUS|1|db1', 5_000)).to.match(/^OK: Returning status!\|ONLINE\|/);
      expect(decodeAgentReply(await cl().sendRaw('db1', 'PING|1|db1', 'monitor', 5_000)).ok).to.equal(true);
      console.log(`      3 requests beside an idle TLS client and a stalled TCP client: ${Date.now() - t0} ms`);
    } finally {
      stalled.destroy();
      idle.destroy();
      busy.destroy();
    }
  });

  it('writer removed → read_only=1, then (after the grace) client connections ended, then the VIP removed; replication survives', async () => {
    const [db1, db2, db3] = [n('db1'), n('db2'), n('db3')];
    // Make db2 lag behind db3 for the re-point test that follows: db2 stops applying.
    await query(db2, 'STOP SLAVE');
    const app = await openApp(db3.netns!, cl().vips.writer);
    const appThread = Number((JSON.parse((await app.query('SELECT CONNECTION_ID() AS id')).slice(3)) as Array<{ id: number }>)[0]?.id);
    for (let i = 0; i < 20; i++) expect(await app.query(`INSERT INTO ${TABLE} (token, origin) VALUES ('move-${i}', 'db1')`)).to.match(/^ok /);
    expect(await threadIds(db1, 'app')).to.include(appThread);
    const target = (await gtidState(db1)).binlogPos;
    await waitFor('db3 applying db1\'s last writes', async () => (await gtidState(db3)).currentPos === target, { timeoutMs: 10_000 });
    const t0 = Date.now();
    await ok('db1', status('db1', 'ONLINE', reader(0), 'db2'));
    console.log(`      demote db1 (read_only=1, grace 1 s, end clients, drop VIP): ${Date.now() - t0} ms`);
    expect(await readOnly(db1)).to.equal(true);
    expect(await vipsOf(db1)).to.deep.equal([cl().vips.readers[0]]);
    await waitFor('the application connection ended', async () => app.closed !== undefined, { timeoutMs: 5_000 });
    expect(await threadIds(db1, 'app')).to.not.include(appThread);
    // The agent's demotion keeps replication threads: db1 still feeds db3 (db2 was stopped by us).
    expect((await slaveStatus(db3))?.Slave_IO_Running).to.equal('Yes');
    expect((await slaveStatus(db1))?.Slave_IO_Running).to.equal('Yes');
    const h = await health('db1');
    expect(h).to.include({ writable: false, lease: 'none' });
  });

  it('replica re-pointed to the other master with GTID while that master lags: the replica waits for it, nothing lost or duplicated', async () => {
    const [db1, db2, db3] = [n('db1'), n('db2'), n('db3')];
    expect((await gtidState(db3)).currentPos).to.not.equal((await gtidState(db2)).currentPos); // db3 is ahead of db2
    // The monitor's order for a planned switch: old writer (done), replicas, then the new writer.
    // db2 resumes applying a moment after db3 has been told to follow it.
    const resume = sleep(700).then(() => query(db2, 'START SLAVE'));
    const t0 = Date.now();
    const r3 = await cl().send('db3', status('db3', 'ONLINE', reader(2), 'db2'));
    const repointMs = Date.now() - t0;
    await resume;
    expect(r3.ok, `re-point: ${r3.message}`).to.equal(true);
    const t1 = Date.now();
    await ok('db2', status('db2', 'ONLINE', roles(reader(1), writer()), 'db2'));
    console.log(`      re-point db3 to a lagging db2: ${repointMs} ms; promote db2: ${Date.now() - t1} ms`);
    const s3 = await slaveStatus(db3);
    expect([s3?.Master_Host, s3?.Using_Gtid]).to.deep.equal([db2.ip, 'Slave_Pos']);
    expect(await readOnly(db2)).to.equal(false);
    expect((await vipsOf(db2)).sort()).to.deep.equal([cl().vips.readers[1], cl().vips.writer].sort());
    expect(parseSystemStatus(await cl().send('db3', 'GET_SYSTEM_STATUS|1|db3')).masterIp).to.equal(db2.ip);
    expect(parseAgentStatus(await cl().send('db3', 'GET_AGENT_STATUS|1|db3')).activeMaster).to.equal('db2');
    // A write on the new master (an application through the VIP, from db1's namespace) reaches db3.
    const app = await openApp(db1.netns!, cl().vips.writer);
    expect(await app.query('SELECT @@server_id AS sid')).to.equal('ok [{"sid":2}]');
    expect(await app.query(`INSERT INTO ${TABLE} (token, origin) VALUES ('after-move', 'db2')`)).to.match(/^ok /);
    app.kill();
    await waitFor('the write on db2 arriving on db3 and db1', async () => (await count(db3, "token = 'after-move'")) === 1 && (await count(db1, "token = 'after-move'")) === 1, {
      timeoutMs: 10_000,
    });
    // Same GTID position and the same rows everywhere, each exactly once.
    const pos = (await gtidState(db2)).binlogPos;
    await waitFor('every node at db2\'s GTID position', async () => {
      const all = await Promise.all([db1, db3].map(async (x) => (await gtidState(x)).currentPos));
      return all.every((p) => p === pos);
    }, { timeoutMs: 10_000 });
    const counts = await Promise.all([db1, db2, db3].map((x) => count(x)));
    expect(counts[1]).to.equal(counts[0]);
    expect(counts[2]).to.equal(counts[0]);
    for (const x of [db1, db2, db3]) {
      const dup = await query(x, `SELECT token, COUNT(*) AS c FROM ${TABLE} GROUP BY token HAVING c > 1`);
      expect(dup, `duplicates on ${x.name}`).to.deep.equal([]);
      expect(await count(x, "token LIKE 'move-%'"), x.name).to.equal(20);
    }
    expect((await slaveStatus(db3))?.Last_IO_Errno).to.equal(0);
  });

  it('local mysqld stopped → truthful ERROR replies, GET_HEALTH says so, the agent drops the writer VIP itself; restarted → OK again', async () => {
    const db2 = n('db2');
    const writerStatus = status('db2', 'ONLINE', roles(reader(1), writer()), 'db2');
    await cl().db.stopNode('db2');
    const t0 = Date.now();
    await waitFor('the db2 agent removing the writer VIP', async () => !(await vipsOf(db2)).includes(cl().vips.writer), { timeoutMs: 10_000, intervalMs: 100 });
    console.log(`      writer VIP dropped ${Date.now() - t0} ms after mysqld stopped`);
    const h = await health('db2');
    expect(h).to.include({ mysqld: 'stopped', answering: false });
    expect(await cl().sendRaw('db2', 'GET_HEALTH|1|db2')).to.match(/^OK: Returning health!\|mysqld=stopped,answering=0,/);
    const r = await cl().send('db2', writerStatus);
    expect(r.ok).to.equal(false);
    expect(r.message).to.match(/^Status not fully applied: failed: /);
    expect(r.message).to.include('catch up');
    expect(await vipsOf(db2)).to.not.include(cl().vips.writer); // never the VIP without a writable MySQL
    const sys = await cl().send('db2', 'GET_SYSTEM_STATUS|1|db2');
    expect(sys.ok).to.equal(false);
    expect(sys.message).to.match(/^Could not check if MySQL is writable/);
    const g = await cl().send('db2', 'GET_GTID|1|db2');
    expect(g.ok).to.equal(false);
    await cl().db.startNode('db2');
    expect(await readOnly(db2)).to.equal(true); // read_only=ON in my.cnf
    await ok('db2', writerStatus);
    expect(await readOnly(db2)).to.equal(false);
    expect(await vipsOf(db2)).to.include(cl().vips.writer);
    expect(await health('db2')).to.include({ mysqld: 'running', answering: true, writable: true });
  });

  it('writer lease: cut off from the monitor only, the writer keeps writing past the lease', async () => {
    const [db1, db2] = [n('db1'), n('db2')];
    // Writer back to db1 (planned switch), db3 stays on db2.
    await ok('db2', status('db2', 'ONLINE', reader(1), 'db1'));
    await ok('db1', status('db1', 'ONLINE', roles(reader(0), writer()), 'db1'));
    expect(await readOnly(db1)).to.equal(false);
    expect(await readOnly(db2)).to.equal(true);
    // The monitor goes quiet; the peer (db2) is reachable. Reads below use the unix socket.
    const until = Date.now() + (WRITER_LEASE_S + 3) * 1000;
    while (Date.now() < until) {
      expect(await readOnly(db1)).to.equal(false);
      await sleep(250);
    }
    expect(await vipsOf(db1)).to.include(cl().vips.writer);
    // A control certificate does not renew the lease: it shows the lease has run out.
    expect(await health('db1', 'control')).to.include({ lease: 'expired', writable: true });
  });

  it('writer lease: cut off from monitor and peer (link down), the writer fences itself: read_only=1, VIP gone', async () => {
    const db1 = n('db1');
    expect(decodeAgentReply(await cl().sendRaw('db1', 'PING|1|db1')).ok).to.equal(true); // renews the lease
    const renewedAt = Date.now();
    await setLink(db1, 'down');
    linksDown.add(db1);
    const wentDown = Date.now();
    await waitFor('db1 fencing itself (read_only=1)', async () => readOnly(db1), { timeoutMs: (WRITER_LEASE_S + 10) * 1000, intervalMs: 50 });
    const fencedAt = Date.now();
    await waitFor('db1 dropping the writer VIP', async () => !(await vipsOf(db1)).includes(cl().vips.writer), { timeoutMs: 5_000, intervalMs: 50 });
    console.log(
      `      fenced ${fencedAt - renewedAt} ms after the last monitor command (${fencedAt - wentDown} ms after link down; writer_lease ${WRITER_LEASE_S} s); VIP gone ${Date.now() - renewedAt} ms`,
    );
    await setLink(db1, 'up');
    linksDown.delete(db1);
    // The fence is reported and holds against the re-assertion after a monitor connection…
    expect(await waitFor('db1 reachable again', async () => (await health('db1', 'control')).lease === 'fenced', { timeoutMs: 10_000, intervalMs: 200 })).to.equal(true);
    expect(decodeAgentReply(await cl().sendRaw('db1', 'PING|1|db1')).ok).to.equal(true);
    await sleep(300);
    expect(await readOnly(db1)).to.equal(true);
    expect(await vipsOf(db1)).to.not.include(cl().vips.writer);
    // …until the monitor gives the writer role again.
    await ok('db1', status('db1', 'ONLINE', roles(reader(0), writer()), 'db1'));
    expect(await readOnly(db1)).to.equal(false);
    expect(await vipsOf(db1)).to.include(cl().vips.writer);
    expect(await health('db1')).to.include({ lease: 'held', writable: true });
  });

  it('writer lease after an agent restart: an agent restarted on the writer (state UNKNOWN) still fences itself when cut off', async () => {
    const db1 = n('db1');
    await cl().stopAgent('db1');
    await cl().startAgent('db1');
    expect(await cl().sendRaw('db1', 'GET_AGENT_STATUS|1|db1')).to.match(/^OK: Returning status!\|UNKNOWN\|\|\|UP:/);
    expect(await readOnly(db1)).to.equal(false); // the restart itself changes nothing
    expect(await health('db1', 'control')).to.include({ lease: 'held' });
    await setLink(db1, 'down');
    linksDown.add(db1);
    const wentDown = Date.now();
    await waitFor('the restarted db1 agent fencing itself', async () => readOnly(db1), { timeoutMs: (WRITER_LEASE_S + 10) * 1000, intervalMs: 50 });
    console.log(`      restarted agent fenced ${Date.now() - wentDown} ms after link down`);
    await waitFor('db1 dropping the writer VIP', async () => !(await vipsOf(db1)).includes(cl().vips.writer), { timeoutMs: 5_000, intervalMs: 50 });
    await setLink(db1, 'up');
    linksDown.delete(db1);
    await waitFor('db1 reachable again', async () => (await cl().send('db1', 'PING|1|db1')).ok, { timeoutMs: 10_000, intervalMs: 200 });
    await ok('db1', status('db1', 'ONLINE', roles(reader(0), writer()), 'db1'));
    expect(await readOnly(db1)).to.equal(false);
  });

  it('after an agent restart GET_AGENT_STATUS is UNKNOWN while GET_SYSTEM_STATUS still shows what is on the node', async () => {
    const db3 = n('db3');
    const old = cl().agents.get('db3')!.pid;
    await cl().stopAgent('db3');
    const p = await cl().startAgent('db3');
    expect(p.pid).to.not.equal(old);
    expect(await cl().sendRaw('db3', 'GET_AGENT_STATUS|1|db3')).to.match(/^OK: Returning status!\|UNKNOWN\|\|\|UP:/);
    const s = parseSystemStatus(await cl().send('db3', 'GET_SYSTEM_STATUS|1|db3'));
    expect(s).to.deep.equal({ writable: false, roles: [{ name: 'reader', ip: cl().vips.readers[2] }], masterIp: n('db2').ip });
    expect(await vipsOf(db3)).to.deep.equal([cl().vips.readers[2]]);
  });

  it('WATCH_HEALTH: kill -9 of the writer\'s mysqld answers the standing request before its bound: stopped, the writer VIP already gone', async () => {
    const db1 = n('db1');
    await ok('db1', status('db1', 'ONLINE', roles(reader(0), writer()), 'db1'));
    const conn = await cl().open('db1');
    try {
      const first = parseWatchHealthReply(decodeAgentReply(await conn.request('WATCH_HEALTH|1|db1|0|30000', 10_000)));
      expect(first.health).to.include({ mysqld: 'running', answering: true, writable: true });
      // the log of the running agent process (the file is appended to across restarts)
      const current = (): string => cl().logTail('db1', 100_000).split(/listening on/).at(-1) ?? '';
      const closedLines = (): number => (current().match(/sentinel session to the local server closed/g) ?? []).length;
      await waitFor('the db1 agent holding its sentinel session', async () => /sentinel session open/.test(current()), { timeoutMs: 10_000, intervalMs: 100 });
      const closedBefore = closedLines();
      // as the monitor does: pass each answer's generation until one comes back unchanged (the
      // writer status just applied may still be settling: an answer names the generation it is
      // at least as new as, so the next request may return at once)
      let generation = first.generation;
      for (let i = 0; i < 20; i++) {
        const again = parseWatchHealthReply(decodeAgentReply(await conn.request(`WATCH_HEALTH|1|db1|${generation}|200`, 5_000)));
        if (again.generation === generation) break;
        generation = again.generation;
      }
      const BOUND_MS = 30_000;
      let answered = false;
      const pending = conn.request(`WATCH_HEALTH|1|db1|${generation}|${BOUND_MS}`, BOUND_MS + 5_000).finally(() => (answered = true));
      await sleep(300);
      expect(answered, 'the request stands while nothing changes').to.equal(false);
      const t0 = Date.now();
      await cl().db.stopNode('db1', { kill: true });
      const reply = decodeAgentReply(await pending);
      const ms = Date.now() - t0;
      const pushed = parseWatchHealthReply(reply);
      console.log(`      pushed reply ${ms} ms after kill -9 (bound ${BOUND_MS} ms): ${reply.fields[0]}`);
      expect(pushed.generation, 'answered by a change, not at the bound').to.not.equal(generation);
      expect(pushed.health).to.include({ mysqld: 'stopped', answering: false });
      expect(await vipsOf(db1), 'the writer VIP went before the agent said stopped').to.not.include(cl().vips.writer);
      expect(closedLines(), 'seen through the sentinel session, not at the next health period').to.be.above(closedBefore);
    } finally {
      conn.destroy();
      await cl().db.startNode('db1');
    }
    await ok('db1', status('db1', 'ONLINE', roles(reader(0), writer()), 'db1'));
    expect(await readOnly(db1)).to.equal(false);
  });
});
