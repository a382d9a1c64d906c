// Every committed bin shim runs `--help` from the built code (DESIGN §1).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const bins: Array<[string, string]> = [
  ['agent', 'mmmd_agent'],
  ['monitor', 'mmmd_mon'],
  ['control', 'mmm_control'],
  ['control', 'mmm_tls'],
  ['sandbox', 'mmm_sandbox'],
];

describe('bin shims', () => {
  for (const [pkg, name] of bins) {
    it(`${name} --help prints usage and exits 0`, () => {
      const r = spawnSync(process.execPath, [join(root, 'packages', pkg, 'bin', `${name}.js`), '--help'], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`Usage: ${name}`));
    });
    it(`${name} is linked into node_modules/.bin`, () => {
      const r = spawnSync(join(root, 'node_modules', '.bin', name), ['--help'], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, r.stderr).to.equal(0);
    });
  }
});
