// `npm run bench` — crash failover, planned switchover, protocol round trips and footprint.
// Writes bench/results/latest.json and the results table in docs/BENCHMARKS.md (between the
// BENCH:RESULTS markers), and prints the table. One section: `npm run bench -- --only protocol`
// (comma-separated: crash,switchover,protocol,footprint,semisync,control). Options: --tuned-runs N (10),
// --default-runs N (3), --switch-runs N (10), --requests N (2000), --window S (25), --no-doc;
// semisync: --semisync-runs N (5 crash runs each, semisync and async), --conns N (4),
// --latency-rounds N (3 of each), --latency-round-s S (10); control: --control-runs N (100),
// --control-moves N (10 each); --out NAME.json (bench/results/latest.json).
// Everything started is stopped by PID and every sandbox brought down, also on failure and Ctrl-C.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crashSection, switchoverSection, type CrashStats, type SwitchStats } from './cluster';
import { footprintSection, type FootprintResult } from './footprint';
import { cleanupAll, isRoot, resetClock, ROOT, say } from './lib';
import { protocolSection, type ProtocolResult } from './protocol';
import { semisyncSection, type SemisyncResult } from './semisync';
import { controlSection, controlRows, type ControlStartupResult } from './control-startup';
import { SANDBOX_SEMISYNC_TIMEOUT } from '@mmm/sandbox';

const SECTIONS = ['crash', 'switchover', 'protocol', 'footprint', 'semisync', 'control'] as const;
type Section = (typeof SECTIONS)[number];

function args(): {
  only: Set<Section>; tunedRuns: number; defaultRuns: number; switchRuns: number; requests: number; windowS: number; doc: boolean;
  semisyncRuns: number; conns: number; latencyRounds: number; latencyRoundS: number; out: string; controlRuns: number; controlMoves: number;
} {
  const a = process.argv.slice(2);
  const val = (name: string, def: number): number => {
    const i = a.indexOf(name);
    if (i < 0) return def;
    const n = Number(a[i + 1]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a positive whole number`);
    return n;
  };
  const i = a.indexOf('--only');
  const only = new Set<Section>();
  if (i >= 0) {
    for (const s of (a[i + 1] ?? '').split(',')) {
      if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section '${s}' (one of ${SECTIONS.join(', ')})`);
      only.add(s as Section);
    }
  } else SECTIONS.forEach((s) => only.add(s));
  const out = a.includes('--out') ? (a[a.indexOf('--out') + 1] ?? '') : 'latest.json';
  if (!/^[\w.-]+\.json$/.test(out)) throw new Error(`--out: a file name in bench/results ending in .json, got '${out}'`);
  return {
    only, tunedRuns: val('--tuned-runs', 10), defaultRuns: val('--default-runs', 3), switchRuns: val('--switch-runs', 10),
    requests: val('--requests', 2000), windowS: val('--window', 25), doc: !a.includes('--no-doc'),
    out,
    semisyncRuns: val('--semisync-runs', 5), conns: val('--conns', 4), latencyRounds: val('--latency-rounds', 3), latencyRoundS: val('--latency-round-s', 10),
    controlRuns: val('--control-runs', 100), controlMoves: val('--control-moves', 10),
  };
}

const sh = (cmd: string, argv: string[]): string => {
  try {
    return execFileSync(cmd, argv, { timeout: 10_000 }).toString().trim();
  } catch {
    return 'unknown';
  }
};

interface Results {
  date: string;
  machine: { cpus: number; model: string; mem: string; kernel: string; loadavg_start: number[]; loadavg_end?: number[]; note: string };
  versions: { node: string; mariadb: string; mmm: string };
  settings: Record<string, unknown>;
  sections_run: string[];
  skipped: Record<string, string>;
  duration_s?: number;
  crash_failover?: { default?: CrashStats; tuned?: CrashStats };
  switchover?: SwitchStats;
  protocol?: ProtocolResult;
  footprint?: FootprintResult;
  semisync?: SemisyncResult;
  control?: ControlStartupResult;
  errors: Record<string, string>;
}

