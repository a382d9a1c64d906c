// Checks a request against this agent's configuration before anything happens (issue 15
// finding 6): a refused request changes nothing, not the lease, not the connection bookkeeping
// that decides which monitor connection is current (lease/stale-status.ts). Pure.
import type { AgentRequest } from '@mmm/common';
import type { AgentContext } from './context';

/** Why `req` must be refused as it stands, or undefined. */
export function refusalOf(ctx: Pick<AgentContext, 'roleIps' | 'learnRoles'>, req: AgentRequest): string | undefined {
  if (req.kind !== 'SET_STATUS') return undefined;
  // no role sections (an MMM 1.x agent file): the monitor's roles are all there is to go by (set-status learns them)
  if (ctx.learnRoles) return undefined;
  // A role this agent was not configured with would put an unknown address on its interface.
  const unknown = req.roles.filter((r) => !ctx.roleIps.some((c) => c.name === r.name && c.ip === r.ip));
  if (unknown.length === 0) return undefined;
  return `Unknown role ${unknown.map((r) => `${r.name}(${r.ip})`).join(', ')}: not in this agent's configuration, nothing changed`;
}
