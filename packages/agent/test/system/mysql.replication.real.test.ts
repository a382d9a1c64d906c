// Re-point and catch-up against two real MariaDB instances: a replica set up by repoint() applies
// what it received, and catchUp()/waitGtid() see it.
import { expect } from 'chai';
import { Mysql2LocalMysql } from '../../src/system/mysql';
import { type TestMariadb, mariadbAvailable, sleep, startMariadb } from '../helpers/mariadb';

describe('system/mysql replication against two real MariaDBs', function () {
  this.timeout(90_000);
  const dbs: TestMariadb[] = [];
  let src: Mysql2LocalMysql;
  let replica: Mysql2LocalMysql;

  before(async function () {
    const why = mariadbAvailable();
    if (why) {
      console.log(`    skipped: ${why}`);
      return this.skip();
    }
    dbs.push(...(await Promise.all([startMariadb(21), startMariadb(22)])));
    for (const db of dbs) {
      const c = await db.root(); // one session: sql_log_bin=0 is per session, keep grants out of the binlog
      try {
        for (const q of [
          `SET sql_log_bin=0`,
          `CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'replpw'`,
          `GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'`,
          `CREATE USER 'mmm_agent'@'127.0.0.1' IDENTIFIED BY 'agentpw'`,
          `GRANT SUPER, REPLICATION CLIENT, REPLICATION SLAVE ADMIN, READ_ONLY ADMIN, BINLOG MONITOR, SLAVE MONITOR, PROCESS, CONNECTION ADMIN ON *.* TO 'mmm_agent'@'127.0.0.1'`,
        ])
          await c.query(q);
      } finally {
        c.destroy();
      }
    }
    const mk = (db: TestMariadb) => new Mysql2LocalMysql({ host: '127.0.0.1', port: db.port, user: 'mmm_agent', password: 'agentpw', pollMs: 50 });
    [src, replica] = dbs.map(mk);
  });

  after(async () => {
    await Promise.all(dbs.map((d) => d.stop()));
  });

  it('repoint sets up GTID replication; catch-up and waitGtid follow the source', async () => {
    await replica.repoint({ host: '127.0.0.1', port: dbs[0].port, user: 'repl', password: 'replpw' }, 2000);
    await dbs[0].sql('CREATE DATABASE t');
    await dbs[0].sql('CREATE TABLE t.x (id INT PRIMARY KEY)');
    await dbs[0].sql('INSERT INTO t.x VALUES (1),(2),(3)');
    const pos = (await src.gtidPositions()).own;
    await replica.waitGtid(pos, 10_000);
    let s = await replica.slaveStatus();
    for (let i = 0; i < 100 && s?.gtidIoPos !== pos; i++) {
      await sleep(50);
      s = await replica.slaveStatus();
    }
    expect(s).to.include({ ioRunning: 'Yes', sqlRunning: 'Yes', gtidIoPos: pos, usingGtid: 'Slave_Pos' });
    expect(await replica.catchUp(5000)).to.equal('caught_up');
    expect((await replica.gtidPositions()).slavePos).to.equal(pos);
    const rows = (await dbs[1].sql('SELECT COUNT(*) AS n FROM t.x')) as { n: number }[];
    expect(Number(rows[0].n)).to.equal(3);
  });

  it('catch-up is bounded: with the SQL thread stopped and events received, it times out', async () => {
    await dbs[1].sql('STOP SLAVE SQL_THREAD');
    await dbs[0].sql('INSERT INTO t.x VALUES (4)');
    const pos = (await src.gtidPositions()).own;
    let s = await replica.slaveStatus();
    for (let i = 0; i < 100 && s?.gtidIoPos !== pos; i++) {
      await sleep(50);
      s = await replica.slaveStatus();
    }
    let err: { code?: string } | undefined;
    await replica.catchUp(400).catch((e) => (err = e));
    expect(err?.code).to.equal('TIMEOUT');
    // repoint refuses too, and leaves the received relay log and the source alone
    let err2: { code?: string } | undefined;
    await replica.repoint({ host: '127.0.0.1', port: 1, user: 'repl', password: 'x' }, 400).catch((e) => (err2 = e));
    expect(err2?.code).to.equal('TIMEOUT');
    expect((await replica.slaveStatus())?.masterPort).to.equal(dbs[0].port);
    await dbs[1].sql('START SLAVE');
    // Right after START SLAVE the IO thread may not have re-received anything yet, so wait for the GTID.
    await replica.waitGtid(pos, 10_000);
    expect(await replica.catchUp(5000)).to.equal('caught_up');
    const rows = (await dbs[1].sql('SELECT COUNT(*) AS n FROM t.x')) as { n: number }[];
    expect(Number(rows[0].n)).to.equal(4);
  });
});
