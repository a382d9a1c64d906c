// Fault classes on fresh netns sandboxes (root): the writer db1 loses its mysqld (kill -9, agent
// alive), the whole node (mysqld and agent killed and its cable cut at once), or its mysqld hangs
// (SIGSTOP). Each run: a new `mmm_sandbox up --netns`, the workloads writing through the writer VIP
// from db3's namespace, the fault, then kill → db2 writable (db2's agent log), kill → first write
// acknowledged by another server (per workload), and acknowledged writes missing on db2.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { node, prepareTable, startWorkload, idsOn, type Workload, type WorkloadSpec } from './cluster';
import { logLines, max, min, pct, readAudit, sandboxDown, sandboxUp, say, sleep, sql, waitFor, type Sandbox } from './lib';

export type FaultKind = 'kill' | 'nodeloss' | 'hang';

export const FAULT_TEXT: Record<FaultKind, string> = {
  kill: "kill -9 of db1's mariadbd, its agent alive",
  nodeloss: "node loss: db1's mariadbd and agent killed (-9) and its link cut, at once",
  hang: "hung mysqld: SIGSTOP of db1's mariadbd",
};

/** The fault classes' workloads: 8 connections of short explicit transactions, and the single-connection one of earlier runs. */
export const MIXED: WorkloadSpec[] = [
  { name: '8tx', conns: 8, tx: true, startId: 1 },
  { name: '1c', conns: 1, startId: 500_000_000 },
];

export interface WorkloadRun {
  first_ack_ms: number;
  lost: number;
  acks_before: number;
  /** Missing on db2 but present on db3 (another survivor received them). */
  lost_but_on_db3: number;
}

export interface CrashRun {
  /** kill → first write acknowledged by another server, for the first workload. */
  total_ms: number;
  detect_ms: number | null;
  decision_ms: number | null;
  writable_ms: number | null;
  vip_ms: number | null;
  acting_ms: number | null;
  lost_writes: number;
  acks_before: number;
  up_ms: number;
  lost_but_on_db3?: number;
  /** durability semisync: the monitor audited WriterSemisyncFallback after the kill. */
  fallback_audited?: boolean;
  /** Per workload (name → figures). */
  workloads?: Record<string, WorkloadRun>;
}

export interface WorkloadStats {
  conns: number;
  tx: boolean;
  min_ms: number;
  p50_ms: number;
  max_ms: number;
  lost_writes: number;
  acks_before_fault: number;
}

export interface CrashStats {
  fault: FaultKind;
  checks: string;
  runs: number;
  min_ms: number;
  p50_ms: number;
  p90_ms: number;
  max_ms: number;
  detect_p50_ms: number;
  decision_p50_ms: number;
  writable_p50_ms: number;
  writable_max_ms: number;
  acting_p50_ms: number;
  lost_writes: number;
  /** Writes acknowledged before the kill, all runs. */
  acks_before_kill: number;
  failed_runs: number;
  workloads?: Record<string, WorkloadStats>;
  per_run: CrashRun[];
}

export interface CrashOptions {
  /** `up --semisync`. */
  semisync?: boolean;
  /** One workload of this many autocommit connections (semisync section); default: MIXED. */
  conns?: number;
  fault?: FaultKind;
  /** `up --monitors N` (monitor HA; the audit of mon1, which leads when up returns). */
  monitors?: number;
}

/** The fault itself, as close to one instant as the calls allow; returns its time. */
function inject(sb: Sandbox, kind: FaultKind): number {
  const db1 = node(sb, 'db1');
  const t = Date.now();
  if (kind === 'hang') {
    process.kill(db1.mariadbd_pid, 'SIGSTOP');
    return t;
  }
  process.kill(db1.mariadbd_pid, 'SIGKILL');
  if (kind === 'nodeloss') {
    process.kill(db1.agent_pid, 'SIGKILL');
    // the switch side of db1's veth (mmm-xxxx-db1 → mmm-xxxx-sw): db1 is cut off from everyone
    const sw = `${db1.netns!.slice(0, -'db1'.length)}sw`;
    execFileSync('ip', ['-n', sw, 'link', 'set', 'db1', 'down'], { timeout: 5_000 });
  }
  return t;
}

/** After a hang: a mariadbd the agent did not fence is let go again so `down` can stop it. */
function release(sb: Sandbox, kind: FaultKind): void {
  if (kind !== 'hang') return;
  try {
    process.kill(node(sb, 'db1').mariadbd_pid, 'SIGCONT');
  } catch {
    /* fenced (killed) by its agent: the expected case */
  }
}

