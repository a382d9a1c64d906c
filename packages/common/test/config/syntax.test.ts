// Lexing both syntaxes: sections, includes, templates, lists, booleans, detection.
import { expect } from 'chai';
import { parseConfigText, parseConfigTextOrThrow } from '../../src/config';
import { levenshtein, closest } from '../../src/config/suggest';

const M = '/t/etc/mmm_agent.conf';
const CLUSTER2 = `active_master_role writer
<host default>
  cluster_interface eth0
  mysql_port 3307
</host>
<host db1>
  ip 10.0.0.1
  mode master
  peer db2
</host>
<host db2>
  ip 10.0.0.2
  mode master
  peer db1
  mysql_port 3308
</host>
<role writer>
  mode exclusive
  hosts db1, db2
  ips 10.0.0.100
</role>
`;

describe('config: syntax', () => {
  it('2.x include is relative to the including file; .conf may be left out', () => {
    const r = parseConfigTextOrThrow('agent', { [M]: '# agent\ninclude ../common/mmm_common\nthis db1\n', '/t/common/mmm_common.conf': CLUSTER2 }, M);
    expect(r.syntax).to.equal('2.x');
    expect(r.files).to.deep.equal([M, '/t/common/mmm_common.conf']);
    expect(r.config.this).to.equal('db1');
  });

  it('a missing include is an error at the include line', () => {
    const r = parseConfigText('agent', { [M]: 'this db1\ninclude nothere.conf\n' }, M);
    expect(r.issues.find((i) => i.line === 2)).to.include({ file: M, message: "included file 'nothere.conf' not found" });
  });

  it('include cycles are reported', () => {
    const r = parseConfigText('agent', { [M]: 'include b.conf\n', '/t/etc/b.conf': 'include mmm_agent.conf\n' }, M);
    const i = r.issues.find((x) => /cycle/.test(x.message));
    expect(i).to.include({ file: '/t/etc/b.conf', line: 1 });
  });

  it('<host default> fills unset keys of every host, then is removed', () => {
    const c = parseConfigTextOrThrow('agent', { [M]: `this db1\n${CLUSTER2}` }, M).config;
    expect(Object.keys(c.hosts)).to.deep.equal(['db1', 'db2']);
    expect(c.hosts.db1).to.include({ clusterInterface: 'eth0', mysqlPort: 3307 });
    expect(c.hosts.db2.mysqlPort).to.equal(3308);
  });

  it('<check default> fills every check; unknown check names are errors', () => {
    const c = parseConfigTextOrThrow('agent', { [M]: `this db1\n${CLUSTER2}<check default>\ntimeout 0.5\n</check>\n<check ping>\ntimeout 1\n</check>\n` }, M).config;
    expect(c.checks.mysql.timeout).to.equal(0.5);
    expect(c.checks.rep_backlog.timeout).to.equal(0.5);
    expect(c.checks.ping.timeout).to.equal(1);
    const r = parseConfigText('agent', { [M]: `this db1\n${CLUSTER2}<check mysq>\n</check>\n` }, M);
    expect(r.issues).to.have.length(1);
    expect(r.issues[0]).to.include({ line: 23, hint: 'did you mean mysql?' });
  });

  it('<type/> empty sections, comments, lists with spaces, booleans', () => {
    const text = `this db1\ndebug yes\n${CLUSTER2}<socket/>\n<monitor>\n  ip 127.0.0.1\n  ping_ips 10.0.0.1 ,10.0.0.2,  10.0.0.3\n  careful_startup off\n</monitor>\n# <host bogus>\n`;
    const c = parseConfigTextOrThrow('agent', { [M]: text }, M).config;
    expect(c.debug).to.equal(true);
    expect(c.socket.type).to.equal('plain');
    expect(c.monitor!.pingIps).to.deep.equal(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(c.monitor!.carefulStartup).to.equal(false);
    for (const [w, v] of [['true', true], ['on', true], ['1', true], ['no', false], ['0', false], ['FALSE', false]] as const) {
      expect(parseConfigTextOrThrow('agent', { [M]: `debug ${w}\nthis db1\n${CLUSTER2}` }, M).config.debug).to.equal(v);
    }
  });

  it('2.x structure errors: unclosed, stray close, mismatched close, nested', () => {
    const r = parseConfigText('agent', { [M]: `this db1\n${CLUSTER2}</host>\n<socket>\n<monitor>\n</socket>\n<role x>\n` }, M);
    const got = r.issues.map((i) => `${i.line}: ${i.message}`);
    expect(got).to.include('23: </host> without an open section');
    expect(got).to.include('25: section <monitor> opened inside <socket>');
    expect(got).to.include('26: </socket> closes <monitor> (line 25)');
    expect(got).to.include('27: <role x> is not closed');
  });

  it('1.x: sections, socket block as in README.ssl, log, email, parent_role', () => {
    const text = [
      'this db1', 'cluster_interface eth0', '', 'host db1', '    ip 10.0.0.1', '    mode slave',
      'role writer', '    servers db1', '    ip 10.0.0.100', '    parent_role x',
      'socket_type ssl',
      '    cert_file /usr/local/mmm/etc/ssl/ssl_crt.pem',
      '    key_file  /usr/local/mmm/etc/ssl/ssl_key.pem',
      '    ca_file   /usr/local/mmm/etc/ssl/ca_crt.pem',
      '    verify_mode 1',
      'log default', '    file /var/log/mmm.log', '    level debug',
      'email notify', '    from_address mmm@example.com', '    from_name MMM',
    ].join('\n');
    const r = parseConfigTextOrThrow('agent', { [M]: text }, M);
    expect(r.syntax).to.equal('1.x');
    expect(r.config.socket).to.include({ type: 'ssl', certFile: '/usr/local/mmm/etc/ssl/ssl_crt.pem', caFile: '/usr/local/mmm/etc/ssl/ca_crt.pem', verifyMode: 1 });
    expect(r.config.logs.default).to.deep.equal({ name: 'default', file: '/var/log/mmm.log', level: 'debug' });
    expect(r.warnings.join('\n')).to.match(/parent_role/).and.match(/email notify/);
  });

  it('1.x: indented line outside a section, header with two names, include', () => {
    const r = parseConfigText('agent', { [M]: '  ip 1.2.3.4\nhost db1 db2\ninclude other\n', '/t/etc/other.conf': 'this db1\n' }, M);
    // (a 1.x agent file without role sections is legal since issue 14: no 'no role writer' issue first)
    expect(r.issues.map((i) => `${i.line}: ${i.message}`)).to.include.members([
      '1: indented line outside a section', "2: 'host' header needs exactly one name"]);
  });

  it('1.x failover_method maps to monitor mode; auto stays active', () => {
    const base = 'monitor_ip 127.0.0.1\nhost db1\n  ip 10.0.0.1\n  mode slave\nrole writer\n  mode exclusive\n  servers db1\n  ip 10.0.0.9\n';
    for (const [fm, mode] of [['auto', 'active'], ['manual', 'manual'], ['wait', 'wait']]) {
      expect(parseConfigTextOrThrow('monitor', { [M]: `failover_method ${fm}\n${base}` }, M).config.monitor!.mode).to.equal(mode);
    }
    expect(parseConfigTextOrThrow('monitor', { [M]: base }, M).config.monitor!.mode).to.equal('active');
  });

  it('1.x host user/password are agent creds in an agent conf and monitor creds in a mon conf', () => {
    const text = 'this db1\ncluster_interface eth0\nmonitor_ip 127.0.0.1\nhost db1\n  ip 10.0.0.1\n  mode slave\n  user u\n  password p\nrole writer\n  mode exclusive\n  servers db1\n  ip 10.0.0.9\n';
    const a = parseConfigTextOrThrow('agent', { [M]: text }, M).config.hosts.db1;
    const m = parseConfigTextOrThrow('monitor', { [M]: text }, M).config.hosts.db1;
    expect(a).to.include({ agentUser: 'u', agentPassword: 'p' });
    expect(m).to.include({ monitorUser: 'u', monitorPassword: 'p' });
    expect(m.agentUser).to.equal(undefined);
  });

  it('1.x bind_port is the agent port of `this` (agent) or the monitor port (monitor)', () => {
    const text = 'this db1\ncluster_interface eth0\nbind_port 9999\nmonitor_ip 127.0.0.1\nhost db1\n  ip 10.0.0.1\n  mode slave\nhost db2\n  ip 10.0.0.2\n  mode slave\nrole writer\n  mode exclusive\n  servers db1\n  ip 10.0.0.9\n';
    const a = parseConfigTextOrThrow('agent', { [M]: text }, M).config;
    expect(a.hosts.db1.agentPort).to.equal(9999);
    expect(a.hosts.db2.agentPort).to.equal(9989);
    expect(parseConfigTextOrThrow('monitor', { [M]: text }, M).config.monitor!.port).to.equal(9999);
  });

  it('detection: a file set with any line starting with < is 2.x', () => {
    const r = parseConfigText('agent', { [M]: 'include c.conf\nthis db1\n', '/t/etc/c.conf': CLUSTER2 }, M);
    expect(r.loaded!.syntax).to.equal('2.x');
  });

  it('suggest: levenshtein and closest', () => {
    expect(levenshtein('kitten', 'sitting')).to.equal(3);
    expect(closest('cert_fiel', ['cert_file', 'key_file'])).to.equal('cert_file');
    expect(closest('zzzzzz', ['cert_file'])).to.equal(undefined);
  });
});
