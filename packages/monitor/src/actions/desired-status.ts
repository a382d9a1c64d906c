// What each agent is told this pass, and in which order (pure). The old writer is demoted first;
// the writer (when allowed) comes next; everybody else — replicas re-pointing included — after
// it, so a lagging replica never holds up the writer.
import type { HostState, MmmConfig, RoleIp } from '@mmm/common';
import type { AppliedStatus, MonitorState } from '../analysis/snapshot';
import { activeMasterOf, rolesOf } from '../roles/role-table';

export interface DesiredStatus {
  host: string;
  state: HostState;
  roles: RoleIp[];
  activeMaster: string;
}

export interface StatusPlan {
  /** Hosts that had (or may have) the writer role and must give it up: awaited first. */
  demote: DesiredStatus[];
  /** The writer, once allowed: awaited second. */
  writer: DesiredStatus[];
  /** Everyone else, in parallel. */
  rest: DesiredStatus[];
  activeMaster: string;
}

export function planStatuses(args: {
  config: MmmConfig;
  state: MonitorState;
  /** Host given the writer role whose promotion is blocked this pass ('' = none). */
  withheld: string;
  /** Host that may still be writable (previous writer). */
  previousWriter: string;
  lastApplied: Record<string, AppliedStatus | undefined>;
}): StatusPlan {
  const { config, state, withheld } = args;
  const am = config.activeMasterRole;
  const owner = activeMasterOf(state.roles, am);
  const activeMaster = owner && owner !== withheld ? owner : '';
  const plan: StatusPlan = { demote: [], writer: [], rest: [], activeMaster };
  for (const host of Object.keys(config.hosts).sort()) {
    let roles = rolesOf(state.roles, host);
    if (host === withheld) roles = roles.filter((r) => r.name !== am);
    const d: DesiredStatus = { host, state: state.hosts[host]?.state ?? 'AWAITING_RECOVERY', roles, activeMaster };
    const holdsWriter = roles.some((r) => r.name === am);
    const hadWriter = host === args.previousWriter || !!args.lastApplied[host]?.roles.some((r) => r.name === am);
    if (holdsWriter) plan.writer.push(d);
    else if (hadWriter) plan.demote.push(d);
    else plan.rest.push(d);
  }
  return plan;
}