const fmt = (v: unknown, unit = ''): string => (typeof v === 'number' && Number.isFinite(v) ? `${Math.round(v * 100) / 100}${unit}` : '—');
const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'met' : '**missed**');
const le = (v: number | undefined, t: number): boolean | undefined => (typeof v === 'number' && Number.isFinite(v) ? v <= t : undefined);

export function table(r: Results): string {
  const t = r.crash_failover?.tuned;
  const d = r.crash_failover?.default;
  const s = r.switchover;
  const p = r.protocol;
  const f = r.footprint;
  const y = r.semisync;
  const lat = (l: SemisyncResult['latency']['async'] | undefined): string => (l ? `p50 ${fmt(l.p50_ms)} / p99 ${fmt(l.p99_ms)} ms, ${fmt(l.commits_per_s)} commits/s` : '—');
  const crash = (c: CrashStats | undefined): string =>
    c ? `runs ${c.runs}${c.failed_runs ? ` (+${c.failed_runs} failed)` : ''}: p50 ${fmt(c.p50_ms)} / max ${fmt(c.max_ms)} ms; lost ${c.lost_writes} of ${c.acks_before_kill} acknowledged before the kill (per run: ${c.per_run.map((p) => p.lost_writes).join(', ')})` : '—';
  const rows: string[][] = [
    ['Crash failover, tuned checks: kill -9 → first acked write on new writer', t ? `runs ${t.runs}: min ${fmt(t.min_ms)} / p50 ${fmt(t.p50_ms)} / p90 ${fmt(t.p90_ms)} / max ${fmt(t.max_ms)} ms` : '—', 'p50 ≤ 1000 ms, max ≤ 2000 ms', verdict(t ? !!(le(t.p50_ms, 1000) && le(t.max_ms, 2000)) : undefined), 'MMM 2.2.1 check_period 1/trap 2: 5.8 s median to read_only=0; VTOrc 1.4–2.8 s; MHA 10–30 s'],
    ['  of which: kill → HARD_OFFLINE decision (p50) / → read_only=0 (p50); acting (decision → VIP, p50)', t ? `${fmt(t.detect_p50_ms)} / ${fmt(t.writable_p50_ms)} ms; acting ${fmt(t.acting_p50_ms)} ms` : '—', '', '', ''],
    ['  acknowledged writes lost (tuned, all runs)', t ? `${t.lost_writes}` : '—', '(async replication: counted)', '', 'VTOrc audit: ~500 in relay-log scenarios'],
    ['Crash failover, MMM 2.x default checks (5 s / trap 10 s / timeout 2 s)', d ? `runs ${d.runs}: min ${fmt(d.min_ms)} / p50 ${fmt(d.p50_ms)} / p90 ${fmt(d.p90_ms)} / max ${fmt(d.max_ms)} ms; detect p50 ${fmt(d.detect_p50_ms)} ms; lost ${d.lost_writes}` : '—', '', '', 'MMM 2.2.1 default checks: 15.6 s median to read_only=0'],
    ['Planned switchover (move_role writer, under load): write block', s ? `runs ${s.runs}: p50 ${fmt(s.block_p50_ms)} / p99 ${fmt(s.block_p99_ms)} ms; lost ${s.lost_writes}` : '—', 'p99 ≤ 300 ms with 0 lost', verdict(s ? !!(le(s.block_p99_ms, 300) && s.lost_writes === 0) : undefined), 'MHA online switch 0.5–2 s blocked'],
    ['  switchover total (command → first ack on the new writer), p50', s ? `${fmt(s.total_p50_ms)} ms` : '—', '', '', 'MMM 2.2.1 move_role 0.56 s median (no GTID wait, no grace)'],
    ['Agent PING round trip, kept connection (p50 / p99)', p ? `${fmt(p.agent_rtt_kept_p50_ms)} / ${fmt(p.agent_rtt_kept_p99_ms)} ms` : '—', 'p99 ≤ 5 ms', verdict(le(p?.agent_rtt_kept_p99_ms, 5)), ''],
    ['Agent PING, new mutual-TLS connection each (p50 / p99)', p ? `${fmt(p.agent_rtt_new_p50_ms)} / ${fmt(p.agent_rtt_new_p99_ms)} ms` : '—', '', '', 'MMM 2.x: a new TCP connection per request'],
    ['Control `show`, new connection each (p50 / p99); resuming the last TLS session', p ? `${fmt(p.control_show_p50_ms)} / ${fmt(p.control_show_p99_ms)} ms; resumed ${fmt(p.control_show_resumed_p50_ms)} / ${fmt(p.control_show_resumed_p99_ms)} ms` : '—', 'p99 ≤ 20 ms', verdict(le(p?.control_show_p99_ms, 20)), 'MMM 2.2.1: 0.05–0.1 s or ~3 s'],
    ['Push rate, one client → 50 simulated agents (SET_STATUS)', p ? `${fmt(p.push_rps_50_agents)} req/s` : '—', '', '', ''],
    ['Idle agent (sandbox default checks, 0.25 s; children included): RSS / CPU (+ children)', f?.agent_rss_mb !== undefined ? `${fmt(f.agent_rss_mb)} MB / ${fmt(f.agent_cpu_pct)} % (+${fmt(f.agent_children_cpu_pct)} %); 1 s checks: ${fmt(f.agent_rss_mb_1s)} MB / ${fmt(f.agent_cpu_pct_1s)} % (+${fmt(f.agent_children_cpu_pct_1s)} %)` : '—', '≤ 50 MB, ≤ 1 % (peers.md §5.3)', verdict(f?.agent_rss_mb !== undefined ? !!(le(f.agent_rss_mb, 50) && le((f.agent_cpu_pct ?? NaN) + (f.agent_children_cpu_pct ?? 0), 1)) : undefined), ''],
    ['Monitor, 3-node sandbox, 1 s checks: RSS / CPU (+ pinger children)', f?.monitor_rss_mb !== undefined ? `${fmt(f.monitor_rss_mb)} MB / ${fmt(f.monitor_cpu_pct_1s)} % (+${fmt(f.monitor_children_cpu_pct_1s)} %)` : '—', '', '', ''],
    ['Monitor, 3-node sandbox, 0.25 s checks: RSS / CPU (+ pinger children)', f?.monitor_rss_mb_025s !== undefined ? `${fmt(f.monitor_rss_mb_025s)} MB / ${fmt(f.monitor_cpu_pct_025s)} % (+${fmt(f.monitor_children_cpu_pct_025s)} %)` : '—', '', '', ''],
    ['Monitor, 200 SIMULATED hosts, 1 s checks: RSS / CPU (+ pinger children)', f ? `${fmt(f.monitor_200_hosts_rss_mb)} MB (max ${fmt(f.monitor_200_hosts_rss_max_mb)}) / ${fmt(f.monitor_200_hosts_cpu_pct)} % (+${fmt(f.monitor_200_hosts_children_cpu_pct)} %); ${f.monitor_200_hosts_online} ONLINE; pingers: ${fmt(f.raw?.monitor_200_hosts?.children ?? NaN)} processes, PSS ${fmt(f.raw?.monitor_200_hosts?.children_pss_mb ?? NaN)} MB summed; ${f.monitor_200_hosts_pingers_left_after_stop} left after SIGTERM` : '—', '≤ 100 MB, ≤ 10 % of a core', verdict(f ? !!(le(f.monitor_200_hosts_rss_mb, 100) && le(f.monitor_200_hosts_cpu_pct + f.monitor_200_hosts_children_cpu_pct, 10)) : undefined), 'orchestrator: thousands of servers at 5 s polls; MHA 100+ pairs'],
    ...(y
      ? [
          [`Commit latency, ${y.connections} connections of autocommit INSERTs, semisync (AFTER_SYNC)`, lat(y.latency.semisync), '', '', ''],
          [`Commit latency, same workload and servers, async`, lat(y.latency.async), '', '', ''],
          [`Crash failover with semisync, ${y.connections} connections: kill -9 → first acked write`, crash(y.crash.semisync), '0 lost', verdict(y.crash.semisync ? y.crash.semisync.lost_writes === 0 && y.crash.semisync.runs > 0 : undefined), 'VTOrc 1.4–2.8 s (semi-sync); vitess#21092: semi-sync-acked writes lost'],
          [`Crash failover, async, same workload`, crash(y.crash.async), '(async: counted)', '', ''],
        ]
      : []),
    ...controlRows(r.control, { fmt, verdict, le }),
  ];
  const head = '| Measure | This run | Target | Verdict | Others (measured / published) |\n|---|---|---|---|---|\n';
  return head + rows.map((x) => `| ${x.join(' | ')} |`).join('\n') + '\n';
}

