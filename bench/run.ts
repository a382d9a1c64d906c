// `npm run bench` — every fault class (mysqld kill -9, node loss, hung mysqld), planned
// switchover, protocol round trips and footprint. Writes bench/results/latest.json and the results
// table in docs/BENCHMARKS.md (between the BENCH:RESULTS markers), and prints the table. One
// section: `npm run bench -- --only protocol` (comma-separated:
// crash,nodeloss,hang,switchover,protocol,footprint,semisync,control). Options: --kill-runs N (20; alias
// --tuned-runs), --mmm-tuned-runs N (10), --default-runs N (3), --nodeloss-runs N (10),
// --hang-runs N (10), --switch-runs N (30), --requests N (2000), --window S (25), --no-doc;
// semisync: --semisync-runs N (5 crash runs each, semisync and async), --conns N (4),
// --latency-rounds N (3 of each), --latency-round-s S (10); control: --control-runs N (100),
// --control-moves N (10 each); --out NAME.json (bench/results/latest.json).
// Everything started is stopped by PID and every sandbox brought down, also on failure and Ctrl-C.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { switchoverSection, type SwitchStats } from './cluster';
import { FAULT_TEXT, MIXED, faultSection, type CrashStats } from './faults';
import { footprintSection, type FootprintResult } from './footprint';
import { cleanupAll, isRoot, resetClock, ROOT, say } from './lib';
import { leaderFailoverSection, type LeaderFailoverStats } from './ha';
import { protocolSection, type ProtocolResult } from './protocol';
import { semisyncSection, type SemisyncResult } from './semisync';
import { controlSection, controlRows, type ControlStartupResult } from './control-startup';
import { SANDBOX_SEMISYNC_TIMEOUT, SANDBOX_WRITER_LEASE } from '@mmm/sandbox';

const SECTIONS = ['crash', 'nodeloss', 'hang', 'switchover', 'protocol', 'footprint', 'semisync', 'control', 'ha'] as const;
type Section = (typeof SECTIONS)[number];

function args(): {
  only: Set<Section>; killRuns: number; mmmTunedRuns: number; defaultRuns: number; nodelossRuns: number; hangRuns: number;
  switchRuns: number; requests: number; windowS: number; doc: boolean; haRuns: number; haCrashRuns: number;
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
    // monitor HA (about 6 minutes more) runs only when asked for: the default run stays within 25 minutes
  } else SECTIONS.filter((s) => s !== 'ha').forEach((s) => only.add(s));
  const out = a.includes('--out') ? (a[a.indexOf('--out') + 1] ?? '') : 'latest.json';
  if (!/^[\w.-]+\.json$/.test(out)) throw new Error(`--out: a file name in bench/results ending in .json, got '${out}'`);
  return {
    only, killRuns: val('--kill-runs', val('--tuned-runs', 20)), mmmTunedRuns: val('--mmm-tuned-runs', 10), defaultRuns: val('--default-runs', 3),
    nodelossRuns: val('--nodeloss-runs', 10), hangRuns: val('--hang-runs', 10), switchRuns: val('--switch-runs', 30),
    requests: val('--requests', 2000), windowS: val('--window', 25), doc: !a.includes('--no-doc'),
    out,
    semisyncRuns: val('--semisync-runs', 5), conns: val('--conns', 4), latencyRounds: val('--latency-rounds', 3), latencyRoundS: val('--latency-round-s', 10),
    controlRuns: val('--control-runs', 100), controlMoves: val('--control-moves', 10),
    haRuns: val('--ha-runs', 10), haCrashRuns: val('--ha-crash-runs', 10),
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
  crash_failover?: { default?: CrashStats; tuned?: CrashStats; mmm_tuned?: CrashStats };
  node_loss?: CrashStats;
  hang?: CrashStats;
  switchover?: SwitchStats;
  protocol?: ProtocolResult;
  footprint?: FootprintResult;
  semisync?: SemisyncResult;
  control?: ControlStartupResult;
  /** Monitor HA: leader failover, and the writer's crash failover with HA on and off (same settings). */
  ha?: { leader_failover?: LeaderFailoverStats; crash_ha_on?: CrashStats; crash_ha_off?: CrashStats };
  errors: Record<string, string>;
}

