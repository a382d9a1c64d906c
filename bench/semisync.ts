// Section `semisync` (issue 16) — what durability semisync costs and what it buys, on netns
// sandboxes (root):
// 1. Commit latency: ONE `mmm_sandbox up --netns --semisync`, the workload with N connections
//    (default 4) of autocommit INSERTs from db3's namespace through the writer VIP, in rounds that
//    alternate semi-sync and async on the same servers: the monitor is set passive (no SET_STATUS,
//    so the agents do not put the master side back) and db1's master side is turned on or off by
//    hand. Each round checks from db1's counters that it was what it claims (semi-sync: every
//    commit acknowledged, Rpl_semi_sync_master_no_tx unchanged; async: yes_tx unchanged).
// 2. Crash failover with semisync and, to compare, async: cluster.ts's crash run (fresh sandbox per
//    run, kill -9 of db1's mariadbd) with the same N-connection workload.
import { node, prepareTable, startWorkload } from './cluster';
import { faultSection as crashSection, type CrashStats } from './faults';
import { control, max, pct, round, sandboxDown, sandboxUp, say, sleep, sql, waitFor, type Sandbox } from './lib';

export interface LatencyStats {
  rounds: number;
  commits: number;
  commits_per_s: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Rpl_semi_sync_master_yes_tx / no_tx deltas on db1 over these rounds. */
  yes_tx: number;
  no_tx: number;
}

export interface SemisyncResult {
  connections: number;
  round_s: number;
  latency: { semisync: LatencyStats; async: LatencyStats };
  crash: { semisync?: CrashStats; async?: CrashStats };
}

async function counters(sb: Sandbox): Promise<{ yes: number; no: number; status: string; clients: number }> {
  const out = await sql(node(sb, 'db1'), "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_%'");
  const v = Object.fromEntries(out.split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]));
  return { yes: Number(v.Rpl_semi_sync_master_yes_tx), no: Number(v.Rpl_semi_sync_master_no_tx), status: v.Rpl_semi_sync_master_status ?? '', clients: Number(v.Rpl_semi_sync_master_clients) };
}

interface Round {
  mode: 'semisync' | 'async';
  lat: number[];
  commits: number;
  seconds: number;
  yes: number;
  no: number;
}

async function oneRound(sb: Sandbox, mode: Round['mode'], conns: number, roundS: number, startId: number): Promise<Round> {
  const db1 = node(sb, 'db1');
  await sql(db1, `SET GLOBAL rpl_semi_sync_master_enabled = ${mode === 'semisync' ? 1 : 0}`);
  if (mode === 'semisync') {
    await waitFor('db1 semi-sync ON with 2 acknowledging replicas', 10_000, async () => {
      const c = await counters(sb);
      return c.status === 'ON' && c.clients === 2 ? true : undefined;
    }, 100);
  }
  const before = await counters(sb);
  const w = startWorkload(sb, { name: `${conns}c`, conns, startId }, roundS + 2);
  const warm = 1_000;
  await waitFor('workload writing', 20_000, () => (w.acks.length > 0 ? true : undefined));
  const t0 = w.acks[0]!.t;
  await sleep(roundS * 1000 + warm);
  await w.stop();
  const after = await counters(sb);
  const kept = w.acks.filter((a) => a.t >= t0 + warm && a.t <= t0 + warm + roundS * 1000);
  if (w.errors.length) say(`    ${mode} round: ${w.errors.length} workload error(s), first: ${w.errors[0]!.m}`);
  return { mode, lat: kept.map((a) => a.l), commits: kept.length, seconds: roundS, yes: after.yes - before.yes, no: after.no - before.no };
}

function stats(rs: Round[]): LatencyStats {
  const lat = rs.flatMap((r) => r.lat);
  const secs = rs.reduce((a, r) => a + r.seconds, 0);
  return {
    rounds: rs.length,
    commits: lat.length,
    commits_per_s: round(lat.length / secs, 0),
    p50_ms: round(pct(lat, 50), 2),
    p90_ms: round(pct(lat, 90), 2),
    p99_ms: round(pct(lat, 99), 2),
    max_ms: round(max(lat), 2),
    yes_tx: rs.reduce((a, r) => a + r.yes, 0),
    no_tx: rs.reduce((a, r) => a + r.no, 0),
  };
}

export async function latencySection(o: { conns: number; roundS: number; rounds: number }): Promise<SemisyncResult['latency']> {
  const sb = await sandboxUp('semilat', undefined, ['--semisync']);
  try {
    await prepareTable(sb);
    // passive: no SET_STATUS, so the agents leave db1's master side as this bench sets it
    say(`  set_passive: ${(await control(sb, 'set_passive')).trim()}`);
    const rounds: Round[] = [];
    let id = 1;
    for (let k = 0; k < o.rounds * 2; k++) {
      const mode = k % 2 === 0 ? 'semisync' : 'async';
      const r = await oneRound(sb, mode, o.conns, o.roundS, id);
      id += 10_000_000;
      rounds.push(r);
      say(`  ${mode} round ${Math.floor(k / 2) + 1}/${o.rounds}: ${r.commits} commits in ${r.seconds} s, p50 ${round(pct(r.lat, 50), 2)} / p99 ${round(pct(r.lat, 99), 2)} ms; db1 yes_tx +${r.yes}, no_tx +${r.no}`);
      if (mode === 'semisync' && r.no > 0) throw new Error(`a semi-sync round committed ${r.no} transaction(s) without an acknowledgement: not a semi-sync measurement`);
      if (mode === 'async' && r.yes > 0) throw new Error(`an async round had ${r.yes} semi-sync acknowledgement(s)`);
    }
    await sql(node(sb, 'db1'), 'SET GLOBAL rpl_semi_sync_master_enabled = 1');
    return { semisync: stats(rounds.filter((r) => r.mode === 'semisync')), async: stats(rounds.filter((r) => r.mode === 'async')) };
  } finally {
    await sandboxDown(sb.dir);
  }
}

export async function semisyncSection(o: { conns: number; roundS: number; rounds: number; crashRuns: number }): Promise<SemisyncResult> {
  const out: SemisyncResult = { connections: o.conns, round_s: o.roundS, latency: undefined as never, crash: {} };
  out.latency = await latencySection(o);
  out.crash.semisync = await crashSection('tuned', o.crashRuns, 30_000, { semisync: true, conns: o.conns });
  out.crash.async = await crashSection('tuned', o.crashRuns, 30_000, { conns: o.conns });
  return out;
}
