// Replication over TLS between two real MariaDBs with certificates from a test CA: the agent
// (over the replica's unix socket, as mmm_agent@localhost) re-points with MASTER_SSL=1,
// MASTER_SSL_CA and MASTER_SSL_VERIFY_SERVER_CERT=1; the source's REQUIRE SSL replication account
// then works, a replica without TLS is refused, and a source certificate from another CA is refused.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, issueCert, writeKeyPair } from '@mmm/common';
import { Mysql2LocalMysql } from '../../src/system/mysql';
import { type TestMariadb, mariadbAvailable, sleep, startMariadb } from '../helpers/mariadb';

describe('system/mysql replication over TLS (two real MariaDBs)', function () {
  this.timeout(90_000);
  const dbs: TestMariadb[] = [];
  let dir: string;
  let replica: Mysql2LocalMysql;
  let port: number;

  /** SHOW SLAVE STATUS as root, polled until `done` or 10 s. */
  async function slaveRow(done: (r: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    let row: Record<string, unknown> = {};
    for (let i = 0; i < 200; i++) {
      row = ((await dbs[1]!.sql('SHOW SLAVE STATUS')) as Record<string, unknown>[])[0] ?? {};
      if (done(row)) break;
      await sleep(50);
    }
    return row;
  }

  before(async function () {
    const why = mariadbAvailable();
    if (why) {
      console.log(`    skipped: ${why}`);
      return this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'mmm-repl-tls-'));
    const ca = await createCa({ commonName: 'replication test CA', days: 2 });
    await writeKeyPair(dir, 'ca', ca);
    await writeKeyPair(join(dir, 'other'), 'ca', await createCa({ commonName: 'another CA', days: 2 }));
    for (const n of ['src', 'rep']) {
      await writeKeyPair(dir, n, await issueCert({ ca, commonName: n, ips: ['127.0.0.1'], usage: 'server', days: 2 }));
    }
    // signed by the CA, but for another address than the one the replica connects to (MariaDB
    // checks the IP SANs, and the CN as a DNS name: a CN of 127.0.0.1 would pass)
    await writeKeyPair(dir, 'elsewhere', await issueCert({ ca, commonName: 'elsewhere', ips: ['127.0.0.9'], usage: 'server', days: 2 }));
    const tls = (n: string) => ({ cert: join(dir, `${n}.crt`), key: join(dir, `${n}.key`), ca: join(dir, 'ca.crt') });
    dbs.push(...(await Promise.all([startMariadb(31, tls('src')), startMariadb(32, tls('rep')), startMariadb(33, tls('elsewhere'))])));
    for (const db of dbs) {
      const c = await db.root();
      await c.query('SET sql_log_bin=0');
      try {
        for (const q of [
          `CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'replpw' REQUIRE SSL`,
          `GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'`,
          `CREATE USER 'mmm_agent'@'localhost' IDENTIFIED BY 'agentpw'`,
          `GRANT READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, SLAVE MONITOR, REPLICATION SLAVE ADMIN ON *.* TO 'mmm_agent'@'localhost'`,
        ])
          await c.query(q);
      } finally {
        c.destroy();
      }
    }
    replica = new Mysql2LocalMysql({ socketPath: dbs[1]!.socket, user: 'mmm_agent', password: 'agentpw', pollMs: 50 });
    port = dbs[0]!.port;
  });

  after(async () => {
    await replica?.close();
    await Promise.all(dbs.map((d) => d.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('without TLS the REQUIRE SSL replication account is refused', async () => {
    await replica.repoint({ host: '127.0.0.1', port, user: 'repl', password: 'replpw' }, 3000);
    const row = await slaveRow((r) => Number(r.Last_IO_Errno) !== 0);
    expect(row.Slave_IO_Running).to.not.equal('Yes');
    expect(String(row.Last_IO_Error)).to.match(/Access denied for user 'repl'@'127\.0\.0\.1'/);
    expect(row.Master_SSL_Allowed).to.equal('No');
  });

  it('re-pointed with TLS: verified source, replication runs and applies a write', async () => {
    await replica.repoint({ host: '127.0.0.1', port, user: 'repl', password: 'replpw', ssl: { caFile: join(dir, 'ca.crt') } }, 3000);
    const row = await slaveRow((r) => r.Slave_IO_Running === 'Yes');
    expect(row).to.include({ Slave_IO_Running: 'Yes', Master_SSL_Allowed: 'Yes', Master_SSL_Verify_Server_Cert: 'Yes', Master_SSL_CA_File: join(dir, 'ca.crt') });
    await dbs[0]!.sql('CREATE DATABASE IF NOT EXISTS t');
    await dbs[0]!.sql('CREATE TABLE t.x (v VARCHAR(32))');
    await dbs[0]!.sql("INSERT INTO t.x VALUES ('over tls')");
    let n = 0;
    for (let i = 0; i < 200 && n === 0; i++) {
      n = Number((((await dbs[1]!.sql("SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 't'")) as { n: number }[])[0]?.n));
      if (n) n = Number((((await dbs[1]!.sql("SELECT COUNT(*) AS n FROM t.x WHERE v = 'over tls'")) as { n: number }[])[0]?.n));
      if (!n) await sleep(50);
    }
    expect(n).to.equal(1);
  });

  it('a source whose certificate does not chain to MASTER_SSL_CA is refused', async () => {
    await replica.repoint({ host: '127.0.0.1', port, user: 'repl', password: 'replpw', ssl: { caFile: join(dir, 'other', 'ca.crt') } }, 3000);
    const row = await slaveRow((r) => Number(r.Last_IO_Errno) !== 0);
    expect(row.Slave_IO_Running).to.not.equal('Yes');
    expect(Number(row.Last_IO_Errno)).to.equal(2026); // CR_SSL_CONNECTION_ERROR
    expect(String(row.Last_IO_Error)).to.match(/SSL/i);
  });

  it("a source whose certificate, from the right CA, does not name the address connected to is refused", async () => {
    await replica.repoint({ host: '127.0.0.1', port: dbs[2]!.port, user: 'repl', password: 'replpw', ssl: { caFile: join(dir, 'ca.crt') } }, 3000);
    const row = await slaveRow((r) => Number(r.Last_IO_Errno) !== 0);
    expect(row.Slave_IO_Running).to.not.equal('Yes');
    expect(Number(row.Last_IO_Errno)).to.equal(2026);
    expect(String(row.Last_IO_Error)).to.match(/SSL/i);
  });
});
