// docs/accounts.md, proved on real MariaDB 10.11: each account is created with exactly the
// privileges the accounts table lists, runs what its daemon runs (the monitor's check functions,
// the agent's Mysql2LocalMysql, a replica's IO thread, an application's DML), and fails the step
// that needs a privilege once that privilege is revoked. Also: a GRANT reaches the monitor's next
// check, and the agent's next operation, without a restart.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { type CheckConfig, DEFAULTS, type HostConfig, grantList } from '@mmm/common';
import { Mysql2LocalMysql } from '../../packages/agent/src/system/mysql';
import { MysqlSessions, makeMysqlCheck, makeRepBacklogCheck, makeRepThreadsCheck } from '../../packages/monitor/src/checks';
import {
  type DbCluster,
  type DbNode,
  TEST_SCHEMA,
  changeMasterStatements,
  findBinary,
  query,
  queries,
  slaveStatus,
  startDbCluster,
  waitFor,
} from '../../packages/sandbox/src';

const PW = { monitor: 'acct-mon-pw', agent: 'acct-agent-pw', repl: 'acct-repl-pw', app: 'acct-app-pw' };
const check = (name: CheckConfig['name']): CheckConfig => ({ name, ...DEFAULTS.check, timeout: 3 });

/** Runs statements as root on every node without binlogging them (accounts stay per node). */
async function onEvery(nodes: readonly DbNode[], statements: string[]): Promise<void> {
  await Promise.all(nodes.map((n) => queries(n, ['SET SESSION sql_log_bin = 0', ...statements])));
}

const errnoOf = async (p: Promise<unknown>): Promise<number | undefined> => {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { errno?: number }).errno ?? -1;
  }
};

