// Section `control` — the operator's view: `mmm_control show` and `mmm_control move_role writer X`
// as PROCESSES (Node start-up included), spawn → exit, against the monitor of a loopback
// mmm_sandbox (3 real MariaDB nodes, agents, monitor with the tuned checks), for
// * the bundle the Debian package installs as /usr/bin/mmm_control (scripts/package/bundle.ts,
//   the same esbuild build, written to a temp folder and run with this node),
// * the development bin (packages/control/bin/mmm_control.js → dist/, the tsc output),
// * and `node -e 0`, the floor no mmm_control can go under on this machine.
// The runs of the three are interleaved, so load from other sessions hits them alike.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BINS, bundleBin } from '../scripts/package/bundle';
import { CONTROL_BIN, ROOT, mustRun, pct, removeTemp, round, run, say, SANDBOX_BIN, tempDir, track, trackCloser, type SbStatus } from './lib';

export interface Stat {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** CPU time (user + sys) of the process, p50: what load from other sessions does not inflate. */
  cpu_p50_ms: number;
  runs: number;
}

interface Run {
  ms: number;
  cpuMs: number;
}

export interface ControlStartupResult {
  node_floor: Stat;
  version_bundle: Stat;
  version_dev: Stat;
  show_bundle: Stat;
  show_dev: Stat;
  move_bundle: Stat;
  move_dev: Stat;
  /** move_role's process time minus the monitor's "took N ms": start-up, exchanges, the 200 ms polls. */
  move_overhead_bundle: Stat;
  move_overhead_dev: Stat;
  bundle_kib: number;
  notes: string[];
}

const stat = (runs: Run[]): Stat => {
  const v = runs.map((r) => r.ms);
  return { p50_ms: round(pct(v, 50), 1), p99_ms: round(pct(v, 99), 1), max_ms: round(pct(v, 100), 1), cpu_p50_ms: round(pct(runs.map((r) => r.cpuMs), 50), 0), runs: v.length };
};

const CLK_TCK = 100; // USER_HZ on Linux
/** cutime + cstime of this process, ms: the CPU of the children it has reaped. */
function reapedChildrenCpuMs(): number {
  const st = readFileSync('/proc/self/stat', 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
}

/** One process, spawn → exit; throws unless it exits 0 and its stdout passes `check`. */
function timed(args: string[], check: (out: string) => boolean, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const cpu0 = reapedChildrenCpuMs();
    const t0 = process.hrtime.bigint();
    const c = track(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } }));
    let out = '';
    let err = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    c.on('close', (code) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0 || !check(out)) reject(new Error(`${args.slice(1).join(' ')} exited ${code}: ${(err || out).trim().slice(-400)}`));
      else resolve({ ms, cpuMs: reapedChildrenCpuMs() - cpu0 });
    });
  });
}

