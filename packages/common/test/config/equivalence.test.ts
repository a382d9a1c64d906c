// DESIGN §2: the same cluster written in 1.x and in 2.x gives a deep-equal MmmConfig.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig, parseConfigText } from '../../src/config';
import type { Program } from '../../src/config';
import { copyEtc, tempDir } from './helpers';

describe('config: 1.x and 2.x give the same model', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
    copyEtc(dir, '1.x');
    copyEtc(dir, '2.x');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const cases: [Program, string][] = [['agent', 'mmm_agent.conf'], ['monitor', 'mmm_mon.conf'], ['control', 'mmm_mon.conf']];
  for (const [program, file] of cases) {
    it(`etc/1.x and etc/2.x ${file} as ${program}`, () => {
      const v1 = loadConfig({ program, file: path.join(dir, '1.x', file) });
      const v2 = loadConfig({ program, file: path.join(dir, '2.x', file) });
      expect(v1.syntax).to.equal('1.x');
      expect(v2.syntax).to.equal('2.x');
      expect(v1.config).to.deep.equal(v2.config);
    });
  }

  it('the shared model has what both files say', () => {
    const c = loadConfig({ program: 'monitor', file: path.join(dir, '1.x', 'mmm_mon.conf') }).config;
    expect(c.activeMasterRole).to.equal('writer');
    expect(Object.keys(c.hosts)).to.deep.equal(['db1', 'db2', 'db3']);
    expect(c.hosts.db1).to.include({ ip: '192.168.0.11', mode: 'master', peer: 'db2', mysqlPort: 3306, agentPort: 9989,
      monitorUser: 'mmm_monitor', clusterInterface: 'eth0', replicationUser: 'replication' });
    expect(c.hosts.db1.agentUser).to.equal(undefined);
    expect(c.roles.writer).to.deep.equal({ name: 'writer', mode: 'exclusive', hosts: ['db1', 'db2'], ips: ['192.168.0.100'] });
    expect(c.roles.reader.ips).to.have.length(3);
    expect(c.monitor).to.include({ ip: '127.0.0.1', port: 9988, mode: 'active', autoSetOnline: 60 });
    expect(c.checks.mysql).to.include({ checkPeriod: 1, trapPeriod: 2, timeout: 2 });
    expect(c.socket).to.include({ type: 'ssl', verifyMode: 1, certFile: '/etc/mmm/ssl/monitor.crt' });
    expect(c.socket.peerRoles).to.deep.include({ match: 'db2', role: 'agent' });
    const a = loadConfig({ program: 'agent', file: path.join(dir, '2.x', 'mmm_agent.conf') }).config;
    expect(a.this).to.equal('db1');
    expect(a.hosts.db3).to.include({ agentUser: 'mmm_agent', pidPath: '/run/mmmd_agent.pid' });
    expect(a.monitor).to.equal(undefined);
  });

  it('an inline cluster with every syntax feature is equal in both syntaxes', () => {
    const v1 = `
this db2
bind_port 9990
agent_port 9990
cluster_interface eth1
host db1
  ip 10.0.0.1
  mode master
  peer db2
  ip_add_command /bin/vip add
host db2
  ip 10.0.0.2
  mode master
  peer db1
  port 3307
role writer
  mode exclusive
  servers db1, db2
  ip 10.0.0.100
check mysql
  check_period 0.25
  timeout 0.5
socket_type ssl
  cert_file ssl/a.crt
  key_file ssl/a.key
  ca_file ssl/ca.crt
  tls_min_version TLSv1.3
  tls_listen both
  tls_connect relaxed
  crl_file ssl/ca.crl
  cert_expiry_warn_days 7
switch_timeout 3.5
`;
    const v2 = `
this db2
active_master_role writer
switch_timeout 3.5
<host default>
  cluster_interface eth1
  agent_port 9990
</host>
<host db1>
  ip 10.0.0.1
  mode master
  peer db2
  ip_add_command /bin/vip add
</host>
<host db2>
  ip 10.0.0.2
  mode master
  peer db1
  mysql_port 3307
</host>
<role writer>
  mode exclusive
  hosts db1,db2
  ips 10.0.0.100
</role>
<check mysql>
  check_period 0.25
  timeout .5
</check>
<socket>
  type ssl
  cert_file ssl/a.crt
  key_file ssl/a.key
  ca_file ssl/ca.crt
  tls_min_version TLSv1.3
  tls_listen both
  tls_connect relaxed
  crl_file ssl/ca.crl
  cert_expiry_warn_days 7
</socket>
`;
    const a = parseConfigText('agent', { '/t/one/mmm_agent.conf': v1 }, '/t/one/mmm_agent.conf');
    const b = parseConfigText('agent', { '/t/one/mmm_agent.conf': v2 }, '/t/one/mmm_agent.conf');
    expect(a.issues).to.deep.equal([]);
    expect(b.issues).to.deep.equal([]);
    expect(a.loaded!.config).to.deep.equal(b.loaded!.config);
    expect(a.loaded!.config.socket.crlFile).to.equal('/t/one/ssl/ca.crl');
    expect(a.loaded!.config.checks.mysql.timeout).to.equal(0.5);
  });
});
