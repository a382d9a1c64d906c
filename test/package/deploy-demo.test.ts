// scripts/deploy-demo.sh as an operator runs it (root): the .deb installed, three MariaDB nodes in
// network namespaces, the agents (root) and the monitor (mmm, CAP_NET_RAW only) started from the
// installed units' lines, mmm_control without -c, then everything removed. Installs the package
// `mmm` for the duration (like deb.test.ts) in its own work folder and on a free control port.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const SCRIPT = join(root, 'scripts', 'deploy-demo.sh');

const sh = (cmd: string, args: string[]): { status: number | null; stdout: string } => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.error ? -1 : r.status, stdout: String(r.stdout ?? '') };
};
const has = (cmd: string): boolean => sh('sh', ['-c', `command -v ${cmd} || test -x /usr/sbin/${cmd}`]).status === 0;

/** Why the demo cannot run here (it would refuse too), or undefined. */
function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (dpkg -i, network namespaces, the mmm user)';
  for (const c of ['dpkg', 'dpkg-query', 'ip', 'setpriv', 'ping', 'mariadbd', 'ss']) if (!has(c)) return `${c} is missing`;
  if (sh('ip', ['netns', 'list']).status !== 0) return 'ip netns does not work here';
  const st = sh('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', 'mmm']);
  if (st.status === 0 && !st.stdout.startsWith('un')) return `the package mmm is already installed (dpkg status "${st.stdout.trim()}")`;
  if (sh('getent', ['passwd', 'mmm']).status === 0 || sh('getent', ['group', 'mmm']).status === 0) return 'a user or group mmm exists already';
  if (fs.existsSync('/etc/mmm')) return '/etc/mmm exists';
  return undefined;
}

/** A TCP port free on 127.0.0.1 right now (the monitor's control port). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

describe('scripts/deploy-demo.sh (root): the installed package on 3 nodes, then nothing left', function () {
  this.timeout(400_000);
  let tmp = '';
  let out = '';
  let code: number | null = null;

  before(async function () {
    const why = skipReason();
    if (why) {
      console.log(`      skipping the deploy demo: ${why}`);
      return this.skip();
    }
    tmp = fs.mkdtempSync(join(os.tmpdir(), 'mmm-deploy-demo-test-'));
    const env = { ...process.env, DEMO_DIR: join(tmp, 'work'), DEMO_PORT: String(await freePort()), DEMO_KEEP_LOGS: join(tmp, 'logs') };
    const t0 = Date.now();
    // Bounded: the script's own waits are (DEMO_WAIT), and this kill is the last resort (its
    // trap still cleans up on SIGTERM).
    code = await new Promise<number | null>((resolve) => {
      const child = spawn('bash', [SCRIPT], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const timer = setTimeout(() => child.kill('SIGTERM'), 360_000);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    console.log(`      deploy-demo.sh exited ${code} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('exits 0, every daemon\'s --check-config says OK, the agents run as root and the monitor as mmm', () => {
    expect(code, out).to.equal(0);
    expect(out).to.match(/^\$ mmmd_mon --check-config --user mmm\nOK$/m);
    expect(out.match(/mmmd_agent --check-config {6}# db\d\nOK$/gm) ?? [], out).to.have.length(3);
    const ps = out.slice(out.lastIndexOf('$ ps -o user,pid,cmd'));
    expect(ps.match(/^root +\d+ \/usr\/bin\/node \/usr\/bin\/mmmd_agent -c \/etc\/mmm\/mmm_agent\.conf --log-format json$/gm) ?? [], ps).to.have.length(3);
    expect(ps).to.match(/^mmm +\d+ \/usr\/bin\/node \/usr\/bin\/mmmd_mon -c \/etc\/mmm\/mmm_mon\.conf --log-format json$/m);
  });

  it('the monitor holds CAP_NET_RAW only (ambient and bounding), under NoNewPrivileges, and its ping check passes', () => {
    expect(out).to.match(/^CapAmb:\t0000000000002000$/m);
    expect(out).to.match(/^CapBnd:\t0000000000002000$/m);
    expect(out).to.match(/^NoNewPrivs:\t1$/m);
    for (const n of ['db1', 'db2', 'db3']) expect(out).to.match(new RegExp(`^${n} +ping +\\[last change: [^\\]]+\\] +OK$`, 'm'));
  });

  it('mmm_control without -c: set_offline db3 takes its roles, set_online db3 gives one back; the writer stays on db1', () => {
    const shows = out.split('$ mmm_control show\n').slice(1).map((s) => s.slice(0, s.indexOf('\n$ ')));
    expect(shows.length, out).to.equal(4);
    const offline = shows[2]!;
    expect(offline).to.match(/db3\(\S+\) slave\/ADMIN_OFFLINE\. Roles: $/m);
    const last = shows[3]!;
    expect(last).to.match(/db1\(\S+\) master\/ONLINE\. Roles: .*writer\(/);
    expect(last).to.match(/db2\(\S+\) master\/ONLINE\. Roles: reader\(/);
    expect(last).to.match(/db3\(\S+\) slave\/ONLINE\. Roles: reader\(/);
    expect(out).to.include("OK: State of 'db3' changed to ADMIN_OFFLINE.");
    expect(out).to.include("OK: State of 'db3' changed to ONLINE.");
  });

  it('leaves nothing: no package, user, /etc/mmm, /etc/netns entry, namespace or work folder', () => {
    expect(out).to.match(/^ {2}nothing left: /m);
    const st = sh('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', 'mmm']);
    expect(st.status !== 0 || st.stdout.startsWith('un'), `dpkg status ${st.stdout}`).to.equal(true);
    expect(sh('getent', ['passwd', 'mmm']).status).to.not.equal(0);
    for (const p of ['/etc/mmm', '/var/lib/mmm', '/run/mmm', join(tmp, 'work')]) expect(fs.existsSync(p), p).to.equal(false);
    const ns = [...out.matchAll(/in namespace (\S+)/g)].map((m) => m[1]!);
    expect(ns).to.have.length(3);
    const live = sh('ip', ['netns', 'list']).stdout;
    for (const n of ns) {
      expect(live, n).to.not.include(n);
      expect(fs.existsSync(`/etc/netns/${n}`), `/etc/netns/${n}`).to.equal(false);
    }
  });
});
