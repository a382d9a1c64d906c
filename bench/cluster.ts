// Sections 1 and 2 — crash failover and planned switchover on fresh netns sandboxes (root).
// The workload (bench/workload.ts) runs inside db3's namespace as `app` against the writer VIP.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { controlCommand } from '@mmm/sandbox';
import {
  ROOT, control, logLines, max, min, pct, readAudit, sandboxDown, sandboxUp, say, sleep, sql, stopChild, track, waitFor,
  type Sandbox, type SbNode,
} from './lib';

const TABLE = 'mmm_test.bench_w';

export interface Ack {
  i: number;
  t: number;
  s: number;
  /** Commit latency (INSERT sent → OK), ms. */
  l: number;
}
export interface Workload {
  acks: Ack[];
  errors: { t: number; m: string }[];
  child: ChildProcess;
  stop(): Promise<void>;
}

export function node(sb: Sandbox, name: string): SbNode {
  const n = sb.status.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
}

export async function prepareTable(sb: Sandbox): Promise<void> {
  await sql(node(sb, 'db1'), `CREATE TABLE ${TABLE} (id BIGINT PRIMARY KEY, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))`);
  for (const n of ['db2', 'db3']) {
    await waitFor(`${TABLE} replicated to ${n}`, 15_000, async () => ((await sql(node(sb, n), `SHOW TABLES FROM mmm_test LIKE 'bench_w'`)).trim() ? true : undefined), 200);
  }
}

