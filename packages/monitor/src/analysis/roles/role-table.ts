// The role table: one row per configured role IP, owned by a host or orphaned ('').
import type { RoleConfig, RoleIp } from '@mmm/common/pure';
import type { RoleAssignment } from '../snapshot';

export interface DistributeContext {
  roles: Record<string, RoleConfig>;
  activeMasterRole: string;
  /** Host may receive a role: ONLINE and its agent reachable. */
  canReceive: (host: string) => boolean;
  /** Active mode only: move exclusive roles back to `prefer`. */
  obeyPreferences: boolean;
  /** The active master role's owner was decided this pass (promotion.ts): distribution leaves it alone. */
  writerDecided?: boolean;
  /** The promotion policy allows this host the active master role (default: every host). */
  mayHoldWriter?: (host: string) => boolean;
}

export interface Distribution {
  table: RoleAssignment[];
  moves: RoleMove[];
}

export interface RoleMove {
  role: string;
  ip: string;
  from: string; // '' = was orphaned
  to: string; // '' = orphaned now
  reason: string;
}

/** Every configured role IP exactly once, keeping known owners; unknown rows are dropped. */
export function normalizeAssignments(roles: Record<string, RoleConfig>, current: readonly RoleAssignment[]): RoleAssignment[] {
  const out: RoleAssignment[] = [];
  for (const name of Object.keys(roles).sort()) {
    const rc = roles[name];
    const ips = rc.mode === 'exclusive' ? rc.ips.slice(0, 1) : rc.ips;
    for (const ip of ips) {
      const cur = current.find((a) => a.role === name && a.ip === ip);
      const host = cur && rc.hosts.includes(cur.host) ? cur.host : '';
      out.push({ role: name, ip, host });
    }
  }
  return out;
}

/** MMM `count_host_roles`: every IP counts 1, the active master role's IP 0.5. */
export function countHostRoles(table: readonly RoleAssignment[], host: string, activeMasterRole: string): number {
  let n = 0;
  for (const a of table) if (a.host === host) n += a.role === activeMasterRole ? 0.5 : 1;
  return n;
}

export function rolesOf(table: readonly RoleAssignment[], host: string): RoleIp[] {
  return table
    .filter((a) => a.host === host)
    .map((a) => ({ name: a.role, ip: a.ip }))
    .sort((x, y) => (x.name === y.name ? (x.ip < y.ip ? -1 : 1) : x.name < y.name ? -1 : 1));
}

/** Owner of the active master role ('' = none). */
export function activeMasterOf(table: readonly RoleAssignment[], activeMasterRole: string): string {
  return table.find((a) => a.role === activeMasterRole)?.host ?? '';
}

/** Orphans every role of the given hosts (hosts that left ONLINE). */
export function stripHosts(table: readonly RoleAssignment[], hosts: ReadonlySet<string>, reason: (host: string) => string): { table: RoleAssignment[]; moves: RoleMove[] } {
  const moves: RoleMove[] = [];
  const out = table.map((a) => {
    if (a.host === '' || !hosts.has(a.host)) return a;
    moves.push({ role: a.role, ip: a.ip, from: a.host, to: '', reason: reason(a.host) });
    return { ...a, host: '' };
  });
  return { table: out, moves };
}
