// I/O: the permission rule, the search order, relative paths, --check-config, etc/ examples.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfig, findConfigFile, loadConfig, unreadableReason } from '../../src/config';
import type { Program } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { copyEtc, tempDir, writeFiles } from './helpers';

const CLUSTER = `active_master_role writer
<host db1>
  ip 10.0.0.1
  mode slave
  cluster_interface eth0
</host>
<role writer>
  mode exclusive
  hosts db1
  ips 10.0.0.100
</role>
<monitor>
  ip 127.0.0.1
</monitor>
`;

function thrown(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('config: reading files', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a config readable by other, naming the file and chmod 600', () => {
    writeFiles(dir, { 'mmm_agent.conf': `this db1\n${CLUSTER}` }, 0o644);
    const file = path.join(dir, 'mmm_agent.conf');
    const e = thrown(() => loadConfig({ program: 'agent', file }));
    expect(e.code).to.equal('CONFIG_UNSAFE_MODE');
    expect(e.issues[0]).to.include({ file, line: 0, hint: `chmod 600 ${file}` });
    expect(e.issues[0].message).to.match(/readable by other/);
  });

  it('refuses an included file writable by other; allows group access (0640)', () => {
    writeFiles(dir, { 'mmm_agent.conf': 'include common.conf\nthis db1\n' }, 0o640);
    writeFiles(dir, { 'common.conf': CLUSTER }, 0o602);
    const inc = path.join(dir, 'common.conf');
    const e = thrown(() => loadConfig({ program: 'agent', file: path.join(dir, 'mmm_agent.conf') }));
    expect(e.issues.map((i) => i.hint)).to.deep.equal([`chmod 600 ${inc}`]);
    expect(e.issues[0].message).to.match(/writable by other/);
    fs.chmodSync(inc, 0o640);
    expect(loadConfig({ program: 'agent', file: path.join(dir, 'mmm_agent.conf') }).config.this).to.equal('db1');
  });

  it('search order: first of the dirs that has the file; @cluster picks mmm_mon_C.conf', () => {
    const dirs = ['a', 'b', 'c'].map((d) => path.join(dir, d));
    writeFiles(dir, { 'b/mmm_mon.conf': CLUSTER, 'c/mmm_mon.conf': CLUSTER, 'c/mmm_mon_east.conf': CLUSTER, 'c/mmm_agent_east.conf': `this db1\n${CLUSTER}` });
    expect(findConfigFile({ program: 'monitor', searchDirs: dirs })).to.equal(path.join(dir, 'b/mmm_mon.conf'));
    expect(findConfigFile({ program: 'control', cluster: '@east', searchDirs: dirs })).to.equal(path.join(dir, 'c/mmm_mon_east.conf'));
    const a = loadConfig({ program: 'agent', cluster: 'east', searchDirs: dirs });
    expect(a.files[0]).to.equal(path.join(dir, 'c/mmm_agent_east.conf'));
  });

  it('mmm_control: mmm_control.conf anywhere in the search order wins over mmm_mon.conf; mmm_mon.conf alone still works', () => {
    const dirs = ['a', 'b', 'c'].map((d) => path.join(dir, d));
    writeFiles(dir, { 'a/mmm_mon.conf': CLUSTER, 'c/mmm_control.conf': CLUSTER, 'b/mmm_mon_west.conf': CLUSTER });
    expect(findConfigFile({ program: 'control', searchDirs: dirs })).to.equal(path.join(dir, 'c/mmm_control.conf'));
    expect(findConfigFile({ program: 'monitor', searchDirs: dirs })).to.equal(path.join(dir, 'a/mmm_mon.conf'));
    expect(findConfigFile({ program: 'control', cluster: 'west', searchDirs: dirs })).to.equal(path.join(dir, 'b/mmm_mon_west.conf'));
    const e = thrown(() => findConfigFile({ program: 'control', cluster: 'north', searchDirs: dirs }));
    expect(e.issues[0].message).to.equal(
      `config file not found; searched ${[...dirs.map((d) => path.join(d, 'mmm_control_north.conf')), ...dirs.map((d) => path.join(d, 'mmm_mon_north.conf'))].join(', ')}`,
    );
  });

  it('an unreadable config is one clear problem, not a guessed syntax', function () {
    if (process.getuid?.() === 0) {
      // root reads every file; the unit of the rule is unreadableReason (tested with a RunAs below)
      const f = path.join(dir, 'mmm_mon.conf');
      writeFiles(dir, { 'mmm_mon.conf': CLUSTER });
      expect(unreadableReason(f, { name: 'mmm', uid: 4242, gids: [4242] })).to.be.a('string');
      return;
    }
    const f = path.join(dir, 'mmm_mon.conf');
    writeFiles(dir, { 'mmm_mon.conf': CLUSTER });
    fs.chmodSync(f, 0o000);
    const e = thrown(() => loadConfig({ program: 'monitor', file: f }));
    expect(e.issues).to.have.length(1);
    expect(e.issues[0].message).to.match(/^config file cannot be read by .*: EACCES$/);
  });

  it('missing file: CONFIG_NOT_FOUND naming every place searched', () => {
    const dirs = [path.join(dir, 'x'), path.join(dir, 'y')];
    const e = thrown(() => loadConfig({ program: 'agent', searchDirs: dirs }));
    expect(e.code).to.equal('CONFIG_NOT_FOUND');
    expect(e.message).to.contain(path.join(dir, 'x', 'mmm_agent.conf')).and.contain(path.join(dir, 'y', 'mmm_agent.conf'));
    expect(thrown(() => loadConfig({ program: 'agent', file: path.join(dir, 'nope.conf') })).code).to.equal('CONFIG_NOT_FOUND');
  });

  it('relative paths resolve against the folder of the file that names them', () => {
    writeFiles(dir, {
      'etc/mmm_mon.conf': 'include common/mmm_common.conf\n<monitor>\nip 127.0.0.1\nstatus_path ../var/status\n</monitor>\n',
      'etc/common/mmm_common.conf': `${CLUSTER.replace(/<monitor>[^]*$/, '')}<socket>\ntype ssl\ncert_file ssl/m.crt\nkey_file ssl/m.key\nca_file /abs/ca.crt\n</socket>\n`,
    });
    const c = loadConfig({ program: 'monitor', file: path.join(dir, 'etc/mmm_mon.conf') }).config;
    expect(c.monitor!.statusPath).to.equal(path.join(dir, 'var/status'));
    expect(c.socket.certFile).to.equal(path.join(dir, 'etc/common/ssl/m.crt'));
    expect(c.socket.caFile).to.equal('/abs/ca.crt');
  });

  describe('checkConfig (--check-config)', () => {
    const monConf = (extra: string): string => `${CLUSTER.replace('</monitor>', `${extra}</monitor>`)}<socket>
type ssl
cert_file ssl/mon.crt
key_file ssl/mon.key
ca_file ssl/ca.crt
crl_file ssl/ca.crl
</socket>
`;
    it('OK when every referenced file exists with safe modes', () => {
      writeFiles(dir, { 'mmm_mon.conf': monConf(`kill_host_bin bin/kill\nstatus_path var/st\n`), 'ssl/mon.crt': 'x', 'ssl/ca.crt': 'x', 'ssl/ca.crl': 'x', 'ssl/mon.key': 'k', 'bin/kill': '#!/bin/sh\n' });
      fs.chmodSync(path.join(dir, 'bin/kill'), 0o755);
      fs.mkdirSync(path.join(dir, 'var'));
      const r = checkConfig({ program: 'monitor', file: path.join(dir, 'mmm_mon.conf') });
      expect(r.issues).to.deep.equal([]);
      expect(r.loaded!.config.monitor!.killHostBin).to.equal(path.join(dir, 'bin/kill'));
    });

    it('reports missing files, an unsafe key, a non-executable kill_host_bin, a missing status dir, at their lines', () => {
      writeFiles(dir, { 'mmm_mon.conf': monConf(`kill_host_bin bin/kill\nstatus_path var/st\n`), 'ssl/mon.crt': 'x', 'bin/kill': '#!/bin/sh\n' });
      writeFiles(dir, { 'ssl/mon.key': 'k' }, 0o644);
      const file = path.join(dir, 'mmm_mon.conf');
      const r = checkConfig({ program: 'monitor', file });
      const got = r.issues.map((i) => `${path.relative(dir, i.file)}:${i.line} ${i.hint}`);
      expect(got).to.deep.equal([
        `mmm_mon.conf:20 chmod 600 ${path.join(dir, 'ssl/mon.key')}`,
        'mmm_mon.conf:21 create it (mmm_tls issue) or fix the path',
        'mmm_mon.conf:22 create it (mmm_tls issue) or fix the path',
        `mmm_mon.conf:14 chmod 755 ${path.join(dir, 'bin/kill')}`,
        `mmm_mon.conf:15 mkdir -p ${path.join(dir, 'var')}`,
      ]);
    });

    it('returns the parse issues when the config is invalid', () => {
      writeFiles(dir, { 'mmm_mon.conf': 'bogus 1\n' });
      const r = checkConfig({ program: 'monitor', file: path.join(dir, 'mmm_mon.conf') });
      expect(r.loaded).to.equal(undefined);
      expect(r.issues.map((i) => i.line)).to.include(1);
    });
  });
});

