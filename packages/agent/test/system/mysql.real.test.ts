// system/mysql.ts against a real, throw-away MariaDB 10.11.
import { expect } from 'chai';
import * as mysql from 'mysql2/promise';
import { Mysql2LocalMysql } from '../../src/system/mysql';
import { probeAny, probeMysql } from '../../src/system/peer-probe';
import { type TestMariadb, freePort, mariadbAvailable, sleep, startMariadb } from '../helpers/mariadb';

describe('system/mysql against real MariaDB', function () {
  this.timeout(60_000);
  let db: TestMariadb | undefined;
  let agent: Mysql2LocalMysql;

  before(async function () {
    const why = mariadbAvailable();
    if (why) {
      console.log(`    skipped: ${why}`);
      return this.skip();
    }
    db = await startMariadb(7);
    await db.sql(`CREATE USER 'mmm_agent'@'127.0.0.1' IDENTIFIED BY 'agentpw'`);
    await db.sql(`CREATE USER 'mmm_agent'@'localhost' IDENTIFIED BY 'agentpw'`);
    for (const h of ['127.0.0.1', 'localhost']) {
      await db.sql(
        `GRANT SUPER, REPLICATION CLIENT, REPLICATION SLAVE ADMIN, READ_ONLY ADMIN, BINLOG MONITOR, SLAVE MONITOR, PROCESS, CONNECTION ADMIN, RELOAD ON *.* TO 'mmm_agent'@'${h}'`,
      );
    }
    // An application user: no SUPER, no READ_ONLY ADMIN, so read_only stops it.
    await db.sql(`CREATE DATABASE app`);
    await db.sql(`CREATE TABLE app.t (id INT PRIMARY KEY)`);
    await db.sql(`CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'apppw'`);
    await db.sql(`GRANT ALL ON app.* TO 'app'@'127.0.0.1'`);
    agent = new Mysql2LocalMysql({ host: '127.0.0.1', port: db.port, user: 'mmm_agent', password: 'agentpw', connectTimeoutMs: 2000, queryTimeoutMs: 5000, pollMs: 100 });
  });

  after(async () => {
    await db?.stop();
  });

  const app = () => mysql.createConnection({ host: '127.0.0.1', port: db!.port, user: 'app', password: 'apppw', connectTimeout: 2000 });

  it('detects MariaDB and answers', async () => {
    expect(await agent.flavor()).to.equal('mariadb');
    expect(await agent.isAnswering()).to.equal(true);
  });

  it('read_only set/get, and it stops an application user', async () => {
    expect(await agent.getReadOnly()).to.equal(true); // read_only=ON in my.cnf
    await agent.setReadOnly(false);
    expect(await agent.getReadOnly()).to.equal(false);
    const c = await app();
    try {
      await c.query('INSERT INTO app.t VALUES (1)');
      await agent.setReadOnly(true);
      expect(await agent.getReadOnly()).to.equal(true);
      let err: { errno?: number } | undefined;
      await c.query('INSERT INTO app.t VALUES (2)').catch((e) => (err = e));
      expect(err?.errno).to.equal(1290); // --read-only
    } finally {
      c.destroy();
    }
  });

  it('ends application connections, keeps its own and the agent user', async () => {
    const c = await app();
    const other = await mysql.createConnection({ host: '127.0.0.1', port: db!.port, user: 'mmm_agent', password: 'agentpw' });
    let closed = false;
    c.on('error', () => (closed = true));
    try {
      const [[{ id }]] = (await c.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
      const n = await agent.endClientConnections();
      expect(n).to.be.greaterThanOrEqual(1);
      const ids = (await db!.sql('SELECT ID AS id FROM information_schema.PROCESSLIST')) as { id: number }[];
      expect(ids.map((r) => Number(r.id))).to.not.include(Number(id));
      let err: unknown;
      await c.query('SELECT 1').catch((e) => (err = e));
      expect(err ?? closed).to.be.ok;
      await other.query('SELECT 1'); // the agent user's other session survived
    } finally {
      c.destroy();
      other.destroy();
    }
  });

  it('excluded connection ids survive', async () => {
    const c = await app();
    try {
      const [[{ id }]] = (await c.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
      await agent.endClientConnections([Number(id)]);
      await c.query('SELECT 1');
    } finally {
      c.destroy();
    }
  });

  it('reads GTID positions and waits for an executed GTID', async () => {
    await agent.setReadOnly(false);
    await db!.sql('INSERT INTO app.t VALUES (10)');
    await agent.setReadOnly(true);
    const p = await agent.gtidPositions();
    expect(p.flavor).to.equal('mariadb');
    expect(p.binlogPos).to.match(/^0-7-\d+$/);
    expect(p.own).to.equal(p.binlogPos);
    expect(p.currentPos).to.equal(p.binlogPos);
    expect(p.binlogState).to.include(p.binlogPos); // one entry per domain and server_id
    expect(p.serverId).to.equal('7');
    await agent.waitGtid(p.binlogPos, 1000); // own writes count (gtid_current_pos)
    await agent.waitGtid('', 1000);
  });

  it('waitGtid is bounded: a GTID never executed times out with code TIMEOUT', async () => {
    const t0 = Date.now();
    let err: { code?: string } | undefined;
    await agent.waitGtid('0-7-999999', 600).catch((e) => (err = e));
    expect(err?.code).to.equal('TIMEOUT');
    expect(Date.now() - t0).to.be.lessThan(5000);
  });

  it('catch-up without replication: nothing to wait for', async () => {
    expect(await agent.slaveStatus()).to.equal(undefined);
    expect(await agent.catchUp(500)).to.equal('no_replication');
  });

  it('re-points to a (silent) source with GTID, reads slave status, stops and starts', async () => {
    const deadPort = await freePort();
    await agent.repoint({ host: '127.0.0.1', port: deadPort, user: 'repl', password: "it's" }, 1000);
    let s = await agent.slaveStatus();
    expect(s).to.include({ masterHost: '127.0.0.1', masterPort: deadPort, usingGtid: 'Slave_Pos' });
    expect(s?.heartbeatPeriod).to.equal(1);
    for (let i = 0; i < 40 && s?.ioRunning !== 'Connecting'; i++) {
      await sleep(50);
      s = await agent.slaveStatus();
    }
    expect(s?.ioRunning).to.equal('Connecting');
    expect(await agent.catchUp(500)).to.equal('caught_up'); // nothing received
    await agent.stopSlave();
    expect((await agent.slaveStatus())?.ioRunning).to.equal('No');
    await agent.startSlave();
    await agent.stopSlave();
    await agent.repoint({ host: '127.0.0.1', port: deadPort + 0, user: 'repl', password: 'x' }, 500); // configured: stop IO, catch up, change
    await agent.stopSlave();
  });

  it('peer probe: the MySQL greeting counts, a closed port does not (bounded)', async () => {
    expect(await probeMysql({ host: '127.0.0.1', port: db!.port }, 1000)).to.equal(true);
    const closed = await freePort();
    expect(await probeMysql({ host: '127.0.0.1', port: closed }, 1000)).to.equal(false);
    expect(await probeAny([{ host: '127.0.0.1', port: closed }, { host: '127.0.0.1', port: db!.port }], 1000)).to.equal(true);
    expect(await probeAny([], 1000)).to.equal(false);
  });

  const globalStatus = async (name: string): Promise<number> =>
    Number(((await db!.sql(`SHOW GLOBAL STATUS LIKE '${name}'`)) as { Value: string }[])[0].Value);
  // the agent user's sessions, without those of the shared `agent` above (it keeps one too)
  const agentThreads = async (): Promise<number[]> => {
    await agent.close();
    return ((await db!.sql(`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = 'mmm_agent'`)) as { id: number }[]).map((r) => Number(r.id));
  };

  it('keeps its connections: 30 reads (3 at a time, as the health loop does) open at most 4, and none is aborted', async () => {
    const a = new Mysql2LocalMysql({ host: '127.0.0.1', port: db!.port, user: 'mmm_agent', password: 'agentpw' });
    const [conns0, aborted0] = [await globalStatus('Connections'), await globalStatus('Aborted_clients')];
    try {
      for (let i = 0; i < 10; i++) await Promise.all([a.isAnswering(), a.getReadOnly(), a.slaveStatus()]);
      expect(await globalStatus('Connections') - conns0).to.be.within(1, 4 + 2); // + the two SHOW GLOBAL STATUS of this test
    } finally {
      await a.close();
    }
    // closed with COM_QUIT: the server counts no aborted client and logs no "Aborted connection"
    for (let i = 0; i < 20 && (await agentThreads()).length > 0; i++) await sleep(50);
    expect(await agentThreads()).to.deep.equal([]);
    expect(await globalStatus('Aborted_clients')).to.equal(aborted0);
  });

  it('a kept connection the server killed is replaced without an error', async () => {
    const a = new Mysql2LocalMysql({ host: '127.0.0.1', port: db!.port, user: 'mmm_agent', password: 'agentpw' });
    try {
      expect(await a.getReadOnly()).to.equal(true);
      const kept = await agentThreads();
      expect(kept).to.have.length(1);
      await db!.sql(`KILL ${kept[0]}`);
      await sleep(100);
      expect(await a.isAnswering()).to.equal(true);
      expect(await a.getReadOnly()).to.equal(true);
      expect(await agentThreads()).to.not.include(kept[0]);
    } finally {
      await a.close();
    }
  });

  it('a kept connection to a server that stops answering (SIGSTOP) fails within the connect bound, and recovers on SIGCONT', async () => {
    const a = new Mysql2LocalMysql({ host: '127.0.0.1', port: db!.port, user: 'mmm_agent', password: 'agentpw', connectTimeoutMs: 500 });
    try {
      expect(await a.isAnswering()).to.equal(true); // a connection is kept now
      process.kill(db!.pid!, 'SIGSTOP');
      let t0 = Date.now();
      try {
        expect(await a.isAnswering()).to.equal(false);
        expect(Date.now() - t0).to.be.lessThan(2000);
        t0 = Date.now();
        let err: { code?: string } | undefined;
        await a.getReadOnly().catch((e) => (err = e)); // no kept connection left: a new one, same bound
        expect(err?.code).to.equal('TIMEOUT');
        expect(Date.now() - t0).to.be.lessThan(2000);
      } finally {
        process.kill(db!.pid!, 'SIGCONT');
      }
      expect(await a.isAnswering()).to.equal(true);
    } finally {
      await a.close();
    }
  });

  it('isAnswering is false (and bounded) when nothing listens', async () => {
    const nobody = new Mysql2LocalMysql({ host: '127.0.0.1', port: await freePort(), user: 'x', connectTimeoutMs: 500 });
    expect(await nobody.isAnswering()).to.equal(false);
    let err: { code?: string } | undefined;
    await nobody.getReadOnly().catch((e) => (err = e));
    expect(err?.code).to.equal('MYSQL');
  });
});
