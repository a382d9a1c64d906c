// `mmm_tls grants`, pure half: which accounts a config makes its program use, and what the report
// says about inspections. MariaDB inspections are shaped as 10.11.19 answered here; MySQL 8 ones
// are fixtures in the MySQL 8.0 manual's SHOW GRANTS format (no MySQL server here).
import { expect } from 'chai';
import { parseConfigTextOrThrow } from '@mmm/common';
import { type GrantTarget, type Inspection, formatGrantFinding, grantTargets, grantsExitCode, reportInspection } from '../src/grants';

const COMMON = `
active_master_role writer
<host default>
    cluster_interface eth0
    replication_user repl
    replication_password rp
    monitor_user mmm_monitor
    monitor_password mp
    agent_user mmm_agent
    agent_password ap
</host>
<host db1>
    ip 10.0.0.11
    mode master
    peer db2
</host>
<host db2>
    ip 10.0.0.12
    mode master
    peer db1
    mysql_port 3307
</host>
<host db3>
    ip 10.0.0.13
    mode slave
</host>
<role writer>
    hosts db1, db2
    ips 10.0.0.100
    mode exclusive
</role>
`;
const MON = `${COMMON}<monitor>\n    ip 127.0.0.1\n    ping_ips 10.0.0.1\n</monitor>\n`;
const AGENT = `${COMMON}this db3\n`;

const MARIADB = '10.11.19-MariaDB-0+deb12u1-log';
const DENIED = 'Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s) for this operation';
const TLS = { kind: 'tcp' as const, host: '10.0.0.12', port: 3306, tls: { caFile: '/etc/mmm/ca.crt' } };
const target = (over: Partial<GrantTarget> = {}): GrantTarget => ({
  host: 'db2', account: 'monitor', userKey: 'monitor_user', user: 'mmm_monitor', password: 'x', ip: '10.0.0.12', port: 3306, via: TLS, ...over,
});
const agentTarget = (): GrantTarget => target({ account: 'agent', userKey: 'agent_user', user: 'mmm_agent', via: { kind: 'socket', socketPath: '/run/mysqld/mysqld.sock' } });
const ANY = "WARN monitor@db2: 'mmm_monitor'@'%' on 10.0.0.12:3306 (MariaDB 10.11.19) accepts logins from any address ('%'): grant it to the monitor's address (docs/accounts.md)";

describe('mmm_tls grants: targets', () => {
  it('monitor config: the monitor account on every host, at its mysql_port', () => {
    const plan = grantTargets('monitor', parseConfigTextOrThrow('monitor', { '/etc/mmm/mmm_mon.conf': MON }).config);
    expect(plan.targets.map((t) => `${t.account}@${t.host} ${t.user}@${t.ip}:${t.port}`)).to.deep.equal([
      'monitor@db1 mmm_monitor@10.0.0.11:3306',
      'monitor@db2 mmm_monitor@10.0.0.12:3307',
      'monitor@db3 mmm_monitor@10.0.0.13:3306',
    ]);
    expect(plan.unnamed).to.deep.equal([]);
  });

  it('agent config: the agent account on its own host over its socket, the replication account on every master with its TLS', () => {
    const plan = grantTargets('agent', parseConfigTextOrThrow('agent', { '/etc/mmm/mmm_agent.conf': AGENT }).config);
    expect(plan.targets.map((t) => `${t.account}@${t.host} ${t.user}`)).to.deep.equal(['agent@db3 mmm_agent', 'replication@db1 repl', 'replication@db2 repl']);
    expect(plan.targets[0]!.via).to.deep.equal({ kind: 'socket', socketPath: '/run/mysqld/mysqld.sock' });
    expect(plan.targets[2]!.via).to.deep.equal({ kind: 'tcp', host: '10.0.0.12', port: 3307 });
    const tls = parseConfigTextOrThrow('agent', { '/etc/mmm/a.conf': `${AGENT}<host default>\n    mysql_ssl_ca ca.pem\n    mysql_socket none\n</host>\n` }).config;
    const p2 = grantTargets('agent', tls);
    expect(p2.targets[0]!.via).to.deep.equal({ kind: 'tcp', host: '127.0.0.1', port: 3306 });
    expect(p2.targets[1]!.via).to.deep.equal({ kind: 'tcp', host: '10.0.0.11', port: 3306, tls: { caFile: '/etc/mmm/ca.pem' } });
  });

  it('control config: none', () => {
    const cfg = parseConfigTextOrThrow('monitor', { '/etc/mmm/mmm_mon.conf': MON }).config;
    expect(grantTargets('control', cfg).targets).to.deep.equal([]);
  });
});