export async function controlSection(opts: { runs: number; moves: number }): Promise<ControlStartupResult> {
  const notes: string[] = [];
  const dir = tempDir('mmmb-ctlstart-');
  const sbDir = join(dir, 'sb');
  const bundle = join(dir, 'mmm_control');
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  say(`  bundling mmm_control (${BINS.mmm_control}) as the package does…`);
  await bundleBin('mmm_control', bundle, version);
  const bundleKib = Math.round(statSync(bundle).size / 1024);
  say(`  bundle: ${bundleKib} KiB; starting a loopback mmm_sandbox…`);
  const down = async (): Promise<void> => {
    const r = await run(process.execPath, [SANDBOX_BIN, 'down', '--dir', sbDir], 90_000);
    if (r.code !== 0) say(`  warning: down ${sbDir}: ${r.stderr.trim().slice(-300)}`);
  };
  const untrack = trackCloser(down);
  try {
    const up = await run(process.execPath, [SANDBOX_BIN, 'up', '--dir', sbDir], 120_000);
    if (up.code !== 0) throw new Error(`mmm_sandbox up failed: ${up.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    const st = JSON.parse(await mustRun(process.execPath, [SANDBOX_BIN, 'status', '--json', '--dir', sbDir], 30_000)) as SbStatus;
    const conf = st.control_config;
    const bins = { bundle, dev: CONTROL_BIN };
    const showOk = (o: string): boolean => /ONLINE/.test(o) && /^# Host /m.test(o);
    const versionOk = (o: string): boolean => o.trim() === version;
    const t = { floor: [] as Run[], vb: [] as Run[], vd: [] as Run[], sb: [] as Run[], sd: [] as Run[], mb: [] as Run[], md: [] as Run[], ob: [] as Run[], od: [] as Run[] };
    for (let i = 0; i < 3; i++) {
      await timed(['-e', '0'], () => true);
      for (const b of Object.values(bins)) await timed([b, '-c', conf, 'show'], showOk);
    }
    say(`  ${opts.runs} runs each: node -e 0, --version and show of the bundle and of the dev bin…`);
    for (let i = 0; i < opts.runs; i++) {
      t.floor.push(await timed(['-e', '0'], () => true));
      t.vb.push(await timed([bins.bundle, '--version'], versionOk));
      t.vd.push(await timed([bins.dev, '--version'], versionOk));
      t.sb.push(await timed([bins.bundle, '-c', conf, 'show'], showOk));
      t.sd.push(await timed([bins.dev, '-c', conf, 'show'], showOk));
    }
    say(`  show p50/p99: bundle ${stat(t.sb).p50_ms}/${stat(t.sb).p99_ms} ms, dev ${stat(t.sd).p50_ms}/${stat(t.sd).p99_ms} ms (node -e 0: ${stat(t.floor).p50_ms}/${stat(t.floor).p99_ms} ms); ${opts.moves} writer moves each…`);
    // db1 holds the writer after up (prefer db1: active mode refuses moves, so manual mode); each
    // move goes to the other master and waits (the default).
    await timed([bins.dev, '-c', conf, 'set_manual'], (o) => o.startsWith('OK'));
    let to = 'db2';
    const moveOk = (o: string): boolean => /^OK: Role 'writer' has been moved/m.test(o);
    for (let i = 0; i < opts.moves; i++) {
      for (const [k, b] of [['mb', bins.bundle], ['md', bins.dev]] as const) {
        let out = '';
        const r = await timed([b, '-c', conf, 'move_role', 'writer', to], (o) => ((out = o), moveOk(o)), 90_000);
        t[k].push(r);
        // "# Last move: … took N ms": the monitor's part; the rest is mmm_control's own.
        const took = Number(/took (\d+) ms/.exec(out)?.[1]);
        if (Number.isFinite(took)) t[k === 'mb' ? 'ob' : 'od'].push({ ms: r.ms - took, cpuMs: r.cpuMs });
        to = to === 'db2' ? 'db1' : 'db2';
      }
    }
    notes.push(
      `processes spawned by the bench (spawn → exit, ${opts.runs} each after 3 warm-ups, interleaved), against the monitor of a loopback mmm_sandbox (3 real MariaDB nodes, agents, tuned 0.25 s checks); show = start-up + \`show\` + \`status_json\` (two mutual-TLS connections); move_role writer = start-up + the monitor's move + mmm_control following status_json every 200 ms until the move is done (the default wait); bundle = the esbuild bundle of scripts/package/bundle.ts (${bundleKib} KiB), run with ${process.execPath}`,
    );
    return {
      node_floor: stat(t.floor),
      version_bundle: stat(t.vb),
      version_dev: stat(t.vd),
      show_bundle: stat(t.sb),
      show_dev: stat(t.sd),
      move_bundle: stat(t.mb),
      move_dev: stat(t.md),
      move_overhead_bundle: stat(t.ob),
      move_overhead_dev: stat(t.od),
      bundle_kib: bundleKib,
      notes,
    };
  } finally {
    untrack();
    await down();
    removeTemp(dir);
  }
}

interface Fmt {
  fmt: (v: unknown, unit?: string) => string;
  verdict: (ok: boolean | undefined) => string;
  le: (v: number | undefined, t: number) => boolean | undefined;
}

/** The section's rows of the results table (run.ts), '—' when it did not run. */
export function controlRows(c: ControlStartupResult | undefined, f: Fmt): string[][] {
  const s = (x: Stat | undefined): string => (x ? `${f.fmt(x.p50_ms)} / ${f.fmt(x.p99_ms)} ms (CPU ${f.fmt(x.cpu_p50_ms)} ms)` : '—');
  return [
    ['`mmm_control show` as a process, package bundle (p50 / p99)', c ? `${s(c.show_bundle)} (${c.show_bundle.runs} runs; bundle ${c.bundle_kib} KiB)` : '—', 'p99 ≤ 150 ms', f.verdict(f.le(c?.show_bundle.p99_ms, 150)), 'MMM 2.2.1 (Perl): 0.05–0.1 s or ~3 s'],
    ['`mmm_control show` as a process, development bin (tsc output)', c ? s(c.show_dev) : '—', 'p99 ≤ 150 ms', f.verdict(f.le(c?.show_dev.p99_ms, 150)), ''],
    ['  start-up alone: `mmm_control --version`, bundle / dev bin; `node -e 0`', c ? `${s(c.version_bundle)}; ${s(c.version_dev)}; ${s(c.node_floor)}` : '—', '', '', ''],
    ['`mmm_control move_role writer X` as a process (waits for the move), bundle / dev bin', c ? `${s(c.move_bundle)}; ${s(c.move_dev)} (${c.move_bundle.runs} moves each)` : '—', '', '', ''],
    ['  of which not the monitor\'s move (start-up, exchanges, 200 ms polls), bundle / dev bin', c ? `${s(c.move_overhead_bundle)}; ${s(c.move_overhead_dev)}` : '—', '', '', ''],
  ];
}
