// @mmm/common/pure loads (and parses a config) with every Node builtin blocked; the node entry
// does not, which proves the blocker works. Runs the built files (dist), as the daemons do.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const PKG = path.resolve(__dirname, '..');
const REPO = path.resolve(PKG, '../..');
const BLOCK = path.join(__dirname, 'fixtures', 'block-builtins.cjs');
const PROBE = path.join(__dirname, 'fixtures', 'load-entry.cjs');

interface Probe {
  status: number | null;
  stderr: string;
  out?: { exports: Record<string, string>; parsed?: { loaded: boolean; issues: string[]; hosts: string[] } };
}

function probe(entry: string, env: Record<string, string> = {}, block = true): Probe {
  const r = spawnSync(process.execPath, [...(block ? ['--require', BLOCK] : []), PROBE, entry], {
    cwd: PKG,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const line = r.stdout.trim();
  return { status: r.status, stderr: r.stderr, out: r.status === 0 && line ? JSON.parse(line) : undefined };
}

describe('@mmm/common/pure: no Node builtin reachable (built entry, child node with builtins blocked)', () => {
  before(function () {
    for (const f of ['dist/pure.js', 'dist/index.js', 'dist/testing/index.js']) {
      if (!fs.existsSync(path.join(PKG, f))) throw new Error(`packages/common/${f} is missing: run npm run build first`);
    }
  });

  it('loads and exports the pure API (config parsing, protocol, model, render, errors, clock)', () => {
    const r = probe('@mmm/common/pure');
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    const ex = r.out!.exports;
    for (const fn of ['parseConfigText', 'gtidsMissingOnWriter', 'roleToString', 'encodeAgentRequest', 'parseControlCommand', 'formatIssue', 'ipVersion']) {
      expect(ex[fn], fn).to.equal('function');
    }
    expect(ex.MmmError).to.equal('function');
    expect(ex.systemClock).to.equal('object');
    for (const io of ['createLogger', 'loadConfig', 'createListener', 'createCa', 'addCommonOptions', 'bounded', 'MemoryLogger', 'FakeClock']) {
      expect(ex, io).not.to.have.property(io);
    }
  });

  it('parses a whole config (etc/2.x, monitor) with builtins blocked: the pipeline needs none at run time either', () => {
    const files: Record<string, string> = {};
    for (const f of ['mmm_mon.conf', 'mmm_common.conf']) files[`/etc/mmm/${f}`] = fs.readFileSync(path.join(REPO, 'etc/2.x', f), 'utf8');
    const r = probe('@mmm/common/pure', { MMM_PROBE_CONFIG: JSON.stringify({ program: 'monitor', files, main: '/etc/mmm/mmm_mon.conf' }) });
    expect(r.stderr).to.equal('');
    expect(r.out!.parsed!.issues).to.deep.equal([]);
    expect(r.out!.parsed!.loaded).to.equal(true);
    expect(r.out!.parsed!.hosts.length).to.be.greaterThan(1);
  });

  it('the node entry @mmm/common fails to load under the same blocker (the blocker works)', () => {
    const r = probe('@mmm/common');
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.match(/builtin blocked: require\('[^']+'\)/);
    expect(r.out).to.equal(undefined);
  });

  it('the pure code that uses it also loads: monitor dist/analysis and agent dist/roles/plan', function () {
    const entries = ['packages/monitor/dist/analysis/index.js', 'packages/agent/dist/roles/plan.js'].map((f) => path.join(REPO, f));
    if (!entries.every((f) => fs.existsSync(f))) this.skip(); // only common is built
    for (const f of entries) {
      const r = probe(f);
      expect(r.stderr, f).to.equal('');
      expect(r.status, f).to.equal(0);
    }
    expect(probe(entries[1]).out!.exports.planSetStatus).to.equal('function');
  });

  it('the fakes are in @mmm/common/testing only', () => {
    const r = probe('@mmm/common/testing');
    expect(r.status).to.equal(0);
    expect(r.out!.exports).to.deep.equal({ MemoryLogger: 'function', FakeClock: 'function' });
    const node = probe('@mmm/common', {}, false); // no blocker: the node entry loads
    expect(node.status).to.equal(0);
    expect(node.out!.exports).to.include({ parseConfigText: 'function', createLogger: 'function', loadConfig: 'function' });
    expect(node.out!.exports).not.to.have.property('MemoryLogger');
    expect(node.out!.exports).not.to.have.property('FakeClock');
  });
});
