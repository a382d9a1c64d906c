// The accounts table against SHOW GRANTS text: MariaDB lines as 10.11.19 printed them here, MySQL 8
// lines in the shape the MySQL 8.0 manual shows (static privileges `, `-separated, dynamic ones
// `,`-separated on a line of their own). No MySQL server here: those rows are fixtures only.
import { expect } from 'chai';
import {
  accountRequires,
  accountSpec,
  hostPart,
  mysqlTlsHint,
  deniedClient,
  evaluateGrants,
  flavorOf,
  grantList,
  grantStatement,
  isLoginDenied,
  isPrivilegeError,
  loginDeniedProblem,
  missingPrivilegeProblem,
  olderThan,
  parseShowGrants,
  quoteAccount,
  texts,
} from '../../src';

const PW = "IDENTIFIED BY PASSWORD '*7B9EBEED26AA52ED10C0F549FA863F13C39E0209'";
const MARIADB = '10.11.19-MariaDB-0+deb12u1-log';

describe('accounts: SHOW GRANTS parsing', () => {
  it('MariaDB 10.11: REPLICATION CLIENT is shown as BINLOG MONITOR, aliases fold, USAGE is nothing', () => {
    const g = parseShowGrants([`GRANT BINLOG MONITOR ON *.* TO \`mon\`@\`%\` ${PW}`], 'mariadb');
    expect([...g.global]).to.deep.equal(['BINLOG MONITOR']);
    const alias = parseShowGrants(['GRANT REPLICA MONITOR, REPLICATION CLIENT ON *.* TO `m`@`%`'], 'mariadb');
    expect([...alias.global].sort()).to.deep.equal(['BINLOG MONITOR', 'SLAVE MONITOR']);
    expect([...parseShowGrants([`GRANT USAGE ON *.* TO \`ro\`@\`%\` ${PW}`], 'mariadb').global]).to.deep.equal([]);
  });

  it('MariaDB: roles, the current role\'s grants, schema grants with column lists, PROXY ignored', () => {
    const g = parseShowGrants(
      [
        'GRANT `mmm_r` TO `ro`@`%`',
        `GRANT USAGE ON *.* TO \`ro\`@\`%\` ${PW}`,
        'GRANT SLAVE MONITOR ON *.* TO `mmm_r`',
        'SET DEFAULT ROLE `mmm_r` FOR `ro`@`%`',
        'GRANT SELECT, INSERT, UPDATE, DELETE ON `mmm_test`.* TO `app`@`%`',
        'GRANT SELECT (`a`, `b`), UPDATE (`a`) ON `mmm_test`.`t` TO `app`@`%`',
        "GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION",
      ],
      'mariadb',
    );
    expect([...g.global]).to.deep.equal(['SLAVE MONITOR']);
    expect(g.roles).to.deep.equal(['mmm_r']);
    expect(g.defaultRole).to.equal('mmm_r');
    expect([...(g.schemas.get('mmm_test') ?? [])]).to.deep.equal(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
  });

  it('MySQL 8 (fixture): static and dynamic privilege lines', () => {
    const g = parseShowGrants(
      [
        'GRANT PROCESS, REPLICATION CLIENT ON *.* TO `mmm_agent`@`10.0.0.%`',
        'GRANT CONNECTION_ADMIN,REPLICATION_SLAVE_ADMIN,SYSTEM_VARIABLES_ADMIN ON *.* TO `mmm_agent`@`10.0.0.%`',
      ],
      'mysql',
    );
    expect([...g.global].sort()).to.deep.equal(['CONNECTION_ADMIN', 'PROCESS', 'REPLICATION CLIENT', 'REPLICATION_SLAVE_ADMIN', 'SYSTEM_VARIABLES_ADMIN']);
    // REPLICATION CLIENT is its own privilege on MySQL (no MariaDB alias folding)
    expect(evaluateGrants(accountSpec('agent', 'mysql'), g, '8.0.36').missing).to.deep.equal([]);
  });
});

describe('accounts: what an account lacks', () => {
  const parse = (line: string, flavor: 'mariadb' | 'mysql' = 'mariadb') => parseShowGrants([line], flavor);

  it('the monitor with REPLICATION CLIENT only (MMM 2.x advice) lacks SLAVE MONITOR on MariaDB 10.11', () => {
    const v = evaluateGrants(accountSpec('monitor', 'mariadb'), parse(`GRANT BINLOG MONITOR ON *.* TO \`mon\`@\`%\` ${PW}`), MARIADB);
    expect(v.missing.map((n) => n.privilege)).to.deep.equal(['SLAVE MONITOR']);
    expect(v.extra).to.deep.equal(['BINLOG MONITOR']);
  });

  it('the same monitor on MySQL 8 (fixture) has what it needs', () => {
    const v = evaluateGrants(accountSpec('monitor', 'mysql'), parse('GRANT REPLICATION CLIENT ON *.* TO `mon`@`%`', 'mysql'), '8.0.36');
    expect(v.missing).to.deep.equal([]);
    expect(v.extra).to.deep.equal([]);
  });

  it('agent: the documented set is complete; SUPER covers all but READ_ONLY ADMIN on 10.11 (it did before)', () => {
    const full = parse(`GRANT PROCESS, CONNECTION ADMIN, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, SLAVE MONITOR ON *.* TO \`ag\`@\`%\` ${PW}`);
    expect(evaluateGrants(accountSpec('agent', 'mariadb'), full, MARIADB)).to.deep.include({ missing: [], extra: [] });
    const su = parse('GRANT SUPER, PROCESS ON *.* TO `su`@`%`');
    expect(evaluateGrants(accountSpec('agent', 'mariadb'), su, MARIADB).missing.map((n) => n.privilege)).to.deep.equal(['READ_ONLY ADMIN']);
    expect(evaluateGrants(accountSpec('agent', 'mariadb'), su, '10.6.18-MariaDB').missing).to.deep.equal([]);
    const all = parse('GRANT ALL PRIVILEGES ON *.* TO `al`@`%`');
    expect(evaluateGrants(accountSpec('agent', 'mariadb'), all, MARIADB)).to.deep.include({ missing: [], extra: ['ALL PRIVILEGES'] });
  });

  it('application: DML on its schema; READ_ONLY ADMIN / ALL are forbidden, SUPER only before 10.11', () => {
    const app = parseShowGrants(['GRANT SELECT, INSERT, UPDATE, DELETE ON `shop`.* TO `app`@`%`', 'GRANT SUPER ON *.* TO `app`@`%`'], 'mariadb');
    const on1011 = evaluateGrants(accountSpec('application', 'mariadb'), app, MARIADB, 'shop');
    expect(on1011.missing).to.deep.equal([]);
    expect(on1011.forbidden).to.deep.equal([]);
    expect(evaluateGrants(accountSpec('application', 'mariadb'), app, '10.6.18-MariaDB', 'shop').forbidden.map((f) => f.privilege)).to.deep.equal(['SUPER']);
    const roa = parseShowGrants(['GRANT READ_ONLY ADMIN ON *.* TO `app`@`%`'], 'mariadb');
    expect(evaluateGrants(accountSpec('application', 'mariadb'), roa, MARIADB, 'shop').forbidden.map((f) => f.privilege)).to.deep.equal(['READ_ONLY ADMIN']);
    const my = parseShowGrants(['GRANT CONNECTION_ADMIN ON *.* TO `app`@`%`'], 'mysql');
    expect(evaluateGrants(accountSpec('application', 'mysql'), my, '8.0.36', 'shop').forbidden.map((f) => f.privilege)).to.deep.equal(['CONNECTION_ADMIN']);
  });

  it('grant lists per flavor', () => {
    expect(grantList('monitor', 'mariadb')).to.deep.equal(['SLAVE MONITOR']);
    expect(grantList('monitor', 'mysql')).to.deep.equal(['REPLICATION CLIENT']);
    expect(grantList('agent', 'mariadb')).to.deep.equal(['READ_ONLY ADMIN', 'CONNECTION ADMIN', 'PROCESS', 'SLAVE MONITOR', 'REPLICATION SLAVE ADMIN']);
    expect(grantList('agent', 'mysql')).to.deep.equal(['SYSTEM_VARIABLES_ADMIN', 'CONNECTION_ADMIN', 'PROCESS', 'REPLICATION CLIENT', 'REPLICATION_SLAVE_ADMIN']);
    expect(grantList('replication', 'mariadb')).to.deep.equal(['REPLICATION SLAVE']);
    expect(grantList('application', 'mysql')).to.deep.equal(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
  });
});

describe('accounts: texts and error numbers', () => {
  it('versions and flavors', () => {
    expect(flavorOf(MARIADB)).to.equal('mariadb');
    expect(flavorOf('8.0.36')).to.equal('mysql');
    expect(olderThan(MARIADB, '10.11.0')).to.equal(false);
    expect(olderThan('10.5.8-MariaDB', '10.5.9')).to.equal(true);
    expect(olderThan('garbage', '10.5.9')).to.equal(false);
  });

  it('CURRENT_USER() as a grantee; the GRANT statement; the client of an Access denied', () => {
    expect(quoteAccount('mmm_monitor@%')).to.equal("'mmm_monitor'@'%'");
    expect(quoteAccount('we@ird@10.0.0.%')).to.equal("'we@ird'@'10.0.0.%'");
    expect(grantStatement(['SLAVE MONITOR'], "'m'@'%'")).to.equal("GRANT SLAVE MONITOR ON *.* TO 'm'@'%';");
    expect(deniedClient("Access denied for user 'st'@'127.0.0.1' (using password: YES)")).to.equal("'st'@'127.0.0.1'");
    expect(deniedClient('something else')).to.equal(undefined);
  });

  it('privilege errors: 1044, 1045, 1095, 1142, 1227 … are; 1290 (read_only) and 1040 are not', () => {
    for (const e of [1044, 1045, 1095, 1142, 1143, 1227, 1370, 1698]) expect(isPrivilegeError(e), String(e)).to.equal(true);
    for (const e of [1290, 1040, 2003, undefined]) expect(isPrivilegeError(e), String(e)).to.equal(false);
    expect(isLoginDenied(1045)).to.equal(true);
    expect(isLoginDenied(1227)).to.equal(false);
  });

  it('a refused SHOW SLAVE STATUS names the privilege for the server\'s flavor', () => {
    const msg = 'Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s) for this operation';
    const p = missingPrivilegeProblem({ account: 'monitor', statement: 'SHOW SLAVE STATUS', errno: 1227, serverMessage: msg, grantee: "'m'@'%'", version: MARIADB });
    expect(p).to.include({ kind: 'missing_privilege', privilege: 'SLAVE MONITOR', fix: "GRANT SLAVE MONITOR ON *.* TO 'm'@'%';" });
    const my = missingPrivilegeProblem({ account: 'monitor', statement: 'SHOW SLAVE STATUS', serverMessage: 'x', grantee: "'m'@'%'", version: '8.0.36' });
    expect(my.privilege).to.equal('REPLICATION CLIENT');
    const text = texts.privilegeBlocksOnline('db1', 'db2', 'rep_threads', p);
    expect(text).to.equal(
      `ERROR: The monitor account 'm'@'%' lacks SLAVE MONITOR on 'db2' (check rep_threads: ${msg}), so 'db1' can't be switched to ONLINE. ` +
        "Fix: GRANT SLAVE MONITOR ON *.* TO 'm'@'%'; (no restart needed: the monitor reconnects after a refusal, the next check sees it)",
    );
    const login = loginDeniedProblem('monitor', 'm', 1045, "Access denied for user 'm'@'10.0.0.5' (using password: YES)");
    expect(login.grantee).to.equal("'m'@'10.0.0.5'");
    expect(texts.privilegeBlocksOnline('db1', 'db1', 'mysql', login)).to.match(/^ERROR: The monitor account 'm'@'10\.0\.0\.5' cannot log in to 'db1' \(check mysql: Access denied/);
  });
});

describe('accounts: TLS of a login (REQUIRE, host part, hints)', () => {
  it('reads REQUIRE from SHOW CREATE USER (MariaDB 10.11 text, MySQL 8 REQUIRE NONE)', () => {
    expect(accountRequires(`CREATE USER \`m\`@\`10.0.0.5\` ${PW} REQUIRE SSL`)).to.equal('SSL');
    expect(accountRequires("CREATE USER 'm'@'%' IDENTIFIED WITH 'caching_sha2_password' REQUIRE X509 PASSWORD EXPIRE DEFAULT")).to.equal('X509');
    expect(accountRequires("CREATE USER 'm'@'%' IDENTIFIED WITH 'caching_sha2_password' REQUIRE NONE PASSWORD EXPIRE DEFAULT")).to.equal(undefined);
    expect(accountRequires(`CREATE USER \`m\`@\`%\` ${PW}`)).to.equal(undefined);
    expect(hostPart('mmm_agent@localhost')).to.equal('localhost');
    expect(hostPart('a@b@10.0.0.%')).to.equal('10.0.0.%');
  });

  it('hints: a server without TLS, a foreign CA (mysql2 hides the code), a certificate without the ip; other errors none', () => {
    expect(mysqlTlsHint('HANDSHAKE_NO_SSL_SUPPORT')).to.match(/have_ssl=DISABLED/);
    expect(mysqlTlsHint('HANDSHAKE_SSL_ERROR', 'self-signed certificate in certificate chain')).to.equal(" (the server's certificate does not chain to mysql_ssl_ca)");
    expect(mysqlTlsHint('HANDSHAKE_SSL_ERROR', 'certificate has expired')).to.match(/validity period/);
    expect(mysqlTlsHint('ERR_MMM_SERVER_IDENTITY')).to.match(/--role mysql --ip/);
    expect(mysqlTlsHint('ECONNREFUSED')).to.equal('');
  });

  it('a refused login without TLS says a REQUIRE SSL account refuses it too', () => {
    const m = "Access denied for user 'mmm_monitor'@'10.0.0.5' (using password: YES)";
    expect(loginDeniedProblem('monitor', 'mmm_monitor', 1045, m, true).fix).to.match(/if the account has REQUIRE SSL, this login had no TLS/);
    expect(loginDeniedProblem('monitor', 'mmm_monitor', 1045, m).fix).to.not.match(/REQUIRE SSL/);
  });
});
