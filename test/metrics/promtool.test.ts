// The example alert rules (etc/prometheus/mmm-alerts.yml, shown in docs/observability.md) with the
// REAL promtool (Debian package prometheus): `check rules`, then `test rules` on a small series
// fixture (mmm-alerts.test.yml) in which each alert tested fires when it should and not before.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'chai';

const ROOT = resolve(__dirname, '../..');
const RULES = join(ROOT, 'etc/prometheus/mmm-alerts.yml');

function promtool(args: string[]): { status: number | null; out: string } | undefined {
  const r = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

describe('example Prometheus alert rules (promtool)', function () {
  before(function () {
    if (!promtool(['--version'])) {
      console.log('      skipping: promtool not found (Debian package prometheus; scripts/setup.sh installs it as root)');
      this.skip();
    }
  });

  it('promtool check rules: every rule is valid', () => {
    const r = promtool(['check', 'rules', RULES])!;
    console.log(`      ${r.out.split('\n').join('\n      ')}`);
    const count = (readFileSync(RULES, 'utf8').match(/^\s+- alert: /gm) ?? []).length;
    expect(r).to.deep.equal({ status: 0, out: `Checking ${RULES}\n  SUCCESS: ${count} rules found` });
  });

  it('promtool test rules: the alerts fire on the fixture series as expected', () => {
    const r = promtool(['test', 'rules', 'test/metrics/mmm-alerts.test.yml'])!;
    console.log(`      ${r.out.split('\n').join('\n      ')}`);
    expect(r.status, r.out).to.equal(0);
    expect(r.out).to.match(/SUCCESS$/);
  });

  it('promtool check rules refuses a broken rule (the check can fail)', () => {
    const bad = join(ROOT, 'test/metrics/broken-rule.yml');
    const r = promtool(['check', 'rules', bad])!;
    expect(r.status).to.not.equal(0);
    expect(r.out).to.match(/FAILED/);
  });
});
