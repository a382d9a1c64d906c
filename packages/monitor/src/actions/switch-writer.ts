// Planned writer move (DESIGN §5): demote the old writer (read_only=1, clients ended after the
// agent's grace, VIP removed: its SET_STATUS without the writer role must answer OK), GET_GTID
// from it, WAIT_GTID on the candidate bounded by switch_timeout, then promote (the agent's own
// catch-up is a second guard). Any failure aborts and restores the old writer, with the reason.
// Replicas are re-pointed by the pass that follows, in parallel and each bounded.
import type { Clock, MmmConfig, MoveStatus } from '@mmm/common';
import type { MonitorState } from '../analysis/snapshot';
import type { AgentSet } from '../agents/agent-set';
import type { DecisionLog } from '../decision-log';
import { divergenceReason, missingOnWriter } from '../analysis/divergence';
import { rolesOf } from '../roles/role-table';

export interface SwitchDeps {
  config: MmmConfig;
  agents: AgentSet;
  clock: Clock;
  decisions: DecisionLog;
  setStatusTimeoutMs: number;
  getState(): MonitorState;
  setState(s: MonitorState): void;
  setLastMove(m: MoveStatus): void;
}

export type SwitchOutcome = { ok: true; durationMs: number } | { ok: false; reason: string; restored: boolean };

function withWriter(state: MonitorState, role: string, host: string): MonitorState {
  return { ...state, roles: state.roles.map((a) => (a.role === role ? { ...a, host } : a)) };
}

export async function switchWriter(d: SwitchDeps, from: string, to: string, why: string): Promise<SwitchOutcome> {
  const am = d.config.activeMasterRole;
  const t0 = d.clock.now();
  const started = new Date(t0).toISOString();
  const move = (outcome: MoveStatus['outcome'], reason: string | null): MoveStatus => ({
    role: am, from, to, startedAt: started, durationMs: outcome === 'running' ? null : d.clock.now() - t0, outcome, reason,
  });
  d.setLastMove(move('running', why));
  d.decisions.record({ kind: 'switchover', host: to, role: am, reason: `planned move of ${am} from ${from} to ${to}: ${why}`, blocked: false });
  const stateOf = (h: string) => d.getState().hosts[h]?.state ?? 'ONLINE';

  // 0. a candidate with transactions the writer lacks could never catch up: refuse before the
  //    writer is touched (else writes stop for switch_timeout, and the restore may fail too)
  await d.agents.health(to);
  await d.agents.health(from);
  const missing = missingOnWriter(d.agents.obs[to]?.health, d.agents.obs[from]?.health);
  if (missing && missing.length > 0) {
    const reason = `refused before anything changed: ${divergenceReason(to, from, missing)}`;
    d.setLastMove(move('aborted', reason));
    d.decisions.record({ kind: 'switchover', host: to, role: am, reason: `move of ${am} from ${from} to ${to} ${reason}`, blocked: true });
    return { ok: false, reason, restored: true };
  }

  // 1. demote: from here on nobody is writable until step 3 (or the restore)
  const demoted = withWriter(d.getState(), am, '');
  d.setState({ ...demoted, lastWriter: from });
  const dem = await d.agents.setStatus(from, stateOf(from), rolesOf(demoted.roles, from), '', d.setStatusTimeoutMs);
  let failure: string | undefined;
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
    const promoted = withWriter(d.getState(), am, to);
    d.setState(promoted);
    const p = await d.agents.setStatus(to, stateOf(to), rolesOf(promoted.roles, to), to, d.setStatusTimeoutMs);
    if (p?.ok) {
      d.setState({ ...d.getState(), lastWriter: to, lastWriterContact: d.clock.now() });
      const m = move('done', why);
      d.setLastMove(m);
      d.decisions.record({ kind: 'switchover', host: to, role: am, reason: `${am} moved from ${from} to ${to} in ${m.durationMs} ms`, blocked: false });
      return { ok: true, durationMs: m.durationMs ?? 0 };
    }
    failure = `${to} did not confirm its promotion: ${p ? (p.error ?? 'ERROR') : 'no reply'}`;
    // it may have become writable partly: take the role away again before restoring the old writer
    const back = withWriter(d.getState(), am, '');
    await d.agents.setStatus(to, stateOf(to), rolesOf(back.roles, to), '', d.setStatusTimeoutMs);
    d.setState({ ...back, lastWriter: to });
  }

  // abort: restore the old writer
  const restoredState = withWriter(d.getState(), am, from);
  d.setState({ ...restoredState, lastWriter: from });
  const r = await d.agents.setStatus(from, stateOf(from), rolesOf(restoredState.roles, from), from, d.setStatusTimeoutMs);
  const restored = !!r?.ok;
  const reason = `${failure}; ${restored ? `${from} restored as writer` : `restoring ${from} failed: ${r?.error ?? 'no reply'}`}`;
  d.setLastMove(move('aborted', reason));
  d.decisions.record({ kind: 'switchover', host: to, role: am, reason: `move of ${am} from ${from} to ${to} aborted: ${reason}`, blocked: true });
  if (restored) d.setState({ ...d.getState(), lastWriterContact: d.clock.now() });
  return { ok: false, reason, restored };
}