export function startWorkload(sb: Sandbox, startId = 1, opts: { conns?: number; maxS?: number } = {}): Workload {
  const ns = node(sb, 'db3').netns!;
  const args = ['--start-id', String(startId), '--max-s', String(opts.maxS ?? 600), '--conns', String(opts.conns ?? 1)];
  const child = track(
    spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(ROOT, 'bench/workload.ts'), sb.writerVip, sb.app.user, sb.app.password, 'mmm_test', 'bench_w', ...args], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const w: Workload = {
    acks: [],
    errors: [],
    child,
    stop: async () => {
      await stopChild(child, 5_000);
    },
  };
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let k: number;
    while ((k = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, k);
      buf = buf.slice(k + 1);
      try {
        const o = JSON.parse(line) as { ev: string; i: number; t: number; s: number; l: number; m: string };
        if (o.ev === 'ack') w.acks.push({ i: o.i, t: o.t, s: o.s, l: o.l });
        else if (o.ev === 'err') w.errors.push({ t: o.t, m: o.m });
      } catch {
        /* partial line */
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => w.errors.push({ t: Date.now(), m: d.toString().trim().slice(0, 200) }));
  return w;
}

export async function idsOn(n: SbNode): Promise<Set<number>> {
  const out = await sql(n, `SELECT id FROM ${TABLE}`, 30_000);
  return new Set(out.split('\n').filter(Boolean).map(Number));
}

/** Acknowledged ids missing on `n` (the writer at the end). */
async function lostOn(n: SbNode, acks: Ack[]): Promise<number> {
  const have = await idsOn(n);
  return acks.filter((a) => !have.has(a.i)).length;
}

// ---- crash failover -----------------------------------------------------------------------------

export interface CrashRun {
  total_ms: number;
  detect_ms: number | null;
  decision_ms: number | null;
  writable_ms: number | null;
  vip_ms: number | null;
  acting_ms: number | null;
  lost_writes: number;
  acks_before: number;
  up_ms: number;
  /** Acknowledged ids missing on the new writer but present on db3 (another survivor received them). */
  lost_but_on_db3?: number;
  /** durability semisync: the monitor audited WriterSemisyncFallback after the kill. */
  fallback_audited?: boolean;
  error?: string;
}
export interface CrashStats {
  checks: string;
  runs: number;
  min_ms: number;
  p50_ms: number;
  p90_ms: number;
  max_ms: number;
  detect_p50_ms: number;
  decision_p50_ms: number;
  writable_p50_ms: number;
  acting_p50_ms: number;
  lost_writes: number;
  /** Writes acknowledged before the kill, all runs. */
  acks_before_kill: number;
  failed_runs: number;
  per_run: CrashRun[];
}

export interface CrashOptions {
  /** `up --semisync`. */
  semisync?: boolean;
  /** Workload connections (default 1). */
  conns?: number;
}

async function crashOnce(checks: string, boundMs: number, o: CrashOptions = {}): Promise<CrashRun> {
  const sb = await sandboxUp(o.semisync ? 'crashsemi' : 'crash', checks, o.semisync ? ['--semisync'] : []);
  let w: Workload | undefined;
  try {
    await prepareTable(sb);
    const db1 = node(sb, 'db1');
    const db2 = node(sb, 'db2');
    const id1 = Number((await sql(db1, 'SELECT @@server_id')).trim());
    w = startWorkload(sb, 1, { conns: o.conns ?? 1 });
    const wl = w;
    await waitFor('workload writing through the writer VIP', 20_000, () => (wl.acks.filter((a) => a.s === id1).length >= 300 ? true : undefined));
    await sleep(500);
    const tKill = Date.now();
    process.kill(db1.mariadbd_pid, 'SIGKILL');
    const first = await waitFor('first acknowledged write on the new writer', boundMs, () => wl.acks.find((a) => a.t > tKill && a.s !== id1));
    await sleep(500);
    await w.stop();
    const acksBefore = w.acks.filter((a) => a.t <= tKill).length;
    const audit = readAudit(sb.auditFile).filter((l) => l.t >= tKill - 50);
    const hard = audit.find((l) => l.kind === 'state_change' && l.host === 'db1' && /HARD_OFFLINE/.test(l.reason));
    const decision = audit.find((l) => l.kind === 'failover' && !l.blocked && l.host === 'db2');
    const agentLog = logLines(join(sb.dir, 'db2', 'mmmd_agent.log')).filter((l) => l.t >= tKill);
    const ro0 = agentLog.find((l) => /step done: read_only=0/.test(l.text));
    const vip = agentLog.find((l) => /step done: add writer\(/.test(l.text));
    const rel = (t: number | undefined): number | null => (t === undefined ? null : t - tKill);
    await sleep(300);
    const have2 = await idsOn(db2);
    const missing = w.acks.filter((a) => !have2.has(a.i));
    const lost = missing.length;
    const on3 = missing.length ? await idsOn(node(sb, 'db3')) : new Set<number>();
    const fallback = audit.some((l) => l.kind === 'diagnosis' && /^WriterSemisyncFallback on /.test(l.reason));
    return {
      lost_but_on_db3: missing.filter((a) => on3.has(a.i)).length,
      ...(o.semisync ? { fallback_audited: fallback } : {}),
      total_ms: first.t - tKill,
      detect_ms: rel(hard?.t),
      decision_ms: rel(decision?.t),
      writable_ms: rel(ro0?.t),
      vip_ms: rel(vip?.t),
      acting_ms: decision && vip ? vip.t - decision.t : null,
      lost_writes: lost,
      acks_before: acksBefore,
      up_ms: sb.upMs,
    };
  } finally {
    await w?.stop();
    await sandboxDown(sb.dir);
  }
}

export async function crashSection(checks: string, runs: number, boundMs: number, o: CrashOptions = {}): Promise<CrashStats> {
  const per: CrashRun[] = [];
  let failed = 0;
  for (let r = 1; r <= runs; r++) {
    try {
      const x = await crashOnce(checks, boundMs, o);
      per.push(x);
      const extra = `${x.lost_but_on_db3 ? ` (${x.lost_but_on_db3} of them on db3)` : ''}${x.fallback_audited ? '; WriterSemisyncFallback audited' : ''}`;
      say(`  [${checks}${o.semisync ? ', semisync' : ''}${o.conns ? `, ${o.conns} conns` : ''}] run ${r}/${runs}: kill→first ack on new writer ${x.total_ms} ms (HARD_OFFLINE +${x.detect_ms}, failover decision +${x.decision_ms}, read_only=0 +${x.writable_ms}, VIP +${x.vip_ms}), acked before kill ${x.acks_before}, lost ${x.lost_writes}${extra}`);
    } catch (e) {
      failed++;
      say(`  [${checks}] run ${r}/${runs} FAILED: ${(e as Error).message}`);
    }
  }
  const tot = per.map((p) => p.total_ms);
  const p50 = (k: keyof CrashRun): number => pct(per.map((p) => p[k]).filter((v): v is number => typeof v === 'number'), 50);
  return {
    checks,
    runs: per.length,
    min_ms: min(tot),
    p50_ms: pct(tot, 50),
    p90_ms: pct(tot, 90),
    max_ms: max(tot),
    detect_p50_ms: p50('detect_ms'),
    decision_p50_ms: p50('decision_ms'),
    writable_p50_ms: p50('writable_ms'),
    acting_p50_ms: p50('acting_ms'),
    lost_writes: per.reduce((a, p) => a + p.lost_writes, 0),
    acks_before_kill: per.reduce((a, p) => a + p.acks_before, 0),
    failed_runs: failed,
    per_run: per,
  };
}

// ---- planned switchover -------------------------------------------------------------------------

export interface SwitchRun {
  to: string;
  block_ms: number;
  total_ms: number;
  answer: string;
  monitor_duration_ms?: number;
}
export interface SwitchStats {
  runs: number;
  block_p50_ms: number;
  block_p99_ms: number;
  block_max_ms: number;
  total_p50_ms: number;
  total_max_ms: number;
  lost_writes: number;
  failed_runs: number;
  states_after: string;
  per_run: SwitchRun[];
}

/** Longest gap between consecutive acknowledged writes in [from, to]. */
function longestGap(acks: Ack[], from: number, to: number): number {
  const ts = acks.filter((a) => a.t >= from && a.t <= to).map((a) => a.t);
  let g = 0;
  for (let k = 1; k < ts.length; k++) g = Math.max(g, ts[k]! - ts[k - 1]!);
  return g;
}

export async function switchoverSection(runs: number): Promise<SwitchStats> {
  const sb = await sandboxUp('switch');
  let w: Workload | undefined;
  const per: SwitchRun[] = [];
  let failed = 0;
  try {
    await prepareTable(sb);
    say(`  set_manual: ${(await control(sb, 'set_manual')).trim()}`);
    const ids: Record<string, number> = {};
    for (const n of sb.status.nodes) ids[n.name] = Number((await sql(n, 'SELECT @@server_id')).trim());
    w = startWorkload(sb);
    const wl = w;
    await waitFor('workload writing through the writer VIP', 20_000, () => (wl.acks.length >= 300 ? true : undefined));
    let writer = 'db1';
    for (let r = 1; r <= runs; r++) {
      const to = writer === 'db1' ? 'db2' : 'db1';
      await sleep(1_000);
      const t0 = Date.now();
      // in-process mutual-TLS control client (mmm_control's protocol), so node start-up is not timed
      const answer = (await controlCommand({ config: sb.status.control_config }, `move_role writer ${to}`, 30_000).catch((e: Error) => `ERROR: ${e.message}`)).trim();
      const tAns = Date.now();
      try {
        if (!/^OK/.test(answer)) throw new Error(`move_role answered: ${answer.slice(0, 200)}`);
        const first = await waitFor(`first write acknowledged by ${to}`, 15_000, () => wl.acks.find((a) => a.t >= t0 && a.s === ids[to]));
        await sleep(300);
        const block = longestGap(wl.acks, t0 - 200, first.t + 300);
        const doc = JSON.parse(await controlCommand({ config: sb.status.control_config }, 'status_json', 10_000)) as { lastMove?: { durationMs?: number | null } };
        const md = doc.lastMove?.durationMs;
        per.push({ to, block_ms: block, total_ms: Math.max(tAns, first.t) - t0, answer: answer.split('\n')[0]!, ...(typeof md === 'number' ? { monitor_duration_ms: md } : {}) });
        say(`  switchover ${r}/${runs} → ${to}: write block ${block} ms, command→first ack on ${to} ${Math.max(tAns, first.t) - t0} ms (reply after ${tAns - t0} ms)`);
        writer = to;
      } catch (e) {
        failed++;
        say(`  switchover ${r}/${runs} → ${to} FAILED: ${(e as Error).message}`);
        const shown = await control(sb, 'show');
        writer = /writer\(/.test(shown.split('\n').find((l) => l.includes('db2(')) ?? '') ? 'db2' : 'db1';
      }
    }
    await sleep(500);
    await w.stop();
    await sleep(1_500); // let replication settle before counting on the final writer
    const lost = await lostOn(node(sb, writer), w.acks);
    const doc = JSON.parse(await control(sb, 'status_json')) as { hosts: { name: string; state: string }[] };
    const blocks = per.map((p) => p.block_ms);
    const totals = per.map((p) => p.total_ms);
    return {
      runs: per.length,
      block_p50_ms: pct(blocks, 50),
      block_p99_ms: pct(blocks, 99),
      block_max_ms: max(blocks),
      total_p50_ms: pct(totals, 50),
      total_max_ms: max(totals),
      lost_writes: lost,
      failed_runs: failed,
      states_after: doc.hosts.map((h) => `${h.name}=${h.state}`).join(' '),
      per_run: per,
    };
  } finally {
    await w?.stop();
    await sandboxDown(sb.dir);
  }
}

