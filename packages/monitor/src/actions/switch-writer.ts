// Executes a planned writer move (analysis/planned-switch.ts, DESIGN §5): demote the old writer
// (read_only=1, clients ended after the agent's grace, VIP removed: its SET_STATUS without the
// writer role must answer OK), GET_GTID from it, WAIT_GTID on the candidate bounded by
// switch_timeout, then promote (the agent's own catch-up is a second guard). Any failure aborts
// and restores the old writer, with the reason. Every SET_STATUS it sends is a line of the action.
import type { Clock, MmmConfig, MoveStatus } from '@mmm/common';
import { divergenceReason, missingOnWriter } from '../analysis/divergence';
import { afterSwitch, duringSwitch, type SwitchAction, withWriter } from '../analysis/planned-switch';
import type { MonitorState } from '../analysis/snapshot';
import type { StatusLine } from '../analysis/result';
import type { AgentSet } from '../agents/agent-set';
import type { DecisionLog } from '../decision-log';
import type { SqlProbe } from './sql-probe';
import { legacyMove, legacyPrecheck, legacyRestored } from './switch-writer-legacy';

export interface SwitchDeps {
  config: MmmConfig;
  agents: AgentSet;
  clock: Clock;
  decisions: DecisionLog;
  setStatusTimeoutMs: number;
  getState(): MonitorState;
  setState(s: MonitorState): void;
  setLastMove(m: MoveStatus): void;
  /** The monitor's own MySQL checks, for moves involving an MMM 2.x agent. */
  probe?: Pick<SqlProbe, 'writeState' | 'position' | 'replica' | 'waitFor' | 'seesAllThreads'>;
  /**
   * Monitor HA: writes the journal (the step about to be sent, with the state as it begins)
   * before each SET_STATUS of the move; false: not written (no longer leading), the step is not sent.
   */
  journal?(step: string): Promise<boolean>;
}

/** `writeBlockedMs`: from the demotion to the promotion's or restore's reply; absent when nothing changed. */
export type SwitchOutcome =
  | { ok: true; durationMs: number; writeBlockedMs?: number }
  | { ok: false; reason: string; restored: boolean; writeBlockedMs?: number };