function header(r: Results): string {
  return [
    `Run of ${r.date} (${r.duration_s ?? '?'} s, sections: ${r.sections_run.join(', ')}).`,
    `Machine: ${r.machine.cpus} × ${r.machine.model}, ${r.machine.mem} RAM, Linux ${r.machine.kernel}; load average at start ${r.machine.loadavg_start.map((x) => x.toFixed(2)).join(' ')}, at end ${(r.machine.loadavg_end ?? []).map((x) => x.toFixed(2)).join(' ')} (${r.machine.note}).`,
    `Versions: node ${r.versions.node}, ${r.versions.mariadb}, mmm ${r.versions.mmm}.`,
    `Settings: ${Object.entries(r.settings).map(([k, v]) => `${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('; ')}.`,
    ...Object.entries(r.skipped).map(([k, v]) => `Skipped ${k}: ${v}.`),
    ...Object.entries(r.errors).map(([k, v]) => `Section ${k} FAILED: ${v}.`),
  ].join('\n');
}

function writeDoc(r: Results): void {
  const file = join(ROOT, 'docs/BENCHMARKS.md');
  const block = `<!-- BENCH:RESULTS:BEGIN (written by npm run bench) -->\n${header(r)}\n\n${table(r)}<!-- BENCH:RESULTS:END -->`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n<!-- BENCH:RESULTS:BEGIN -->\n<!-- BENCH:RESULTS:END -->\n';
  const re = /<!-- BENCH:RESULTS:BEGIN[\s\S]*?<!-- BENCH:RESULTS:END -->/;
  text = re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}

async function main(): Promise<number> {
  const o = args();
  resetClock();
  const t0 = Date.now();
  const root = isRoot();
  const mmmVersion = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const r: Results = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', mem: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`, kernel: release(),
      loadavg_start: loadavg(), note: 'shared machine: other sessions (e2e tests, sandboxes) may run at the same time; see load average',
    },
    versions: { node: process.version, mariadb: sh('mariadbd', ['--version']).replace(/^.*Ver\s+/, 'mariadbd '), mmm: `${mmmVersion} (git ${sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])})` },
    settings: {
      tuned_checks: 'ping/mysql/rep_threads check_period 0.25 s, trap_period 0.75 s, timeout 1 s; rep_backlog 0.5/1 s; ping_interval 0.25 (mmm_sandbox defaults)',
      default_checks: 'MMM 2.x defaults: every check 5 s, trap 10 s, timeout 2 s; ping_interval 1 (mmm_sandbox up --checks default)',
      monitor_pass_interval_ms: 'default = fastest check_period clamped to 100–1000 ms: 250 tuned, 1000 with default checks and for the 200 simulated hosts (mmmd_mon without --pass-interval-ms)',
      writer_lease_s: 3,
      switch_timeout_s: 10,
      replication: 'MariaDB async GTID replication, MASTER_HEARTBEAT_PERIOD 1, slave_net_timeout 4',
      network: 'mmm_sandbox --netns: each node in its own namespace on a bridge; workload client inside db3\'s namespace, app user, writer VIP',
      runs: { tuned: o.tunedRuns, default: o.defaultRuns, switchover: o.switchRuns, requests: o.requests, footprint_window_s: o.windowS },
      ...(o.only.has('semisync')
        ? { semisync: `mmm_sandbox up --netns --semisync (durability semisync, semisync_timeout ${SANDBOX_SEMISYNC_TIMEOUT} s, AFTER_SYNC; db2 and db3 acknowledge); workload ${o.conns} connections of autocommit INSERTs from db3's namespace through the writer VIP; latency: ${o.latencyRounds} rounds of ${o.latencyRoundS} s each way, alternating on ONE sandbox (monitor passive, db1's master side switched by hand), first second of each round dropped; crash: ${o.semisyncRuns} runs each, semisync and async, fresh sandbox per run` }
        : {}),
    },
    sections_run: [...o.only],
    skipped: {},
    errors: {},
  };
  const section = async (name: string, f: () => Promise<void>): Promise<void> => {
    say(`== ${name} (load average ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
    try {
      await f();
    } catch (e) {
      r.errors[name] = (e as Error).message;
      say(`${name} FAILED: ${(e as Error).message}`);
    }
  };
  const needRoot = (name: string): boolean => {
    if (root) return true;
    r.skipped[name] = 'needs root (network-namespace sandboxes)';
    say(`== ${name}: SKIPPED — needs root (mmm_sandbox --netns)`);
    return false;
  };

  if (o.only.has('protocol')) await section('protocol', async () => void (r.protocol = await protocolSection({ requests: o.requests })));
  if (o.only.has('crash') && needRoot('crash')) {
    r.crash_failover = {};
    await section('crash failover, tuned checks', async () => void (r.crash_failover!.tuned = await crashSection('tuned', o.tunedRuns, 30_000)));
    await section('crash failover, MMM 2.x default checks', async () => void (r.crash_failover!.default = await crashSection('default', o.defaultRuns, 60_000)));
  }
  if (o.only.has('switchover') && needRoot('switchover')) await section('planned switchover', async () => void (r.switchover = await switchoverSection(o.switchRuns)));
  if (o.only.has('footprint')) await section('footprint', async () => void (r.footprint = await footprintSection({ root, windowMs: o.windowS * 1000 })));
  if (o.only.has('semisync') && needRoot('semisync')) {
    await section('semisync: commit latency and crash failover', async () => void (r.semisync = await semisyncSection({ conns: o.conns, roundS: o.latencyRoundS, rounds: o.latencyRounds, crashRuns: o.semisyncRuns })));
  }

  if (o.only.has('control')) await section('control: mmm_control as a process', async () => void (r.control = await controlSection({ runs: o.controlRuns, moves: o.controlMoves })));

  r.machine.loadavg_end = loadavg();
  r.duration_s = Math.round((Date.now() - t0) / 1000);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const out = join(ROOT, 'bench/results', o.out);
  writeFileSync(out, `${JSON.stringify(r, null, 2)}\n`);
  if (o.doc) writeDoc(r);
  process.stdout.write(`\n${header(r)}\n\n${table(r)}\nwritten: ${out}${o.doc ? ' and docs/BENCHMARKS.md' : ''} (${r.duration_s} s)\n`);
  return Object.keys(r.errors).length ? 1 : 0;
}

let stopping = false;
const onSignal = (sig: string): void => {
  if (stopping) return;
  stopping = true;
  say(`${sig}: stopping everything the bench started…`);
  void cleanupAll().finally(() => process.exit(130));
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));

main()
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  })
  .catch(async (e: Error) => {
    say(`bench failed: ${e.stack ?? e.message}`);
    await cleanupAll();
    process.exit(1);
  });
