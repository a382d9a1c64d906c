// The .deb (DESIGN §8a): `npm run package`, `dpkg -i`, every installed binary used from
// /usr/bin (versions, --check-config on the shipped examples, certificates made with the
// installed mmm_tls), man pages, completion, the mmm user and the ownership rule, then
// `dpkg --purge mmm` and nothing of it left. Root only; installs the package `mmm` on this
// machine for the duration of the test (the only global name it uses) and purges it after.
import { expect } from 'chai';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { basename, join } from 'node:path';

const root = join(__dirname, '..', '..');
const version = (JSON.parse(fs.readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const deb = join(root, 'dist', 'pkg', `mmm_${version}_all.deb`);
const BINS = ['mmmd_agent', 'mmmd_mon', 'mmm_control', 'mmm_tls'];
const MAN: Record<string, number> = { mmmd_agent: 8, mmmd_mon: 8, mmm_control: 1, mmm_tls: 1 };
const CONTROL_COMMANDS = [
  'help', 'ping', 'show', 'checks', 'set_online', 'set_offline', 'mode',
  'set_active', 'set_manual', 'set_passive', 'move_role', 'set_ip', 'status_json', 'ack_failover', 'history',
];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, ...opts });
  return { status: r.error ? -1 : r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? (r.error?.message ?? '')) };
}