const fmt = (v: unknown, unit = ''): string => (typeof v === 'number' && Number.isFinite(v) ? `${Math.round(v * 100) / 100}${unit}` : '—');
const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'met' : '**missed**');
const le = (v: number | undefined, t: number): boolean | undefined => (typeof v === 'number' && Number.isFinite(v) ? v <= t : undefined);

export function table(r: Results): string {
  const t = r.crash_failover?.tuned;
  const m = r.crash_failover?.mmm_tuned;
  const d = r.crash_failover?.default;
  const nl = r.node_loss;
  const hg = r.hang;
  const s = r.switchover;
  const p = r.protocol;
  const f = r.footprint;
  const y = r.semisync;
  const lat = (l: SemisyncResult['latency']['async'] | undefined): string => (l ? `p50 ${fmt(l.p50_ms)} / p99 ${fmt(l.p99_ms)} ms, ${fmt(l.commits_per_s)} commits/s` : '—');
  const crash = (c: CrashStats | undefined): string =>
    c ? `runs ${c.runs}${c.failed_runs ? ` (+${c.failed_runs} failed)` : ''}: p50 ${fmt(c.p50_ms)} / max ${fmt(c.max_ms)} ms; lost ${c.lost_writes} of ${c.acks_before_kill} acknowledged before the kill (per run: ${c.per_run.map((x) => x.lost_writes).join(', ')})` : '—';
  const runs = (c: CrashStats): string => `runs ${c.runs}${c.failed_runs ? ` (+${c.failed_runs} FAILED)` : ''}`;
  // "p99" of fewer than 100 samples is reported as the max (nearest rank)
  const wl = (c: CrashStats | undefined, name: string): string => {
    const w = c?.workloads?.[name];
    return c && w ? `${runs(c)}: min ${fmt(w.min_ms)} / p50 ${fmt(w.p50_ms)} / max ${fmt(w.max_ms)} ms; lost ${w.lost_writes} of ${w.acks_before_fault}` : '—';
  };
  const writable = (c: CrashStats | undefined): string => (c ? `p50 ${fmt(c.writable_p50_ms)} / max ${fmt(c.writable_max_ms)} ms (HARD_OFFLINE p50 ${fmt(c.detect_p50_ms)}, decision p50 ${fmt(c.decision_p50_ms)} ms)` : '—');
  const wlOk = (c: CrashStats | undefined, name: string, p50: number, mx: number): boolean | undefined => {
    const w = c?.workloads?.[name];
    return c && w && c.runs > 0 ? !!(le(w.p50_ms, p50) && le(w.max_ms, mx) && !c.failed_runs) : undefined;
  };
  const leaseBound = (SANDBOX_WRITER_LEASE + 1.5) * 1000;
  const [w8, w1] = MIXED.map((w) => w.name) as [string, string];
  const sw = (name: string): string => {
    const x = s?.workloads?.[name];
    return s && x ? `moves ${s.runs}${s.failed_runs ? ` (+${s.failed_runs} FAILED)` : ''}: p50 ${fmt(x.block_p50_ms)} / p99 ${fmt(x.block_p99_ms)} ms (one connection's longest wait p99 ${fmt(x.conn_block_p99_ms)} ms); lost ${x.lost_writes} of ${x.acks}` : '—';
  };
  const swOk = (name: string): boolean | undefined => {
    const x = s?.workloads?.[name];
    return s && x ? !!(le(x.block_p99_ms, 350) && x.lost_writes === 0 && !s.failed_runs) : undefined;
  };
  const MMM_SHORTCUT = 'MMM has no agent report of a stopped mysqld: it always waits trap_period (mmm skips it when its agent says mysqld stopped)';
  const rows: string[][] = [
    [`kill -9 of mysqld (agent alive), tuned checks: kill → first acked write on the new writer, ${w8}`, wl(t, w8), 'p50 ≤ 400 ms, max ≤ 800 ms', verdict(wlOk(t, w8, 400, 800)), 'VTOrc 1.4–2.8 s; MHA 10–30 s'],
    [`  same runs, ${w1}`, wl(t, w1), 'p50 ≤ 400 ms, max ≤ 800 ms', verdict(wlOk(t, w1, 400, 800)), ''],
    ['  same runs: kill → new writer read_only=0', writable(t), '', '', ''],
    [`kill -9 of mysqld, MMM's tuned checks (check_period 1 s, trap 2 s): kill → new writer read_only=0`, m ? `${runs(m)}: ${writable(m)}` : '—', 'p50 ≤ 400 ms (≥ 10× MMM)', verdict(m && m.runs ? !!le(m.writable_p50_ms, 400) : undefined), `MMM 2.2.1 same lab: 4.18 s median (3.98–4.23). ${MMM_SHORTCUT}`],
    [`  same runs: kill → first acked write, ${w8} / ${w1}`, m ? `p50 ${fmt(m.workloads?.[w8]?.p50_ms)} / ${fmt(m.workloads?.[w1]?.p50_ms)} ms, max ${fmt(m.workloads?.[w8]?.max_ms)} / ${fmt(m.workloads?.[w1]?.max_ms)} ms; lost ${m.lost_writes}` : '—', '', '', 'MMM 2.2.1: 5.8 s median (mmm-wire.md)'],
    ['kill -9 of mysqld, MMM 2.x default checks (5 s / trap 10 s / timeout 2 s): kill → read_only=0', d ? `${runs(d)}: ${writable(d)}; first ack ${w8} p50 ${fmt(d.workloads?.[w8]?.p50_ms)} ms; lost ${d.lost_writes}` : '—', '', '', `MMM 2.2.1 default checks: 15.6 s median to read_only=0. ${MMM_SHORTCUT}`],
    [`node loss (mysqld + agent killed, link cut), tuned checks: kill → first acked write, ${w8}`, wl(nl, w8), `≤ writer_lease + 1.5 s = ${fmt(leaseBound)} ms`, verdict(nl && nl.runs ? !!(le(nl.workloads?.[w8]?.max_ms, leaseBound) && !nl.failed_runs) : undefined), 'no MMM figure'],
    [`  same runs, ${w1}; kill → read_only=0`, nl ? `${wl(nl, w1)}; read_only=0 ${writable(nl)}` : '—', '', '', ''],
    [`hung mysqld (SIGSTOP), tuned checks: → first acked write, ${w8}`, wl(hg, w8), `≤ writer_lease + 1.5 s = ${fmt(leaseBound)} ms`, verdict(hg && hg.runs ? !!(le(hg.workloads?.[w8]?.max_ms, leaseBound) && !hg.failed_runs) : undefined), 'no MMM figure (MMM cannot fence a hung server: it promotes after trap_period while the old one may resume)'],
    [`  same runs, ${w1}; → read_only=0`, hg ? `${wl(hg, w1)}; read_only=0 ${writable(hg)}` : '—', '', '', ''],
    [`Planned switchover (move_role writer, under load): write block, ${w8}`, sw(w8), 'p99 ≤ 350 ms, 0 lost', verdict(swOk(w8)), 'MHA online switch 0.5–2 s blocked'],
    [`  same moves, ${w1}`, sw(w1), 'p99 ≤ 350 ms, 0 lost', verdict(swOk(w1)), ''],
    ['  the monitor\'s reply (command → OK), p50; command → first ack on the new writer, p50', s ? `${fmt(s.reply_p50_ms)} ms; ${fmt(s.total_p50_ms)} ms` : '—', '', '', 'MMM 2.2.1 move_role 0.56 s median (no GTID wait, no grace: it can lose acknowledged writes)'],
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
    ...haRows(r.ha),
  ];
  const head = '| Measure | This run | Target | Verdict | Others (measured / published) |\n|---|---|---|---|---|\n';
  return head + rows.map((x) => `| ${x.join(' | ')} |`).join('\n') + '\n';
}

