// What mmmd_mon does with monitor HA (issue 19, docs/ha.md), around a Coordinator: whether this
// monitor may act, the SET_TERM it sends first on every agent connection while it leads, the
// follower's refusal of state changes, the state it writes to etcd (guarded by its term) before
// each step that changes the cluster, the journal of a switch, and what a new leader takes over.
import { type AgentRequest, type Logger, type MoveStatus, errorMessage, texts } from '@mmm/common';
import type { LeaderStatus } from '../http/leader';
import type { MonitorState } from '../analysis/snapshot';
import type { Coordinator } from './coordinator';

export interface MonitorHaOptions {
  coordinator: Coordinator;
  /** This monitor's id (SET_TERM's monitor field). */
  monitorId: string;
  /** The cluster name (SET_TERM's cluster field). */
  cluster: string;
  logger: Logger;
}

/** What the leader keeps in etcd's `state` key. */
export interface HaStateData {
  monitor: string;
  state: MonitorState;
  lastMove: MoveStatus | null;
}

/** The journal of a switch in flight (`op` key): written before each step that changes the cluster. */
export interface HaOpData {
  monitor: string;
  kind: 'switchover';
  from: string;
  to: string;
  /** The step about to be sent: demote, promote, unpromote, restore. */
  step: string;
  /** The monitor's state as that step begins (a new leader continues from it). */
  state: MonitorState;
}

/** Pure: is this a state document a leader of this schema wrote for these hosts? */
export function readHaState(v: unknown, hosts: readonly string[]): HaStateData | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const d = v as Partial<HaStateData>;
  const s = d.state as Partial<MonitorState> | undefined;
  if (!s || typeof s !== 'object' || typeof s.mode !== 'string' || typeof s.hosts !== 'object' || !Array.isArray(s.roles)) return undefined;
  if (!hosts.every((h) => s.hosts![h] && typeof s.hosts![h].state === 'string')) return undefined;
  return { monitor: String(d.monitor ?? ''), state: s as MonitorState, lastMove: (d.lastMove ?? null) as MoveStatus | null };
}

/** Pure: the journal entry, if it is one. */
export function readHaOp(v: unknown, hosts: readonly string[]): HaOpData | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Partial<HaOpData>;
  if (o.kind !== 'switchover' || typeof o.from !== 'string' || typeof o.to !== 'string' || typeof o.step !== 'string') return undefined;
  const st = readHaState({ state: o.state }, hosts);
  return st ? { monitor: String(o.monitor ?? ''), kind: o.kind, from: o.from, to: o.to, step: o.step, state: st.state } : undefined;
}

export class MonitorHa {
  readonly id: string;
  readonly coordinator: Coordinator;
  private lastWritten = '';
  private writtenTerm = 0;

  constructor(private readonly o: MonitorHaOptions) {
    this.id = o.monitorId;
    this.coordinator = o.coordinator;
  }

  /** This monitor may change the cluster now (its own deadline has not passed). */
  acting(): boolean {
    return this.coordinator.isLeader();
  }

  /** SET_TERM for a new agent connection, while leading; undefined as a follower (reads need none). */
  termRequest(host: string): AgentRequest | undefined {
    const term = this.coordinator.term();
    if (term === undefined) return undefined;
    const id = this.coordinator.etcd().clusterId;
    return { kind: 'SET_TERM', host, cluster: this.o.cluster, term, monitor: this.id, ...(id ? { etcdClusterId: id } : {}) };
  }

  /** The leader as last seen, while etcd answers: cut off from it, this monitor knows no leader. */
  private knownLeader(): ReturnType<Coordinator['leader']> {
    return this.coordinator.etcd().reachable ? this.coordinator.leader() : undefined;
  }

  /** A follower's answer to a state-changing command; undefined while leading. */
  notLeaderReply(): string | undefined {
    if (this.acting()) return undefined;
    const l = this.knownLeader();
    if (l && l.monitor !== this.id) return texts.notLeader(this.id, l, '');
    const e = this.coordinator.etcd();
    return texts.notLeader(this.id, undefined, e.reachable ? 'the election is under way' : `etcd unreachable: ${e.error ?? 'no answer'}`);
  }

