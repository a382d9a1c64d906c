// A crash that loses no acknowledged write: with asynchronous replication a write no replica
// received is lost whatever the monitor does, so scenarios about WHICH host is promoted (and
// when) pause the workload until the replicas have what the writer wrote, kill the writer's
// mariadbd, and resume the workload at once (its writes then fail until there is a writer again).
import { gtidState, slaveStatus } from '../../../packages/sandbox/src';
import { until, type E2eCluster } from './cluster';
import { killMariadb } from './faults';
import { firstTick, holdersIn, writableIn, type Observer, type Tick } from './observer';
import type { Scenario } from './scenario';
import { startWorkload, type Ack } from './workload';

/**
 * Waits until every node but `writer` has `received` (IO thread: Gtid_IO_Pos) or `applied`
 * (gtid_slave_pos) the writer's gtid_binlog_pos; returns that position.
 */
export async function replicasHave(c: E2eCluster, writer: string, how: Partial<Record<string, 'received' | 'applied'>> = {}): Promise<string> {
  const pos = (await gtidState(c.db.node(writer))).binlogPos;
  const others = c.db.nodes.filter((n) => n.name !== writer);
  await until(`${others.map((n) => `${n.name} ${how[n.name] ?? 'applied'}`).join(', ')} everything ${writer} wrote (${pos})`, async () => {
    for (const n of others) {
      const have = how[n.name] === 'received' ? String((await slaveStatus(n))?.Gtid_IO_Pos ?? '') : (await gtidState(n)).slavePos;
      if (have !== pos) return false;
    }
    return true;
  }, 15_000);
  return pos;
}

export interface Crash {
  tFault: number;
  /** The writer's gtid_binlog_pos at the kill. */
  pos: string;
  /** The acknowledged writes of the stopped workload. */
  acks: Ack[];
}

/**
 * Stops the scenario's workload, waits for the replicas (replicasHave), kills `writer`'s mariadbd
 * and starts a new workload from `firstId` as s.w (the observer keeps running).
 */
export async function pauseAndKill(s: Scenario, writer: string, firstId: number, how: Parameters<typeof replicasHave>[2] = {}): Promise<Crash> {
  const w = s.w!;
  await w.stop();
  const pos = await replicasHave(s.c, writer, how);
  await new Promise((r) => setTimeout(r, 500)); // a few passes: the monitor saw the last positions
  const tFault = Date.now();
  await killMariadb(s.c, writer);
  s.w = startWorkload(s.c, { firstId });
  return { tFault, pos, acks: [...w.acks] };
}

export interface HeldWindow {
  /** First tick after the kill with the writer VIP on nobody (the dead writer's agent dropped it). */
  vipGone?: Tick;
  /** Ticks from vipGone until `end`. */
  ticks: number;
  /** Violations in those ticks: a writable node, the VIP somewhere. */
  writable: string[];
  vip: string[];
}

/** While a failover is held (from the VIP leaving the dead writer until `end`): who was writable, who held the VIP. */
export function heldWindow(o: Observer, vip: string, tFault: number, end: number): HeldWindow {
  const vipGone = firstTick(o, tFault, (t) => holdersIn(t, vip).length === 0);
  const during = o.ticks.filter((t) => t.t >= (vipGone?.t ?? tFault) && t.t < end);
  return {
    ...(vipGone ? { vipGone } : {}),
    ticks: during.length,
    writable: during.filter((t) => writableIn(t).length > 0).map((t) => `tick ${t.n}: ${writableIn(t).join(',')}`),
    vip: during.filter((t) => holdersIn(t, vip).length > 0).map((t) => `tick ${t.n}: ${holdersIn(t, vip).join(',')}`),
  };
}

/**
 * Writes acknowledged while the observer still READ `node` read-only (before the last such tick
 * ahead of `end`, the first tick that saw it writable): each contradicts that reading. A tick's
 * `t` is when its probes started, and ticks lag under load, so writes acknowledged between that
 * last read-only tick and `end` are no contradiction (CI saw ~30 such in e2e 13).
 */
export function acksWhileReadOnly(o: Observer, node: string, tFault: number, end: number, acks: readonly Ack[]): Ack[] {
  const lastReadOnly = [...o.ticks].sort((a, b) => a.t - b.t)
    .filter((t) => t.t >= tFault && t.t < end && t.nodes.find((x) => x.node === node)?.readOnly === true).at(-1);
  return acks.filter((a) => a.t < (lastReadOnly?.t ?? tFault));
}
