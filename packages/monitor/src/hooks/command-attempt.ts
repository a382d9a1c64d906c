// Which operator commands move the writer, and so ask pre_failover_command first (pure): the
// planned move of move_role, the orphaned writer role given by move_role (promoted by the next
// pass), and set_offline of the writer (its demotion, then a promotion the next pass chooses).
import type { OperatorStep } from '../analysis/operator';
import { activeMasterOf } from '../analysis/roles/role-table';
import type { MonitorState } from '../analysis/snapshot';
import type { Attempt } from '../analysis/pre-failover-gate';

export function commandAttempt(step: OperatorStep, state: MonitorState, activeMasterRole: string): Attempt | undefined {
  if (step.kind === 'switch') return { event: 'switchover', from: step.action.from, to: step.action.to };
  if (step.kind !== 'done' || !step.state) return undefined;
  const next = step.state;
  const chosen = next.operatorWriter;
  if (chosen && chosen !== state.operatorWriter && chosen !== state.lastWriter) return { event: 'failover', from: state.lastWriter, to: chosen };
  const writer = activeMasterOf(state.roles, activeMasterRole);
  if (writer && state.hosts[writer]?.state !== 'ADMIN_OFFLINE' && next.hosts[writer]?.state === 'ADMIN_OFFLINE') return { event: 'switchover', from: writer, to: '' };
  return undefined;
}
