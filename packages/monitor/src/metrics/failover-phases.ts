// A failover's outcome and phase timings, followed pass by pass (pure). A failover starts when the
// writer leaves ONLINE; its times all come from the monitor's clock as the state and the agents'
// replies recorded them:
//   failed at   the first sign the writer is failing: a ping/mysql check's first error, or its
//               agent's report that mysqld stopped (detectedAt when none was seen: set_offline)
//   detected    the writer left ONLINE (HostMemory.since of its new state)
//   elected     a pass gave the writer role to a candidate (withheld until writer safety allows)
//   decided     writer safety allowed it: the pass made the candidate the writer
//   promoted    the candidate's agent confirmed the status with the writer role (read_only=0, the
//               writer IP up: one SET_STATUS)
//   converged   every other ONLINE host's agent confirmed a status sent after the promotion
//               (they name the new writer: replicas re-pointed)
// Phases: detect = detected − failed at, decide = elected − detected, fence = decided − elected,
// promote = promoted − decided, vip = promoted − detected (the writer IP had no holder),
// converge = converged − promoted.
import type { MonitorState, HostObservation } from '../analysis/snapshot';
import { activeMasterOf } from '../analysis/roles/role-table';

export const FAILOVER_PHASES = ['detect', 'decide', 'fence', 'promote', 'vip', 'converge'] as const;
export type FailoverPhase = (typeof FAILOVER_PHASES)[number];
export const RESULTS = ['success', 'blocked', 'failed'] as const;
export type Result = (typeof RESULTS)[number];

/** Diagnoses under which the monitor will not fail over by itself (time or an operator must act). */
const BLOCKING = new Set(['FailoverBlocked', 'FailoverCooldown', 'LegacyWriterUnfenced']);

export interface PassView {
  /** The pass's analysis time. */
  now: number;
  state: Pick<MonitorState, 'mode' | 'hosts' | 'roles' | 'lastWriter'>;
  /** Observations after the pass's actions (the agents' replies to its statuses included). */
  hosts: Record<string, HostObservation>;
  diagnoses: readonly { code: string }[];
  activeMasterRole: string;
}

export interface Episode {
  from: string;
  failedAt: number;
  detectedAt: number;
  electedAt?: number;
  decidedAt?: number;
  to?: string;
  promotedAt?: number;
  blocked?: true;
  failed?: true;
}

export interface FailoverTrack {
  /** The writer at the last pass ('' none) and whether it was ONLINE. */
  writer: string;
  writerOnline: boolean;
  /** Earliest sign of failure of the ONLINE writer in the current run of passes that showed one. */
  evidenceSince?: number;
  episode?: Episode;
}

export interface FailoverEvents {
  results: Result[];
  /** Phase durations in seconds. */
  phases: [FailoverPhase, number][];
}

export const initialFailoverTrack: FailoverTrack = { writer: '', writerOnline: false };

/** The earliest sign that a host is failing, from its ping and mysql checks and its agent. */
export function failureEvidence(o: HostObservation | undefined): number | undefined {
  if (!o) return undefined;
  const at: number[] = [];
  for (const c of [o.checks.ping, o.checks.mysql]) {
    if (c.phase === 'TRAPPING' && c.errorSince !== undefined) at.push(c.errorSince);
    if (c.phase === 'FAILED') at.push(c.lastChange);
  }
  const a = o.agent;
  if (a.reachable && a.health && !a.health.mysqldRunning && a.healthAt !== undefined) at.push(a.healthAt);
  return at.length ? Math.min(...at) : undefined;
}

const sec = (ms: number): number => Math.max(0, ms) / 1000;

