// mysql_socket, mysql_ssl, mysql_ssl_ca: defaults, both syntaxes, resolution and refusals.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DEFAULT_MYSQL_SOCKET, checkConfig, localMysqlTarget, mysqlTlsOf, parseConfigText, parseConfigTextOrThrow,
} from '../../src/config';
import { tempDir, writeFiles } from './helpers';

const M = '/t/etc/mmm.conf';
const HOSTS = `<host db1>
  ip 10.0.0.1
  mode master
  peer db2
  cluster_interface eth0
</host>
<host db2>
  ip 10.0.0.2
  mode master
  peer db1
  mysql_port 3307
</host>
<role writer>
  hosts db1, db2
  ips 10.0.0.100
</role>
`;
const SSL = '<socket>\n  type ssl\n  cert_file a.crt\n  key_file a.key\n  ca_file ca.crt\n</socket>\n';
const agent = (extra: string): ReturnType<typeof parseConfigTextOrThrow> =>
  parseConfigTextOrThrow('agent', { [M]: `this db1\nactive_master_role writer\n${extra}${HOSTS}` }, M);

describe('config: MySQL links (mysql_socket, mysql_ssl, mysql_ssl_ca)', () => {
  it('defaults: the packaged socket; TLS on with the socket ca_file, off without a CA', () => {
    const c = agent(SSL).config;
    expect(localMysqlTarget(c.hosts.db1)).to.deep.equal({ kind: 'socket', socketPath: DEFAULT_MYSQL_SOCKET });
    expect(mysqlTlsOf(c, c.hosts.db2)).to.deep.equal({ caFile: '/t/etc/ca.crt' });
    const plain = agent('').config;
    expect(mysqlTlsOf(plain, plain.hosts.db2)).to.equal(undefined);
  });

  it('relative mysql_socket and mysql_ssl_ca resolve against the file that says them; none means TCP on loopback', () => {
    const c = agent(`${SSL}<host default>\n  mysql_socket run/my.sock\n  mysql_ssl_ca mysql/ca.pem\n</host>\n`).config;
    expect(localMysqlTarget(c.hosts.db1)).to.deep.equal({ kind: 'socket', socketPath: '/t/etc/run/my.sock' });
    expect(mysqlTlsOf(c, c.hosts.db1)).to.deep.equal({ caFile: '/t/etc/mysql/ca.pem' });
    const n = agent('<host default>\n  mysql_socket none\n</host>\n').config;
    expect(localMysqlTarget(n.hosts.db2)).to.deep.equal({ kind: 'tcp', host: '127.0.0.1', port: 3307 });
  });

  it('mysql_ssl off wins over a CA; mysql_ssl_ca alone turns TLS on without an ssl socket', () => {
    const off = agent(`${SSL}<host default>\n  mysql_ssl off\n</host>\n`).config;
    expect(mysqlTlsOf(off, off.hosts.db1)).to.equal(undefined);
    const ca = agent('<host default>\n  mysql_ssl_ca /etc/mysql/ca.pem\n</host>\n').config;
    expect(mysqlTlsOf(ca, ca.hosts.db2)).to.deep.equal({ caFile: '/etc/mysql/ca.pem' });
  });

  it('mysql_ssl on without any CA is refused at its line', () => {
    const r = parseConfigText('agent', { [M]: `this db1\nactive_master_role writer\n<host default>\n  mysql_ssl on\n</host>\n${HOSTS}` }, M);
    expect(r.issues.map((i) => `${i.line}: ${i.message}`)).to.deep.equal([
      '4: mysql_ssl on for db1 needs the CA that signed its MySQL server certificate',
      '4: mysql_ssl on for db2 needs the CA that signed its MySQL server certificate',
    ]);
  });

  it('1.x: top-level keys fill every host, a host section overrides; equal to the 2.x form', () => {
    const v1 = `this db1
mysql_socket /run/x.sock
mysql_ssl_ca /etc/mysql/ca.pem
cluster_interface eth0
host db1
  ip 10.0.0.1
  mode master
  peer db2
host db2
  ip 10.0.0.2
  mode master
  peer db1
  port 3307
  mysql_ssl 0
role writer
  mode exclusive
  servers db1, db2
  ip 10.0.0.100
`;
    const v2 = `this db1
active_master_role writer
<host default>
  mysql_socket /run/x.sock
  mysql_ssl_ca /etc/mysql/ca.pem
  cluster_interface eth0
</host>
${HOSTS.replace('  mysql_port 3307\n', '  mysql_port 3307\n  mysql_ssl 0\n')}`;
    const a = parseConfigTextOrThrow('agent', { [M]: v1 }, M).config;
    const b = parseConfigTextOrThrow('agent', { [M]: v2 }, M).config;
    expect(a.hosts).to.deep.equal(b.hosts);
    expect(mysqlTlsOf(a, a.hosts.db1)).to.deep.equal({ caFile: '/etc/mysql/ca.pem' });
    expect(mysqlTlsOf(a, a.hosts.db2)).to.equal(undefined);
  });

  it('--check-config: a missing mysql_ssl_ca is a problem at the line that names it', () => {
    const dir = tempDir();
    try {
      writeFiles(dir, { 'mmm_agent.conf': `this db1\nactive_master_role writer\n<host default>\n  mysql_ssl_ca nowhere.pem\n</host>\n${HOSTS}` });
      const r = checkConfig({ program: 'agent', file: path.join(dir, 'mmm_agent.conf') });
      expect(r.issues.map((i) => `${i.line}: ${i.message}`)).to.deep.equal([`4: mysql_ssl_ca ${path.join(dir, 'nowhere.pem')} does not exist`]);
      fs.writeFileSync(path.join(dir, 'nowhere.pem'), 'x');
      expect(checkConfig({ program: 'agent', file: path.join(dir, 'mmm_agent.conf') }).issues).to.deep.equal([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
