// mysql, rep_threads and rep_backlog against one real throw-away MariaDB.
import { expect } from 'chai';
import * as mysql from 'mysql2/promise';
import type { HostConfig } from '@mmm/common';
import { MysqlSessions, makeMysqlCheck, makeRepBacklogCheck, makeRepThreadsCheck } from '../../src/checks';
import { checkConfig, hostConfig } from './fixtures';
import { TestMariadb, freePort, mariadbMissing, sleep } from './mariadb-harness';

describe('checks against a real MariaDB', function () {
  this.timeout(120000);
  let db: TestMariadb | undefined;
  let sessions: MysqlSessions;
  let host: HostConfig;
  const mysqlCheck = checkConfig('mysql', { timeout: 2 });
  const threadsCheck = checkConfig('rep_threads', { timeout: 2 });
  const backlogCheck = checkConfig('rep_backlog', { timeout: 2, maxBacklog: 60 });

  before(async function () {
    const missing = mariadbMissing();
    if (missing) {
      console.log(`    skipped: ${missing}`);
      this.skip();
    }
    db = await TestMariadb.start();
    await db.query(`CREATE USER 'mmm_monitor'@'127.0.0.1' IDENTIFIED BY 'monpw'`);
    await db.query(`GRANT REPLICATION CLIENT, SLAVE MONITOR ON *.* TO 'mmm_monitor'@'127.0.0.1'`);
    await db.query(`CREATE USER 'nopriv'@'127.0.0.1' IDENTIFIED BY 'nopw'`);
    host = hostConfig({ mysqlPort: db.port, monitorUser: 'mmm_monitor', monitorPassword: 'monpw' });
  });

  beforeEach(() => {
    sessions = new MysqlSessions();
  });

  afterEach(() => sessions.close());

  after(async () => {
    await db?.stop();
  });

  async function slaveStatus(): Promise<Record<string, unknown> | undefined> {
    const rows = await db!.query<Record<string, unknown>[]>('SHOW SLAVE STATUS');
    return rows[0];
  }

  it('mysql: OK for the monitor user', async () => {
    expect(await makeMysqlCheck(sessions)(host, mysqlCheck)).to.deep.equal({ status: 'OK', message: 'OK' });
  });

  it('mysql: a wrong password is ERROR with MMM text; rep_threads calls it UNKNOWN', async () => {
    const bad = { ...host, monitorPassword: 'wrong' };
    const m = await makeMysqlCheck(sessions)(bad, mysqlCheck);
    expect(m.status).to.equal('ERROR');
    expect(m.message).to.match(/^ERROR: Connect error \(host = 127\.0\.0\.1:\d+, user = mmm_monitor\)! Access denied/);
    const t = await makeRepThreadsCheck(sessions)(bad, threadsCheck);
    expect(t.status).to.equal('UNKNOWN');
    expect(t.message).to.match(/^UNKNOWN: Connect error/);
  });

  it('reuses one connection per host and recovers when it is killed', async () => {
    const check = makeMysqlCheck(sessions);
    const threads = makeRepThreadsCheck(sessions);
    for (let i = 0; i < 5; i++) {
      expect((await check(host, mysqlCheck)).status).to.equal('OK');
      await threads(host, threadsCheck);
    }
    expect(sessions.stats().connects).to.equal(1);
    const ids = await db!.query<{ ID: number }[]>(
      `SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'mmm_monitor'`,
    );
    expect(ids).to.have.length(1);
    await db!.query(`KILL ${ids[0]!.ID}`);
    await sleep(50);
    expect(await check(host, mysqlCheck)).to.deep.equal({ status: 'OK', message: 'OK' });
    expect(sessions.stats().connects).to.equal(2);
  });

  it('close() ends the kept connection with COM_QUIT: the server counts no aborted client', async () => {
    const aborted = async (): Promise<number> =>
      Number((await db!.query<{ Value: string }[]>(`SHOW GLOBAL STATUS LIKE 'Aborted_clients'`))[0]!.Value);
    const before = await aborted();
    expect((await makeMysqlCheck(sessions)(host, mysqlCheck)).status).to.equal('OK');
    await sessions.close();
    let left = 1;
    for (let i = 0; i < 20 && left > 0; i++) {
      await sleep(50);
      left = (await db!.query<unknown[]>(`SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'mmm_monitor'`)).length;
    }
    expect(left).to.equal(0);
    expect(await aborted()).to.equal(before);
  });

  it('rep_threads / rep_backlog: no replication is "not set up" / no backlog', async () => {
    expect(await slaveStatus()).to.equal(undefined);
    expect(await makeRepThreadsCheck(sessions)(host, threadsCheck)).to.deep.equal({
      status: 'ERROR',
      message: 'ERROR: Replication is not set up',
    });
    expect((await makeRepBacklogCheck(sessions)(host, backlogCheck)).status).to.equal('OK');
  });

  it('rep_threads: missing privilege is ERROR naming the privilege MariaDB wants and the account it matched', async () => {
    const nopriv = { ...host, monitorUser: 'nopriv', monitorPassword: 'nopw' };
    const r = await makeRepThreadsCheck(sessions)(nopriv, threadsCheck);
    expect(r.status).to.equal('ERROR');
    expect(r.message).to.equal(
      "ERROR: Insufficient privileges! GRANT SLAVE MONITOR ON *.* TO 'nopriv'@'127.0.0.1'; " +
        '(SHOW SLAVE STATUS: Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s) for this operation)',
    );
    expect(r.cause).to.include({ kind: 'missing_privilege', account: 'monitor', privilege: 'SLAVE MONITOR', grantee: "'nopriv'@'127.0.0.1'", errno: 1227 });
    // the backlog check read nothing: no lag to report
    const b = await makeRepBacklogCheck(sessions)(nopriv, backlogCheck);
    expect(b.cause?.privilege).to.equal('SLAVE MONITOR');
    expect(b).to.not.have.property('lagSeconds');
  });

  it('a GRANT takes effect at the next check: the refused session is closed, the next one has the privilege', async () => {
    await db!.query(`CREATE USER 'mon_rc'@'127.0.0.1' IDENTIFIED BY 'rcpw'`);
    await db!.query(`GRANT REPLICATION CLIENT ON *.* TO 'mon_rc'@'127.0.0.1'`); // MMM 2.x's advice: not enough on 10.5+
    const weak = { ...host, monitorUser: 'mon_rc', monitorPassword: 'rcpw' };
    const threads = makeRepThreadsCheck(sessions);
    const refused = await threads(weak, threadsCheck);
    expect(refused.cause?.privilege).to.equal('SLAVE MONITOR');
    expect((await makeMysqlCheck(sessions)(weak, mysqlCheck)).status).to.equal('OK'); // the account itself works
    const before = sessions.stats().connects;
    await db!.query(`GRANT SLAVE MONITOR ON *.* TO 'mon_rc'@'127.0.0.1'`);
    const after = await threads(weak, threadsCheck);
    expect(after).to.deep.equal({ status: 'ERROR', message: 'ERROR: Replication is not set up' }); // read, not refused
    expect(sessions.stats().connects).to.equal(before + 1);
    expect(await makeRepBacklogCheck(sessions)(weak, backlogCheck)).to.deep.include({ status: 'OK', lagSeconds: null });
  });

  it('mysql: a refused login carries the cause; the right password works at the next check', async () => {
    await db!.query(`CREATE USER 'mon_pw'@'127.0.0.1' IDENTIFIED BY 'old'`);
    await db!.query(`GRANT SLAVE MONITOR ON *.* TO 'mon_pw'@'127.0.0.1'`);
    const h = { ...host, monitorUser: 'mon_pw', monitorPassword: 'new' };
    const check = makeMysqlCheck(sessions);
    const r = await check(h, mysqlCheck);
    expect(r.status).to.equal('ERROR');
    expect(r.cause).to.include({ kind: 'login_denied', grantee: "'mon_pw'@'127.0.0.1'", errno: 1045 });
    await db!.query(`ALTER USER 'mon_pw'@'127.0.0.1' IDENTIFIED BY 'new'`);
    expect(await check(h, mysqlCheck)).to.deep.equal({ status: 'OK', message: 'OK' });
  });

  it('IO thread Connecting to a dead master: threads OK, backlog UNKNOWN', async () => {
    const deadPort = await freePort();
    await db!.query(
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${deadPort}, MASTER_USER='repl', MASTER_PASSWORD='x', MASTER_CONNECT_RETRY=1`,
    );
    await db!.query('START SLAVE');
    let s: Record<string, unknown> | undefined;
    for (let i = 0; i < 100; i++) {
      s = await slaveStatus();
      if (s?.Slave_IO_Running === 'Connecting' && s?.Slave_SQL_Running === 'Yes') break;
      await sleep(50);
    }
    expect(s?.Slave_IO_Running).to.equal('Connecting');
    const t = await makeRepThreadsCheck(sessions)(host, threadsCheck);
    expect(t.status).to.equal('OK');
    expect(t.message).to.match(/^OK: IO thread is connecting/);
    const b = await makeRepBacklogCheck(sessions)(host, backlogCheck);
    expect(b.status).to.equal('UNKNOWN');
    expect(b.message).to.match(/^UNKNOWN: Backlog is unknown/);
  });

  it('STOP SLAVE: threads "broken", backlog ERROR (not MMM\'s "Backlog is null")', async () => {
    await db!.query('STOP SLAVE');
    const s = await slaveStatus();
    expect([s?.Slave_IO_Running, s?.Slave_SQL_Running, s?.Seconds_Behind_Master]).to.deep.equal(['No', 'No', null]);
    expect(await makeRepThreadsCheck(sessions)(host, threadsCheck)).to.deep.equal({
      status: 'ERROR',
      message: 'ERROR: Replication is broken',
    });
    const b = await makeRepBacklogCheck(sessions)(host, backlogCheck);
    expect(b.status).to.equal('ERROR');
    expect(b.message).to.match(/^ERROR: Backlog is unknown: replication is stopped/);
  });

  it('mysql: "Too many connections" (1040) is UNKNOWN', async () => {
    // max_connections cannot go below 10: fill the server with other clients until it says 1040.
    await db!.query('SET GLOBAL max_connections = 10');
    const held: mysql.Connection[] = [];
    try {
      for (let i = 0; i < 30; i++) {
        try {
          held.push(await mysql.createConnection({ host: '127.0.0.1', port: db!.port, user: 'nopriv', password: 'nopw' }));
        } catch (e) {
          expect((e as { errno?: number }).errno).to.equal(1040);
          break;
        }
      }
      const r = await makeMysqlCheck(sessions)(host, mysqlCheck);
      expect(r.status).to.equal('UNKNOWN');
      expect(r.message).to.match(/^UNKNOWN: Too many connections!/);
    } finally {
      for (const c of held) c.destroy();
      await db!.query('SET GLOBAL max_connections = 50');
    }
  });
});
