// durability / semisync_timeout (our keys, issue 16): defaults, both syntaxes, bad values with
// file:line, and the warning when the timeout does not exceed the writer lease.
import { expect } from 'chai';
import { parseConfigText, parseConfigTextOrThrow, semisyncWarning } from '../../src/config';
import { TOP_RULES } from '../../src/config/ruleset';

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
`;
const V1_CLUSTER = 'host db1\n  ip 10.0.0.1\n  mode slave\nrole writer\n  mode exclusive\n  servers db1\n  ip 10.0.0.9\n';
const M = '/t/mmm.conf';
const parse2 = (text: string) => parseConfigText('agent', { [M]: `this db1\nactive_master_role writer\n${text}${HOSTS2}` }, M);
const load2 = (text: string) => {
  const r = parse2(text);
  return { config: r.loaded?.config, warnings: r.loaded?.warnings ?? [], issues: r.issues };
};

describe('config: durability and semisync_timeout (our addition)', () => {
  it('default: async (MMM), timeout 30 s, no warning', () => {
    const r = load2('');
    expect(r.config).to.include({ durability: 'async', semisyncTimeout: 30 });
    expect(r.warnings.filter((w) => /semisync/.test(w))).to.deep.equal([]);
  });

  it('2.x top level: semisync and a timeout in seconds (fractions allowed)', () => {
    expect(load2('durability semisync\nsemisync_timeout 12.5\n').config).to.include({ durability: 'semisync', semisyncTimeout: 12.5 });
  });

  it('1.x: the same keys at top level', () => {
    const c = parseConfigTextOrThrow('agent', { [M]: `this db1\ndurability semisync\nsemisync_timeout 20\ncluster_interface eth0\n${V1_CLUSTER}` }, M).config;
    expect(c).to.include({ durability: 'semisync', semisyncTimeout: 20 });
  });

  it('refuses another durability or a timeout that is not a positive number, at the line', () => {
    const bad = load2('durability sync\n').issues;
    expect(bad.map((i) => i.line)).to.deep.equal([3]);
    expect(bad[0].message).to.match(/durability/);
    for (const v of ['0', '-1', 'soon']) expect(load2(`semisync_timeout ${v}\n`).issues.map((i) => i.line), v).to.deep.equal([3]);
  });

  it('is not a <monitor> key: agents read it too, so it lives at the top of mmm_common.conf', () => {
    const r = parseConfigText('monitor', { [M]: `active_master_role writer\n<monitor>\n  ip 127.0.0.1\n  durability semisync\n</monitor>\n${HOSTS2}` }, M);
    expect(r.issues.map((i) => `${i.line}: ${i.message}`)).to.deep.equal(["4: unknown key 'durability' in <monitor>"]);
  });

  it('both keys are ours (so --check-config can list them as keys MMM 2.2.1 rejects)', () => {
    expect(TOP_RULES.durability).to.include({ ours: true, default: 'async' });
    expect(TOP_RULES.semisync_timeout).to.include({ ours: true, default: '30' });
  });

  it('warns when semisync_timeout is not above writer_lease + 5 s (an isolated writer would acknowledge writes before it fences)', () => {
    const r = load2('durability semisync\nsemisync_timeout 15\nwriter_lease 10\n');
    expect(r.warnings.filter((w) => /semisync_timeout/.test(w))).to.deep.equal([
      'semisync_timeout 15 s is not above writer_lease + 5 s (15 s): a writer cut off from every replica falls back to asynchronous replication and acknowledges writes before its lease fences it, and a failover loses them (set semisync_timeout above 15)',
    ]);
    expect(load2('durability semisync\nsemisync_timeout 15.5\nwriter_lease 10\n').warnings.filter((w) => /semisync_timeout/.test(w))).to.deep.equal([]);
    // the defaults (30 s, lease 10 s) do not warn
    expect(load2('durability semisync\n').warnings.filter((w) => /semisync_timeout/.test(w))).to.deep.equal([]);
    // async: the timeout means nothing
    expect(semisyncWarning({ durability: 'async', semisyncTimeout: 1, writerLease: 10 })).to.equal(undefined);
  });
});
