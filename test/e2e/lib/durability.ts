// The durability runs' plan and figures (e2e 12): how many runs of each kind (env), one record
// per run, the totals per kind and durability, and the Markdown table docs/testing.md and
// bench/results/durability-runs.md show. Pure, apart from reading the environment it is given.
import { cpus, loadavg } from 'node:os';

export type FaultKind = 'crash' | 'node-loss';
export type Durability = 'semisync' | 'async';

export interface PlannedRun {
  kind: FaultKind;
  durability: Durability;
  /** 1-based, per kind and durability. */
  n: number;
  /** 1-based over the whole plan. */
  seq: number;
}

/** The environment variables that set the counts, and the CI defaults (8 runs: about 2.5 minutes here). */
export const COUNT_ENV: ReadonlyArray<{ env: string; kind: FaultKind; durability: Durability; ci: number }> = [
  { env: 'MMM_E2E_DURABILITY_CRASH', kind: 'crash', durability: 'semisync', ci: 4 },
  { env: 'MMM_E2E_DURABILITY_NODELOSS', kind: 'node-loss', durability: 'semisync', ci: 2 },
  { env: 'MMM_E2E_DURABILITY_ASYNC', kind: 'crash', durability: 'async', ci: 1 },
  { env: 'MMM_E2E_DURABILITY_ASYNC_NODELOSS', kind: 'node-loss', durability: 'async', ci: 1 },
];
/** Names a file: the summary is written there as JSON (and the table next to it, `.md`). */
export const JSON_ENV = 'MMM_E2E_DURABILITY_JSON';
/** Names a directory: the logs of every run that failed or lost an acknowledged write are copied there. */
export const KEEP_LOGS_ENV = 'MMM_E2E_DURABILITY_KEEP_LOGS';
/** `1`: keep every run's logs there, not only those of failed or losing runs. */
export const KEEP_ALL_ENV = 'MMM_E2E_DURABILITY_KEEP_ALL';

/** Counts from the environment (a whole number ≥ 0 each; CI defaults otherwise); throws on a bad value. */
export function plannedCounts(env: NodeJS.ProcessEnv): Array<{ kind: FaultKind; durability: Durability; count: number; env: string }> {
  return COUNT_ENV.map((c) => {
    const raw = env[c.env];
    if (raw === undefined || raw === '') return { kind: c.kind, durability: c.durability, count: c.ci, env: c.env };
    if (!/^\d+$/.test(raw)) throw new RangeError(`${c.env}: a whole number of runs, not ${JSON.stringify(raw)}`);
    return { kind: c.kind, durability: c.durability, count: Number(raw), env: c.env };
  });
}

/** The runs in the order they run: round-robin over the kinds, so a slow spell of the machine is spread over them. */
export function plan(counts: ReturnType<typeof plannedCounts>): PlannedRun[] {
  const out: PlannedRun[] = [];
  const max = Math.max(0, ...counts.map((c) => c.count));
  for (let i = 1; i <= max; i++) {
    for (const c of counts) if (i <= c.count) out.push({ kind: c.kind, durability: c.durability, n: i, seq: out.length + 1 });
  }
  return out;
}

/** An acknowledged write missing on the new writer, with what tells how it was lost. */
export interface MissingWrite {
  id: number;
  conn: number;
  /** db<sid> acknowledged it. */
  sid: number;
  /** Acknowledged this many ms after the fault (negative: before). */
  ackedAfterFaultMs: number;
  /** Present on db3 (another survivor received it). */
  onDb3: boolean;
}

export interface RunRecord {
  seq: number;
  kind: FaultKind;
  durability: Durability;
  /** The run's checks passed (for async: all but the loss, which is reported only). */
  ok: boolean;
  error?: string;
  acked: number;
  ackedBeforeFault: number;
  missing: number;
  missingIds?: MissingWrite[];
  /** Fault → db2 read_only=0 as the observer saw it (ms). */
  writableMs: number | null;
  /** Fault → the first write db2 acknowledged through the writer VIP (ms). */
  firstAckMs: number | null;
  /** WriterSemisyncFallback decisions the monitor audited during the run (semisync). */
  fallbacks: number;
  /** db2's Rpl_semi_sync_master_no_tx / yes_tx at the end (commits it made without / with a replica's acknowledgement). */
  db2NoTx?: number;
  db2YesTx?: number;
  /** The monitor's failover decision, as audited. */
  failoverReason?: string;
  /** The monitor logged a SET_STATUS to db1 that got no answer (its wait, setStatusTimeoutMs, held db1 "reachable"). */
  setStatusUnanswered?: boolean;
  twoWritable: number;
  vipTwice: number;
  clientErrors: number;
  upMs: number;
  runMs: number;
}

