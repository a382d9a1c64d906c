import { expect } from 'chai';
import { buildRejectRemoval, buildRejectRuleset, rejectTableName } from '../../src/reject/ruleset';
import { rejectSetting } from '../../src/reject/setting';

const HEAD = 'table inet mmm_reject_db1\ndelete table inet mmm_reject_db1\n';
const chain = (rules: string[]) =>
  `${HEAD}table inet mmm_reject_db1 {\n  chain prerouting {\n    type filter hook prerouting priority -300; policy accept;\n${rules.map((r) => `    ${r}\n`).join('')}  }\n}\n`;

describe('reject/ruleset: the nft script (pure)', () => {
  const cases: Array<{ name: string; vips: string[]; port: number; want: string }> = [
    {
      name: 'one IPv4 VIP',
      vips: ['10.0.0.100'],
      port: 3306,
      want: chain(['ip daddr { 10.0.0.100 } tcp dport 3306 fib daddr type != local counter reject with tcp reset']),
    },
    {
      name: 'several, deduplicated and sorted, another port',
      vips: ['10.0.0.102', '10.0.0.100', '10.0.0.102'],
      port: 13306,
      want: chain(['ip daddr { 10.0.0.100, 10.0.0.102 } tcp dport 13306 fib daddr type != local counter reject with tcp reset']),
    },
    {
      name: 'IPv6 only',
      vips: ['fd00::100'],
      port: 3306,
      want: chain(['ip6 daddr { fd00::100 } tcp dport 3306 fib daddr type != local counter reject with tcp reset']),
    },
    {
      name: 'both families: one rule each',
      vips: ['fd00::100', '10.0.0.100'],
      port: 3306,
      want: chain([
        'ip daddr { 10.0.0.100 } tcp dport 3306 fib daddr type != local counter reject with tcp reset',
        'ip6 daddr { fd00::100 } tcp dport 3306 fib daddr type != local counter reject with tcp reset',
      ]),
    },
    { name: 'no VIP: the table is removed', vips: [], port: 3306, want: HEAD },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(buildRejectRuleset({ table: 'mmm_reject_db1', vips: c.vips, port: c.port })).to.equal(c.want);
    });
  }

  it('removal creates the table first, so it works whether the table exists or not (one transaction)', () => {
    expect(buildRejectRemoval('mmm_reject_db1')).to.equal(HEAD);
  });

  it('refuses what would make a broken or foreign script', () => {
    const bad: Array<[string, Parameters<typeof buildRejectRuleset>[0]]> = [
      ['table with a space', { table: 'mmm reject', vips: ['10.0.0.1'], port: 3306 }],
      ['table with a brace', { table: 'x}', vips: ['10.0.0.1'], port: 3306 }],
      ['port 0', { table: 't', vips: ['10.0.0.1'], port: 0 }],
      ['port 65536', { table: 't', vips: ['10.0.0.1'], port: 65536 }],
      ['not an address', { table: 't', vips: ['10.0.0.1; flush ruleset'], port: 3306 }],
      ['a zoned IPv6', { table: 't', vips: ['fe80::1%eth0'], port: 3306 }],
    ];
    for (const [name, r] of bad) expect(() => buildRejectRuleset(r), name).to.throw();
  });

  it('table names: mmm_reject_<host>; other characters become _ plus a hash of the real name', () => {
    expect(rejectTableName('db1')).to.equal('mmm_reject_db1');
    const dash = rejectTableName('db-1');
    const under = rejectTableName('db_1');
    expect(dash).to.match(/^mmm_reject_db_1_[0-9a-f]{8}$/);
    expect(under).to.equal('mmm_reject_db_1');
    expect(dash).to.not.equal(under);
    expect(rejectTableName('db.example.com')).to.match(/^mmm_reject_db_example_com_[0-9a-f]{8}$/);
    expect(rejectTableName('db-1')).to.equal(dash); // stable
    // every name is one the builder accepts
    for (const h of ['db1', 'db-1', 'ünïcode', 'x'.repeat(300)]) expect(() => buildRejectRemoval(rejectTableName(h)), h).to.not.throw();
  });
});

describe('reject/setting: on or off from the host config (pure)', () => {
  const base = { name: 'db1', mysqlPort: 3306 };
  it('on by default: the host table, its MySQL port, 60 s', () => {
    expect(rejectSetting(base)).to.deep.equal({ on: true, table: 'mmm_reject_db1', port: 3306, periodMs: 60_000 });
    expect(rejectSetting({ ...base, mysqlPort: 13306, vipReject: true, vipRejectPeriod: 2.5 })).to.deep.equal({ on: true, table: 'mmm_reject_db1', port: 13306, periodMs: 2500 });
  });
  it('vip_reject no: off, nothing said', () => {
    expect(rejectSetting({ ...base, vipReject: false })).to.deep.equal({ on: false });
    expect(rejectSetting({ ...base, vipReject: false, ipAddCommand: '/bin/vip add' })).to.deep.equal({ on: false });
  });
  it('VIP hooks: off, with a warning for the start (the hook may move the address anywhere)', () => {
    for (const h of [{ ipAddCommand: '/bin/vip add' }, { ipDelCommand: '/bin/vip del' }, { ipAddCommand: 'a', ipDelCommand: 'd', vipReject: true }]) {
      const s = rejectSetting({ ...base, ...h });
      expect(s.on).to.equal(false);
      expect(s.on === false && s.warning).to.match(/ip_add_command\/ip_del_command.*set vip_reject no/);
    }
  });
});
