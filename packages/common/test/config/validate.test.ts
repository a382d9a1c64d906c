// Every validation error, with its exact file:line, all returned at once.
import { expect } from 'chai';
import { parseConfigText, parseConfigTextOrThrow } from '../../src/config';
import type { Program } from '../../src/config';
import { ConfigError } from '../../src/errors';
import type { ConfigIssue } from '../../src/errors';

const HOSTS2 = `<host db1>
  ip 10.0.0.1
  mode master
  peer db2
  cluster_interface eth0
</host>
<host db2>
  ip 10.0.0.2
  mode master
  peer db1
</host>
<role writer>
  mode exclusive
  hosts db1, db2
  ips 10.0.0.100
</role>
`; // 16 lines

const V1_CLUSTER = 'host db1\n  ip 10.0.0.1\n  mode slave\nrole writer\n  mode exclusive\n  servers db1\n  ip 10.0.0.9\n';

const M = '/t/mmm.conf';
const issues = (program: Program, text: string, files: Record<string, string> = {}): ConfigIssue[] =>
  parseConfigText(program, { [M]: text, ...files }, M).issues;
const lines = (is: ConfigIssue[]): string[] => is.map((i) => `${i.file.replace('/t/', '')}:${i.line}`);
const one = (is: ConfigIssue[]): ConfigIssue => {
  expect(is, JSON.stringify(is)).to.have.length(1);
  return is[0];
};

