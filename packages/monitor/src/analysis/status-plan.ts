// What each agent is told this pass, and in which order (pure). The old writer is demoted first;
// the writer (when allowed) comes next; everybody else — replicas re-pointing included — after
// it, so a lagging replica never holds up the writer.
import type { MmmConfig } from '@mmm/common/pure';
import type { Action, StatusPhase } from './result';
import { activeMasterOf, rolesOf } from './roles/role-table';
import type { AppliedStatus, MonitorState } from './snapshot';

export type StatusAction = Extract<Action, { kind: 'set_status' }>;

const PHASES: readonly StatusPhase[] = ['demote', 'writer', 'rest'];

export function planStatuses(args: {
  config: MmmConfig;
  state: Pick<MonitorState, 'hosts' | 'roles'>;
  /** Host given the writer role whose promotion is blocked this pass ('' = none). */
  withheld: string;
  /** Host that may still be writable (the writer after this pass, or the old one). */
  previousWriter: string;
  lastApplied: Record<string, AppliedStatus | undefined>;
}): StatusAction[] {
  const { config, state, withheld } = args;
  const am = config.activeMasterRole;
  const owner = activeMasterOf(state.roles, am);
  const activeMaster = owner && owner !== withheld ? owner : '';
  const out: StatusAction[] = [];
  for (const host of Object.keys(config.hosts).sort()) {
    let roles = rolesOf(state.roles, host);
    if (host === withheld) roles = roles.filter((r) => r.name !== am);
    const holdsWriter = roles.some((r) => r.name === am);
    const hadWriter = host === args.previousWriter || !!args.lastApplied[host]?.roles.some((r) => r.name === am);
    const phase: StatusPhase = holdsWriter ? 'writer' : hadWriter ? 'demote' : 'rest';
    out.push({
      kind: 'set_status',
      phase,
      host,
      state: state.hosts[host]?.state ?? 'AWAITING_RECOVERY',
      roles,
      activeMaster,
      // a confirmed demotion lets the next pass promote: do not wait a whole period for it
      ...(phase === 'demote' && withheld ? { nextPassOnSuccess: true } : {}),
    });
  }
  return PHASES.flatMap((p) => out.filter((a) => a.phase === p));
}
