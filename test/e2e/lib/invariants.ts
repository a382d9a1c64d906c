// The invariants every scenario checks (peers.md §3, VTOrc's chaos suite): never two writable
// nodes, never the writer VIP in two namespaces, acknowledged writes present on the final writer,
// and convergence (one writer, every replica replicating from it, monitor states right) within
// 30 s of the fault ending. Each check returns what it found; the scenario asserts on it.
import { TEST_SCHEMA, query, readOnly, slaveStatus, vipsOf } from '../../../packages/sandbox/src';
import { WRITES_TABLE, describeRoles, log, sleep, stateOf, transitionsOf, writerOf, type ClusterView } from './cluster';
import { writableIn, type Observer, type Tick } from './observer';
import type { Ack } from './workload';

export const CONVERGENCE_BOUND_MS = 30_000;

/** Ticks in which more than one node answered read_only=0 (each a violation, described). */
export function twoWritable(o: Observer): string[] {
  return o.ticks
    .filter((t) => writableIn(t).length > 1)
    .map((t) => `tick ${t.n} at ${new Date(t.t).toISOString()}: writable ${writableIn(t).join(' and ')}`);
}

/** Ticks in which the writer VIP was on the eth0 of more than one namespace. */
export function vipInTwoPlaces(o: Observer, vip: string): string[] {
  return o.ticks.flatMap((t) => {
    const pair = doubleHolders(t, vip);
    return pair ? [`tick ${t.n} at ${new Date(t.t).toISOString()}: ${vip} on ${pair.join(' and ')} (${pair[0]} holding it before and after ${pair[1]} was read)`] : [];
  });
}

/**
 * Two nodes that provably held `vip` at the same moment in tick `t`. The interfaces were read in
 * node order, then in reverse (observer.ts), so node i's two reads enclose every read of a later
 * node j. A VIP holder gains it once and loses it once within a tick, so i seen with it in both of
 * its reads held it throughout, and j seen with it in either read held it at the same time: a
 * real double. A VIP that moved between two reads (seen on the old host first, the new one next)
 * is not one. A tick without the reverse pass (older observers) falls back to the forward reads.
 */
export function doubleHolders(t: Tick, vip: string): [string, string] | undefined {
  const ns = t.nodes;
  const has = (a: string[] | null | undefined): boolean => !!a?.includes(vip);
  for (let i = 0; i < ns.length; i++) {
    const a = ns[i]!;
    const aThroughout = a.vipsLate === undefined ? has(a.vips) : has(a.vips) && has(a.vipsLate);
    if (!aThroughout) continue;
    for (let j = i + 1; j < ns.length; j++) {
      const b = ns[j]!;
      if (has(b.vips) || has(b.vipsLate)) return [a.node, b.node];
    }
  }
  return undefined;
}

