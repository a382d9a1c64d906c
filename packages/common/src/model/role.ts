// A role instance on the wire is `name(ip)`; lists are sorted by name then ip and comma-joined.

export interface RoleIp {
  name: string;
  ip: string;
}

export function roleToString(r: RoleIp): string {
  return `${r.name}(${r.ip})`;
}

const ROLE_RE = /^(.*)\((.*)\)$/;

/** Parses `name(ip)`; returns undefined when the text is not in that shape. */
export function roleFromString(s: string): RoleIp | undefined {
  const m = ROLE_RE.exec(s.trim());
  if (!m || m[1] === '' || m[2] === '') return undefined;
  return { name: m[1], ip: m[2] };
}

export function compareRoles(a: RoleIp, b: RoleIp): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  return 0;
}

export function sortRoles(roles: readonly RoleIp[]): RoleIp[] {
  return [...roles].sort(compareRoles);
}

export function rolesToString(roles: readonly RoleIp[]): string {
  return sortRoles(roles).map(roleToString).join(',');
}

/** Parses a comma-joined role list; empty text is an empty list. Returns undefined if any item is malformed. */
export function rolesFromString(s: string): RoleIp[] | undefined {
  if (s.trim() === '') return [];
  const out: RoleIp[] = [];
  for (const part of s.split(',')) {
    const r = roleFromString(part);
    if (!r) return undefined;
    out.push(r);
  }
  return out;
}

export function sameRole(a: RoleIp, b: RoleIp): boolean {
  return a.name === b.name && a.ip === b.ip;
}