async function faultOnce(kind: FaultKind, checks: string, boundMs: number, o: CrashOptions): Promise<CrashRun> {
  const sb = await sandboxUp(o.semisync ? 'crashsemi' : o.monitors ? 'crashha' : kind, checks, [...(o.semisync ? ['--semisync'] : []), ...(o.monitors ? ['--monitors', String(o.monitors)] : [])]);
  if (o.monitors) sb.auditFile = join(sb.dir, 'mon1', 'mmm_mond.status.audit.jsonl');
  const specs: WorkloadSpec[] = o.conns ? [{ name: `${o.conns}c`, conns: o.conns, startId: 1 }] : MIXED;
  const ws: Workload[] = [];
  try {
    await prepareTable(sb);
    const db2 = node(sb, 'db2');
    const id1 = Number((await sql(node(sb, 'db1'), 'SELECT @@server_id')).trim());
    for (const s of specs) ws.push(startWorkload(sb, s));
    for (const w of ws) await waitFor(`workload ${w.spec.name} writing through the writer VIP`, 20_000, () => (w.acks.filter((a) => a.s === id1).length >= 300 ? true : undefined));
    await sleep(500);
    const tKill = inject(sb, kind);
    const firsts: number[] = [];
    for (const w of ws) firsts.push((await waitFor(`first write of ${w.spec.name} acknowledged by the new writer`, boundMs, () => w.acks.find((a) => a.t > tKill && a.s !== id1))).t);
    await sleep(500);
    for (const w of ws) await w.stop();
    const audit = readAudit(sb.auditFile).filter((l) => l.t >= tKill - 50);
    const hard = audit.find((l) => l.kind === 'state_change' && l.host === 'db1' && /HARD_OFFLINE/.test(l.reason));
    const decision = audit.find((l) => l.kind === 'failover' && !l.blocked && l.host === 'db2');
    const agentLog = logLines(join(sb.dir, 'db2', 'mmmd_agent.log')).filter((l) => l.t >= tKill);
    const ro0 = agentLog.find((l) => /step done: read_only=0/.test(l.text));
    const vip = agentLog.find((l) => /step done: add writer\(/.test(l.text));
    const rel = (t: number | undefined): number | null => (t === undefined ? null : t - tKill);
    await sleep(300);
    const have2 = await idsOn(db2);
    let on3: Set<number> | undefined;
    const per: Record<string, WorkloadRun> = {};
    for (const [k, w] of ws.entries()) {
      const missing = w.acks.filter((a) => !have2.has(a.i));
      if (missing.length && !on3) on3 = await idsOn(node(sb, 'db3'));
      per[w.spec.name] = {
        first_ack_ms: firsts[k]! - tKill,
        lost: missing.length,
        acks_before: w.acks.filter((a) => a.t <= tKill).length,
        lost_but_on_db3: missing.filter((a) => on3?.has(a.i)).length,
      };
    }
    const all = Object.values(per);
    const fallback = audit.some((l) => l.kind === 'diagnosis' && /^WriterSemisyncFallback on /.test(l.reason));
    return {
      total_ms: all[0]!.first_ack_ms,
      detect_ms: rel(hard?.t),
      decision_ms: rel(decision?.t),
      writable_ms: rel(ro0?.t),
      vip_ms: rel(vip?.t),
      acting_ms: decision && vip ? vip.t - decision.t : null,
      lost_writes: all.reduce((a, w) => a + w.lost, 0),
      acks_before: all.reduce((a, w) => a + w.acks_before, 0),
      up_ms: sb.upMs,
      lost_but_on_db3: all.reduce((a, w) => a + w.lost_but_on_db3, 0),
      ...(o.semisync ? { fallback_audited: fallback } : {}),
      workloads: per,
    };
  } finally {
    release(sb, kind);
    for (const w of ws) await w.stop();
    await sandboxDown(sb.dir);
  }
}

export async function faultSection(checks: string, runs: number, boundMs: number, o: CrashOptions = {}): Promise<CrashStats> {
  const kind = o.fault ?? 'kill';
  const per: CrashRun[] = [];
  let failed = 0;
  const tag = `${kind}, ${checks}${o.semisync ? ', semisync' : ''}${o.conns ? `, ${o.conns} conns` : ''}${o.monitors ? `, ${o.monitors} monitors (HA)` : ''}`;
  for (let r = 1; r <= runs; r++) {
    try {
      const x = await faultOnce(kind, checks, boundMs, o);
      per.push(x);
      const wl = Object.entries(x.workloads ?? {}).map(([n, w]) => `${n} first ack +${w.first_ack_ms} lost ${w.lost}/${w.acks_before}`).join('; ');
      const extra = `${x.lost_but_on_db3 ? ` (${x.lost_but_on_db3} of them on db3)` : ''}${x.fallback_audited ? '; WriterSemisyncFallback audited' : ''}`;
      say(`  [${tag}] run ${r}/${runs}: HARD_OFFLINE +${x.detect_ms}, failover decision +${x.decision_ms}, read_only=0 +${x.writable_ms}, VIP +${x.vip_ms}; ${wl}${extra}`);
    } catch (e) {
      failed++;
      say(`  [${tag}] run ${r}/${runs} FAILED: ${(e as Error).message}`);
    }
  }
  const tot = per.map((p) => p.total_ms);
  const nums = (k: keyof CrashRun): number[] => per.map((p) => p[k]).filter((v): v is number => typeof v === 'number');
  const specs = o.conns ? [{ name: `${o.conns}c`, conns: o.conns, startId: 1 }] : MIXED;
  const workloads: Record<string, WorkloadStats> = {};
  for (const s of specs) {
    const rs = per.map((p) => p.workloads?.[s.name]).filter((w): w is WorkloadRun => !!w);
    const f = rs.map((w) => w.first_ack_ms);
    workloads[s.name] = {
      conns: s.conns, tx: !!s.tx, min_ms: min(f), p50_ms: pct(f, 50), max_ms: max(f),
      lost_writes: rs.reduce((a, w) => a + w.lost, 0), acks_before_fault: rs.reduce((a, w) => a + w.acks_before, 0),
    };
  }
  return {
    fault: kind,
    checks,
    runs: per.length,
    min_ms: min(tot),
    p50_ms: pct(tot, 50),
    p90_ms: pct(tot, 90),
    max_ms: max(tot),
    detect_p50_ms: pct(nums('detect_ms'), 50),
    decision_p50_ms: pct(nums('decision_ms'), 50),
    writable_p50_ms: pct(nums('writable_ms'), 50),
    writable_max_ms: max(nums('writable_ms')),
    acting_p50_ms: pct(nums('acting_ms'), 50),
    lost_writes: per.reduce((a, p) => a + p.lost_writes, 0),
    acks_before_kill: per.reduce((a, p) => a + p.acks_before, 0),
    failed_runs: failed,
    workloads,
    per_run: per,
  };
}
