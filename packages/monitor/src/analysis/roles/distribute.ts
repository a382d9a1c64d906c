// MMM 2.x `_distribute_roles` (reference/mmm.md §4.3): orphans first (exclusive roles, then
// balanced), each to its preferred host or to the eligible host with the fewest roles; then,
// in active mode, exclusive roles go back to their preferred host; then balanced roles even out.
import type { RoleConfig } from '@mmm/common/pure';
import type { RoleAssignment } from '../snapshot';
import { balanceRoles } from './balance';
import { countHostRoles, type DistributeContext, type Distribution, type RoleMove } from './role-table';

export type { DistributeContext, Distribution } from './role-table';

function byMode(roles: Record<string, RoleConfig>, mode: RoleConfig['mode']): RoleConfig[] {
  return Object.keys(roles).sort().map((n) => roles[n]).filter((r) => r.mode === mode);
}

/** The eligible host with the fewest roles; ties go to the first in the role's host list. */
export function fewestRolesHost(table: readonly RoleAssignment[], rc: RoleConfig, ctx: DistributeContext): string | undefined {
  let best: string | undefined;
  let bestCount = Infinity;
  for (const h of rc.hosts) {
    if (!ctx.canReceive(h)) continue;
    const n = countHostRoles(table, h, ctx.activeMasterRole);
    if (n < bestCount) {
      best = h;
      bestCount = n;
    }
  }
  return best;
}

/** Gives every orphaned IP an owner where one is eligible. */
export function assignOrphans(table: readonly RoleAssignment[], ctx: DistributeContext): Distribution {
  const out = table.map((a) => ({ ...a }));
  const moves: RoleMove[] = [];
  for (const rc of [...byMode(ctx.roles, 'exclusive'), ...byMode(ctx.roles, 'balanced')]) {
    if (rc.name === ctx.activeMasterRole && ctx.writerDecided) continue;
    for (const a of out) {
      if (a.role !== rc.name || a.host !== '') continue;
      let to: string | undefined;
      let reason: string;
      if (rc.prefer && ctx.canReceive(rc.prefer)) {
        to = rc.prefer;
        reason = `orphaned role goes to its preferred host ${rc.prefer}`;
      } else {
        to = fewestRolesHost(out, rc, ctx);
        reason = `orphaned role goes to ${to} (fewest roles among eligible hosts)`;
      }
      if (!to) break; // nobody can take this role now; try again next pass
      a.host = to;
      moves.push({ role: a.role, ip: a.ip, from: '', to, reason });
    }
  }
  return { table: out, moves };
}

/** Active mode: exclusive roles return to their ONLINE, reachable preferred host. */
export function obeyPreferences(table: readonly RoleAssignment[], ctx: DistributeContext): Distribution {
  const moves: RoleMove[] = [];
  const out = table.map((a) => {
    const rc = ctx.roles[a.role];
    if (!rc || rc.mode !== 'exclusive' || !rc.prefer || a.host === rc.prefer || a.host === '') return a;
    if (!ctx.canReceive(rc.prefer)) return a;
    if (a.role === ctx.activeMasterRole && (ctx.writerDecided || ctx.mayHoldWriter?.(rc.prefer) === false)) return a;
    moves.push({ role: a.role, ip: a.ip, from: a.host, to: rc.prefer, reason: `role returns to its preferred host ${rc.prefer}` });
    return { ...a, host: rc.prefer };
  });
  return { table: out, moves };
}

/** One full distribution pass (not called in PASSIVE). */
export function distributeRoles(table: readonly RoleAssignment[], ctx: DistributeContext): Distribution {
  const o = assignOrphans(table, ctx);
  const p = ctx.obeyPreferences ? obeyPreferences(o.table, ctx) : { table: o.table, moves: [] };
  const b = balanceRoles(p.table, ctx);
  return { table: b.table, moves: [...o.moves, ...p.moves, ...b.moves] };
}
