// Shared helpers of `npm run bench`: processes we start (tracked by PID, stopped on exit or
// Ctrl-C), sandboxes (tracked by DIR, `down` on exit), statistics, /proc sampling and a small
// mutual-TLS control client. Nothing here imports from test/ (the e2e harness is someone else's).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..');
export const SANDBOX_BIN = join(ROOT, 'packages/sandbox/bin/mmm_sandbox.js');
export const AGENT_BIN = join(ROOT, 'packages/agent/bin/mmmd_agent.js');
export const MONITOR_BIN = join(ROOT, 'packages/monitor/bin/mmmd_mon.js');
export const CONTROL_BIN = join(ROOT, 'packages/control/bin/mmm_control.js');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const isRoot = (): boolean => process.getuid?.() === 0;

let t0 = Date.now();
export function resetClock(): void {
  t0 = Date.now();
}
/** Progress line on stderr with the elapsed bench time. */
export function say(line: string): void {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${s}s] ${line}\n`);
}

// ---- cleanup registry --------------------------------------------------------------------------

const children = new Set<ChildProcess>();
const sandboxes = new Set<string>();
const tempDirs = new Set<string>();
const closers = new Set<() => Promise<void> | void>();

export function track(c: ChildProcess): ChildProcess {
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}
export function trackCloser(f: () => Promise<void> | void): () => void {
  closers.add(f);
  return () => closers.delete(f);
}
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}
export function removeTemp(d: string): void {
  rmSync(d, { recursive: true, force: true });
  tempDirs.delete(d);
}

/** SIGTERM, then SIGKILL after `graceMs`; by PID of a child we spawned. */
export async function stopChild(c: ChildProcess, graceMs = 3_000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null || !c.pid) return;
  const gone = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), graceMs);
  await Promise.race([gone, sleep(graceMs + 2_000)]);
  clearTimeout(t);
}

/** Stops everything still registered: children, closers, sandboxes (down), temp dirs. Bounded. */
export async function cleanupAll(): Promise<void> {
  for (const f of [...closers]) {
    closers.delete(f);
    await Promise.race([Promise.resolve().then(f).catch(() => undefined), sleep(5_000)]);
  }
  await Promise.all([...children].map((c) => stopChild(c)));
  for (const d of [...sandboxes]) await sandboxDown(d);
  for (const d of [...tempDirs]) removeTemp(d);
}

// ---- running commands --------------------------------------------------------------------------

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, bounded by `timeoutMs` (SIGKILL after it). */
export function run(cmd: string, args: string[], timeoutMs = 60_000, input?: string): Promise<RunResult> {
  return new Promise((resolveRun) => {
    const c = track(spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    c.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('close', (code) => {
      clearTimeout(t);
      resolveRun({ code, stdout, stderr });
    });
    c.on('error', (e) => {
      clearTimeout(t);
      resolveRun({ code: -1, stdout, stderr: stderr + e.message });
    });
    c.stdin!.end(input ?? '');
  });
}

export async function mustRun(cmd: string, args: string[], timeoutMs = 60_000, input?: string): Promise<string> {
  const r = await run(cmd, args, timeoutMs, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${(r.stderr || r.stdout).trim().slice(-600)}`);
  return r.stdout;
}

// ---- sandboxes -----------------------------------------------------------------------------------

export interface SbNode {
  name: string;
  mode: string;
  ip: string;
  mysql_port: number;
  socket: string;
  mariadbd_pid: number;
  agent_pid: number;
  netns: string | null;
  config: string;
  vips: string[];
}
export interface SbStatus {
  dir: string;
  monitor: { pid: number; config: string; control: string; log: string };
  control_config: string;
  nodes: SbNode[];
  certs: { ca: string; control_cert: string; control_key: string };
}
export interface Sandbox {
  dir: string;
  status: SbStatus;
  app: { user: string; password: string };
  writerVip: string;
  auditFile: string;
  upMs: number;
}

/** `mmm_sandbox up --netns --dir DIR [--checks …]` + `status --json`; registered for cleanup. */
export async function sandboxUp(tag: string, checks?: string, extra: string[] = []): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), `mmmb-${tag}-`));
  rmSync(dir, { recursive: true, force: true }); // up wants to create it
  sandboxes.add(dir);
  const t = Date.now();
  const args = [SANDBOX_BIN, 'up', '--netns', '--dir', dir, ...(checks ? ['--checks', checks] : []), ...extra];
  const r = await run(process.execPath, args, 120_000);
  if (r.code !== 0) {
    await sandboxDown(dir);
    throw new Error(`mmm_sandbox up failed: ${r.stderr.trim().split('\n').slice(-8).join(' | ')}`);
  }
  const status = JSON.parse(await mustRun(process.execPath, [SANDBOX_BIN, 'status', '--json', '--dir', dir], 30_000)) as SbStatus;
  const db = JSON.parse(readFileSync(join(dir, 'db-cluster.json'), 'utf8')) as { credentials: { app: { user: string; password: string } } };
  const mon = readFileSync(join(dir, 'mmm_common.conf'), 'utf8');
  const m = /<role writer>[\s\S]*?ips\s+(\S+)/.exec(mon);
  if (!m) throw new Error('writer VIP not found in mmm_common.conf');
  return { dir, status, app: db.credentials.app, writerVip: m[1]!, auditFile: join(dir, 'mmm_mond.status.audit.jsonl'), upMs: Date.now() - t };
}