describe('MySQL accounts with exactly the documented privileges (real MariaDB 10.11)', function () {
  this.timeout(180_000);
  let dir = '';
  let cl: DbCluster | undefined;
  const node = (n: string): DbNode => cl!.node(n);

  before(async function () {
    try {
      findBinary('mariadbd');
    } catch (e) {
      console.log(`    skipped: ${(e as Error).message}`);
      return this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'mmm-accounts-'));
    cl = await startDbCluster({ dir: join(dir, 'db'), replicas: 1 });
    await onEvery(cl.nodes, [
      `CREATE USER 'acct_mon'@'%' IDENTIFIED BY '${PW.monitor}'`,
      `GRANT ${grantList('monitor', 'mariadb').join(', ')} ON *.* TO 'acct_mon'@'%'`,
      `CREATE USER 'acct_agent'@'%' IDENTIFIED BY '${PW.agent}'`,
      `GRANT ${grantList('agent', 'mariadb').join(', ')} ON *.* TO 'acct_agent'@'%'`,
      `CREATE USER 'acct_repl'@'%' IDENTIFIED BY '${PW.repl}'`,
      `GRANT ${grantList('replication', 'mariadb').join(', ')} ON *.* TO 'acct_repl'@'%'`,
      `CREATE USER 'acct_app'@'%' IDENTIFIED BY '${PW.app}'`,
      `GRANT ${grantList('application', 'mariadb').join(', ')} ON \`${TEST_SCHEMA}\`.* TO 'acct_app'@'%'`,
    ]);
    await query(node('db1'), `CREATE TABLE IF NOT EXISTS ${TEST_SCHEMA}.acct_t (id INT PRIMARY KEY AUTO_INCREMENT, note VARCHAR(40))`);
  });

  after(async () => {
    await cl?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('monitor: GRANT SLAVE MONITOR', () => {
    const hostOf = (n: DbNode, user = 'acct_mon', password = PW.monitor): HostConfig => ({
      name: n.name, ip: n.ip, mode: n.mode, agentPort: 9989, mysqlPort: n.port, monitorUser: user, monitorPassword: password,
    });

    it('runs all three MySQL checks on a replica and on a master (db1 replicates from db2)', async () => {
      const sessions = new MysqlSessions();
      try {
        for (const n of [node('db3'), node('db1')]) {
          expect(await makeMysqlCheck(sessions)(hostOf(n), check('mysql')), n.name).to.deep.equal({ status: 'OK', message: 'OK' });
          expect(await makeRepThreadsCheck(sessions)(hostOf(n), check('rep_threads')), n.name).to.deep.equal({ status: 'OK', message: 'OK' });
          const b = await makeRepBacklogCheck(sessions)(hostOf(n), check('rep_backlog'));
          expect(b, n.name).to.deep.include({ status: 'OK', lagSeconds: 0 });
        }
      } finally {
        await sessions.close();
      }
    });

    it('REPLICATION CLIENT alone (MMM 2.x\'s advice) is refused; the GRANT takes effect at the next check, same sessions, no restart', async () => {
      const db3 = node('db3');
      await onEvery([db3], [`CREATE USER 'acct_mon_rc'@'%' IDENTIFIED BY 'rc-pw'`, `GRANT REPLICATION CLIENT ON *.* TO 'acct_mon_rc'@'%'`]);
      const sessions = new MysqlSessions();
      try {
        const h = hostOf(db3, 'acct_mon_rc', 'rc-pw');
        const threads = makeRepThreadsCheck(sessions);
        const backlog = makeRepBacklogCheck(sessions);
        const r = await threads(h, check('rep_threads'));
        expect(r.status).to.equal('ERROR');
        expect(r.message).to.match(/^ERROR: Insufficient privileges! GRANT SLAVE MONITOR ON \*\.\* TO 'acct_mon_rc'@'%'; \(SHOW SLAVE STATUS: Access denied/);
        expect(r.cause).to.include({ privilege: 'SLAVE MONITOR', grantee: "'acct_mon_rc'@'%'", errno: 1227 });
        const b = await backlog(h, check('rep_backlog'));
        expect(b.status).to.equal('ERROR');
        expect(b).to.not.have.property('lagSeconds'); // unknown, not 0
        // the mysql check keeps a session of its own opened before the GRANT: it must not be reused for replication
        expect((await makeMysqlCheck(sessions)(h, check('mysql'))).status).to.equal('OK');
        await onEvery([db3], [`GRANT SLAVE MONITOR ON *.* TO 'acct_mon_rc'@'%'`]);
        expect(await threads(h, check('rep_threads'))).to.deep.equal({ status: 'OK', message: 'OK' });
        expect(await backlog(h, check('rep_backlog'))).to.deep.include({ status: 'OK', lagSeconds: 0 });
      } finally {
        await sessions.close();
      }
    });

    it('without SLAVE MONITOR the replication checks fail, the mysql check does not', async () => {
      const db3 = node('db3');
      await onEvery([db3], [`REVOKE SLAVE MONITOR ON *.* FROM 'acct_mon'@'%'`]);
      const sessions = new MysqlSessions();
      try {
        expect((await makeMysqlCheck(sessions)(hostOf(db3), check('mysql'))).status).to.equal('OK');
        expect((await makeRepThreadsCheck(sessions)(hostOf(db3), check('rep_threads'))).cause?.privilege).to.equal('SLAVE MONITOR');
      } finally {
        await sessions.close();
        await onEvery([db3], [`GRANT SLAVE MONITOR ON *.* TO 'acct_mon'@'%'`]);
      }
    });
  });

  describe('agent: GRANT READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, SLAVE MONITOR, REPLICATION SLAVE ADMIN', () => {
    const agents: Mysql2LocalMysql[] = [];
    const apps: mysql.Connection[] = [];
    /** A fresh agent connection pool: a revoked privilege is still held by sessions opened before. */
    const agentOn = (n: DbNode): Mysql2LocalMysql => {
      const a = new Mysql2LocalMysql({ host: n.ip, port: n.port, user: 'acct_agent', password: PW.agent, pollMs: 50 });
      agents.push(a);
      return a;
    };
    const appOn = async (n: DbNode): Promise<mysql.Connection> => {
      const c = await mysql.createConnection({ host: n.ip, port: n.port, user: 'acct_app', password: PW.app, database: TEST_SCHEMA });
      c.on('error', () => undefined);
      apps.push(c);
      return c;
    };
    const alive = async (c: mysql.Connection): Promise<boolean> => (await errnoOf(c.query('SELECT 1'))) === undefined;

    afterEach(async () => {
      for (const a of agents.splice(0)) await a.close?.();
      for (const c of apps.splice(0)) c.destroy();
    });

    it('runs every agent operation on a replica', async () => {
      const db3 = node('db3');
      const db1 = node('db1');
      const a = agentOn(db3);
      expect(await a.getReadOnly()).to.equal(true);
      await a.setReadOnly(false);
      await a.setReadOnly(true);
      const app = await appOn(db3);
      expect(await a.endClientConnections()).to.be.greaterThan(0);
      await waitFor('the app connection to be ended', async () => !(await alive(app)), { timeoutMs: 5000 });
      expect((await a.slaveStatus())?.ioRunning).to.equal('Yes');
      const pos = await a.gtidPositions();
      await a.waitGtid(pos.currentPos, 5000);
      expect(await a.catchUp(5000)).to.equal('caught_up');
      await a.stopSlave();
      await a.startSlave();
      const repl = cl!.credentials.replication;
      await a.repoint({ host: db1.ip, port: db1.port, user: repl.user, password: repl.password }, 5000);
      expect((await slaveStatus(db3))?.Slave_IO_Running).to.equal('Yes');
    });

    const revokedRows: Array<[string, string, (a: Mysql2LocalMysql, db3: DbNode) => Promise<void>]> = [
      ['READ_ONLY ADMIN', 'SET GLOBAL read_only is refused', async (a) => void expect(await errnoOf(a.setReadOnly(true))).to.equal(1227)],
      ['SLAVE MONITOR', 'SHOW ALL SLAVES STATUS is refused', async (a) => void expect(await errnoOf(a.slaveStatus())).to.equal(1227)],
      ['REPLICATION SLAVE ADMIN', 'STOP SLAVE is refused', async (a) => void expect(await errnoOf(a.stopSlave())).to.equal(1227)],
      [
        'CONNECTION ADMIN',
        'KILL of the application\'s connection is refused (not owner of thread)',
        async (a, db3) => {
          const app = await appOn(db3);
          expect(await errnoOf(a.endClientConnections())).to.equal(1095);
          expect(await alive(app)).to.equal(true);
        },
      ],
      [
        'PROCESS',
        'no error at all: the processlist shows only the agent\'s own sessions, nothing is ended',
        async (a, db3) => {
          const app = await appOn(db3);
          expect(await a.endClientConnections()).to.equal(0);
          expect(await alive(app)).to.equal(true);
        },
      ],
    ];
    for (const [privilege, effect, assert] of revokedRows) {
      it(`without ${privilege}: ${effect}`, async () => {
        const db3 = node('db3');
        await onEvery([db3], [`REVOKE ${privilege} ON *.* FROM 'acct_agent'@'%'`]);
        try {
          await assert(agentOn(db3), db3);
        } finally {
          await onEvery([db3], [`GRANT ${privilege} ON *.* TO 'acct_agent'@'%'`]);
        }
      });
    }

    it('a GRANT made after a refusal takes effect at the agent\'s next operation (kept connections are dropped)', async () => {
      const db3 = node('db3');
      await onEvery([db3], [`REVOKE SLAVE MONITOR ON *.* FROM 'acct_agent'@'%'`]);
      const a = agentOn(db3);
      try {
        expect(await a.getReadOnly()).to.equal(true); // opens and keeps sessions without the privilege
        await Promise.all([a.getReadOnly(), a.getReadOnly(), a.getReadOnly()]);
        expect(await errnoOf(a.slaveStatus())).to.equal(1227);
      } finally {
        await onEvery([db3], [`GRANT SLAVE MONITOR ON *.* TO 'acct_agent'@'%'`]);
      }
      expect((await a.slaveStatus())?.ioRunning).to.equal('Yes');
    });
  });

  describe('replication: GRANT REPLICATION SLAVE', () => {
    const useRepl = (db3: DbNode, db1: DbNode, user: string, password: string) => queries(db3, changeMasterStatements(db1, { user, password }));

    afterEach(async () => {
      await useRepl(node('db3'), node('db1'), cl!.credentials.replication.user, cl!.credentials.replication.password);
    });

    it('a replica\'s IO thread logs in with it and applies the master\'s writes', async () => {
      const [db1, db3] = [node('db1'), node('db3')];
      await useRepl(db3, db1, 'acct_repl', PW.repl);
      await waitFor('db3 IO thread connected as acct_repl', async () => (await slaveStatus(db3))?.Slave_IO_Running === 'Yes', { timeoutMs: 15_000 });
      expect((await slaveStatus(db3))?.Master_User).to.equal('acct_repl');
      await query(db1, `INSERT INTO ${TEST_SCHEMA}.acct_t (note) VALUES ('via acct_repl')`);
      await waitFor('the row on db3', async () => (await query(db3, `SELECT COUNT(*) AS n FROM ${TEST_SCHEMA}.acct_t WHERE note = 'via acct_repl'`))[0]?.n === 1, { timeoutMs: 15_000 });
    });

    it('without REPLICATION SLAVE the IO thread cannot read the binlog', async () => {
      const [db1, db3] = [node('db1'), node('db3')];
      await onEvery([db1], [`REVOKE REPLICATION SLAVE ON *.* FROM 'acct_repl'@'%'`]);
      try {
        await useRepl(db3, db1, 'acct_repl', PW.repl);
        const s = await waitFor('db3 IO thread refused', async () => {
          const r = await slaveStatus(db3);
          return r?.Last_IO_Errno ? r : undefined;
        }, { timeoutMs: 15_000 });
        expect(s.Slave_IO_Running).to.not.equal('Yes');
        // MariaDB 10.11: "Master command COM_REGISTER_SLAVE failed: Access denied for user 'acct_repl'@'%' … (Errno: 1045)"
        expect(String(s.Last_IO_Error), String(s.Last_IO_Error)).to.match(/COM_REGISTER_SLAVE failed: Access denied for user 'acct_repl'/);
      } finally {
        await onEvery([db1], [`GRANT REPLICATION SLAVE ON *.* TO 'acct_repl'@'%'`]);
      }
    });
  });

  describe('application: GRANT SELECT, INSERT, UPDATE, DELETE ON its schema; never READ_ONLY ADMIN', () => {
    const appConn = (n: DbNode, user = 'acct_app', password = PW.app) =>
      mysql.createConnection({ host: n.ip, port: n.port, user, password, database: TEST_SCHEMA });

    afterEach(async () => {
      await query(node('db1'), 'SET GLOBAL read_only = 1');
    });

    it('writes on the writer; read_only stops it with 1290; with READ_ONLY ADMIN it writes through read_only (why it is forbidden); SUPER does not on 10.11', async () => {
      const db1 = node('db1');
      await query(db1, 'SET GLOBAL read_only = 0');
      const app = await appConn(db1);
      try {
        await app.query(`INSERT INTO acct_t (note) VALUES ('app')`);
        await app.query(`UPDATE acct_t SET note = 'app2' WHERE note = 'app'`);
        await app.query(`SELECT * FROM acct_t`);
        await app.query(`DELETE FROM acct_t WHERE note = 'app2'`);
        expect(await errnoOf(app.query('CREATE TABLE nope (id INT)'))).to.equal(1142); // no DDL
        await query(db1, 'SET GLOBAL read_only = 1');
        expect(await errnoOf(app.query(`INSERT INTO acct_t (note) VALUES ('blocked')`))).to.equal(1290);
      } finally {
        await app.end();
      }
      await onEvery([db1], [`CREATE USER 'acct_app_roa'@'%' IDENTIFIED BY 'roa'`, `GRANT SELECT, INSERT ON \`${TEST_SCHEMA}\`.* TO 'acct_app_roa'@'%'`, `GRANT READ_ONLY ADMIN ON *.* TO 'acct_app_roa'@'%'`]);
      const roa = await appConn(db1, 'acct_app_roa', 'roa');
      try {
        expect(await errnoOf(roa.query(`INSERT INTO acct_t (note) VALUES ('through read_only')`))).to.equal(undefined);
      } finally {
        await roa.end();
      }
      await onEvery([db1], [`REVOKE READ_ONLY ADMIN ON *.* FROM 'acct_app_roa'@'%'`, `GRANT SUPER ON *.* TO 'acct_app_roa'@'%'`]);
      const su = await appConn(db1, 'acct_app_roa', 'roa');
      try {
        expect(await errnoOf(su.query(`INSERT INTO acct_t (note) VALUES ('super')`))).to.equal(1290);
      } finally {
        await su.end();
      }
    });
  });
});
