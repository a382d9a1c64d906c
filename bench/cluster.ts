// Sections 1 and 2 — crash failover and planned switchover on fresh netns sandboxes (root).
// The workload (bench/workload.ts) runs inside db3's namespace as `app` against the writer VIP.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { controlCommand } from '@mmm/sandbox';
import {
  ROOT, control, max, pct, sandboxDown, sandboxUp, say, sleep, sql, stopChild, track, waitFor,
  type Sandbox, type SbNode,
} from './lib';

const TABLE = 'mmm_test.bench_w';

export interface Ack {
  i: number;
  t: number;
  s: number;
  /** Commit latency (INSERT sent → OK), ms. */
  l: number;
  /** The workload's connection. */
  c: number;
}
/** One workload process: `conns` connections, each an autocommit INSERT after another or (tx) a short explicit transaction. */
export interface WorkloadSpec {
  name: string;
  conns: number;
  tx?: boolean;
  /** First id: workloads running together use disjoint ranges. */
  startId: number;
}
export interface Workload {
  spec: WorkloadSpec;
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

export function startWorkload(sb: Sandbox, spec: WorkloadSpec = { name: '1c', conns: 1, startId: 1 }, maxS = 600): Workload {
  const ns = node(sb, 'db3').netns!;
  const args = ['--start-id', String(spec.startId), '--max-s', String(maxS), '--conns', String(spec.conns), ...(spec.tx ? ['--tx'] : [])];
  const child = track(
    spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(ROOT, 'bench/workload.ts'), sb.writerVip, sb.app.user, sb.app.password, 'mmm_test', 'bench_w', ...args], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const w: Workload = {
    spec,
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
        const o = JSON.parse(line) as { ev: string; i: number; t: number; s: number; l: number; c: number; m: string };
        if (o.ev === 'ack') w.acks.push({ i: o.i, t: o.t, s: o.s, l: o.l, c: o.c });
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

// ---- planned switchover -------------------------------------------------------------------------

export interface SwitchWorkloadRun {
  /** Longest time in which no connection of the workload got a write acknowledged. */
  block_ms: number;
  /** Longest gap between two acknowledged writes of one connection, over its connections. */
  conn_block_ms: number;
  /** Command sent → first write of this workload acknowledged by the new writer. */
  total_ms: number;
}
export interface SwitchRun {
  to: string;
  /** The first workload's figures (continuity with earlier runs: the only one then). */
  block_ms: number;
  total_ms: number;
  answer: string;
  monitor_duration_ms?: number;
  reply_ms: number;
  workloads: Record<string, SwitchWorkloadRun>;
}
export interface SwitchWorkloadStats {
  conns: number;
  tx: boolean;
  block_p50_ms: number;
  /** Nearest rank: with fewer than 100 moves this is the max. */
  block_p99_ms: number;
  block_max_ms: number;
  conn_block_p99_ms: number;
  total_p50_ms: number;
  lost_writes: number;
  acks: number;
}
export interface SwitchStats {
  runs: number;
  block_p50_ms: number;
  block_p99_ms: number;
  block_max_ms: number;
  total_p50_ms: number;
  total_max_ms: number;
  reply_p50_ms: number;
  lost_writes: number;
  failed_runs: number;
  states_after: string;
  workloads: Record<string, SwitchWorkloadStats>;
  per_run: SwitchRun[];
}

/** Longest gap between consecutive acknowledged writes in [from, to] (of connection `c` if given). */
function longestGap(acks: Ack[], from: number, to: number, c?: number): number {
  const ts = acks.filter((a) => a.t >= from && a.t <= to && (c === undefined || a.c === c)).map((a) => a.t);
  let g = 0;
  for (let k = 1; k < ts.length; k++) g = Math.max(g, ts[k]! - ts[k - 1]!);
  return g;
}

export async function switchoverSection(runs: number, specs: WorkloadSpec[]): Promise<SwitchStats> {
  const sb = await sandboxUp('switch');
  const ws: Workload[] = [];
  const per: SwitchRun[] = [];
  let failed = 0;
  try {
    await prepareTable(sb);
    say(`  set_manual: ${(await control(sb, 'set_manual')).trim()}`);
    const ids: Record<string, number> = {};
    for (const n of sb.status.nodes) ids[n.name] = Number((await sql(n, 'SELECT @@server_id')).trim());
    for (const s of specs) ws.push(startWorkload(sb, s));
    for (const w of ws) await waitFor(`workload ${w.spec.name} writing through the writer VIP`, 20_000, () => (w.acks.length >= 300 ? true : undefined));
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
        const firsts: number[] = [];
        for (const w of ws) firsts.push((await waitFor(`first write of ${w.spec.name} acknowledged by ${to}`, 15_000, () => w.acks.find((a) => a.t >= t0 && a.s === ids[to]))).t);
        await sleep(300);
        const wr: Record<string, SwitchWorkloadRun> = {};
        for (const [k, w] of ws.entries()) {
          const end = firsts[k]! + 300;
          const conns = Array.from({ length: w.spec.conns }, (_, c) => longestGap(w.acks, t0 - 200, end, c));
          wr[w.spec.name] = { block_ms: longestGap(w.acks, t0 - 200, end), conn_block_ms: Math.max(...conns), total_ms: Math.max(tAns, firsts[k]!) - t0 };
        }
        const doc = JSON.parse(await controlCommand({ config: sb.status.control_config }, 'status_json', 10_000)) as { lastMove?: { durationMs?: number | null } };
        const md = doc.lastMove?.durationMs;
        const first = wr[ws[0]!.spec.name]!;
        per.push({ to, block_ms: first.block_ms, total_ms: first.total_ms, answer: answer.split('\n')[0]!, reply_ms: tAns - t0, ...(typeof md === 'number' ? { monitor_duration_ms: md } : {}), workloads: wr });
        const txt = Object.entries(wr).map(([n, x]) => `${n} block ${x.block_ms} ms (one connection ${x.conn_block_ms}), first ack on ${to} +${x.total_ms}`).join('; ');
        say(`  switchover ${r}/${runs} → ${to}: reply after ${tAns - t0} ms; ${txt}`);
        writer = to;
      } catch (e) {
        failed++;
        say(`  switchover ${r}/${runs} → ${to} FAILED: ${(e as Error).message}`);
        const shown = await control(sb, 'show');
        writer = /writer\(/.test(shown.split('\n').find((l) => l.includes('db2(')) ?? '') ? 'db2' : 'db1';
      }
    }
    await sleep(500);
    for (const w of ws) await w.stop();
    await sleep(1_500); // let replication settle before counting on the final writer
    const have = await idsOn(node(sb, writer));
    const doc = JSON.parse(await control(sb, 'status_json')) as { hosts: { name: string; state: string }[] };
    const workloads: Record<string, SwitchWorkloadStats> = {};
    for (const w of ws) {
      const rs = per.map((p) => p.workloads[w.spec.name]!);
      const b = rs.map((x) => x.block_ms);
      workloads[w.spec.name] = {
        conns: w.spec.conns, tx: !!w.spec.tx, block_p50_ms: pct(b, 50), block_p99_ms: pct(b, 99), block_max_ms: max(b),
        conn_block_p99_ms: pct(rs.map((x) => x.conn_block_ms), 99), total_p50_ms: pct(rs.map((x) => x.total_ms), 50),
        lost_writes: w.acks.filter((a) => !have.has(a.i)).length, acks: w.acks.length,
      };
    }
    const blocks = per.map((p) => p.block_ms);
    const totals = per.map((p) => p.total_ms);
    return {
      runs: per.length,
      block_p50_ms: pct(blocks, 50),
      block_p99_ms: pct(blocks, 99),
      block_max_ms: max(blocks),
      total_p50_ms: pct(totals, 50),
      total_max_ms: max(totals),
      reply_p50_ms: pct(per.map((p) => p.reply_ms), 50),
      lost_writes: Object.values(workloads).reduce((a, x) => a + x.lost_writes, 0),
      failed_runs: failed,
      states_after: doc.hosts.map((h) => `${h.name}=${h.state}`).join(' '),
      workloads,
      per_run: per,
    };
  } finally {
    for (const w of ws) await w.stop();
    await sandboxDown(sb.dir);
  }
}