export async function switchWriter(d: SwitchDeps, a: SwitchAction): Promise<SwitchOutcome> {
  const { from, to, why } = a;
  const am = d.config.activeMasterRole;
  const t0 = d.clock.now();
  const started = new Date(t0).toISOString();
  const move = (outcome: MoveStatus['outcome'], reason: string | null): MoveStatus => ({
    role: am, from, to, startedAt: started, durationMs: outcome === 'running' ? null : d.clock.now() - t0, outcome, reason,
  });
  const send = async (l: StatusLine, step = 'status') => {
    if (d.journal && !(await d.journal(step))) return undefined;
    return d.agents.setStatus(l.host, l.state, l.roles, l.activeMaster, d.setStatusTimeoutMs);
  };
  d.setLastMove(move('running', why));
  // the audit record's timing (history): the hosts, the start and how long the move took
  const timing = (): Record<string, unknown> => ({ from, to, startedAt: started, durationMs: d.clock.now() - t0 });

  // 0. a candidate with transactions the writer lacks could never catch up: refuse before the
  //    writer is touched (else writes stop for switch_timeout, and the restore may fail too)
  await d.agents.health(to);
  await d.agents.health(from);
  const refuse = (why: string): SwitchOutcome => {
    const reason = `refused before anything changed: ${why}`;
    d.setLastMove(move('aborted', reason));
    d.decisions.record({ kind: 'switchover', host: to, role: am, reason: `move of ${am} from ${from} to ${to} ${reason}`, blocked: true, details: timing() });
    return { ok: false, reason, restored: true };
  };
  const missing = missingOnWriter(d.agents.obs[to]?.health, d.agents.obs[from]?.health);
  if (missing && missing.length > 0) return refuse(divergenceReason(to, from, missing));

  // an MMM 2.x agent on either side: the monitor checks over MySQL what its OK cannot prove
  const legacy = !!(d.agents.obs[from]?.legacy || d.agents.obs[to]?.legacy);
  const ld = d.probe && { config: d.config, agents: d.agents, clock: d.clock, probe: d.probe, send };
  let useGtid = false;
  if (legacy) {
    if (!ld) return refuse(`${d.agents.obs[from]?.legacy ? from : to} runs an MMM 2.x agent and this monitor has no MySQL probe`);
    const pc = await legacyPrecheck(ld, from, to);
    if ('refused' in pc) return refuse(pc.refused);
    useGtid = pc.useGtid;
  }

  // 1. demote: from here on nobody is writable until step 3 (or the restore)
  const blockedAt = d.clock.now();
  d.setState(duringSwitch(d.getState(), d.config, a));
  let failure: string | undefined;
  if (legacy && ld) {
    const r = await legacyMove(ld, a, useGtid, () => {
      const s = d.getState();
      d.setState({ ...s, roles: withWriter(s.roles, am, to) });
    });
    if (!r.failure) return promoted();
    failure = r.failure;
    if (r.promoteSent) await unpromote();
    return restore(failure);
  }
  const dem = await send(a.demote, 'demote');
  if (!dem) failure = `${from} did not answer its demotion`;
  else if (!dem.ok) failure = `${from} did not confirm its demotion: ${dem.error ?? 'ERROR'}`;

  // 2. the candidate applies everything the old writer wrote
  if (!failure) {
    const g = await d.agents.gtid(from);
    if (!g.ok) failure = `GET_GTID on ${from} failed: ${g.error}`;
    else {
      const w = await d.agents.waitGtid(to, g.gtid, Math.round(d.config.switchTimeout * 1000));
      if (!w.ok) failure = `${to} did not reach ${from}'s GTID ${g.gtid} within switch_timeout (${d.config.switchTimeout} s): ${w.error ?? ''}`;
    }
  }

  // 3. promote
  if (!failure) {
    const s = d.getState();
    d.setState({ ...s, roles: withWriter(s.roles, am, to) });
    const p = await send(a.promote, 'promote');
    if (p?.ok) return promoted();
    failure = `${to} did not confirm its promotion: ${p ? (p.error ?? 'ERROR') : 'no reply'}`;
    await unpromote();
  }
  return restore(failure ?? 'unknown failure');

  function promoted(): SwitchOutcome {
    d.setState(afterSwitch(d.getState(), d.config, a, true, d.clock.now()));
    const m = move('done', why);
    d.setLastMove(m);
    d.decisions.record({ kind: 'switchover', host: to, role: am, reason: `${am} moved from ${from} to ${to} in ${m.durationMs} ms`, blocked: false, details: timing() });
    return { ok: true, durationMs: m.durationMs ?? 0, writeBlockedMs: d.clock.now() - blockedAt };
  }

  // it may have become writable partly: take the role away again before restoring the old writer
  async function unpromote(): Promise<void> {
    await send(a.unpromote, 'unpromote');
    const b = d.getState();
    d.setState({ ...b, roles: withWriter(b.roles, am, ''), lastWriter: to });
  }

  // abort: restore the old writer
  async function restore(why: string): Promise<SwitchOutcome> {
    const s = d.getState();
    d.setState({ ...s, roles: withWriter(s.roles, am, from), lastWriter: from });
    const r = await send(a.restore, 'restore');
    const restored = ld ? await legacyRestored(ld, from, !!r?.ok) : !!r?.ok;
    if (restored) d.setState(afterSwitch(d.getState(), d.config, a, false, d.clock.now()));
    const reason = `${why}; ${restored ? `${from} restored as writer` : `restoring ${from} failed: ${r?.ok ? 'still read-only' : (r?.error ?? 'no reply')}`}`;
    d.setLastMove(move('aborted', reason));
    d.decisions.record({ kind: 'switchover', host: to, role: am, reason: `move of ${am} from ${from} to ${to} aborted: ${reason}`, blocked: true, details: timing() });
    return { ok: false, reason, restored, writeBlockedMs: d.clock.now() - blockedAt };
  }
}