export interface Totals {
  kind: FaultKind;
  durability: Durability;
  runs: number;
  failed: number;
  acked: number;
  missing: number;
  /** Runs that lost at least one acknowledged write. */
  runsWithLoss: number;
  fallbacks: number;
  writableP50Ms: number | null;
  writableMaxMs: number | null;
  firstAckP50Ms: number | null;
  firstAckMaxMs: number | null;
}

const p50 = (xs: number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};
const maxOf = (xs: number[]): number | null => (xs.length ? Math.max(...xs) : null);
const nums = (xs: Array<number | null>): number[] => xs.filter((x): x is number => typeof x === 'number');

export function totals(records: RunRecord[]): Totals[] {
  const out: Totals[] = [];
  for (const c of COUNT_ENV) {
    const rs = records.filter((r) => r.kind === c.kind && r.durability === c.durability);
    if (!rs.length) continue;
    const w = nums(rs.map((r) => r.writableMs));
    const f = nums(rs.map((r) => r.firstAckMs));
    out.push({
      kind: c.kind,
      durability: c.durability,
      runs: rs.length,
      failed: rs.filter((r) => !r.ok).length,
      acked: rs.reduce((a, r) => a + r.acked, 0),
      missing: rs.reduce((a, r) => a + r.missing, 0),
      runsWithLoss: rs.filter((r) => r.missing > 0).length,
      fallbacks: rs.reduce((a, r) => a + r.fallbacks, 0),
      writableP50Ms: p50(w),
      writableMaxMs: maxOf(w),
      firstAckP50Ms: p50(f),
      firstAckMaxMs: maxOf(f),
    });
  }
  return out;
}

/** One line per run, as the test prints it. */
export function runLine(r: RunRecord, of: number): string {
  const ms = (v: number | null): string => (v === null ? 'never' : `${v} ms`);
  return `run ${r.seq}/${of} ${r.kind} ${r.durability}: acked ${r.acked} (${r.ackedBeforeFault} before the fault), missing ${r.missing}` +
    `${r.missingIds?.length ? ` (${r.missingIds.filter((m) => m.onDb3).length} of them on db3)` : ''}, kill→db2 writable ${ms(r.writableMs)}, kill→first ack on db2 ${ms(r.firstAckMs)}` +
    `${r.durability === 'semisync' ? `, fallbacks audited ${r.fallbacks}, db2 no_tx ${r.db2NoTx ?? '?'}` : ''}${r.ok ? '' : ` — FAILED: ${r.error ?? ''}`}`;
}

/** The Markdown table of the totals. */
export function table(ts: Totals[]): string {
  const ms = (v: number | null): string => (v === null ? '–' : String(v));
  return [
    '| fault | durability | runs | failed | acknowledged writes | missing on the new writer | runs with a loss | fallbacks audited | kill → db2 writable p50 / max (ms) | kill → first ack on db2 p50 / max (ms) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...ts.map((t) => `| ${t.kind} | ${t.durability} | ${t.runs} | ${t.failed} | ${t.acked} | ${t.missing} | ${t.runsWithLoss} | ${t.durability === 'semisync' ? t.fallbacks : '–'} | ${ms(t.writableP50Ms)} / ${ms(t.writableMaxMs)} | ${ms(t.firstAckP50Ms)} / ${ms(t.firstAckMaxMs)} |`),
  ].join('\n');
}

export interface Summary {
  date: string;
  machine: { cpus: number; loadavgStart: number[]; loadavgEnd: number[]; note: string };
  settings: Record<string, string | number>;
  counts: Record<string, number>;
  totals: Totals[];
  runs: RunRecord[];
}

export function summary(records: RunRecord[], settings: Summary['settings'], counts: Summary['counts'], loadStart: number[]): Summary {
  const r1 = (xs: number[]): number[] => xs.map((x) => Math.round(x * 100) / 100);
  return {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavgStart: r1(loadStart), loadavgEnd: r1(loadavg()), note: 'shared machine: other sessions may run at the same time (see the load average)' },
    settings,
    counts,
    totals: totals(records),
    runs: records,
  };
}
