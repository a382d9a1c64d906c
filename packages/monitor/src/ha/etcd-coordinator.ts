// The Coordinator on etcd (issue 19, docs/ha.md): presence under monitors/<id>, the election on the
// `leader` key (txn create_revision == 0, put with our lease; its create revision is the term),
// our own leader deadline from acknowledged keepalives, a watched copy of leader/state/op, and the
// leader's writes guarded by its term.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { EtcdLeaseInvalidError, type Etcd3, type IKeyValue, type IResponseHeader, type Lease, type Watcher } from 'etcd3';
import { MmmError, errorMessage, hostPort, systemClock, type Clock, type Logger, type MonitorHaSettings } from '@mmm/common';
import type { Coordinator, EtcdHealth, LeaderInfo, MonitorInfo } from './coordinator';
import { DEADLINE_CHECK_MS, LeaderDeadline, keepaliveIntervalMs } from './deadline';
import { createEtcdClient } from './etcd-client';
import { guardedTxn, historyAppend, type TxnOp } from './etcd-txn';
import { classifyKey, haKeys, type HaKeys } from './keys';
import { clusterIdHex, encodeLeader, encodeMonitor, encodeStored, parseLeader, parseMonitor, parseStored, type MonitorValue } from './values';

export interface EtcdCoordinatorOptions {
  settings: MonitorHaSettings;
  /** IP:PORT of this monitor's HTTPS API (http_listen), published with its presence and leadership. */
  http?: string;
  logger: Logger;
  /** Monotonic milliseconds (default performance.now). */
  monotonic?: () => number;
  /** Wall clock for the `since`/`at` fields. */
  clock?: Clock;
  /** Bound of every etcd request (default TTL/3, at most 1 s). */
  requestTimeoutMs?: number;
  /** How often leader, monitors and state are read besides the watch (default TTL/3, at most 1 s). */
  pollMs?: number;
  /** Tests: a client built elsewhere (default: from the settings' endpoints and files). */
  client?: Etcd3;
}

interface Leadership {
  term: number;
  lease: Lease;
  deadline: LeaderDeadline;
  since: string;
  timer?: NodeJS.Timeout;
  renewing: boolean;
}

const rev = (s: string | undefined): number => (s === undefined ? 0 : Number(s));

export class EtcdCoordinator implements Coordinator {
  private readonly s: MonitorHaSettings;
  private readonly k: HaKeys;
  private readonly log: Logger;
  private readonly mono: () => number;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly control: string;
  private readonly events = new EventEmitter();
  private client?: Etcd3;
  private watcher?: Watcher;
  private presence?: Lease;
  private lead?: Leadership;
  private seen?: { info?: LeaderInfo; lease?: string; at: number };
  private state?: { value: unknown; at: number };
  private readonly peers = new Map<string, MonitorValue>();
  private health: EtcdHealth = { reachable: false };
  private seenRevision = 0;
  private leftovers: Lease[] = [];
  private timers: NodeJS.Timeout[] = [];
  private rounding?: Promise<void>;
  private again = false;
  private revoking = false;
  private stopped = false;

  constructor(private readonly o: EtcdCoordinatorOptions) {
    this.s = o.settings;
    this.k = haKeys(o.settings.keyPrefix);
    this.log = o.logger;
    this.mono = o.monotonic ?? (() => performance.now());
    this.clock = o.clock ?? systemClock;
    const third = Math.min(1000, keepaliveIntervalMs(o.settings.leaseTtl));
    this.timeoutMs = o.requestTimeoutMs ?? third;
    this.pollMs = o.pollMs ?? third;
    this.control = hostPort(o.settings.controlAddress);
    this.events.setMaxListeners(50);
  }