describe('config: validation', () => {
  it('a valid 2.x agent config has no issues', () => {
    expect(issues('agent', `this db1\nactive_master_role writer\n${HOSTS2}`)).to.deep.equal([]);
  });

  it('unknown key → did you mean, at its line', () => {
    const is = issues('agent', `this db1\nactive_master_role writer\n${HOSTS2}<host db3>\n  ip 10.0.0.3\n  mdoe slave\n</host>\n`);
    expect(lines(is)).to.deep.equal(['mmm.conf:19', 'mmm.conf:21']); // and so mode is missing
    const i = is[1];
    expect(i.message).to.equal("unknown key 'mdoe' in <host db3>");
    expect(i.hint).to.equal('did you mean mode?');
  });

  it('unknown section and unknown top key (2.x), and a 1.x-looking line in 2.x', () => {
    const is = issues('agent', `this db1\nactive_master_role writer\n${HOSTS2}<hots db3>\n</hots>\nmonitor_ip 1.2.3.4\n`);
    expect(lines(is)).to.deep.equal(['mmm.conf:19', 'mmm.conf:21']);
    expect(is[0].hint).to.equal('did you mean <host>?');
    expect(is[1].message).to.equal("unknown key 'monitor_ip'");
    expect(is[1].hint).to.match(/read as 2\.x because \/t\/mmm\.conf:3 starts with '<'/);
  });

  it('unknown 1.x key in a 1.x file → did you mean a 1.x key', () => {
    const i = one(issues('monitor', `monitor_ip 127.0.0.1\nfailover_metod auto\n${V1_CLUSTER}`));
    expect(lines([i])).to.deep.equal(['mmm.conf:2']);
    expect(i.hint).to.equal('did you mean failover_method?');
  });

  it('missing this (agent) points at line 0; this must name a host', () => {
    const a = one(issues('agent', `active_master_role writer\n${HOSTS2}`));
    expect(lines([a])).to.deep.equal(['mmm.conf:0']);
    expect(a.message).to.equal("missing required key 'this'");
    const b = one(issues('agent', `this db9\nactive_master_role writer\n${HOSTS2}`));
    expect(lines([b])).to.deep.equal(['mmm.conf:1']);
    expect(b.hint).to.equal('did you mean db1?');
  });

  it('active_master_role is required (2.x agent/monitor) and must name a role', () => {
    const a = one(issues('agent', `this db1\n${HOSTS2}`));
    expect(lines([a])).to.deep.equal(['mmm.conf:0']);
    const b = one(issues('agent', `this db1\nactive_master_role writr\n${HOSTS2}`));
    expect(lines([b])).to.deep.equal(['mmm.conf:2']);
    expect(b.hint).to.equal('did you mean writer?');
  });

  it('1.x without a writer role: active master role defaults to writer and must exist', () => {
    const text = 'this db1\ncluster_interface eth0\nhost db1\n  ip 10.0.0.1\n  mode slave\nrole reader\n  ips 10.0.0.5\n'.replace('ips', 'ip');
    const i = one(issues('agent', text));
    expect(lines([i])).to.deep.equal(['mmm.conf:0']);
    expect(i.message).to.match(/no role 'writer'/);
    const ok = parseConfigTextOrThrow('agent', { [M]: text.replace('role reader', 'role writer') }, M);
    expect(ok.config.activeMasterRole).to.equal('writer');
    expect(ok.config.roles.writer.mode).to.equal('exclusive'); // 1.x agent conf without role mode
  });

  it('1.x agent file with no role sections at all (MMM 1.x kept roles in the monitor file): loads, with a warning', () => {
    const text = 'this db1\ncluster_interface eth0\nhost db1\n  ip 10.0.0.1\n  mode slave\n';
    const ok = parseConfigTextOrThrow('agent', { [M]: text }, M);
    expect(ok.config.roles).to.deep.equal({});
    expect(ok.warnings.join('\n')).to.match(/no role sections .*role IPs are taken as the monitor sends them/);
    // the monitor still needs its roles
    expect(issues('monitor', `${text}<monitor>\n`.replace('<monitor>\n', 'monitor_ip 127.0.0.1\n')).map((i) => i.message).join('\n')).to.match(/no role 'writer'|role/);
  });

  it('host ip required (header line), mode enum, mode required for agent/monitor', () => {
    const is = issues('monitor', `active_master_role writer\n<monitor>\nip 127.0.0.1\n</monitor>\n${HOSTS2}<host db3>\n  mode replica\n</host>\n<host db4>\nip 10.0.0.4\n</host>\n`);
    expect(lines(is)).to.deep.equal(['mmm.conf:21', 'mmm.conf:22', 'mmm.conf:24']);
    expect(is[0].message).to.equal("missing required key 'ip' in <host db3>");
    expect(is[1].message).to.equal("mode 'replica' is not one of master, slave");
    expect(is[2].message).to.equal("missing required key 'mode' in <host db4>");
  });

  it('peer: required for a master, must exist, must be a master', () => {
    const base = `this db1\nactive_master_role writer\n<host db1>\nip 10.0.0.1\nmode master\ncluster_interface eth0\n</host>\n<role writer>\nips 10.0.0.9\n</role>\n`;
    const a = one(issues('agent', base));
    expect(lines([a])).to.deep.equal(['mmm.conf:3']);
    expect(a.message).to.match(/master db1 has no 'peer'/);
    const b = one(issues('agent', base.replace('mode master', 'mode master\npeer db7')));
    expect(lines([b])).to.deep.equal(['mmm.conf:6']);
    const c = one(issues('agent', `${base.replace('mode master', 'mode master\npeer db3')}<host db3>\nip 10.0.0.3\nmode slave\n</host>\n`));
    expect(lines([c])).to.deep.equal(['mmm.conf:6']);
    expect(c.message).to.equal("peer 'db3' of db1 is not a master");
  });

  it("cluster_interface is required for the agent's own host only", () => {
    const i = one(issues('agent', `this db2\nactive_master_role writer\n${HOSTS2}`));
    expect(lines([i])).to.deep.equal(['mmm.conf:9']); // <host db2> header
    expect(i.message).to.equal("missing required key 'cluster_interface' in <host db2>");
    expect(issues('monitor', `active_master_role writer\n<monitor>\nip 127.0.0.1\n</monitor>\n${HOSTS2}`)).to.deep.equal([]);
  });

  it('<monitor> ip is required for monitor and control', () => {
    for (const p of ['monitor', 'control'] as const) {
      const a = one(issues(p, `active_master_role writer\n${HOSTS2}`));
      expect(lines([a])).to.deep.equal(['mmm.conf:0']);
      const b = one(issues(p, `active_master_role writer\n<monitor>\nport 9988\n</monitor>\n${HOSTS2}`));
      expect(lines([b])).to.deep.equal(['mmm.conf:2']);
      expect(b.message).to.equal("missing required key 'ip' in <monitor>");
    }
    const c = one(issues('monitor', `cluster_interface eth0\n${V1_CLUSTER}`));
    expect(c.message).to.equal("missing required key 'monitor_ip'"); // 1.x name
  });

  it('ping_ips default to the hosts ips', () => {
    const c = parseConfigTextOrThrow('monitor', { [M]: `active_master_role writer\n<monitor>\nip 127.0.0.1\n</monitor>\n${HOSTS2}` }, M).config;
    expect(c.monitor!.pingIps).to.deep.equal(['10.0.0.1', '10.0.0.2']);
  });

  it('role hosts naming an unknown host, prefer not among hosts, exclusive role with 2 ips', () => {
    const is = issues('monitor', `active_master_role writer\n<monitor>\nip 127.0.0.1\n</monitor>\n${HOSTS2}<role reader>\nmode exclusive\nhosts db1, dbx\nips 10.0.0.5, 10.0.0.6\nprefer db3\n</role>\n`);
    expect(lines(is)).to.deep.equal(['mmm.conf:23', 'mmm.conf:24', 'mmm.conf:25']);
    expect(is[0].message).to.equal("hosts of role reader: 'dbx' is not a host");
    expect(is[1].message).to.equal('exclusive role reader has 2 ips');
    expect(is[2].message).to.equal("prefer 'db3' is not among the hosts of role reader");
  });

  it('1.x role key names appear in messages (servers)', () => {
    const i = one(issues('monitor', 'monitor_ip 127.0.0.1\nrole writer\n  mode exclusive\n  servers db1\n  ip 10.0.0.1\n'));
    expect(lines([i])).to.deep.equal(['mmm.conf:4']);
    expect(i.message).to.equal("servers of role writer: 'db1' is not a host");
  });

  it('role mode/hosts required for the monitor, ips for agent and monitor', () => {
    const is = issues('monitor', `active_master_role writer\n<monitor>\nip 127.0.0.1\n</monitor>\n${HOSTS2}<role reader>\n</role>\n`);
    expect(lines(is)).to.deep.equal(['mmm.conf:21', 'mmm.conf:21', 'mmm.conf:21']);
    expect(is.map((i) => i.message)).to.deep.equal([
      "missing required key 'mode' in <role reader>", "missing required key 'hosts' in <role reader>", "missing required key 'ips' in <role reader>"]);
  });

  it('numbers: ports 1–65535, periods > 0, fractions allowed', () => {
    const is = issues('monitor', `active_master_role writer\n<monitor>\nip 127.0.0.1\nport 70000\nping_interval 0\nflap_count 1.5\n</monitor>\n${HOSTS2}<check ping>\ncheck_period 0.25\ntrap_period 0.5\ntimeout -1\nrestart_after 0\n</check>\n<host db3>\nip 10.0.0.3\nmode slave\nagent_port 0\n</host>\n`);
    expect(lines(is)).to.deep.equal(['mmm.conf:4', 'mmm.conf:5', 'mmm.conf:6', 'mmm.conf:27', 'mmm.conf:28', 'mmm.conf:33']);
    expect(is[0].message).to.equal("port '70000' is not a port");
    expect(is[0].hint).to.equal('ports are 1–65535');
    const ok = parseConfigTextOrThrow('monitor', { [M]: `active_master_role writer\n<monitor>\nip 127.0.0.1\n</monitor>\n${HOSTS2}<check ping>\ncheck_period 0.25\ntrap_period 0.5\n</check>\n` }, M);
    expect(ok.config.checks.ping).to.include({ checkPeriod: 0.25, trapPeriod: 0.5 });
  });

  it('bad enums and booleans, with suggestions', () => {
    const is = issues('agent', `this db1\ndebug maybe\nactive_master_role writer\n${HOSTS2}<socket>\ntype sll\nverify_mode 2\ntls_listen bith\npeer_role x boss\n</socket>\n`);
    expect(lines(is)).to.deep.equal(['mmm.conf:2', 'mmm.conf:21', 'mmm.conf:22', 'mmm.conf:23', 'mmm.conf:24']);
    expect(is[1].hint).to.equal('did you mean ssl?');
    expect(is[3].hint).to.equal('did you mean both?');
    expect(is[4].message).to.match(/peer_role role 'boss' is not one of monitor, control, agent, viewer/);
  });

  it('duplicate single keys in one block are errors; across files the later one wins', () => {
    const i = one(issues('agent', `this db1\nthis db2\nactive_master_role writer\n${HOSTS2}`));
    expect(lines([i])).to.deep.equal(['mmm.conf:2']);
    expect(i.message).to.equal("duplicate key 'this' (first given at /t/mmm.conf:1)");
    const r = parseConfigTextOrThrow('agent', {
      [M]: `include common.conf\nthis db1\n<host db1>\nip 10.0.0.11\n</host>\n`,
      '/t/common.conf': `active_master_role writer\n${HOSTS2}`,
    }, M);
    expect(r.config.hosts.db1.ip).to.equal('10.0.0.11');
  });

  it('socket ssl needs cert_file and key_file (all) and ca_file (agent, monitor)', () => {
    const i = issues('agent', `this db1\nactive_master_role writer\n${HOSTS2}<socket>\ntype ssl\n</socket>\n`);
    expect(lines(i)).to.deep.equal(['mmm.conf:19', 'mmm.conf:19', 'mmm.conf:19']);
    expect(i.map((x) => x.message)).to.deep.equal(["missing required key 'cert_file' in <socket>",
      "missing required key 'key_file' in <socket>", "missing required key 'ca_file' in <socket>"]);
    const ctl = '<monitor>\nip 127.0.0.1\n</monitor>\n<socket>\ntype ssl\nclient_cert_file c.crt\nclient_key_file c.key\nverify_mode 0\n</socket>\n';
    expect(issues('control', ctl)).to.deep.equal([]);
    expect(lines(issues('control', ctl.replace('verify_mode 0\n', '')))).to.deep.equal(['mmm.conf:4']);
  });

  it('1.x socket block missing a key points at the socket_type line', () => {
    const i = one(issues('control', 'monitor_ip 127.0.0.1\n\nsocket_type ssl\n    cert_file a.crt\n    ca_file ca.crt\n'));
    expect(lines([i])).to.deep.equal(['mmm.conf:3']);
    expect(i.message).to.equal("missing required key 'key_file' in 'socket_type'");
  });

  it('returns every problem at once, across files, in file order', () => {
    const is = issues('agent', `include common.conf\nthis dbz\nbogus 1\n`, { '/t/common.conf': '<host db1>\nip x\n</host>\n<role writer>\nips 1.1.1.1\n</role>\n' });
    expect(lines(is)).to.deep.equal(['mmm.conf:0', 'mmm.conf:2', 'mmm.conf:3', 'common.conf:1', 'common.conf:2']);
  });

  it('parseConfigTextOrThrow throws ConfigError CONFIG_INVALID with all issues', () => {
    try {
      parseConfigTextOrThrow('agent', { [M]: 'bogus 1\n' }, M);
      expect.fail('no throw');
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      expect((e as ConfigError).code).to.equal('CONFIG_INVALID');
      expect((e as ConfigError).message).to.match(/^\/t\/mmm\.conf:1: unknown key 'bogus' \(/m);
    }
  });
});

describe('demote_grace (our addition)', () => {
  const load = (text: string) => parseConfigTextOrThrow('agent', { [M]: `this db1\nactive_master_role writer\n${text}${HOSTS2}` }, M).config;
  it('defaults to 1 s', () => expect(load('').demoteGrace).to.equal(1));
  it('takes fractions and 0 (2.x top level)', () => {
    expect(load('demote_grace 0.2\n').demoteGrace).to.equal(0.2);
    expect(load('demote_grace 0\n').demoteGrace).to.equal(0);
  });
  it('is the same key in 1.x', () => {
    const c = parseConfigTextOrThrow('agent', { [M]: `this db1\ndemote_grace 0.5\ncluster_interface eth0\n${V1_CLUSTER}` }, M).config;
    expect(c.demoteGrace).to.equal(0.5);
  });
  it('refuses a negative or non-numeric value with file:line', () => {
    const bad = issues('agent', `this db1\nactive_master_role writer\ndemote_grace -1\n${HOSTS2}`);
    expect(bad.map((i) => `${i.line}`)).to.include('3');
    expect(issues('agent', `this db1\nactive_master_role writer\ndemote_grace soon\n${HOSTS2}`).some((i) => i.line === 3)).to.equal(true);
  });
});

describe('config: names that are Object.prototype members (issue 15 finding 7)', () => {
  it('refuses a host, role or log named __proto__, constructor, toString… in both syntaxes, naming the line', () => {
    for (const n of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const host = one(issues('agent', `this db1\nactive_master_role writer\n${HOSTS2}<host ${n}>\n  ip 10.0.0.3\n  mode slave\n</host>\n`));
      expect(host).to.deep.include({ line: 19, message: `host name '${n}' is reserved (a JavaScript object property name)`, hint: 'rename the host' });
      const role = one(issues('agent', `this db1\nactive_master_role writer\n${HOSTS2}<role ${n}>\n  hosts db1\n  ips 10.0.0.101\n</role>\n`));
      expect(role).to.deep.include({ line: 19, message: `role name '${n}' is reserved (a JavaScript object property name)` });
      const v1 = one(issues('agent', `this db1\n${V1_CLUSTER}host ${n}\n  ip 10.0.0.3\n  mode slave\n`).filter((i) => i.message.includes(n)));
      expect(v1.message).to.equal(`host name '${n}' is reserved (a JavaScript object property name)`);
    }
  });

  it('a reference to such a name is "not a host"/"not a role", and such a key is unknown (no crash, no silent pass)', () => {
    expect(one(issues('agent', `this db1\nactive_master_role writer\n${HOSTS2}<role reader>\n  hosts db1, constructor\n  ips 10.0.0.101\n</role>\n`)).message).to.equal(
      "hosts of role reader: 'constructor' is not a host",
    );
    expect(one(issues('agent', `this __proto__\nactive_master_role writer\n${HOSTS2}`)).message).to.equal("this '__proto__' is not a host");
    expect(one(issues('agent', `this db1\nactive_master_role toString\n${HOSTS2}`)).message).to.equal("active_master_role 'toString' is not a role");
    const peer = HOSTS2.replace('peer db2', 'peer valueOf');
    expect(one(issues('agent', `this db1\nactive_master_role writer\n${peer}`)).message).to.equal("peer 'valueOf' is not a host");
    for (const k of ['constructor', '__proto__', 'hasOwnProperty']) {
      expect(one(issues('agent', `this db1\nactive_master_role writer\n${k} 1\n${HOSTS2}`)).message).to.equal(`unknown key '${k}'`);
      const v1 = issues('agent', `this db1\n${V1_CLUSTER}${k} 1\n`).filter((i) => i.message.includes(k));
      expect(one(v1).message).to.match(new RegExp(`^unknown key '${k}'`));
    }
  });
});

describe('promotion policy and failover cooldown (our additions)', () => {
  const HOSTS3 = `${HOSTS2}<host db3>\n  ip 10.0.0.3\n  mode slave\n</host>\n`;
  const mon = (keys: string, roleExtra = '') =>
    `active_master_role writer\n<monitor>\n  ip 127.0.0.1\n${keys}</monitor>\n${HOSTS3.replace('  ips 10.0.0.100\n', `  ips 10.0.0.100\n${roleExtra}`)}`;
  const load = (keys: string, roleExtra = '') => parseConfigTextOrThrow('monitor', { [M]: mon(keys, roleExtra) }, M).config.monitor!;

  it('defaults: no never_writer, no order, no lag bound, failover_cooldown 3600 s', () => {
    const m = load('');
    expect([m.neverWriter, m.promotionOrder, m.failoverMaxLag, m.failoverCooldown]).to.deep.equal([undefined, undefined, undefined, 3600]);
  });

  it('reads the lists and numbers', () => {
    const m = load('  never_writer db3\n  promotion_order db2, db1\n  failover_max_lag 30\n  failover_cooldown 0\n');
    expect([m.neverWriter, m.promotionOrder, m.failoverMaxLag, m.failoverCooldown]).to.deep.equal([['db3'], ['db2', 'db1'], 30, 0]);
  });

  it('refuses unknown hosts, hosts that cannot be writer, contradictions, with file:line', () => {
    const at = (keys: string, roleExtra = '') => issues('monitor', mon(keys, roleExtra)).map((i) => `${i.line}: ${i.message}`);
    expect(at('  never_writer db9\n')).to.deep.equal(["4: never_writer: 'db9' is not a host"]);
    expect(at('  promotion_order db3\n')).to.deep.equal(['4: promotion_order: db3 cannot hold role writer']);
    expect(at('  never_writer db2\n  promotion_order db2, db1\n')).to.deep.equal(['5: promotion_order names db2, which never_writer excludes']);
    expect(at('  promotion_order db1, db1\n')).to.deep.equal(['4: promotion_order names db1 twice']);
    expect(at('  never_writer db1\n', '  prefer db1\n')).to.deep.equal(['4: never_writer names db1, the preferred host of role writer']);
    expect(at('  failover_max_lag 0\n')).to.have.length(1);
    expect(at('  failover_cooldown -5\n')).to.have.length(1);
  });

  it('are the same keys in a 1.x monitor file', () => {
    const c = parseConfigTextOrThrow('monitor', { [M]: `monitor_ip 127.0.0.1\nfailover_cooldown 60\nnever_writer db1\n${V1_CLUSTER.replace('servers db1', 'servers db1')}` }, M).config;
    expect([c.monitor!.failoverCooldown, c.monitor!.neverWriter]).to.deep.equal([60, ['db1']]);
  });
});

describe('observability keys (our additions, issue 17)', () => {
  const HOSTS3 = `${HOSTS2}<host db3>\n  ip 10.0.0.3\n  mode slave\n</host>\n`;
  const mon = (keys: string, hostKeys = '') =>
    `active_master_role writer\n<monitor>\n  ip 127.0.0.1\n${keys}</monitor>\n${HOSTS3.replace('  ip 10.0.0.3\n', `  ip 10.0.0.3\n${hostKeys}`)}`;
  const load = (keys: string, hostKeys = '') => parseConfigTextOrThrow('monitor', { [M]: mon(keys, hostKeys) }, M).config;
  const at = (keys: string, hostKeys = '') => issues('monitor', mon(keys, hostKeys)).map((i) => `${i.line}: ${i.message}`);

  it('off by default; hook_timeout 10 s, pre_failover_interval 30 s', () => {
    const c = load('');
    expect([c.monitor!.httpListen, c.monitor!.preFailoverCommand, c.monitor!.notifyCommand, c.monitor!.hookTimeout, c.monitor!.preFailoverInterval]).to.deep.equal([undefined, undefined, undefined, 10, 30]);
    expect([c.hosts.db3!.healthListen, c.hosts.db3!.healthHttpListen]).to.deep.equal([undefined, undefined]);
  });

  it('reads IP:PORT and [IPv6]:PORT, and the hook commands as written', () => {
    const c = load('  http_listen 10.0.0.10:9990\n  pre_failover_command /usr/local/bin/check --x 1\n  hook_timeout 2.5\n', '  health_listen [::1]:9991\n  health_http_listen 127.0.0.1:8008\n');
    expect(c.monitor!.httpListen).to.deep.equal({ ip: '10.0.0.10', port: 9990 });
    expect(c.monitor!.preFailoverCommand).to.equal('/usr/local/bin/check --x 1');
    expect(c.monitor!.hookTimeout).to.equal(2.5);
    expect(c.hosts.db3!.healthListen).to.deep.equal({ ip: '::1', port: 9991 });
    expect(c.hosts.db3!.healthHttpListen).to.deep.equal({ ip: '127.0.0.1', port: 8008 });
  });

  it('refuses what is not IP:PORT, and a listener on the control or agent port, with file:line', () => {
    expect(at('  http_listen 9990\n')).to.deep.equal(["4: http_listen '9990' is not IP:PORT"]);
    expect(at('  http_listen ::1:9990\n')).to.deep.equal(["4: http_listen '::1:9990' is not IP:PORT"]);
    expect(at('  http_listen 10.0.0.10:70000\n')).to.deep.equal(["4: http_listen '10.0.0.10:70000': port 70000 is not 1–65535"]);
    expect(at('  http_listen 0.0.0.0:9988\n')).to.deep.equal(['4: http_listen 0.0.0.0:9988 is the control port']);
    expect(at('', '  health_listen 10.0.0.3:9989\n')).to.deep.equal(['23: health_listen 10.0.0.3:9989 of db3 is its agent port']);
    expect(at('', '  health_listen 10.0.0.3:9991\n  health_http_listen 0.0.0.0:9991\n')).to.deep.equal(['24: health_http_listen of db3 is the same address as its health_listen']);
    expect(at('  hook_timeout 0\n')).to.have.length(1);
  });

  it('cluster_name: unset by default (the label falls back), a plain name as written, anything else refused with file:line', () => {
    expect(load('').monitor!.clusterName).to.equal(undefined); // the metrics label falls back to the @cluster, then 'default'
    expect(load('  cluster_name shop-eu1.a_b\n').monitor!.clusterName).to.equal('shop-eu1.a_b');
    expect(at('  cluster_name shop eu1\n')).to.deep.equal(["4: cluster_name 'shop eu1' is not a name"]);
    expect(at('  cluster_name -x\n')).to.deep.equal(["4: cluster_name '-x' is not a name"]);
  });

  it('are the same keys in a 1.x monitor file', () => {
    const c = parseConfigTextOrThrow('monitor', { [M]: `monitor_ip 127.0.0.1\nhttp_listen 127.0.0.1:9990\nnotify_command /bin/true\ncluster_name c1\n${V1_CLUSTER}` }, M).config;
    expect([c.monitor!.httpListen, c.monitor!.notifyCommand, c.monitor!.clusterName]).to.deep.equal([{ ip: '127.0.0.1', port: 9990 }, '/bin/true', 'c1']);
  });
});
