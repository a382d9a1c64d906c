// The monitor's MySQL connections over TLS, against a real MariaDB with a certificate from a test
// CA: verified chain and identity (IP SAN), refused on another CA, a certificate without the host's
// ip, a server that offers no TLS; an account with REQUIRE SSL refuses the monitor without TLS.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mysql from 'mysql2';
import { type HostConfig, type MysqlTls, createCa, issueCert, writeKeyPair } from '@mmm/common';
import { MysqlSessions, makeMysqlCheck, makeRepThreadsCheck } from '../../src/checks';
import { checkConfig, hostConfig } from './fixtures';
import { TestMariadb, mariadbMissing } from './mariadb-harness';

describe('monitor checks over TLS (real MariaDB)', function () {
  this.timeout(120000);
  let db: TestMariadb | undefined;
  let dir: string;
  let host: HostConfig;
  let sessions: MysqlSessions;
  const tls = (caFile: string): { tlsFor: () => MysqlTls } => ({ tlsFor: () => ({ caFile }) });
  const mysqlCheck = checkConfig('mysql', { timeout: 3 });

  before(async function () {
    const missing = mariadbMissing();
    if (missing) {
      console.log(`    skipped: ${missing}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'mmm-mon-tls-'));
    const ca = await createCa({ commonName: 'mysql test CA', days: 2 });
    await writeKeyPair(dir, 'ca', ca);
    await writeKeyPair(dir, 'db1-mysql', await issueCert({ ca, commonName: 'db1-mysql', ips: ['127.0.0.1'], usage: 'server', days: 2 }));
    const other = await createCa({ commonName: 'another CA', days: 2 });
    await writeKeyPair(join(dir, 'other'), 'ca', other);
    // Also on 127.0.0.2, an address the certificate does not name (MariaDB 10.11 takes a list).
    db = await TestMariadb.start({
      tls: { cert: join(dir, 'db1-mysql.crt'), key: join(dir, 'db1-mysql.key'), ca: join(dir, 'ca.crt') },
      bindAddress: '127.0.0.1,127.0.0.2',
    });
    await db.query(`CREATE USER 'mmm_monitor'@'127.0.0.1' IDENTIFIED BY 'monpw' REQUIRE SSL`);
    await db.query(`GRANT SLAVE MONITOR ON *.* TO 'mmm_monitor'@'127.0.0.1'`);
    host = hostConfig({ mysqlPort: db.port, monitorUser: 'mmm_monitor', monitorPassword: 'monpw' });
  });

  beforeEach(() => {
    sessions = new MysqlSessions();
  });
  afterEach(() => sessions.close());
  after(async () => {
    await db?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('verified against the CA: the checks pass and the session is encrypted', async () => {
    expect(await makeMysqlCheck(sessions, tls(join(dir, 'ca.crt')))(host, mysqlCheck)).to.deep.equal({ status: 'OK', message: 'OK' });
    // one server, no replication: MMM's text, read over TLS with SLAVE MONITOR
    expect(await makeRepThreadsCheck(sessions, tls(join(dir, 'ca.crt')))(host, checkConfig('rep_threads'))).to.deep.equal({ status: 'ERROR', message: 'ERROR: Replication is not set up' });
    const ep = { host: '127.0.0.1', port: db!.port, user: 'mmm_monitor', password: 'monpw', tls: { caFile: join(dir, 'ca.crt') } };
    const r = await sessions.query(ep, "SHOW SESSION STATUS LIKE 'Ssl_version'", 3000);
    expect(r.kind).to.equal('rows');
    expect(r.kind === 'rows' && String(r.rows[0]?.Value)).to.match(/^TLSv1\.[23]$/);
  });

  it('without TLS the REQUIRE SSL account is refused (what a sniffed password alone gets)', async () => {
    const m = await makeMysqlCheck(sessions)(host, mysqlCheck);
    expect(m.status).to.equal('ERROR');
    expect(m.message).to.match(/Access denied for user 'mmm_monitor'@'127\.0\.0\.1'/);
  });

  it('a server certificate from another CA is refused before any credential is sent', async () => {
    const m = await makeMysqlCheck(sessions, tls(join(dir, 'other', 'ca.crt')))(host, mysqlCheck);
    expect(m.status).to.equal('ERROR');
    expect(m.message).to.match(/TLS\)! .*\(the server's certificate does not chain to mysql_ssl_ca\)$/);
  });

  it("a certificate that does not name the host's ip is refused", async () => {
    const wrong = hostConfig({ ip: '127.0.0.2', mysqlPort: db!.port, monitorUser: 'mmm_monitor', monitorPassword: 'monpw' });
    const m = await makeMysqlCheck(sessions, tls(join(dir, 'ca.crt')))(wrong, mysqlCheck);
    expect(m.status).to.equal('ERROR');
    expect(m.message).to.match(/does not name this host's ip as a SAN/);
  });

  it('a missing CA file is a connect error naming mysql_ssl_ca', async () => {
    const m = await makeMysqlCheck(sessions, tls(join(dir, 'nowhere.crt')))(host, mysqlCheck);
    expect(m.status).to.equal('ERROR');
    expect(m.message).to.match(/cannot read mysql_ssl_ca .*nowhere\.crt: ENOENT/);
  });

  it('a server that offers no TLS: the check says so and names the fix', async () => {
    // mysql2's server side, greeting without CLIENT_SSL (0x0800): what have_ssl=DISABLED sends
    const srv = mysql.createServer((c) => {
      (c as unknown as { serverHandshake(a: Record<string, unknown>): void }).serverHandshake({
        protocolVersion: 10, serverVersion: '10.11.0-MariaDB', connectionId: 1, statusFlags: 2, characterSet: 33, capabilityFlags: 0xf7ff,
      });
      c.on('error', () => undefined);
    });
    const ns = (srv as unknown as { _server: import('node:net').Server })._server;
    await new Promise<void>((res) => ns.listen(0, '127.0.0.1', () => res()));
    try {
      const port = (ns.address() as import('node:net').AddressInfo).port;
      const m = await makeMysqlCheck(sessions, tls(join(dir, 'ca.crt')))({ ...host, mysqlPort: port }, mysqlCheck);
      expect(m.status).to.equal('ERROR');
      expect(m.message).to.match(/Server does not support secure connection \(the server offers no TLS, have_ssl=DISABLED: .*mysql_ssl off/);
    } finally {
      await new Promise<void>((res) => ns.close(() => res()));
    }
  });
});