function haRows(h: Results['ha']): string[][] {
  if (!h) return [];
  const lf = h.leader_failover;
  const on = h.crash_ha_on;
  const off = h.crash_ha_off;
  const bound = lf?.lease_ttl_s ? (lf.lease_ttl_s + 2) * 1000 : undefined;
  const cr = (c: CrashStats | undefined): string => {
    const w = c?.workloads?.['8tx'];
    return c && w ? `runs ${c.runs}${c.failed_runs ? ` (+${c.failed_runs} FAILED)` : ''}: first ack 8tx p50 ${fmt(w.p50_ms)} / max ${fmt(w.max_ms)} ms; read_only=0 p50 ${fmt(c.writable_p50_ms)} / max ${fmt(c.writable_max_ms)} ms; lost ${c.lost_writes} of ${c.acks_before_kill}` : '—';
  };
  return [
    ['Monitor HA, 3 monitors: kill -9 of the leader → first command of the new leader admitted by an agent', lf ? `runs ${lf.runs}${lf.failed_runs ? ` (+${lf.failed_runs} FAILED)` : ''}: min ${fmt(lf.min_ms)} / p50 ${fmt(lf.p50_ms)} / max ${fmt(lf.max_ms)} ms (new leader says it leads: p50 ${fmt(lf.elected_p50_ms)} / max ${fmt(lf.elected_max_ms)} ms); lease_ttl ${fmt(lf.lease_ttl_s ?? NaN)} s` : '—', bound ? `≤ lease_ttl + 2 s = ${bound} ms` : '', verdict(lf && bound && lf.runs ? !!(le(lf.max_ms, bound) && !lf.failed_runs) : undefined), 'orchestrator/raft, Patroni: TTL-bound (ha.md)'],
    ['kill -9 of the writer\'s mysqld with monitor HA on (3 monitors, etcd), tuned checks', cr(on), '', '', ''],
    ['  the same runs with one monitor, no HA', cr(off), '', '', ''],
  ];
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
      writer_lease_s: SANDBOX_WRITER_LEASE,
      switch_timeout_s: 10,
      replication: 'MariaDB async GTID replication, MASTER_HEARTBEAT_PERIOD 1, slave_net_timeout 4',
      network: 'mmm_sandbox --netns: each node in its own namespace on a bridge; workload client inside db3\'s namespace, app user, writer VIP',
      mmm_tuned_checks: "MMM's tuned settings of reference/mmm-interop.md §5: check_period 1 s, trap_period 2 s (mmm_sandbox up --checks 1/2)",
      workloads: `each run: ${MIXED.map((w) => `${w.name} = ${w.conns} connection${w.conns > 1 ? 's' : ''} of ${w.tx ? 'short explicit transactions (BEGIN, INSERT, COMMIT)' : 'autocommit INSERTs'}`).join(' and ')}, both at once, from db3's namespace through the writer VIP`,
      faults: Object.values(FAULT_TEXT).join('; '),
      runs: { kill_tuned: o.killRuns, kill_mmm_tuned: o.mmmTunedRuns, kill_default: o.defaultRuns, node_loss: o.nodelossRuns, hang: o.hangRuns, switchover: o.switchRuns, requests: o.requests, footprint_window_s: o.windowS },
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
    await section('kill -9 of mysqld, tuned checks', async () => void (r.crash_failover!.tuned = await faultSection('tuned', o.killRuns, 30_000)));
    await section("kill -9 of mysqld, MMM's tuned checks (1 s / trap 2 s)", async () => void (r.crash_failover!.mmm_tuned = await faultSection('1/2', o.mmmTunedRuns, 30_000)));
    await section('kill -9 of mysqld, MMM 2.x default checks', async () => void (r.crash_failover!.default = await faultSection('default', o.defaultRuns, 60_000)));
  }
  if (o.only.has('ha') && needRoot('ha')) {
    r.ha = {};
    await section('monitor HA: leader failover', async () => void (r.ha!.leader_failover = await leaderFailoverSection(o.haRuns)));
    await section('kill -9 of mysqld with monitor HA on', async () => void (r.ha!.crash_ha_on = await faultSection('tuned', o.haCrashRuns, 30_000, { monitors: 3 })));
    await section('kill -9 of mysqld, HA off (same settings)', async () => void (r.ha!.crash_ha_off = await faultSection('tuned', o.haCrashRuns, 30_000)));
  }
  if (o.only.has('nodeloss') && needRoot('nodeloss')) {
    await section('node loss, tuned checks', async () => void (r.node_loss = await faultSection('tuned', o.nodelossRuns, 40_000, { fault: 'nodeloss' })));
  }
  if (o.only.has('hang') && needRoot('hang')) {
    await section('hung mysqld, tuned checks', async () => void (r.hang = await faultSection('tuned', o.hangRuns, 40_000, { fault: 'hang' })));
  }
  if (o.only.has('switchover') && needRoot('switchover')) await section('planned switchover', async () => void (r.switchover = await switchoverSection(o.switchRuns, MIXED)));
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