describe('mmm_tls grants: report', () => {
  const lines = (i: Inspection): string[] => reportInspection(i).flatMap(formatGrantFinding);

  it('MariaDB monitor with REPLICATION CLIENT only: FAIL naming SLAVE MONITOR and the GRANT, WARN for the unused privilege; exit 1', () => {
    const i: Inspection = {
      target: target(),
      currentUser: 'mmm_monitor@%',
      version: MARIADB,
      grants: ["GRANT BINLOG MONITOR ON *.* TO `mmm_monitor`@`%` IDENTIFIED BY PASSWORD '*7B9E'"],
      probes: [{ statement: 'SHOW SLAVE STATUS', error: { errno: 1227, message: DENIED } }],
    };
    const f = reportInspection(i);
    expect(lines(i)).to.deep.equal([
      "FAIL monitor@db2: 'mmm_monitor'@'%' on 10.0.0.12:3306 (MariaDB 10.11.19) lacks SLAVE MONITOR, needed for SHOW SLAVE STATUS " +
        '(the rep_threads and rep_backlog checks read the replication threads and Seconds_Behind_Master); ' +
        `the server refused SHOW SLAVE STATUS: ${DENIED}`,
      "    fix on db2: GRANT SLAVE MONITOR ON *.* TO 'mmm_monitor'@'%';",
      "WARN monitor@db2: 'mmm_monitor'@'%' on 10.0.0.12:3306 (MariaDB 10.11.19) also holds BINLOG MONITOR (what MariaDB 10.5+ calls REPLICATION CLIENT): more than the monitor account needs",
      ANY,
    ]);
    expect(grantsExitCode(f)).to.equal(1);
  });

  it('MariaDB monitor with SLAVE MONITOR: OK, exit 0', () => {
    const i: Inspection = {
      target: target(),
      currentUser: 'mmm_monitor@10.0.0.%',
      version: MARIADB,
      grants: ['GRANT SLAVE MONITOR ON *.* TO `mmm_monitor`@`10.0.0.%`'],
      probes: [{ statement: 'SHOW SLAVE STATUS' }],
    };
    expect(lines(i)).to.deep.equal(["OK monitor@db2: 'mmm_monitor'@'10.0.0.%' on 10.0.0.12:3306 (MariaDB 10.11.19) has SLAVE MONITOR (SHOW SLAVE STATUS ran)"]);
    expect(grantsExitCode(reportInspection(i))).to.equal(0);
  });

  it('MariaDB agent: SUPER does not cover READ_ONLY ADMIN on 10.11; the GRANT lists only what is missing', () => {
    const i: Inspection = {
      target: agentTarget(),
      currentUser: 'mmm_agent@%',
      version: MARIADB,
      grants: ['GRANT SUPER, PROCESS ON *.* TO `mmm_agent`@`%`'],
      probes: [{ statement: 'SHOW ALL SLAVES STATUS' }],
    };
    const f = reportInspection(i);
    expect(f[0]).to.include({ verdict: 'FAIL', fix: "GRANT READ_ONLY ADMIN ON *.* TO 'mmm_agent'@'%';", failure: 'missing' });
    expect(f[0]!.reason).to.match(/lacks READ_ONLY ADMIN, needed for SET GLOBAL read_only = 0\|1 \(demote/);
    expect(f[1]).to.include({ verdict: 'WARN' });
    expect(f[1]!.reason).to.match(/also holds SUPER: more than the agent account needs$/);
  });

  it('a role that is not the default role is named: its privileges do not count', () => {
    const i: Inspection = {
      target: target(),
      currentUser: 'mmm_monitor@%',
      version: MARIADB,
      grants: ['GRANT `mmm_r` TO `mmm_monitor`@`%`', 'GRANT USAGE ON *.* TO `mmm_monitor`@`%`'],
      probes: [{ statement: 'SHOW SLAVE STATUS', error: { errno: 1227, message: DENIED } }],
    };
    const f = reportInspection(i);
    expect(f.map((x) => x.verdict)).to.deep.equal(['FAIL', 'WARN', 'WARN']);
    expect(f[1]!.reason).to.match(/granted role mmm_r but not as its default role/);
  });

  it('refused login: FAIL with what to check (exit 1); no answer: FAIL unchecked (exit 2)', () => {
    const denied = reportInspection({ target: target(), login: { errno: 1045, message: "Access denied for user 'mmm_monitor'@'10.0.0.5' (using password: YES)" }, probes: [] });
    expect(denied[0]).to.include({ verdict: 'FAIL', failure: 'missing' });
    expect(denied[0]!.fix).to.match(/^check monitor_user\/monitor_password in the config, or create the account for this address: CREATE USER 'mmm_monitor'@'10\.0\.0\.5'/);
    expect(grantsExitCode(denied)).to.equal(1);
    const down = reportInspection({ target: target(), login: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.12:3306' }, probes: [] });
    expect(down[0]).to.include({ verdict: 'FAIL', failure: 'unchecked' });
    expect(grantsExitCode(down)).to.equal(3);
    expect(grantsExitCode([...down, ...denied])).to.equal(1);
  });

  it('MySQL 8 (fixture): monitor with REPLICATION CLIENT is OK and marked untested; an agent without SYSTEM_VARIABLES_ADMIN gets that GRANT', () => {
    const mon = reportInspection({
      target: target(),
      currentUser: 'mmm_monitor@%',
      version: '8.0.36',
      grants: ['GRANT REPLICATION CLIENT ON *.* TO `mmm_monitor`@`%`'],
      probes: [{ statement: 'SHOW SLAVE STATUS' }],
    });
    expect(mon).to.have.length(2); // and the '%' warning
    expect(mon[0]!.reason).to.match(/\(MySQL 8\.0\.36\) has REPLICATION CLIENT \(SHOW SLAVE STATUS ran\); MySQL 8 table from the manual, untested$/);
    const agent = reportInspection({
      target: target({ account: 'agent', userKey: 'agent_user', user: 'mmm_agent' }),
      currentUser: 'mmm_agent@%',
      version: '8.0.36',
      grants: ['GRANT PROCESS, REPLICATION CLIENT ON *.* TO `mmm_agent`@`%`', 'GRANT CONNECTION_ADMIN,REPLICATION_SLAVE_ADMIN ON *.* TO `mmm_agent`@`%`'],
      probes: [{ statement: 'SHOW REPLICA STATUS' }],
    });
    expect(agent[0]).to.include({ verdict: 'FAIL', fix: "GRANT SYSTEM_VARIABLES_ADMIN ON *.* TO 'mmm_agent'@'%';" });
  });
});

describe('mmm_tls grants: where and how the accounts log in (DESIGN §4, MySQL links)', () => {
  const lines = (i: Inspection): string[] => reportInspection(i).flatMap(formatGrantFinding);
  const ok = { version: MARIADB, probes: [{ statement: 'SHOW SLAVE STATUS' }], grants: ['GRANT SLAVE MONITOR ON *.* TO `mmm_monitor`@`10.0.0.5`'] };

  it('monitor over TLS, REQUIRE SSL, from its own address: OK only', () => {
    const i: Inspection = { target: target(), ...ok, currentUser: 'mmm_monitor@10.0.0.5', clientUser: 'mmm_monitor@10.0.0.5', tlsVersion: 'TLSv1.3', createUser: "CREATE USER `mmm_monitor`@`10.0.0.5` IDENTIFIED BY PASSWORD '*7B' REQUIRE SSL" };
    expect(lines(i)).to.deep.equal(["OK monitor@db2: 'mmm_monitor'@'10.0.0.5' on 10.0.0.12:3306 (MariaDB 10.11.19) has SLAVE MONITOR (SHOW SLAVE STATUS ran)"]);
  });

  it('monitor in clear, no REQUIRE SSL, from any address: three warnings, two with the statement; exit stays 0', () => {
    const i: Inspection = {
      target: target({ via: { kind: 'tcp', host: '10.0.0.12', port: 3306 } }), ...ok,
      currentUser: 'mmm_monitor@%', clientUser: 'mmm_monitor@10.0.0.5', tlsVersion: '', createUser: "CREATE USER `mmm_monitor`@`%` IDENTIFIED BY PASSWORD '*7B'",
    };
    expect(lines(i).slice(1)).to.deep.equal([
      "WARN monitor@db2: 'mmm_monitor'@'%' on 10.0.0.12:3306 (MariaDB 10.11.19): logged in without TLS (mysql_ssl off for db2): the password and what the monitor account reads cross the network readable (docs/mysql-tls.md)",
      "WARN monitor@db2: 'mmm_monitor'@'%' on 10.0.0.12:3306 (MariaDB 10.11.19) does not REQUIRE SSL: its password also works without TLS, from a sniffed login or a leaked config",
      "    fix on db2: ALTER USER 'mmm_monitor'@'%' REQUIRE SSL;",
      "WARN monitor@db2: 'mmm_monitor'@'%' on 10.0.0.12:3306 (MariaDB 10.11.19) accepts logins from any address ('%'): grant it to the monitor's address (this login came from 10.0.0.5) (docs/accounts.md)",
      "    fix on db2: RENAME USER 'mmm_monitor'@'%' TO 'mmm_monitor'@'10.0.0.5';",
    ]);
    expect(grantsExitCode(reportInspection(i))).to.equal(0);
  });

  it("agent over its socket matched at '%': the password works from the network too; RENAME to localhost", () => {
    const i: Inspection = {
      target: agentTarget(), version: MARIADB, currentUser: 'mmm_agent@%', clientUser: 'mmm_agent@localhost', tlsVersion: '',
      grants: ['GRANT READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, SLAVE MONITOR, REPLICATION SLAVE ADMIN ON *.* TO `mmm_agent`@`%`'],
      probes: [{ statement: 'SHOW ALL SLAVES STATUS' }],
    };
    expect(lines(i).slice(1)).to.deep.equal([
      "WARN agent@db2: 'mmm_agent'@'%' on /run/mysqld/mysqld.sock (MariaDB 10.11.19): the agent logs in over the unix socket, yet the account accepts its password from '%': whoever has it could SET GLOBAL read_only from another host; grant it at 'localhost' only (docs/accounts.md)",
      "    fix on db2: RENAME USER 'mmm_agent'@'%' TO 'mmm_agent'@'localhost';",
    ]);
    expect(reportInspection({ ...i, currentUser: 'mmm_agent@localhost' })).to.have.length(1); // OK only: no TLS needed on a socket
  });

  it('a refused login in clear names REQUIRE SSL; a TLS failure names its cause', () => {
    const denied = reportInspection({ target: target({ via: { kind: 'tcp', host: '10.0.0.12', port: 3306 } }), login: { errno: 1045, message: "Access denied for user 'mmm_monitor'@'10.0.0.5' (using password: YES)" }, probes: [] });
    expect(denied[0]!.fix).to.match(/; if the account has REQUIRE SSL, this login had no TLS: turn mysql_ssl on \(docs\/mysql-tls\.md\)$/);
    const noTls = reportInspection({ target: target(), login: { code: 'HANDSHAKE_NO_SSL_SUPPORT', message: 'Server does not support secure connection' }, probes: [] });
    expect(noTls[0]!.reason).to.match(/^cannot check: no session on 10\.0\.0\.12:3306: Server does not support secure connection \(the server offers no TLS, have_ssl=DISABLED/);
  });
});
