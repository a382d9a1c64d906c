// MMM 2.x `balance`: per balanced role, while the eligible hosts' role counts differ by more
// than one, move one of this role's IPs from the busiest to the idlest host.
import type { RoleAssignment } from '../snapshot';
import { countHostRoles, type DistributeContext, type Distribution, type RoleMove } from './role-table';

export function balanceRoles(table: readonly RoleAssignment[], ctx: Pick<DistributeContext, 'roles' | 'activeMasterRole' | 'canReceive'>): Distribution {
  const out = table.map((a) => ({ ...a }));
  const moves: RoleMove[] = [];
  for (const name of Object.keys(ctx.roles).sort()) {
    const rc = ctx.roles[name];
    if (rc.mode !== 'balanced') continue;
    const hosts = rc.hosts.filter((h) => ctx.canReceive(h));
    if (hosts.length < 2) continue;
    // each move lowers the spread; the bound only guards against a bug looping forever
    for (let guard = 0; guard < rc.ips.length * hosts.length + 1; guard++) {
      const counted = hosts.map((h) => ({ h, n: countHostRoles(out, h, ctx.activeMasterRole) }));
      const max = counted.reduce((m, c) => (c.n > m.n ? c : m));
      const min = counted.reduce((m, c) => (c.n < m.n ? c : m));
      if (max.n - min.n <= 1) break;
      const row = out.find((a) => a.role === name && a.host === max.h);
      if (!row) break; // the busiest host holds none of this role: another role's imbalance
      row.host = min.h;
      moves.push({ role: name, ip: row.ip, from: max.h, to: min.h, reason: `balance: ${max.h} has ${max.n} roles, ${min.h} has ${min.n}` });
    }
  }
  return { table: out, moves };
}
