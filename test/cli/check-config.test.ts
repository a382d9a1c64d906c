// `--check-config` of mmmd_agent, mmmd_mon and mmm_control on good and broken files (DESIGN §1):
// every problem as FILE:LINE: message (hint) and exit 1, or OK and exit 0.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { createCa, issueCert, writeKeyPair } from '@mmm/common';

const root = join(__dirname, '..', '..');
const programs: Array<{ bin: string; conf: string }> = [
  { bin: 'packages/agent/bin/mmmd_agent.js', conf: 'mmm_agent.conf' },
  { bin: 'packages/monitor/bin/mmmd_mon.js', conf: 'mmm_mon.conf' },
  { bin: 'packages/control/bin/mmm_control.js', conf: 'mmm_control.conf' },
];

function run(bin: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, bin), ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('--check-config', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(async () => {
    dir = fs.mkdtempSync(join(os.tmpdir(), 'mmm-checkconf-'));
    const ssl = join(dir, 'ssl');
    fs.mkdirSync(ssl);
    const ca = await createCa({ commonName: 'check-config test CA' });
    fs.writeFileSync(join(ssl, 'ca.crt'), ca.certPem);
    for (const [name, role] of [
      ['db1', 'agent'],
      ['monitor', 'monitor'],
      ['control', 'control'],
    ] as const) {
      await writeKeyPair(ssl, name, await issueCert({ ca, commonName: name, ips: ['127.0.0.1'], role, usage: role === 'control' ? 'client' : 'both' }));
    }
    // The examples name /etc/mmm/ssl/...: point them at the generated files.
    for (const f of fs.readdirSync(join(root, 'etc', '2.x'))) {
      const text = fs
        .readFileSync(join(root, 'etc', '2.x', f), 'utf8')
        .replaceAll('/etc/mmm/ssl/', `${ssl}/`)
        .replaceAll('/var/lib/mmm/', `${dir}/`);
      fs.writeFileSync(join(dir, f), text, { mode: 0o600 });
    }
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const p of programs) {
    describe(p.bin.split('/').pop() as string, () => {
      it('prints OK and exits 0 for the example configuration', () => {
        const r = run(p.bin, ['-c', join(dir, p.conf), '--check-config']);
        expect(r.stdout.trim(), r.stderr).to.equal('OK');
        expect(r.status).to.equal(0);
      });

      it('lists every problem with file:line and exits 1', () => {
        fs.appendFileSync(join(dir, p.conf), '\nbogus_key 1\nwriter_lease soon\n');
        const r = run(p.bin, ['-c', join(dir, p.conf), '--check-config']);
        expect(r.status).to.equal(1);
        const lines = r.stdout.trim().split('\n');
        expect(lines.length).to.be.greaterThan(1);
        for (const l of lines) expect(l).to.match(/^\/.+:\d+: .+/);
        expect(r.stdout).to.match(new RegExp(`${p.conf.replace('.', '\\.')}:\\d+: unknown key 'bogus_key'`));
        expect(r.stdout).to.match(new RegExp(`${p.conf.replace('.', '\\.')}:\\d+: .*writer_lease`));
      });

      it('refuses a config file readable by other users, naming the chmod that fixes it', () => {
        fs.chmodSync(join(dir, p.conf), 0o644);
        const r = run(p.bin, ['-c', join(dir, p.conf), '--check-config']);
        expect(r.status).to.equal(1);
        expect(r.stdout).to.include(`chmod 600 ${join(dir, p.conf)}`);
      });
    });
  }

  it('refuses a private key readable by other users (agent)', () => {
    fs.chmodSync(join(dir, 'ssl', 'db1.key'), 0o644);
    const r = run('packages/agent/bin/mmmd_agent.js', ['-c', join(dir, 'mmm_agent.conf'), '--check-config']);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.match(/mmm_agent\.conf:\d+: .*db1\.key/);
    expect(r.stdout).to.include('chmod 600');
  });
});