  /** GET /api/v1/leader. */
  leaderStatus(): LeaderStatus {
    const term = this.coordinator.term();
    if (term !== undefined) return { leader: true, reason: `leader of term ${term}` };
    const l = this.knownLeader();
    return { leader: false, reason: l && l.monitor !== this.id ? `follower: the leader is ${l.monitor} at ${l.control} (term ${l.term})` : 'follower: no monitor leads' };
  }

  /** `show`'s lines about the monitors (only with HA, so MMM's output is unchanged without it). */
  showLines(): string[] {
    const term = this.coordinator.term();
    const l = this.knownLeader();
    const e = this.coordinator.etcd();
    const mons = this.coordinator.monitors().map((m) => `${m.id}${m.id === this.id ? ' (this one)' : ''} ${m.leader ? 'leader' : 'follower'} at ${m.control}`);
    const who = term !== undefined ? `this monitor (${this.id}) leads, term ${term}` : l && l.monitor !== this.id ? `${l.monitor} at ${l.control} leads, term ${l.term}; this monitor (${this.id}) follows and refuses state changes` : `no monitor leads; this monitor (${this.id}) follows`;
    return [
      `# Monitor HA: ${who}`,
      `# Monitors: ${mons.length ? mons.join(', ') : '(none seen)'}`,
      `# etcd: ${e.reachable ? `reachable${e.clusterId ? ` (cluster ${e.clusterId})` : ''}` : `UNREACHABLE: ${e.error ?? 'no answer'}: no monitor can act`}`,
    ];
  }

  /**
   * Writes the state to etcd, guarded by the term, when it changed since the last write of this
   * term. False when this monitor does not lead or the write failed: the caller must not act.
   */
  async saveState(state: MonitorState, lastMove: MoveStatus | null): Promise<boolean> {
    const term = this.coordinator.term();
    if (term === undefined) return false;
    const data: HaStateData = { monitor: this.id, state, lastMove };
    const text = JSON.stringify(data);
    if (term === this.writtenTerm && text === this.lastWritten) return true;
    try {
      await this.coordinator.writeState(term, data);
      this.lastWritten = text;
      this.writtenTerm = term;
      return true;
    } catch (e) {
      this.o.logger.error(`monitor HA: the state was not written to etcd, so nothing is sent to the agents: ${errorMessage(e)}`, { term });
      return false;
    }
  }

  /**
   * A recorded decision into the bounded history in etcd (history/<revision>), while leading; in
   * order (one append at a time), failures logged once per outage: the history is for people, it
   * never holds up a pass.
   */
  history(entry: unknown): void {
    const term = this.coordinator.term();
    if (term === undefined) return;
    this.historyQueue = this.historyQueue.then(async () => {
      try {
        await this.coordinator.appendHistory(term, entry);
        if (this.historyFailing) this.o.logger.info('monitor HA: decisions reach the history in etcd again');
        this.historyFailing = false;
      } catch (e) {
        if (!this.historyFailing) this.o.logger.warn(`monitor HA: a decision was not added to the history in etcd: ${errorMessage(e)}`);
        this.historyFailing = true;
      }
    });
  }

  private historyQueue: Promise<void> = Promise.resolve();
  private historyFailing = false;

  /** The switch's journal (null: done). False: not written, do not take the step. */
  async journal(op: Omit<HaOpData, 'monitor'> | null): Promise<boolean> {
    const term = this.coordinator.term();
    if (term === undefined) return false;
    try {
      await this.coordinator.writeOp(term, op === null ? null : { monitor: this.id, ...op });
      return true;
    } catch (e) {
      this.o.logger.error(`monitor HA: the switch journal was not written to etcd: ${errorMessage(e)}`, { term });
      return false;
    }
  }

  /** What a new leader continues from: the newest of the stored state and a half-done switch's journal. */
  async takeover(hosts: readonly string[]): Promise<{ state?: HaStateData; op?: HaOpData; error?: string }> {
    try {
      const [s, op] = await Promise.all([this.coordinator.readState(), this.coordinator.readOp()]);
      const state = readHaState(s, hosts);
      const journal = readHaOp(op, hosts);
      return { ...(state ? { state } : {}), ...(journal ? { op: journal } : {}), ...(s !== undefined && !state ? { error: 'the stored state does not match this configuration' } : {}) };
    } catch (e) {
      return { error: errorMessage(e) };
    }
  }

  /** The follower's copy of the leader's state. */
  watched(hosts: readonly string[]): HaStateData | undefined {
    return readHaState(this.coordinator.lastState(), hosts);
  }
}