export function stepFailover(t: FailoverTrack, v: PassView): { track: FailoverTrack; events: FailoverEvents } {
  const ev: FailoverEvents = { results: [], phases: [] };
  const am = v.activeMasterRole;
  const stateOf = (h: string) => v.state.hosts[h]?.state;
  let ep = t.episode ? { ...t.episode } : undefined;

  // 1. the writer left ONLINE: a failover begins (a new failure ends the wait for convergence)
  const w = t.writer;
  if (w && t.writerOnline && stateOf(w) !== undefined && stateOf(w) !== 'ONLINE' && (!ep || ep.promotedAt !== undefined)) {
    const detectedAt = v.state.hosts[w].since;
    ep = { from: w, detectedAt, failedAt: Math.min(t.evidenceSince ?? detectedAt, failureEvidence(v.hosts[w]) ?? detectedAt, detectedAt) };
  }

  // 2. until the promotion is confirmed: election, decision, promotion, or the old writer back
  if (ep && ep.promotedAt === undefined) {
    const holder = activeMasterOf(v.state.roles, am);
    const lw = v.state.lastWriter;
    if (lw === ep.from && stateOf(ep.from) === 'ONLINE') ep = undefined;
    else {
      if (ep.electedAt === undefined && ((holder && holder !== ep.from) || (lw && lw !== ep.from))) ep.electedAt = v.now;
      if (lw && lw !== ep.from && lw !== ep.to) {
        // a second candidate after one whose promotion was never confirmed
        if (ep.to !== undefined && !ep.failed) (ep.failed = true), ev.results.push('failed');
        ep.to = lw;
        ep.decidedAt = v.now;
      }
      const blocked = v.diagnoses.some((d) => BLOCKING.has(d.code)) || (v.state.mode !== 'ACTIVE' && holder === ep.from);
      if (blocked && ep.to === undefined && !ep.blocked) (ep.blocked = true), ev.results.push('blocked');
      if (ep.to !== undefined && ep.decidedAt !== undefined) {
        const a = v.hosts[ep.to]?.agent;
        const ap = a?.lastApplied;
        if (ap && ap.at >= ep.decidedAt && ap.ok && ap.roles.some((r) => r.name === am)) {
          ep.promotedAt = ap.at;
          const elected = ep.electedAt ?? ep.decidedAt;
          ev.results.push('success');
          ev.phases.push(
            ['detect', sec(ep.detectedAt - ep.failedAt)],
            ['decide', sec(elected - ep.detectedAt)],
            ['fence', sec(ep.decidedAt - elected)],
            ['promote', sec(ap.at - ep.decidedAt)],
            ['vip', sec(ap.at - ep.detectedAt)],
          );
        } else if (!ep.failed && ((ap && ap.at >= ep.decidedAt && !ap.ok) || (a && !a.reachable))) {
          // refused, or no answer: the next passes retry, and a later confirmation still counts as success
          ep.failed = true;
          ev.results.push('failed');
        }
      }
    }
  }

  // 3. after it: convergence of everybody else
  if (ep && ep.promotedAt !== undefined) {
    const promotedAt = ep.promotedAt;
    const others = Object.keys(v.state.hosts).filter((h) => h !== ep!.to && stateOf(h) === 'ONLINE' && v.hosts[h]?.agent.reachable);
    const applied = others.map((h) => v.hosts[h]?.agent.lastApplied);
    if (applied.every((ap) => ap && ap.ok && ap.at >= promotedAt)) {
      const at = Math.max(promotedAt, ...applied.map((ap) => ap!.at));
      ev.phases.push(['converge', sec(at - promotedAt)]);
      ep = undefined;
    }
  }

  // 4. the writer from now on, and its signs of failure while ONLINE
  const writer = v.state.lastWriter;
  const writerOnline = !!writer && stateOf(writer) === 'ONLINE';
  let evidenceSince: number | undefined;
  if (writerOnline) {
    const e = failureEvidence(v.hosts[writer]);
    const before = writer === t.writer ? t.evidenceSince : undefined;
    evidenceSince = e === undefined ? undefined : Math.min(before ?? e, e);
  }
  const track: FailoverTrack = { writer, writerOnline, ...(evidenceSince !== undefined ? { evidenceSince } : {}), ...(ep ? { episode: ep } : {}) };
  return { track, events: ev };
}
