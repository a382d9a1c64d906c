// `npm run package`: dist/pkg/mmm_<version>_all.deb (DESIGN §8a). Run after `npm run build`
// (the npm script does both: tsc type-checks what is bundled). Each binary is one esbuild bundle,
// tree-shaken from the TypeScript sources with every dependency inside (bundle.ts; no
// node_modules in the package); man pages and bash completion are made
// from the bundles' own `--help`; the tree is staged in a temp folder and built with
// `dpkg-deb --build --root-owner-group` (no debhelper).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { helpCommands, parseHelp, type ParsedHelp } from './help';
import { renderManPage } from './manpage';
import { renderCompletion } from './completion';
import { PAGES } from './pages';
import { BINS, ETCD3_PROTOS, ETCD3_PROTO_DIR, ROOT, bundleBin, type Bin } from './bundle';

const root = ROOT;
const MAX_INSTALLED_KIB = 20 * 1024;
const MAINTAINER = 'mmm developers <dev@mmm.invalid>';

const OPERATOR_DOCS = ['install.md', 'config.md', 'agent.md', 'monitor.md', 'control.md', 'tls.md'];

function log(msg: string): void {
  process.stdout.write(`package: ${msg}\n`);
}

function run(cmd: string, args: string[], opts: { input?: Buffer | string; env?: NodeJS.ProcessEnv } = {}): Buffer {
  const r = spawnSync(cmd, args, { input: opts.input, env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr?.toString().trim()}`);
  }
  return r.stdout;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Root and every workspace share one version (lerna fixed mode); mmmVersion() relied on it. */
function version(): string {
  const v = readJson<{ version: string }>(join(root, 'package.json')).version;
  for (const dir of fs.readdirSync(join(root, 'packages'))) {
    const pv = readJson<{ version: string }>(join(root, 'packages', dir, 'package.json')).version;
    if (pv !== v) throw new Error(`packages/${dir}/package.json has version ${pv}, the root ${v}`);
  }
  return v;
}

/** Seconds since the epoch for the man page date and the archive's times (reproducible). */
function sourceDateEpoch(): number {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  const r = spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8' });
  const t = Number(r.stdout?.trim());
  return r.status === 0 && t > 0 ? t : Math.floor(Date.now() / 1000);
}

class Stage {
  readonly files = new Map<string, number>();
  constructor(readonly dir: string) {}
  /** Writes `/abs/path` inside the stage with the given mode (folders 0755). */
  write(abs: string, content: string | Buffer, mode: number): void {
    const p = join(this.dir, abs);
    this.mkdir(dirname(abs));
    fs.writeFileSync(p, content);
    fs.chmodSync(p, mode);
    this.files.set(abs, mode);
  }
  copy(from: string, abs: string, mode: number): void {
    this.write(abs, fs.readFileSync(from), mode);
  }
  mkdir(abs: string): void {
    const parts = abs.split('/').filter(Boolean);
    let p = this.dir;
    for (const part of parts) {
      p = join(p, part);
      if (!fs.existsSync(p)) {
        fs.mkdirSync(p);
        fs.chmodSync(p, 0o755);
      }
    }
  }
}

interface Bundled {
  /** node_modules package folders (relative to the repo) whose code went into a bundle. */
  packages: Map<string, Set<Bin>>;
}

async function bundle(stage: Stage, v: string): Promise<Bundled> {
  const packages = new Map<string, Set<Bin>>();
  for (const name of Object.keys(BINS) as Bin[]) {
    const inputs = await bundleBin(name, join(stage.dir, 'usr/bin', name), v);
    for (const input of inputs) {
      const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (!m) continue;
      if (!packages.has(m[1])) packages.set(m[1], new Set());
      packages.get(m[1])!.add(name);
    }
    stage.files.set(`/usr/bin/${name}`, 0o755);
  }
  return { packages };
}

/** Runs a staged binary (with this node) and returns its stdout, colours off. */
function runBin(stage: Stage, name: Bin, args: string[]): string {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  delete env.COLUMNS;
  // eslint-disable-next-line no-control-regex
  return run(process.execPath, [join(stage.dir, 'usr/bin', name), ...args], { env }).toString('utf8').replace(/\x1b\[[0-9;]*m/g, '');
}

function manAndCompletion(stage: Stage, v: string, date: string): void {
  for (const name of Object.keys(BINS) as Bin[]) {
    const got = runBin(stage, name, ['--version']).trim();
    if (got !== v) throw new Error(`bundled ${name} --version printed ${JSON.stringify(got)}, expected ${v}`);
    const help = parseHelp(runBin(stage, name, ['--help']));
    const subcommands: Array<{ name: string; help: ParsedHelp }> = [];
    if (name === 'mmm_tls') {
      for (const cmd of helpCommands(help).filter((c) => c !== 'help')) {
        subcommands.push({ name: cmd, help: parseHelp(runBin(stage, name, [cmd, '--help'])) });
      }
    }
    const page = PAGES[name];
    const roff = renderManPage({
      name,
      section: page.section,
      summary: page.summary,
      version: v,
      date,
      help,
      description: page.description,
      subcommands,
      fixed: page.fixed,
    });
    stage.write(`/usr/share/man/man${page.section}/${name}.${page.section}.gz`, run('gzip', ['-9n', '-c'], { input: roff }), 0o644);
    stage.write(
      `/usr/share/bash-completion/completions/${name}`,
      renderCompletion({ name, help, subcommands, fileArgCommands: name === 'mmm_tls' ? ['show'] : [] }),
      0o644,
    );
  }
}

/** Agent files root:root 0600, monitor files root:mmm 0640 (postinst sets the group). */
function exampleMode(file: string): number {
  return /^mmm_agent.*\.conf$/.test(file) ? 0o600 : 0o640;
}

function examples(stage: Stage): { conffiles: string[]; groupFiles: string[] } {
  const conffiles: string[] = [];
  const groupFiles: string[] = [];
  const readme = join(root, 'packaging/deb/examples-README');
  for (const base of ['/etc/mmm/examples', '/usr/share/doc/mmm/examples']) {
    for (const syntax of ['2.x', '1.x']) {
      for (const f of fs.readdirSync(join(root, 'etc', syntax)).sort()) {
        const abs = `${base}/${syntax}/${f}`;
        const mode = exampleMode(f);
        stage.copy(join(root, 'etc', syntax, f), abs, mode);
        if (base.startsWith('/etc/')) conffiles.push(abs);
        if (mode === 0o640) groupFiles.push(abs);
      }
    }
    stage.copy(readme, `${base}/README`, 0o644);
    if (base.startsWith('/etc/')) conffiles.push(`${base}/README`);
  }
  return { conffiles, groupFiles };
}

function licenseText(dir: string): string | undefined {
  const f = fs.readdirSync(dir).find((n) => /^(licen[cs]e|copying)(\.|$)/i.test(n));
  return f ? fs.readFileSync(join(dir, f), 'utf8').trim() : undefined;
}

/** debian/copyright: mmm's licence, then every bundled package with its own licence text. */
function copyright(bundled: Bundled): string {
  const out: string[] = [
    'mmm: MySQL Multi-Master Replication Manager, reimplemented in TypeScript',
    '',
    'Copyright: the mmm developers',
    'License: GPL-2.0-or-later',
    ' This program is free software; you can redistribute it and/or modify it under the terms of',
    ' the GNU General Public License as published by the Free Software Foundation; either',
    ' version 2 of the License, or (at your option) any later version.',
    ' On Debian systems the full text of the GNU General Public License version 2 is in',
    ' /usr/share/common-licenses/GPL-2.',
    '',
    'Bundled code',
    '',
    ' /usr/bin/mmmd_agent, mmmd_mon, mmm_control and mmm_tls are each one JavaScript file that',
    ' contains, besides mmm, the npm packages below (built with esbuild). Their notices follow.',
  ];
  const entries = [...bundled.packages.entries()].sort(([a], [b]) => a.localeCompare(b));
  for (const [dir, bins] of entries) {
    const pkg = readJson<{ name: string; version: string; license?: string; homepage?: string }>(join(root, dir, 'package.json'));
    const text = licenseText(join(root, dir));
    out.push(
      '',
      `Package: ${pkg.name} ${pkg.version}`,
      `In: ${[...bins].sort().map((b) => `/usr/bin/${b}`).join(', ')}`,
      `License: ${pkg.license ?? 'see the package'}`,
      ...(pkg.homepage ? [`Homepage: ${pkg.homepage}`] : []),
    );
    if (text) out.push(...text.split('\n').map((l) => (l.trim() === '' ? ' .' : ` ${l}`)));
    else out.push(' (the package ships no licence file; its package.json names the licence above)');
  }
  return `${out.join('\n')}\n`;
}

/** dpkg's rule: every file's size rounded up to KiB, plus one KiB per folder. */
function installedSizeKib(dir: string): number {
  let kib = 0;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (d === dir && e.name === 'DEBIAN') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) {
        kib += 1;
        walk(p);
      } else {
        kib += Math.ceil(fs.lstatSync(p).size / 1024) || 1;
      }
    }
  };
  walk(dir);
  return kib;
}

function md5sums(stage: Stage): string {
  return (
    [...stage.files.keys()]
      .sort()
      .map((abs) => {
        const sum = run('md5sum', [join(stage.dir, abs)]).toString().split(/\s+/)[0];
        return `${sum}  ${abs.slice(1)}`;
      })
      .join('\n') + '\n'
  );
}

function setTimes(dir: string, epoch: number): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) setTimes(p, epoch);
    fs.utimesSync(p, epoch, epoch);
  }
}

async function main(): Promise<void> {
  const v = version();
  const epoch = sourceDateEpoch();
  const date = new Date(epoch * 1000).toISOString().slice(0, 10);
  const outDir = join(root, 'dist/pkg');
  const outFile = join(outDir, `mmm_${v}_all.deb`);
  const tmp = fs.mkdtempSync(join(os.tmpdir(), 'mmm-deb-'));
  const stage = new Stage(join(tmp, 'root'));
  fs.mkdirSync(stage.dir, { mode: 0o755 });
  fs.chmodSync(stage.dir, 0o755);
  try {
    log(`bundling ${Object.keys(BINS).join(', ')} (mmm ${v})`);
    const bundled = await bundle(stage, v);
    log('man pages and bash completion from each bundle\'s --help');
    manAndCompletion(stage, v, date);

    for (const unit of ['mmm-agent.service', 'mmm-monitor.service']) stage.copy(join(root, 'etc/systemd', unit), `/lib/systemd/system/${unit}`, 0o644);
    stage.copy(join(root, 'packaging/deb/tmpfiles.conf'), '/usr/lib/tmpfiles.d/mmm.conf', 0o644);
    // etcd3's gRPC definitions, which mmmd_mon's bundle reads when <monitor_ha> is configured
    for (const p of ETCD3_PROTOS) stage.copy(p, `${ETCD3_PROTO_DIR}/${basename(p)}`, 0o644);
    stage.copy(join(root, 'etc/logrotate.d/mmm'), '/etc/logrotate.d/mmm', 0o644);
    const { conffiles, groupFiles } = examples(stage);
    conffiles.push('/etc/logrotate.d/mmm');
    stage.copy(join(root, 'README.md'), '/usr/share/doc/mmm/README.md', 0o644);
    for (const d of OPERATOR_DOCS) stage.copy(join(root, 'docs', d), `/usr/share/doc/mmm/${d}`, 0o644);
    stage.write('/usr/share/doc/mmm/copyright', copyright(bundled), 0o644);

    const installedKib = installedSizeKib(stage.dir);
    if (installedKib > MAX_INSTALLED_KIB) throw new Error(`Installed-Size ${installedKib} KiB is over ${MAX_INSTALLED_KIB} KiB`);
    const md5 = md5sums(stage);
    const debian = join(stage.dir, 'DEBIAN');
    fs.mkdirSync(debian, { mode: 0o755 });
    fs.chmodSync(debian, 0o755);
    const description = readJson<{ description: string }>(join(root, 'package.json')).description;
    const control = [
      'Package: mmm',
      `Version: ${v}`,
      'Architecture: all',
      `Maintainer: ${MAINTAINER}`,
      `Installed-Size: ${installedKib}`,
      // The same bound as package.json "engines" (Node.js >= 20.19).
      'Depends: nodejs (>= 20.19)',
      // The agent's reject path (vip_reject) runs nft; without it the agent warns and VIP moves still work.
      'Recommends: nftables',
      'Section: admin',
      'Priority: optional',
      `Description: ${description}`,
      ' mmm keeps exactly one writable MySQL/MariaDB server in a master-master (+ replicas)',
      ' cluster and moves the writer and reader roles (virtual IPs) when a node fails or an',
      ' operator asks. It reads MMM 2.x and 1.x configuration files and speaks the MMM wire',
      ' protocol, with mutual TLS on every link.',
      ' .',
      ' mmmd_agent runs on every database node (as root), mmmd_mon on the monitor host (as',
      ' the mmm user), mmm_control is the operator CLI and mmm_tls makes the certificates.',
      '',
    ].join('\n');
    fs.writeFileSync(join(debian, 'control'), control, { mode: 0o644 });
    fs.writeFileSync(join(debian, 'conffiles'), `${conffiles.join('\n')}\n`, { mode: 0o644 });
    fs.writeFileSync(join(debian, 'md5sums'), md5, { mode: 0o644 });
    const postinst = fs.readFileSync(join(root, 'packaging/deb/postinst'), 'utf8').replace('#MMM_GROUP_FILES#', groupFiles.join(' '));
    if (postinst.includes('#MMM_GROUP_FILES#')) throw new Error('postinst: placeholder left');
    fs.writeFileSync(join(debian, 'postinst'), postinst, { mode: 0o755 });
    for (const s of ['prerm', 'postrm']) fs.copyFileSync(join(root, 'packaging/deb', s), join(debian, s));
    for (const s of ['postinst', 'prerm', 'postrm']) fs.chmodSync(join(debian, s), 0o755);
    setTimes(stage.dir, epoch);

    fs.mkdirSync(outDir, { recursive: true });
    const partial = join(outDir, `.mmm_${v}_all.deb.${process.pid}`);
    run('dpkg-deb', ['--build', '--root-owner-group', '-Zxz', stage.dir, partial], {
      env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) },
    });
    const listing = run('dpkg-deb', ['-c', partial]).toString();
    if (/node_modules/.test(listing)) throw new Error('the package lists a node_modules path');
    fs.renameSync(partial, outFile);
    const size = fs.statSync(outFile).size;
    log(`wrote ${relative(root, outFile)}: ${(size / 1024).toFixed(0)} KiB, Installed-Size ${installedKib} KiB, ${stage.files.size} files`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`package: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
