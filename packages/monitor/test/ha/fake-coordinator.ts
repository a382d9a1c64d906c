// An in-memory Coordinator for unit tests: leadership is set by the test, writes are kept in order.
import { MmmError } from '@mmm/common';
import type { Coordinator, EtcdHealth, LeaderInfo, MonitorInfo } from '../../src/ha/coordinator';

export class FakeCoordinator implements Coordinator {
  term_?: number;
  leaderInfo?: LeaderInfo;
  state?: unknown;
  op?: unknown;
  health: EtcdHealth = { reachable: true, clusterId: 'cdf818194e3a8c32' };
  /** Every write, in order: `state@<term>` or `op@<term>:<step|null>`. */
  readonly writes: string[] = [];
  /** Make the next writes fail (etcd unreachable). */
  failWrites = false;
  private readonly handlers = new Map<string, ((x: never) => void)[]>();

  constructor(readonly id: string) {}

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  isLeader(): boolean {
    return this.term_ !== undefined;
  }
  term(): number | undefined {
    return this.term_;
  }
  leader(): LeaderInfo | undefined {
    return this.leaderInfo;
  }
  monitors(): MonitorInfo[] {
    const l = this.leaderInfo?.monitor;
    return [this.id, 'mon1'].filter((v, i, a) => a.indexOf(v) === i).sort().map((id) => ({ id, control: `127.0.0.1:${id === 'mon1' ? 9988 : 9989}`, leader: id === l }));
  }
  etcd(): EtcdHealth {
    return this.health;
  }
  async readState(): Promise<unknown> {
    return this.state;
  }
  lastState(): unknown {
    return this.state;
  }
  private guard(term: number): void {
    if (this.failWrites) throw new MmmError('CONNECT_FAILED', 'etcd: write failed: unavailable');
    if (term !== this.term_) throw new MmmError('STALE_TERM', `term ${term} is stale`);
  }
  async writeState(term: number, state: unknown): Promise<void> {
    this.guard(term);
    this.state = state;
    this.writes.push(`state@${term}`);
  }
  async readOp(): Promise<unknown> {
    return this.op;
  }
  async writeOp(term: number, op: unknown): Promise<void> {
    this.guard(term);
    this.op = op ?? undefined;
    this.writes.push(`op@${term}:${op === null ? 'null' : (op as { step: string }).step}`);
  }
  readonly history: unknown[] = [];
  async appendHistory(term: number, entry: unknown): Promise<void> {
    this.guard(term);
    this.history.push(entry);
    this.writes.push(`history@${term}`);
  }
  on(ev: string, f: (x: never) => void): void {
    this.handlers.set(ev, [...(this.handlers.get(ev) ?? []), f]);
  }
  emit(ev: 'elected' | 'deposed' | 'leader' | 'state', x: unknown): void {
    for (const f of this.handlers.get(ev) ?? []) f(x as never);
  }

  /** This monitor wins term `t`. */
  elect(t: number): void {
    this.term_ = t;
    this.leaderInfo = { monitor: this.id, control: '127.0.0.1:9989', since: new Date(0).toISOString(), term: t };
    this.emit('elected', t);
  }

  /** Another monitor leads (or nobody: undefined). */
  follow(l: LeaderInfo | undefined, why = 'deadline passed'): void {
    const was = this.term_ !== undefined;
    this.term_ = undefined;
    this.leaderInfo = l;
    if (was) this.emit('deposed', why);
  }
}
