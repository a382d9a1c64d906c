// Headless Chromium for the status-page test, run INSIDE a network namespace the test made (no
// route out, so the browser's own background requests go nowhere). Client certificates reach it
// the way a user's do: an NSS database in $HOME/.pki/nssdb (certutil + pk12util from
// libnss3-tools) and the AutoSelectCertificateForUrls policy (a managed policy file under
// /etc/chromium/policies/managed, removed again by the test), since headless Chromium has no
// certificate picker.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';
const POLICY_DIR = '/etc/chromium/policies/managed';

/** Why this machine cannot run the browser test, or true. */
export function browserSupport(): true | string {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, the managed policy folder)';
  for (const bin of [CHROMIUM, '/usr/bin/certutil', '/usr/bin/pk12util', '/usr/bin/openssl']) {
    if (!existsSync(bin)) return `${bin} is missing (Debian packages chromium, libnss3-tools, openssl)`;
  }
  return true;
}

function must(cmd: string, args: string[], env?: NodeJS.ProcessEnv): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000, env: env ?? process.env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
}

/**
 * A browser profile: HOME with an NSS database trusting `caFile`, holding the client certificate
 * when one is given. Returns the HOME folder.
 */
export function makeProfile(dir: string, caFile: string, client?: { cert: string; key: string }): string {
  const home = join(dir, 'home');
  const db = `sql:${join(home, '.pki', 'nssdb')}`;
  mkdirSync(join(home, '.pki', 'nssdb'), { recursive: true });
  must('certutil', ['-N', '-d', db, '--empty-password']);
  must('certutil', ['-A', '-d', db, '-n', 'mmm-ca', '-t', 'C,,', '-i', caFile]);
  if (client) {
    const p12 = join(dir, 'client.p12');
    must('openssl', ['pkcs12', '-export', '-in', client.cert, '-inkey', client.key, '-out', p12, '-passout', 'pass:', '-name', 'mmm-client']);
    must('pk12util', ['-i', p12, '-d', db, '-W', '']);
    rmSync(p12);
  }
  return home;
}

/** Installs the auto-select policy for `origin` (https://IP:PORT); returns its remover. */
export function autoSelectPolicy(name: string, origin: string): () => void {
  mkdirSync(POLICY_DIR, { recursive: true });
  const file = join(POLICY_DIR, `${name}.json`);
  writeFileSync(file, JSON.stringify({ AutoSelectCertificateForUrls: [JSON.stringify({ pattern: origin, filter: {} })] }));
  return () => rmSync(file, { force: true });
}

export interface BrowserRun {
  code: number | null;
  /** What --dump-dom printed (the DOM after scripts ran), or ''. */
  dom: string;
  stderr: string;
}

/**
 * Loads `url` in headless Chromium inside namespace `ns` with profile `home`; --dump-dom after
 * `budgetMs` of virtual time (the page's own fetches run in it), or a screenshot when `screenshot`
 * names a PNG. Bounded: the browser's process group is killed after `boundMs`.
 */
export function load(ns: string, home: string, url: string, opts: { budgetMs?: number; screenshot?: string; boundMs?: number } = {}): Promise<BrowserRun> {
  const userData = join(home, 'chromium');
  const args = [
    'netns', 'exec', ns, CHROMIUM, '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${userData}`,
    `--virtual-time-budget=${opts.budgetMs ?? 4_000}`, '--window-size=1280,900',
    ...(opts.screenshot ? [`--screenshot=${opts.screenshot}`] : ['--dump-dom']), url,
  ];
  return new Promise((res) => {
    // detached: its own process group, so the bound kills the renderer and GPU helpers too
    const child = spawn('ip', args, { env: { ...process.env, HOME: home }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let dom = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (dom += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const kill = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(kill, opts.boundMs ?? 45_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      kill(); // helpers left in the group
      res({ code, dom, stderr });
    });
  });
}