const has = (cmd: string): boolean => sh('sh', ['-c', `command -v ${cmd}`]).status === 0;
const ok = (r: Run, what: string): string => {
  expect(r.status, `${what}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).to.equal(0);
  return r.stdout;
};

/** dpkg's status of `mmm`, e.g. `ii ` installed, `un ` / '' not installed, `rc ` config files. */
function dpkgStatus(): string {
  const r = sh('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', 'mmm']);
  return r.status === 0 ? r.stdout : '';
}

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (dpkg -i needs root)';
  if (!has('dpkg') || !has('dpkg-deb') || !has('dpkg-query')) return 'no dpkg on this machine';
  const st = dpkgStatus();
  if (st && !st.startsWith('un')) return `the package mmm is already on this machine (dpkg status "${st.trim()}"); this test installs and purges it itself: dpkg --purge mmm first`;
  if (sh('getent', ['passwd', 'mmm']).status === 0 || sh('getent', ['group', 'mmm']).status === 0) {
    return 'a user or group mmm exists already; this test checks that the package makes it and that purge removes it';
  }
  return undefined;
}

/** Newest modification time of what goes into the package. */
function newestInput(): number {
  let newest = 0;
  const walk = (p: string): void => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) if (e !== 'node_modules' && e !== 'dist') walk(join(p, e));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['package.json', 'package-lock.json', 'README.md', 'docs', 'etc', 'packaging', 'scripts/package']) walk(join(root, p));
  for (const pkg of fs.readdirSync(join(root, 'packages'))) {
    walk(join(root, 'packages', pkg, 'package.json'));
    walk(join(root, 'packages', pkg, 'src'));
  }
  return newest;
}

/** `path-exclude` patterns of dpkg's configuration (minimal images drop man pages and docs). */
function dpkgExcludes(): string[] {
  const files = ['/etc/dpkg/dpkg.cfg'];
  try {
    for (const f of fs.readdirSync('/etc/dpkg/dpkg.cfg.d')) files.push(join('/etc/dpkg/dpkg.cfg.d', f));
  } catch {
    /* no folder */
  }
  const out: string[] = [];
  for (const f of files) {
    let text = '';
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const m = /^\s*path-exclude[\s=]+(\S+)/.exec(line);
      if (m) out.push(m[1]);
    }
  }
  return out;
}

/** fnmatch(3) without flags, as dpkg matches --path-exclude: `*` and `?` match `/` too. */
function fnmatch(pattern: string, path: string): boolean {
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(path);
}

/** The files (not folders) the .deb holds, as absolute paths. */
function debFiles(file: string): string[] {
  return ok(sh('dpkg-deb', ['-c', file]), 'dpkg-deb -c')
    .split('\n')
    .filter((l) => l.startsWith('-'))
    .map((l) => l.slice(l.indexOf('./') + 1));
}

/** The files a config names for TLS (the keys --check-config checks), from its own lines. */
function tlsFiles(conf: string): string[] {
  const out: string[] = [];
  for (const line of fs.readFileSync(conf, 'utf8').split('\n')) {
    const m = /^\s*(cert_file|key_file|ca_file|crl_file|client_cert_file|client_key_file)\s+(\S+)/.exec(line);
    if (m) out.push(m[2]);
  }
  return out;
}

describe('the .deb package (npm run package, dpkg -i, dpkg --purge)', function () {
  this.timeout(300_000);
  let skipped = false;
  let installedByUs = false;
  let tmp: string | undefined;
  let listed: string[] = [];

  before(function () {
    const why = skipReason();
    if (why) {
      skipped = true;
      console.log(`      skipping the .deb test: ${why}`);
      return this.skip();
    }
    if (fs.existsSync(deb) && fs.statSync(deb).mtimeMs > newestInput()) {
      console.log(`      using ${deb} (newer than its sources)`);
    } else {
      console.log('      npm run package');
      const r = sh('npm', ['run', 'package'], { cwd: root, timeout: 280_000 });
      ok(r, 'npm run package');
    }
    tmp = fs.mkdtempSync(join(os.tmpdir(), 'mmm-deb-test-'));

    // Files of ours the local dpkg configuration would drop (minimal images have
    // /etc/dpkg/dpkg.cfg.d/excludes with path-exclude=/usr/share/man/* and /usr/share/doc/*):
    // installed anyway, so that the checks below see the package as it is; if dpkg still
    // dropped one, they fail. `--path-include=/*` (the last matching pattern wins, and the
    // command line comes after the config files) re-includes every file of this package only,
    // and, starting with a wildcard right after `/`, keeps the excluded folders that hold them
    // (dpkg keeps a folder only when an include pattern's part before its first wildcard is a
    // prefix of the folder's path: `--path-include=/usr/share/man/man8/mmmd_agent.8.gz` alone
    // fails on a missing /usr/share/man/man8).
    const excludes = dpkgExcludes();
    const dropped = debFiles(deb).filter((f) => excludes.some((p) => fnmatch(p, f)));
    const includes = dropped.length ? ['--path-include=/*'] : [];
    if (dropped.length) {
      console.log(`      dpkg is configured with path-exclude ${excludes.join(' ')}, which drops ${dropped.length} files of mmm: installing with --path-include=/*`);
    }
    installedByUs = true;
    ok(sh('dpkg', [...includes, '-i', deb]), 'dpkg -i');
  });

  after(function () {
    this.timeout(120_000);
    if (skipped) return;
    if (installedByUs && dpkgStatus() && !dpkgStatus().startsWith('un')) {
      const r = sh('dpkg', ['--purge', 'mmm']);
      if (r.status !== 0) console.log(`      cleanup: dpkg --purge mmm failed: ${r.stderr}`);
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is installed with the package.json version, and every file of the .deb is on disk', () => {
    expect(dpkgStatus()).to.match(/^ii/);
    expect(ok(sh('dpkg-query', ['-W', '-f=${Version}', 'mmm']), 'dpkg-query')).to.equal(version);
    for (const f of debFiles(deb)) expect(fs.existsSync(f), `${f} not installed (dpkg path-exclude?)`).to.equal(true);
    listed = ok(sh('dpkg', ['-L', 'mmm']), 'dpkg -L').split('\n').filter((p) => p && p !== '/.');
    expect(listed.filter((p) => p.includes('node_modules'))).to.deep.equal([]);
  });

  it('declares Depends: nodejs (>= 20.19), Recommends: nftables and an Installed-Size of at most 20 MB', () => {
    expect(ok(sh('dpkg-deb', ['-f', deb, 'Depends']), 'dpkg-deb -f').trim()).to.equal('nodejs (>= 20.19)');
    expect(ok(sh('dpkg-deb', ['-f', deb, 'Recommends']), 'dpkg-deb -f').trim()).to.equal('nftables'); // vip_reject
    const kib = Number(ok(sh('dpkg-deb', ['-f', deb, 'Installed-Size']), 'dpkg-deb -f').trim());
    console.log(`      .deb ${Math.round(fs.statSync(deb).size / 1024)} KiB, Installed-Size ${kib} KiB`);
    expect(kib).to.be.greaterThan(0).and.at.most(20 * 1024);
  });

  it('every binary in /usr/bin is a #!/usr/bin/node bundle printing the package.json version', () => {
    for (const b of BINS) {
      const f = `/usr/bin/${b}`;
      expect(fs.statSync(f).mode & 0o755, f).to.equal(0o755);
      expect(fs.readFileSync(f, 'utf8').split('\n')[0], f).to.equal('#!/usr/bin/node');
      expect(ok(sh(f, ['--version'], { cwd: '/' }), `${f} --version`).trim(), f).to.equal(version);
    }
  });

  it('--check-config on a copy of the 2.x examples names exactly the missing certificates, then OK once mmm_tls made them', () => {
    const dir = join(tmp!, 'examples');
    const ssl = join(tmp!, 'ssl');
    fs.cpSync('/usr/share/doc/mmm/examples/2.x', dir, { recursive: true });
    for (const f of fs.readdirSync(dir)) {
      const p = join(dir, f);
      fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replaceAll('/etc/mmm/ssl/', `${ssl}/`));
    }
    const programs = [
      { bin: 'mmm_control', conf: 'mmm_control.conf', role: 'control' },
      { bin: 'mmmd_mon', conf: 'mmm_mon.conf', role: 'monitor' },
      { bin: 'mmmd_agent', conf: 'mmm_agent.conf', role: 'agent' },
    ];
    for (const p of programs) {
      const expected = [...new Set(tlsFiles(join(dir, p.conf)))].sort();
      expect(expected.length, `${p.conf} names no TLS files`).to.be.greaterThan(0);
      for (const f of expected) expect(f.startsWith(`${ssl}/`), f).to.equal(true);
      const r = sh(`/usr/bin/${p.bin}`, ['--check-config', '-c', join(dir, p.conf)]);
      expect(r.status, `${p.bin} --check-config: ${r.stdout}${r.stderr}`).to.equal(1);
      const lines = r.stdout.split('\n').filter(Boolean);
      const named = lines.map((l) => /\s(\S+) does not exist/.exec(l)?.[1]);
      expect(named, `${p.bin}: every problem is a missing file:\n${r.stdout}`).to.not.include(undefined);
      expect([...new Set(named)].sort(), `${p.bin} --check-config:\n${r.stdout}`).to.deep.equal(expected);
    }

    // The certificates, with the installed mmm_tls, into the paths the copies name.
    const ca = join(tmp!, 'ca');
    ok(sh('/usr/bin/mmm_tls', ['init-ca', ca, '--cn', 'mmm deb test CA']), 'mmm_tls init-ca');
    fs.mkdirSync(ssl);
    fs.copyFileSync(join(ca, 'ca.crt'), join(ssl, 'ca.crt'));
    const ips: Record<string, string[]> = { agent: ['--ip', '192.168.0.11'], monitor: ['--ip', '127.0.0.1'], control: [] };
    for (const p of programs) {
      for (const f of tlsFiles(join(dir, p.conf))) {
        const name = basename(f).replace(/\.(crt|key)$/, '');
        if (name === 'ca' || fs.existsSync(f)) continue;
        ok(sh('/usr/bin/mmm_tls', ['issue', '--ca', ca, '--name', name, ...ips[p.role], '--role', p.role, '--out', ssl]), `mmm_tls issue ${name}`);
      }
    }
    for (const p of programs) {
      const r = sh(`/usr/bin/${p.bin}`, ['--check-config', '-c', join(dir, p.conf)]);
      expect(r.status, `${p.bin} --check-config: ${r.stdout}${r.stderr}`).to.equal(0);
      expect(r.stdout.trim()).to.equal('OK');
    }
  });

  it('man finds mmmd_agent(8), mmmd_mon(8), mmm_control(1), mmm_tls(1), made from --help', function () {
    expect(has('man'), 'man is missing: install man-db (scripts/setup.sh does as root)').to.equal(true);
    for (const [name, sec] of Object.entries(MAN)) {
      const where = ok(sh('man', ['-w', name]), `man -w ${name}`).trim();
      expect(where).to.equal(`/usr/share/man/man${sec}/${name}.${sec}.gz`);
      const page = ok(sh('man', ['-P', 'cat', String(sec), name], { env: { ...process.env, LC_ALL: 'C', MANWIDTH: '100' } }), `man ${sec} ${name}`);
      const help = ok(sh(`/usr/bin/${name}`, ['--help']), `${name} --help`);
      // Every option --help lists is in the page.
      for (const opt of help.match(/(?<=^ {2}(?:-\w, )?)--[\w-]+/gm) ?? []) expect(page, `${name}(${sec}) lacks ${opt}`).to.include(opt);
      expect(page).to.include('SEE ALSO');
    }
  });

  it('bash completion offers mmm_control\'s commands and options and the daemons\' options', () => {
    const complete = (name: string, words: string[]): string[] => {
      const script = [
        `source /usr/share/bash-completion/completions/${name}`,
        `COMP_WORDS=(${[name, ...words].map((w) => `'${w}'`).join(' ')})`,
        `COMP_CWORD=${words.length}`,
        `_${name}`,
        'printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n');
      return ok(sh('bash', ['-c', script]), `completion ${name} ${words.join(' ')}`).split('\n').filter(Boolean);
    };
    expect(complete('mmm_control', [''])).to.have.members(CONTROL_COMMANDS);
    expect(complete('mmm_control', ['set_o'])).to.have.members(['set_online', 'set_offline']);
    expect(complete('mmm_control', ['--'])).to.include.members(['--config', '--check-config', '--json', '--monitor', '--timeout', '--force']);
    expect(complete('mmm_control', ['-c', '/etc/mmm/mmm_control.conf', 'show', ''])).to.deep.equal([]);
    for (const d of ['mmmd_agent', 'mmmd_mon']) {
      expect(complete(d, ['--'])).to.include.members(['--config', '--check-config', '--log-level', '--log-format', '--log-file']);
      expect(complete(d, ['--log-level', ''])).to.have.members(['error', 'warn', 'info', 'debug']);
    }
    expect(complete('mmm_tls', [''])).to.include.members(['init-ca', 'issue', 'crl', 'show', 'verify']);
    expect(complete('mmm_tls', ['issue', '--role', ''])).to.have.members(['agent', 'monitor', 'control', 'viewer', 'mysql']);
  });

  it('makes the mmm system user, its folders, the units, and applies the ownership rule', () => {
    ok(sh('id', ['mmm']), 'id mmm');
    const [, , uid, , , home, shell] = ok(sh('getent', ['passwd', 'mmm']), 'getent passwd mmm').trim().split(':');
    expect(Number(uid)).to.be.lessThan(1000);
    expect(home).to.equal('/var/lib/mmm');
    expect(shell).to.equal('/usr/sbin/nologin');
    const owner = (p: string): string => ok(sh('stat', ['-c', '%U:%G %a', p]), `stat ${p}`).trim();
    for (const d of ['/var/lib/mmm', '/var/log/mmm', '/run/mmm']) expect(owner(d), d).to.equal('mmm:mmm 750');
    for (const base of ['/etc/mmm/examples', '/usr/share/doc/mmm/examples']) {
      for (const syntax of ['2.x', '1.x']) {
        for (const f of fs.readdirSync(join(base, syntax))) {
          const p = join(base, syntax, f);
          expect(owner(p), p).to.equal(f.startsWith('mmm_agent') ? 'root:root 600' : 'root:mmm 640');
        }
      }
    }
    // Nothing live in /etc/mmm itself: the MMM search order would read it as a real config.
    expect(fs.readdirSync('/etc/mmm')).to.deep.equal(['examples']);
    const conffiles = ok(sh('dpkg-query', ['-W', '-f=${Conffiles}', 'mmm']), 'dpkg-query Conffiles');
    expect(conffiles).to.include('/etc/mmm/examples/2.x/mmm_mon.conf');
    for (const u of ['mmm-agent.service', 'mmm-monitor.service']) {
      const unit = fs.readFileSync(`/lib/systemd/system/${u}`, 'utf8');
      expect(unit).to.match(/^ExecStart=\/usr\/bin\/mmmd_(agent|mon) /m);
      expect(unit).to.not.include('/opt/mmm');
    }
    expect(fs.readFileSync('/lib/systemd/system/mmm-agent.service', 'utf8')).to.match(/^User=root$/m);
    const monitorUnit = fs.readFileSync('/lib/systemd/system/mmm-monitor.service', 'utf8');
    expect(monitorUnit).to.match(/^User=mmm$/m);
    // The ping check under NoNewPrivileges (test/package/units.test.ts reads every line).
    expect(monitorUnit).to.match(/^AmbientCapabilities=CAP_NET_RAW$/m).and.match(/^CapabilityBoundingSet=CAP_NET_RAW$/m);
    if (has('systemd-analyze')) {
      for (const u of ['mmm-agent.service', 'mmm-monitor.service']) {
        const r = sh('systemd-analyze', ['verify', `/lib/systemd/system/${u}`]);
        expect(r.stdout + r.stderr, `systemd-analyze verify ${u}`).to.not.match(/mmm/);
      }
    }
    expect(fs.readFileSync('/usr/share/doc/mmm/copyright', 'utf8')).to.include('GPL-2.0-or-later');
  });

  it('dpkg --purge mmm leaves nothing: no file, no folder of its own, no user or group', () => {
    expect(listed.length).to.be.greaterThan(0);
    ok(sh('dpkg', ['--purge', 'mmm']), 'dpkg --purge mmm');
    installedByUs = false;
    const left: string[] = [];
    for (const p of listed) {
      if (!fs.existsSync(p)) continue;
      // A folder still there must belong to another package (/etc, /usr/share/man/man8, …).
      if (fs.statSync(p).isDirectory() && sh('dpkg-query', ['-S', p]).status === 0) continue;
      left.push(p);
    }
    for (const p of ['/etc/mmm', '/var/lib/mmm', '/var/log/mmm', '/run/mmm']) if (fs.existsSync(p)) left.push(p);
    expect(left, 'left after purge').to.deep.equal([]);
    expect(dpkgStatus()).to.not.match(/^(ii|rc)/);
    expect(sh('getent', ['passwd', 'mmm']).status, 'user mmm').to.not.equal(0);
    expect(sh('getent', ['group', 'mmm']).status, 'group mmm').to.not.equal(0);
  });
});
