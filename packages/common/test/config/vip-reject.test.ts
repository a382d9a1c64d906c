// vip_reject / vip_reject_period (our host keys, issue 18): defaults, both syntaxes, <host default>,
// bad values with file:line.
import { expect } from 'chai';
import { parseConfigText, parseConfigTextOrThrow } from '../../src/config';
import { SECTION_RULES } from '../../src/config/ruleset';

const M = '/t/mmm.conf';
const HOSTS2 = (db1Extra = '') => `<host db1>
  ip 10.0.0.1
  mode master
  peer db2
  cluster_interface eth0
${db1Extra}</host>
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
`;
const parse2 = (text: string) => parseConfigText('agent', { [M]: `this db1\nactive_master_role writer\n${text}` }, M);
const V1 = 'host db1\n  ip 10.0.0.1\n  mode slave\nrole writer\n  mode exclusive\n  servers db1\n  ip 10.0.0.9\n';

describe('config: vip_reject and vip_reject_period (our host keys)', () => {
  it('unset: nothing in the host model (the agent applies the defaults: on, 60 s)', () => {
    const c = parse2(HOSTS2()).loaded!.config;
    expect(c.hosts.db1.vipReject).to.equal(undefined);
    expect(c.hosts.db1.vipRejectPeriod).to.equal(undefined);
    expect(SECTION_RULES.host.keys.vip_reject).to.include({ kind: 'bool', ours: true, default: 'yes' });
    expect(SECTION_RULES.host.keys.vip_reject_period).to.include({ kind: 'posnum', ours: true, default: '60' });
  });

  it('2.x: per host, and from <host default> for every host', () => {
    const c = parse2(`<host default>\n  vip_reject_period 7.5\n</host>\n${HOSTS2('  vip_reject no\n')}`).loaded!.config;
    expect(c.hosts.db1).to.include({ vipReject: false, vipRejectPeriod: 7.5 });
    expect(c.hosts.db2).to.include({ vipRejectPeriod: 7.5 });
    expect(c.hosts.db2.vipReject).to.equal(undefined);
    for (const [word, v] of [['yes', true], ['on', true], ['1', true], ['off', false], ['0', false]] as const) {
      expect(parse2(HOSTS2(`  vip_reject ${word}\n`)).loaded!.config.hosts.db1.vipReject, word).to.equal(v);
    }
  });

  it('1.x: at top level for every host (like mysql_socket), or in a host section', () => {
    const top = parseConfigTextOrThrow('agent', { [M]: `this db1\nvip_reject off\nvip_reject_period 3\ncluster_interface eth0\n${V1}` }, M).config;
    expect(top.hosts.db1).to.include({ vipReject: false, vipRejectPeriod: 3 });
    const inHost = parseConfigTextOrThrow('agent', { [M]: `this db1\ncluster_interface eth0\n${V1.replace('  mode slave\n', '  mode slave\n  vip_reject_period 9\n')}` }, M).config;
    expect(inHost.hosts.db1.vipRejectPeriod).to.equal(9);
  });

  it('refuses a value that is not a boolean or not a positive number, at its line, with a hint', () => {
    const bad = parse2(HOSTS2('  vip_reject sometimes\n')).issues;
    expect(bad.map((i) => `${i.file}:${i.line}: ${i.message}`)).to.deep.equal([`${M}:8: vip_reject 'sometimes' is not a boolean`]);
    expect(bad[0].hint).to.match(/yes/);
    for (const v of ['0', '-5', 'soon', '']) {
      const issues = parse2(HOSTS2(`  vip_reject_period ${v}\n`)).issues;
      expect(issues.map((i) => i.line), `'${v}'`).to.deep.equal([8]);
      expect(issues[0].message, `'${v}'`).to.match(/vip_reject_period/);
    }
  });

  it('is a host key: at the top of a 2.x file it is unknown', () => {
    const r = parse2(`vip_reject no\n${HOSTS2()}`);
    expect(r.issues.map((i) => `${i.line}: ${i.message}`)).to.deep.equal(["3: unknown key 'vip_reject'"]);
  });
});
