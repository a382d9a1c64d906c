// Checks the mixed-cluster tests share: any VIP (writer or reader) on two hosts in an observer
// tick, and a bounded wait until every VIP is exactly where the monitor says it is.
import { query, readOnly, vipsOf } from '../../../packages/sandbox/src';
import { describeRoles, sleep, writerOf } from '../../e2e/lib/cluster';
import { holdersIn, type Observer } from '../../e2e/lib/observer';
import { HOSTS, type MixedCluster } from './mixed-cluster';

export function countLines(text: string, re: RegExp): number {
  return text.split('\n').filter((l) => re.test(l)).length;
}

/** Ticks in which some VIP (writer or reader) was on the eth0 of more than one host. */
export function vipsTwice(o: Observer, c: Pick<MixedCluster, 'writerVip' | 'readerVips'>): string[] {
  const out: string[] = [];
  for (const t of o.ticks) {
    for (const vip of [c.writerVip, ...c.readerVips]) {
      const h = holdersIn(t, vip);
      if (h.length > 1) out.push(`tick ${t.n} at ${new Date(t.t).toISOString()}: ${vip} on ${h.join(' and ')}`);
    }
  }
  return out;
}

/** What differs between the monitor's roles and the interfaces ('' when they agree and `writer` alone is writable). */
async function placementDiff(c: MixedCluster, writer: string): Promise<string> {
  const doc = await c.statusDoc();
  if (writerOf(doc) !== writer) return `writer role on ${writerOf(doc) || 'nobody'}, want ${writer} (${describeRoles(doc)})`;
  for (const h of HOSTS) {
    const want = (doc.hosts.find((x) => x.name === h)?.roles ?? []).map((r) => r.ip).sort().join(',');
    const have = (await vipsOf(c.db.node(h))).sort().join(',');
    if (want !== have) return `${h}: monitor says [${want}], eth0 has [${have}] (${describeRoles(doc)})`;
    const ro = await readOnly(c.db.node(h)).catch(() => null);
    if (ro === false && h !== writer) return `${h} is writable, the writer is ${writer}`;
    if (h === writer && ro !== false) return `${h} (the writer) is read-only`;
  }
  return '';
}

/** Waits (≤ boundMs) until each host's eth0 holds exactly the VIPs the monitor gave it and only `writer` is writable. */
export async function reconverge(c: MixedCluster, writer: string, boundMs = 30_000): Promise<number> {
  const t0 = Date.now();
  let why = '';
  for (;;) {
    why = await placementDiff(c, writer).catch((e: Error) => `probe failed: ${e.message}`);
    if (!why) return Date.now() - t0;
    if (Date.now() - t0 > boundMs) throw new Error(`VIPs not where the monitor put them within ${boundMs} ms: ${why}`);
    await sleep(200);
  }
}

/**
 * Waits (≤ boundMs) until every other node has applied `writer`'s binary log up to its current
 * position (MASTER_POS_WAIT as root on each replica of it). A crash test pauses the workload and
 * calls this first: with asynchronous replication a transaction in flight at a kill -9 can reach
 * one replica and not the candidate, and MMM's file/position re-point then stops that replica
 * with error 1950 — an outcome of the replication, not of the manager (e2e 01/09 cover it).
 */
export async function replicasCaughtUp(c: MixedCluster, writer: string, boundMs = 15_000): Promise<void> {
  const w = c.db.node(writer);
  const [pos] = await query(w, 'SHOW MASTER STATUS');
  if (!pos) throw new Error(`${writer}: SHOW MASTER STATUS is empty`);
  for (const h of HOSTS) {
    if (h === writer) continue;
    const n = c.db.node(h);
    const [r] = await query(n, 'SELECT MASTER_POS_WAIT(?, ?, ?) AS r', [String(pos.File), Number(pos.Position), Math.ceil(boundMs / 1000)]);
    if (r?.r === null || Number(r?.r) < 0) throw new Error(`${h} did not reach ${writer}'s ${String(pos.File)}:${String(pos.Position)} within ${boundMs} ms (MASTER_POS_WAIT = ${String(r?.r)})`);
  }
}

/** Ticks at or after `since` in which some VIP was on no host's eth0 (ticks with a failed `ip` probe are skipped). */
export function vipsUnheld(o: Observer, c: Pick<MixedCluster, 'writerVip' | 'readerVips'>, since: number): string[] {
  const out: string[] = [];
  for (const t of o.since(since)) {
    if (t.nodes.some((n) => n.vips === null)) continue;
    const none = [c.writerVip, ...c.readerVips].filter((vip) => holdersIn(t, vip).length === 0);
    if (none.length) out.push(`tick ${t.n} at ${new Date(t.t).toISOString()}: ${none.join(', ')} on no host`);
  }
  return out;
}