describe('config: every etc/ example validates', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cases: [string, string, Program][] = [
    ['1.x', 'mmm_agent.conf', 'agent'], ['1.x', 'mmm_mon.conf', 'monitor'], ['1.x', 'mmm_mon.conf', 'control'],
    ['2.x', 'mmm_agent.conf', 'agent'], ['2.x', 'mmm_mon.conf', 'monitor'], ['2.x', 'mmm_mon.conf', 'control'],
    ['2.x', 'mmm_control.conf', 'control'],
  ];
  for (const [sub, file, program] of cases) {
    it(`etc/${sub}/${file} as ${program}`, () => {
      const d = fs.existsSync(path.join(dir, sub)) ? path.join(dir, sub) : copyEtc(dir, sub);
      const loaded = loadConfig({ program, file: path.join(d, file) });
      expect(loaded.syntax).to.equal(sub);
      expect(loaded.config.socket.type).to.equal('ssl');
    });
  }
  it('every file in etc/1.x and etc/2.x is covered', () => {
    const all = ['1.x', '2.x'].flatMap((s) => fs.readdirSync(path.join(__dirname, '../../../../etc', s)).map((f) => `${s}/${f}`));
    const covered = new Set([...cases.map(([s, f]) => `${s}/${f}`), '2.x/mmm_common.conf']);
    expect(all.filter((f) => !covered.has(f))).to.deep.equal([]);
  });
});