/** How many ticks saw each node writable, e.g. `db1=120 db2=88` (for the printed report). */
export function writableCounts(o: Observer): string {
  const counts = new Map<string, number>();
  for (const t of o.ticks) for (const w of writableIn(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${k}=${v}`).join(' ') || 'none';
}

export interface LostWrites {
  acknowledged: number;
  lost: number[];
  /** Rows on the writer (acknowledged or not: a write whose answer was lost may be there). */
  rows: number;
}

/** Acknowledged ids missing on `node` (read as root over its socket). */
export async function lostWrites(c: ClusterView, node: string, acks: Ack[]): Promise<LostWrites> {
  const rows = await query(c.db.node(node), `SELECT id FROM ${TEST_SCHEMA}.${WRITES_TABLE}`);
  const have = new Set(rows.map((r) => Number(r.id)));
  return { acknowledged: acks.length, lost: acks.map((a) => a.id).filter((id) => !have.has(id)), rows: have.size };
}

export interface ConvergeOptions {
  /** The writer we expect (any single one when absent). */
  writer?: string;
  /** Monitor states we expect per host (a list means any of them). Hosts absent here must be ONLINE. */
  states?: Record<string, string | string[]>;
  /** Nodes left out of the replication and writability checks (e.g. one whose mariadbd is dead). */
  skip?: string[];
  boundMs?: number;
}

export interface Converged {
  writer: string;
  /** ms from the call to convergence. */
  ms: number;
  roles: string;
}

/** What is not converged yet, or '' when it is. */
async function notConverged(c: ClusterView, o: ConvergeOptions): Promise<{ why: string; writer: string; roles: string }> {
  const doc = await c.statusDoc();
  const writer = writerOf(doc);
  const roles = describeRoles(doc);
  const r = (why: string): { why: string; writer: string; roles: string } => ({ why, writer, roles });
  if (!writer) return r('no host holds the writer role');
  if (o.writer && writer !== o.writer) return r(`writer role on ${writer}, want ${o.writer}`);
  for (const h of doc.hosts) {
    const want = o.states?.[h.name] ?? 'ONLINE';
    const ok = Array.isArray(want) ? want.includes(h.state) : h.state === want;
    if (!ok) return r(`${h.name} is ${h.state}, want ${String(want)}`);
  }
  const live = c.db.nodes.filter((n) => !o.skip?.includes(n.name));
  const writable: string[] = [];
  for (const n of live) if (!(await readOnly(n))) writable.push(n.name);
  if (writable.join() !== writer) return r(`writable: ${writable.join(',') || 'none'}; writer role on ${writer}`);
  const holders: string[] = [];
  for (const n of c.db.nodes) if ((await vipsOf(n)).includes(c.writerVip)) holders.push(n.name);
  if (holders.join() !== writer) return r(`writer VIP on ${holders.join(',') || 'nobody'}, writer role on ${writer}`);
  const wip = c.db.node(writer).ip;
  for (const n of live) {
    if (n.name === writer) continue;
    const s = await slaveStatus(n);
    if (!s) return r(`${n.name}: no replication configured`);
    if (s.Slave_IO_Running !== 'Yes' || s.Slave_SQL_Running !== 'Yes' || s.Master_Host !== wip) {
      return r(`${n.name}: IO=${String(s.Slave_IO_Running)} SQL=${String(s.Slave_SQL_Running)} from ${String(s.Master_Host)} (errno ${String(s.Last_SQL_Errno)}), want from ${writer} ${wip}`);
    }
  }
  return r('');
}

/**
 * Waits (≤ 30 s) until: exactly one writable node and it holds the writer role and the writer
 * VIP (and only it); every other live node replicates from it with both threads running; the
 * monitor's states are as expected. Throws with the last reason otherwise.
 */
export async function converge(c: ClusterView, o: ConvergeOptions = {}): Promise<Converged> {
  const t0 = Date.now();
  const bound = o.boundMs ?? CONVERGENCE_BOUND_MS;
  let last = { why: 'not checked', writer: '', roles: '' };
  for (;;) {
    try {
      last = await notConverged(c, o);
      if (!last.why) return { writer: last.writer, ms: Date.now() - t0, roles: last.roles };
    } catch (e) {
      last = { ...last, why: `probe failed: ${(e as Error).message}` };
    }
    if (Date.now() - t0 > bound) {
      // what a DBA would look at first: each node's replication and the monitor's failing checks
      const lines = await Promise.all(c.db.nodes.map((n) => replicationLine(c, n.name)));
      const checks = await c.control('checks', 'all').then((r) => r.stdout.split('\n').filter((l) => l && !/\sOK/.test(l)).join(' | '), () => '');
      throw new Error(`not converged within ${bound} ms: ${last.why} (monitor: ${last.roles}); failing checks: ${checks || 'none'}; ${lines.join('; ')}`);
    }
    await sleep(200);
  }
}

/** Waits for a monitor-visible condition (status_json), bounded; returns the matching document's description. */
export async function waitForMonitor(
  c: ClusterView,
  what: string,
  pred: (doc: Awaited<ReturnType<ClusterView['statusDoc']>>) => boolean,
  boundMs = 30_000,
): Promise<string> {
  const t0 = Date.now();
  let last = '';
  for (;;) {
    try {
      const doc = await c.statusDoc();
      last = describeRoles(doc);
      if (pred(doc)) return last;
    } catch (e) {
      last = `status_json failed: ${(e as Error).message}`;
    }
    if (Date.now() - t0 > boundMs) throw new Error(`timed out after ${boundMs} ms waiting for ${what} (monitor: ${last})`);
    await sleep(100);
  }
}

export { stateOf, writerOf };

/** One line per figure, printed by every scenario. */
export function report(name: string, figures: Record<string, string | number>): void {
  log(`== ${name}`);
  for (const [k, v] of Object.entries(figures)) log(`   ${k}: ${v}`);
}

/** One line about a node's replication and GTID state, for failure reports. */
export async function replicationLine(c: ClusterView, name: string): Promise<string> {
  try {
    const n = c.db.node(name);
    const s = await slaveStatus(n);
    const [g] = await query(n, 'SELECT @@GLOBAL.read_only AS ro, @@GLOBAL.gtid_current_pos AS cur, @@GLOBAL.gtid_slave_pos AS sp, @@GLOBAL.gtid_binlog_pos AS bp');
    return `${name}: read_only=${String(g?.ro)} gtid_current_pos=${String(g?.cur)} gtid_slave_pos=${String(g?.sp)} gtid_binlog_pos=${String(g?.bp)}` +
      (s ? ` IO=${String(s.Slave_IO_Running)} SQL=${String(s.Slave_SQL_Running)} from ${String(s.Master_Host)} io_err=${String(s.Last_IO_Errno)} "${String(s.Last_IO_Error)}" sql_err=${String(s.Last_SQL_Errno)} "${String(s.Last_SQL_Error)}"` : ' (no replication)');
  } catch (e) {
    return `${name}: ${(e as Error).message}`;
  }
}

/** How an old writer came back: MMM's way (ONLINE, writer again) or kept out as diverged. */
export interface Comeback {
  outcome: 'returned' | 'diverged' | 'neither';
  /** The monitor's REPLICATION_FAIL reason naming the GTIDs the writer lacks (diverged only). */
  reason?: string;
  /** Who should hold the writer role now. */
  finalWriter: string;
  /** converge() options for that outcome. */
  convergeOpts: ConvergeOptions;
}

/**
 * Waits until `old` is ONLINE holding the writer role again, or is kept out as diverged (a
 * transaction committed on it at the fault never reached `next`: asynchronous replication).
 */
export async function awaitComeback(c: ClusterView, old: string, next: string, since: number, boundMs: number): Promise<Comeback> {
  const reason = (): string | undefined => transitionsOf(c.dir, old, since).find((r) => /lacks/.test(r));
  let outcome = 'neither' as Comeback['outcome']; // set in the callback below
  await waitForMonitor(c, `${old} ONLINE with the writer role again, or kept out as diverged`, (d) => {
    if (stateOf(d, old) === 'ONLINE' && writerOf(d) === old) outcome = 'returned';
    else if (stateOf(d, old) === 'REPLICATION_FAIL' && reason()) outcome = 'diverged';
    return outcome !== 'neither';
  }, boundMs).catch(() => undefined);
  if (outcome === 'diverged') {
    return { outcome, reason: reason(), finalWriter: next, convergeOpts: { writer: next, states: { [old]: 'REPLICATION_FAIL' }, skip: [old] } };
  }
  return { outcome, finalWriter: old, convergeOpts: { writer: old } };
}

/** The report line for a comeback. */
export function describeComeback(b: Comeback, old: string, next: string, cause: string): string {
  return b.outcome === 'diverged' ? `${old} diverged (${cause} left a transaction ${next} never got): ${b.reason}` : b.outcome;
}
