// MMM 2.x `balance`: per balanced role, while the eligible hosts' role counts differ by more
// than one, move one of this role's IPs from the busiest to the idlest host.
import type { RoleAssignment } from '../snapshot';
import { countHostRoles, type DistributeContext, type Distribution, type RoleMove } from './role-table';

/** A host's roles in words, for a DBA: "the writer and 2 reader IPs", "1 reader IP", "no roles". */
export function describeLoad(table: readonly RoleAssignment[], host: string, activeMasterRole: string): string {
  const counts = new Map<string, number>();
  for (const a of table) if (a.host === host) counts.set(a.role, (counts.get(a.role) ?? 0) + 1);
  const parts = [...counts.keys()].sort().map((r) => (r === activeMasterRole ? `the ${r}` : `${counts.get(r)} ${r} IP${counts.get(r) === 1 ? '' : 's'}`));
  // MMM counts the active master role as half a role when it balances.
  parts.sort((a, b) => (a.startsWith('the ') ? -1 : b.startsWith('the ') ? 1 : 0));
  return parts.length === 0 ? 'no roles' : parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

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
      const reason = `balance: ${max.h} held ${describeLoad(out, max.h, ctx.activeMasterRole)}, ${min.h} ${describeLoad(out, min.h, ctx.activeMasterRole)}`;
      row.host = min.h;
      moves.push({ role: name, ip: row.ip, from: max.h, to: min.h, reason });
    }
  }
  return { table: out, moves };
}