  async start(): Promise<void> {
    this.client = this.o.client ?? createEtcdClient(this.s, this.timeoutMs);
    const w = this.client.watch().prefix(this.k.prefix).watcher();
    w.on('put', (kv) => this.applyKv(kv));
    w.on('delete', (kv) => this.applyDelete(kv));
    w.on('error', (e) => this.log.debug('etcd watch error (it reconnects)', { error: errorMessage(e) }));
    w.on('disconnected', (e) => this.log.debug('etcd watch disconnected (it reconnects)', { error: errorMessage(e) }));
    this.watcher = w;
    this.timers.push(setInterval(() => this.checkDeadline(), DEADLINE_CHECK_MS));
    this.timers.push(setInterval(() => void this.round(), this.pollMs));
    // The first round connects, registers and campaigns; an unreachable etcd does not fail start().
    await this.round();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers.splice(0)) clearInterval(t);
    const bound = (p: Promise<unknown>): Promise<unknown> =>
      Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, this.timeoutMs * 2).unref())]);
    // A round in flight may still win an election: let it end first, then resign.
    await bound(this.rounding ?? Promise.resolve());
    const l = this.lead;
    if (l) this.depose(l, 'resign');
    // Revoking the leader lease deletes the leader key: the others need not wait for the TTL.
    await Promise.all([...this.leftovers.splice(0), ...(this.presence ? [this.presence] : [])].map((x) => bound(x.revoke({ deadline: Date.now() + this.timeoutMs }))));
    this.presence = undefined;
    await bound(this.watcher?.cancel() ?? Promise.resolve());
    if (!this.o.client) this.client?.close();
  }

  isLeader(): boolean {
    return this.lead !== undefined && !this.lead.deadline.passed(this.mono());
  }

  term(): number | undefined {
    return this.isLeader() ? this.lead!.term : undefined;
  }

  leader(): LeaderInfo | undefined {
    return this.seen?.info;
  }

  monitors(): MonitorInfo[] {
    const leader = this.seen?.info?.monitor;
    return [...this.peers.values()]
      .map((m) => ({ id: m.id, control: m.control, ...(m.http ? { http: m.http } : {}), leader: m.id === leader }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  etcd(): EtcdHealth {
    return { ...this.health };
  }

  lastState(): unknown | undefined {
    return this.state?.value;
  }

  async readState(): Promise<unknown | undefined> {
    return this.readStored(this.k.state, (value, at) => this.setState(value, at));
  }

  async readOp(): Promise<unknown | undefined> {
    return this.readStored(this.k.op);
  }

  async writeState(term: number, state: unknown): Promise<void> {
    await this.guarded(term, 'state', (c) => [c.put(this.k.state).value(encodeStored(term, this.iso(), state))]);
  }

  async writeOp(term: number, op: unknown | null): Promise<void> {
    await this.guarded(term, 'op', (c) => [op === null ? c.delete().key(this.k.op) : c.put(this.k.op).value(encodeStored(term, this.iso(), op))]);
  }

  async appendHistory(term: number, entry: unknown): Promise<void> {
    this.assertTerm(term, 'history');
    try {
      const r = await historyAppend(this.need(), this.k, term, encodeStored(term, this.iso(), entry), this.seenRevision);
      this.reachable(r.header);
    } catch (e) {
      this.failedWrite(term, e);
    }
  }

  on(ev: 'elected', f: (term: number) => void): void;
  on(ev: 'deposed', f: (why: string) => void): void;
  on(ev: 'leader', f: (l: LeaderInfo | undefined) => void): void;
  on(ev: 'state', f: (s: unknown) => void): void;
  on(ev: string, f: (x: never) => void): void {
    this.events.on(ev, f as (...a: unknown[]) => void);
  }

  // --- the round: presence, a fresh read of leader/monitors/state, a campaign when there is no leader

  private async round(): Promise<void> {
    if (this.stopped || !this.client) return;
    if (this.rounding) {
      this.again = true;
      return this.rounding;
    }
    const run = async (): Promise<void> => {
      do {
        this.again = false;
        await this.oneRound();
      } while (this.again && !this.stopped);
    };
    this.rounding = run().finally(() => {
      this.rounding = undefined;
    });
    return this.rounding;
  }

  private async oneRound(): Promise<void> {
    void this.revokeLeftovers();
    try {
      await this.ensurePresence();
      const c = this.need();
      const r = await c
        .if(this.k.leader, 'Create', '>', -1) // always true: a read-only txn, one consistent revision
        .then(c.get(this.k.leader), c.getAll().prefix(this.k.monitorsPrefix), c.get(this.k.state))
        .commit();
      this.reachable(r.header);
      const at = rev(r.header.revision);
      this.applyLeader(r.responses[0]?.response_range.kvs[0], at);
      this.peers.clear();
      for (const kv of r.responses[1]?.response_range.kvs ?? []) this.applyKv(kv);
      const st = r.responses[2]?.response_range.kvs[0];
      if (st) this.applyKv(st);
      else this.setState(undefined, at);
      if (!this.seen?.info && !this.lead && !this.stopped) await this.campaign();
    } catch (e) {
      this.unreachable(e);
    }
  }

  private async campaign(): Promise<void> {
    const c = this.need();
    const sentAt = this.mono();
    const lease = c.lease(this.s.leaseTtl, { autoKeepAlive: false, deadline: Date.now() + this.timeoutMs });
    try {
      await lease.grant();
    } catch (e) {
      lease.release();
      throw e;
    }
    const since = this.iso();
    const value = encodeLeader({ monitor: this.s.monitorId, control: this.control, ...(this.o.http ? { http: this.o.http } : {}), since });
    let r;
    try {
      r = await c.if(this.k.leader, 'Create', '==', 0).then(lease.put(this.k.leader).value(value), c.get(this.k.leader)).else(c.get(this.k.leader)).commit();
    } catch (e) {
      // The txn may have been applied: revoking the lease takes the key back.
      this.leftovers.push(lease);
      throw e;
    }
    this.reachable(r.header);
    const kv = r.succeeded ? r.responses[1]?.response_range.kvs[0] : r.responses[0]?.response_range.kvs[0];
    const deadline = new LeaderDeadline(sentAt, this.s.leaseTtl);
    if (!r.succeeded || !kv || this.stopped || deadline.passed(this.mono())) {
      this.leftovers.push(lease);
      this.applyLeader(kv, rev(r.header.revision));
      return;
    }
    const term = rev(kv.create_revision);
    const l: Leadership = { term, lease, deadline, since, renewing: false };
    this.lead = l;
    l.timer = setInterval(() => void this.renew(l), keepaliveIntervalMs(this.s.leaseTtl));
    this.applyLeader(kv, rev(r.header.revision));
    this.log.info('elected leader', { term, monitor: this.s.monitorId, deadline_ms: Math.round(deadline.remaining(this.mono())) });
    this.emit('elected', term);
  }

  /** One keepalive; on failure again at once (the failed member is skipped now) until one is acknowledged or the deadline passes. */
  private async renew(l: Leadership): Promise<void> {
    if (l.renewing) return;
    l.renewing = true;
    try {
      while (this.lead === l) {
        const sentAt = this.mono();
        const left = l.deadline.remaining(sentAt);
        if (left <= 0) return;
        try {
          const res = await l.lease.keepaliveOnce({ deadline: Date.now() + Math.min(this.timeoutMs, left) });
          l.deadline.ack(sentAt, this.mono());
          this.reachable(res.header);
          return;
        } catch (e) {
          if (e instanceof EtcdLeaseInvalidError) {
            this.depose(l, 'lease lost: etcd says it expired');
            return;
          }
          this.unreachable(e);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    } finally {
      l.renewing = false;
    }
  }

  private checkDeadline(): void {
    const l = this.lead;
    if (l && l.deadline.passed(this.mono())) this.depose(l, `deadline passed: no keepalive acknowledged within ${this.s.leaseTtl} s − margin`);
  }

  /** Stop claiming leadership now; the lease is revoked in the background (which deletes the key). */
  private depose(l: Leadership, why: string): void {
    if (this.lead !== l) return;
    this.lead = undefined;
    clearInterval(l.timer);
    l.lease.release();
    this.leftovers.push(l.lease);
    if (this.seen?.info?.term === l.term) this.setLeader(undefined, undefined, this.seen.at);
    this.log.warn('no longer leader', { term: l.term, why });
    this.emit('deposed', why);
    if (!this.stopped) setImmediate(() => void this.round());
  }

  /**
   * Leases we no longer keep alive (a deposed leadership, a lost campaign), revoked in the
   * background until etcd answers: that deletes a key of ours it may still hold. Kept until then,
   * since etcd restarts every lease's TTL when it regains quorum.
   */
  private async revokeLeftovers(): Promise<void> {
    if (this.revoking || this.leftovers.length === 0) return;
    this.revoking = true;
    const todo = this.leftovers.splice(0);
    const left = await Promise.all(todo.map((x) => x.revoke({ deadline: Date.now() + this.timeoutMs }).then(() => undefined, () => x)));
    this.leftovers.push(...left.filter((x): x is Lease => x !== undefined));
    this.revoking = false;
  }

  private async ensurePresence(): Promise<void> {
    if (this.presence && !this.presence.revoked()) return;
    const c = this.need();
    const lease = c.lease(this.s.leaseTtl, { deadline: Date.now() + this.timeoutMs });
    lease.on('lost', () => {
      if (this.presence === lease) this.presence = undefined;
    });
    const v = encodeMonitor({ id: this.s.monitorId, control: this.control, ...(this.o.http ? { http: this.o.http } : {}), since: this.iso() });
    try {
      await lease.put(this.k.monitor(this.s.monitorId)).value(v).exec();
      this.presence = lease;
    } catch (e) {
      lease.release();
      throw e;
    }
  }

  // --- what etcd says (watch events and reads), never applied out of revision order

  private applyKv(kv: IKeyValue): void {
    const key = kv.key.toString();
    const kind = classifyKey(this.k, key);
    const at = rev(kv.mod_revision);
    if (kind?.kind === 'leader') this.applyLeader(kv, at);
    else if (kind?.kind === 'state') {
      const p = parseStored(kv.value.toString());
      if (p.ok) this.setState(p.value.data, at);
      else this.log.warn('etcd state value ignored', { reason: p.reason });
    } else if (kind?.kind === 'monitor') {
      const p = parseMonitor(kv.value.toString());
      if (p.ok) this.peers.set(kind.id, p.value);
    }
  }

  private applyDelete(kv: IKeyValue): void {
    const kind = classifyKey(this.k, kv.key.toString());
    const at = rev(kv.mod_revision);
    if (kind?.kind === 'leader') {
      this.applyLeader(undefined, at);
      // Campaign at once rather than at the next poll.
      if (!this.seen?.info && !this.lead && !this.stopped) setImmediate(() => void this.round());
    } else if (kind?.kind === 'state') this.setState(undefined, at);
    else if (kind?.kind === 'monitor') this.peers.delete(kind.id);
  }

  private applyLeader(kv: IKeyValue | undefined, at: number): void {
    if (this.seen && at < this.seen.at) return;
    let info: LeaderInfo | undefined;
    if (kv) {
      const term = rev(kv.create_revision);
      const p = parseLeader(kv.value.toString());
      info = p.ok ? { monitor: p.value.monitor, control: p.value.control, ...(p.value.http ? { http: p.value.http } : {}), since: p.value.since, term } : { monitor: '?', control: '?', since: '?', term };
      if (!p.ok) this.log.warn('etcd leader value unreadable', { term, reason: p.reason });
    }
    const l = this.lead;
    if (l && info?.term !== l.term) this.depose(l, info ? `leader key lost: term ${info.term} of ${info.monitor} holds it` : 'leader key lost (deleted, or its lease expired in etcd)');
    this.setLeader(info, kv?.lease, at);
  }

  private setLeader(info: LeaderInfo | undefined, lease: string | undefined, at: number): void {
    const before = this.seen?.info;
    this.seen = { ...(info ? { info } : {}), ...(lease ? { lease } : {}), at };
    const same = before?.term === info?.term && before?.monitor === info?.monitor && before?.control === info?.control && before?.http === info?.http;
    if (same) return;
    this.log.info(info ? 'leader' : 'no leader', info ? { term: info.term, monitor: info.monitor, control: info.control } : {});
    this.emit('leader', info);
  }

  private setState(value: unknown, at: number): void {
    if (this.state && at < this.state.at) return;
    const changed = JSON.stringify(this.state?.value) !== JSON.stringify(value);
    this.state = { value, at };
    if (changed) this.emit('state', value);
  }

  // --- reads and guarded writes

  private async readStored(key: string, keep?: (value: unknown, at: number) => void): Promise<unknown | undefined> {
    let r;
    try {
      r = await this.need().get(key).exec();
    } catch (e) {
      this.unreachable(e);
      throw new MmmError('CONNECT_FAILED', `etcd: cannot read ${key}: ${errorMessage(e)}`, { cause: e });
    }
    this.reachable(r.header);
    const kv = r.kvs[0];
    if (!kv) {
      keep?.(undefined, rev(r.header.revision));
      return undefined;
    }
    const p = parseStored(kv.value.toString());
    if (!p.ok) throw new MmmError('PROTOCOL_INVALID', `etcd: ${key} is unreadable: ${p.reason}`);
    keep?.(p.value.data, rev(kv.mod_revision));
    return p.value.data;
  }

  private assertTerm(term: number, what: string): void {
    const mine = this.term();
    if (mine === undefined || mine !== term) {
      throw new MmmError('STALE_TERM', `${what} not written: term ${term} is not this monitor's current leadership (${mine === undefined ? 'not leader' : `term ${mine}`})`);
    }
  }

  private async guarded(term: number, what: string, ops: (c: Etcd3) => TxnOp[]): Promise<void> {
    this.assertTerm(term, what);
    const c = this.need();
    try {
      const r = await guardedTxn(c, this.k, term, ops(c));
      this.reachable(r.header);
    } catch (e) {
      this.failedWrite(term, e);
    }
  }

  private failedWrite(term: number, e: unknown): never {
    if (e instanceof MmmError && e.code === 'STALE_TERM') {
      if (this.lead?.term === term) this.depose(this.lead, e.message);
      throw e;
    }
    this.unreachable(e);
    throw new MmmError('CONNECT_FAILED', `etcd: write failed: ${errorMessage(e)}`, { cause: e });
  }

  /** A listener that throws must not break the election's bookkeeping. */
  private emit(ev: string, x: unknown): void {
    try {
      this.events.emit(ev, x);
    } catch (e) {
      this.log.error(`a '${ev}' listener failed`, { error: errorMessage(e) });
    }
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private need(): Etcd3 {
    if (!this.client) throw new MmmError('INTERNAL', 'EtcdCoordinator used before start()');
    return this.client;
  }

  private reachable(h: IResponseHeader | undefined): void {
    if (h) this.seenRevision = Math.max(this.seenRevision, rev(h.revision));
    const clusterId = clusterIdHex(h?.cluster_id) ?? this.health.clusterId;
    if (!this.health.reachable) this.log.info('etcd reachable', { cluster_id: clusterId });
    this.health = { reachable: true, ...(clusterId ? { clusterId } : {}) };
  }

  private unreachable(e: unknown): void {
    const error = errorMessage(e);
    if (this.health.reachable) this.log.warn('etcd unreachable', { error });
    this.health = { reachable: false, ...(this.health.clusterId ? { clusterId: this.health.clusterId } : {}), error };
  }
}