/** `mmm_sandbox down --dir DIR` (bounded), then forget it. Never throws. */
export async function sandboxDown(dir: string, keep = false): Promise<void> {
  if (!sandboxes.has(dir) && !existsSync(dir)) return;
  const r = await run(process.execPath, [SANDBOX_BIN, 'down', '--dir', dir, ...(keep ? ['--keep'] : [])], 90_000);
  if (r.code !== 0) say(`  warning: mmm_sandbox down --dir ${dir}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  sandboxes.delete(dir);
}

/** SQL as root over a node's socket (the `mariadb` client). */
export async function sql(node: SbNode, query: string, timeoutMs = 10_000): Promise<string> {
  return mustRun('mariadb', ['-S', node.socket, '-uroot', '-N', '-B', '-e', query], timeoutMs);
}

/** One mmm_control command through the real binary. */
export async function control(sb: Sandbox, ...args: string[]): Promise<string> {
  const r = await run(process.execPath, [CONTROL_BIN, '-c', sb.status.control_config, ...args], 30_000);
  return r.stdout + r.stderr;
}

// ---- audit log -------------------------------------------------------------------------------------

export interface AuditLine {
  time: string;
  kind: string;
  host?: string;
  role?: string;
  reason: string;
  blocked: boolean;
  t: number;
}
export function readAudit(file: string): AuditLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const o = JSON.parse(l) as Omit<AuditLine, 't'>;
      return { ...o, t: Date.parse(o.time) };
    });
}

/** Lines of an agent log with their time: `2026-…Z mmmd_agent  INFO: step done: read_only=0`. */
export function logLines(file: string): { t: number; text: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => ({ t: Date.parse(l.slice(0, 24)), text: l }))
    .filter((x) => Number.isFinite(x.t));
}

// ---- statistics ----------------------------------------------------------------------------------

/** Nearest-rank percentile (p in 0…100) of numbers; NaN for none. */
export function pct(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const k = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[k]!;
}
export const round = (n: number, d = 1): number => (Number.isFinite(n) ? Math.round(n * 10 ** d) / 10 ** d : n);
export const min = (v: number[]): number => (v.length ? Math.min(...v) : NaN);
export const max = (v: number[]): number => (v.length ? Math.max(...v) : NaN);

// ---- /proc sampling --------------------------------------------------------------------------------

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

export interface ProcSample {
  rssKb: number;
  /** utime+stime of the process, in seconds. */
  cpu: number;
  /**
   * Children's CPU, seconds: cutime+cstime (children it waited for) plus utime+stime of its live
   * children (the monitor's long-running pingers are never reaped during a window).
   */
  childCpu: number;
  /** Live children: count, summed VmRSS and summed Pss (shared pages counted once overall). */
  children: number;
  childRssKb: number;
  childPssKb: number;
}

/** PIDs whose parent is `pid` (scan of /proc; no CONFIG_PROC_CHILDREN needed). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const st = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === pid) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

function statCpu(pid: number): { cpu: number; childCpu: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields after the comm: index 0 = state (field 3); utime = field 14 → index 11
  const n = (i: number): number => Number(f[i]);
  return { cpu: (n(11) + n(12)) / CLK_TCK, childCpu: (n(13) + n(14)) / CLK_TCK };
}
export function procSample(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /VmRSS:\s+(\d+)/.exec(status);
  const own = statCpu(pid);
  let childCpu = own.childCpu;
  let childRssKb = 0;
  let childPssKb = 0;
  let children = 0;
  for (const c of childPids(pid)) {
    try {
      const cs = statCpu(c);
      childCpu += cs.cpu + cs.childCpu;
      childRssKb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${c}/status`, 'utf8'))?.[1] ?? 0);
      childPssKb += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${c}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
      children++;
    } catch {
      /* exited meanwhile: its CPU moves to cutime once reaped */
    }
  }
  return { rssKb: rss ? Number(rss[1]) : NaN, cpu: own.cpu, childCpu, children, childRssKb, childPssKb };
}

export interface Footprint {
  rss_mb: number;
  rss_max_mb: number;
  /** Mean of (own RSS + the summed RSS of its live children) per sample: children included. */
  rss_with_children_mb: number;
  cpu_pct: number;
  child_cpu_pct: number;
  /** Live children (the monitor's pingers) at the end of the window, their summed RSS and PSS. */
  children: number;
  children_rss_mb: number;
  children_pss_mb: number;
  window_s: number;
}
/** RSS (mean and max of 1 s samples) and CPU% of one core over `windowMs`. */
export async function measure(pid: number, windowMs: number): Promise<Footprint> {
  const a = procSample(pid);
  const ta = Date.now();
  const rss: number[] = [a.rssKb];
  const withChildren: number[] = [a.rssKb + a.childRssKb];
  while (Date.now() - ta < windowMs) {
    await sleep(Math.min(1_000, windowMs - (Date.now() - ta)));
    const s = procSample(pid);
    rss.push(s.rssKb);
    withChildren.push(s.rssKb + s.childRssKb);
  }
  const b = procSample(pid);
  const secs = (Date.now() - ta) / 1000;
  return {
    rss_mb: round(rss.reduce((x, y) => x + y, 0) / rss.length / 1024, 1),
    rss_max_mb: round(Math.max(...rss) / 1024, 1),
    rss_with_children_mb: round(withChildren.reduce((x, y) => x + y, 0) / withChildren.length / 1024, 1),
    cpu_pct: round(((b.cpu - a.cpu) / secs) * 100, 2),
    child_cpu_pct: round(((b.childCpu - a.childCpu) / secs) * 100, 2),
    children: b.children,
    children_rss_mb: round(b.childRssKb / 1024, 1),
    children_pss_mb: round(b.childPssKb / 1024, 1),
    window_s: round(secs, 1),
  };
}

/** Polls `probe` every `everyMs` until it returns a value, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const tmp = (): string => tmpdir();
