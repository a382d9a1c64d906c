// Pure: SHOW GRANTS rows → privileges; privileges → what an account lacks; the GRANT that fixes it.
import { type AccountSpec, type PrivilegeNeed, type SqlFlavor, olderThan } from './needs';

export interface ParsedGrants {
  /** Privileges ON *.*, upper-case, aliases folded (MariaDB REPLICA MONITOR → SLAVE MONITOR). */
  global: Set<string>;
  /** Privileges per schema (`db`.*), schema name unquoted. */
  schemas: Map<string, Set<string>>;
  /** Roles granted to the user (`GRANT role TO user`). */
  roles: string[];
  /** MariaDB `SET DEFAULT ROLE r FOR …`: the role a new session starts with. */
  defaultRole?: string;
}

// MariaDB 10.5+ spells these two ways; SHOW GRANTS prints the right-hand names.
const MARIADB_ALIASES: Record<string, string> = {
  'REPLICA MONITOR': 'SLAVE MONITOR',
  'REPLICATION REPLICA ADMIN': 'REPLICATION SLAVE ADMIN',
  'REPLICATION REPLICA': 'REPLICATION SLAVE',
  'REPLICATION CLIENT': 'BINLOG MONITOR',
};

/** A privilege name as SHOW GRANTS prints it on this flavor. */
export function normalizePrivilege(name: string, flavor: SqlFlavor): string {
  const n = name.trim().replace(/\s+/g, ' ').toUpperCase();
  if (n === 'ALL') return 'ALL PRIVILEGES';
  return flavor === 'mariadb' ? (MARIADB_ALIASES[n] ?? n) : n;
}

/** Splits `SELECT (a, b), INSERT` at top-level commas and drops column lists. */
function splitPrivileges(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of list) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else if (depth === 0) cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

const unquote = (s: string): string => s.replace(/^[`'"]|[`'"]$/g, '').replace(/``/g, '`');

/**
 * The text of each SHOW GRANTS row (MariaDB: current user and current role; MySQL: the user,
 * roles not expanded). Lines about tables, routines or PROXY are ignored: mmm needs none.
 */
export function parseShowGrants(lines: readonly string[], flavor: SqlFlavor): ParsedGrants {
  const out: ParsedGrants = { global: new Set(), schemas: new Map(), roles: [] };
  for (const raw of lines) {
    const line = raw.trim();
    const dr = /^SET\s+DEFAULT\s+ROLE\s+(\S+)\s+FOR\s+/i.exec(line);
    if (dr) {
      out.defaultRole = unquote(dr[1]!);
      continue;
    }
    const m = /^GRANT\s+(.+?)\s+ON\s+(\S+)\s+TO\s+/i.exec(line);
    if (!m) {
      const r = /^GRANT\s+(.+?)\s+TO\s+/i.exec(line);
      if (r) out.roles.push(...splitPrivileges(r[1]!).map(unquote));
      continue;
    }
    const target = m[2]!;
    const privs = splitPrivileges(m[1]!).map((p) => normalizePrivilege(p, flavor)).filter((p) => p !== 'USAGE');
    if (target === '*.*') {
      for (const p of privs) out.global.add(p);
      continue;
    }
    const db = /^(`(?:[^`]|``)*`|[^.`]+)\.\*$/.exec(target);
    if (!db) continue;
    const name = unquote(db[1]!);
    const set = out.schemas.get(name) ?? new Set<string>();
    for (const p of privs) set.add(p);
    out.schemas.set(name, set);
  }
  return out;
}

export interface NeedVerdict {
  need: PrivilegeNeed;
  /** The granted privilege that covers it, or undefined when missing. */
  via?: string;
}

export interface AccountVerdict {
  needs: NeedVerdict[];
  missing: PrivilegeNeed[];
  /** Global privileges beyond what the account needs (only reported, never required). */
  extra: string[];
  /** Forbidden privileges the account holds (application accounts). */
  forbidden: { privilege: string; why: string }[];
}

function covers(held: Set<string>, need: PrivilegeNeed, flavor: SqlFlavor, version: string): string | undefined {
  const own = normalizePrivilege(need.privilege, flavor);
  if (held.has(own)) return own;
  if (held.has('ALL PRIVILEGES')) return 'ALL PRIVILEGES';
  for (const a of need.alternatives) {
    const p = normalizePrivilege(a.privilege, flavor);
    if (held.has(p) && (a.before === undefined || olderThan(version, a.before))) return p;
  }
  return undefined;
}

/**
 * What an account holds against what it needs. `held` is the global set for `*.*` accounts and
 * the schema's set (plus the global one) for the application.
 */
export function evaluateGrants(spec: AccountSpec, grants: ParsedGrants, version: string, schema?: string): AccountVerdict {
  const held = new Set(grants.global);
  if (spec.on === 'schema' && schema !== undefined) for (const p of grants.schemas.get(schema) ?? []) held.add(p);
  const needs = spec.needs.map((need) => ({ need, via: covers(held, need, spec.flavor, version) }));
  const wanted = new Set(spec.needs.map((n) => normalizePrivilege(n.privilege, spec.flavor)));
  const extra = [...grants.global].filter((p) => !wanted.has(p)).sort();
  const forbidden = spec.forbidden
    .filter((f) => held.has(normalizePrivilege(f.privilege, spec.flavor)) && (f.before === undefined || olderThan(version, f.before)))
    .map(({ privilege, why }) => ({ privilege, why }));
  return { needs, missing: needs.filter((n) => n.via === undefined).map((n) => n.need), extra, forbidden };
}

/** `CURRENT_USER()` (`user@host`) as a GRANT names it: `'user'@'host'`. */
export function quoteAccount(currentUser: string): string {
  const at = currentUser.lastIndexOf('@');
  const user = at < 0 ? currentUser : currentUser.slice(0, at);
  const host = at < 0 ? '%' : currentUser.slice(at + 1);
  const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `${q(user)}@${q(host)}`;
}

/** `GRANT A, B ON *.* TO 'u'@'h';` (`on` e.g. `` `app`.* `` for the application). */
export function grantStatement(privileges: readonly string[], grantee: string, on = '*.*'): string {
  return `GRANT ${privileges.join(', ')} ON ${on} TO ${grantee};`;
}

// Server errors that mean "this account may not": the session keeps the privileges it logged in
// with, so after a GRANT only a new connection sees the change.
export const ER_DBACCESS_DENIED_ERROR = 1044;
/** KILL of another user's thread without CONNECTION ADMIN: "You are not owner of thread N". */
export const ER_KILL_DENIED_ERROR = 1095;
export const ER_ACCESS_DENIED_ERROR = 1045;
export const ER_TABLEACCESS_DENIED_ERROR = 1142;
export const ER_COLUMNACCESS_DENIED_ERROR = 1143;
export const ER_SPECIFIC_ACCESS_DENIED_ERROR = 1227;
export const ER_PROCACCESS_DENIED_ERROR = 1370;
export const ER_ACCESS_DENIED_NO_PASSWORD_ERROR = 1698;
export const ER_ACCESS_DENIED_CHANGE_USER_ERROR = 1873;
export const ER_ACCOUNT_HAS_BEEN_LOCKED_MYSQL = 3118;
export const ER_ACCOUNT_HAS_BEEN_LOCKED_MARIADB = 4151;

const PRIVILEGE_ERRNOS = new Set([
  ER_DBACCESS_DENIED_ERROR,
  ER_KILL_DENIED_ERROR,
  ER_ACCESS_DENIED_ERROR,
  ER_TABLEACCESS_DENIED_ERROR,
  ER_COLUMNACCESS_DENIED_ERROR,
  ER_SPECIFIC_ACCESS_DENIED_ERROR,
  ER_PROCACCESS_DENIED_ERROR,
  ER_ACCESS_DENIED_NO_PASSWORD_ERROR,
  ER_ACCESS_DENIED_CHANGE_USER_ERROR,
  ER_ACCOUNT_HAS_BEEN_LOCKED_MYSQL,
  ER_ACCOUNT_HAS_BEEN_LOCKED_MARIADB,
]);

/** True for the server errors that a GRANT (or the right password) fixes. */
export function isPrivilegeError(errno: number | undefined): boolean {
  return errno !== undefined && PRIVILEGE_ERRNOS.has(errno);
}

/** Errors at login rather than on a statement: the account or its password is wrong. */
export function isLoginDenied(errno: number | undefined): boolean {
  return (
    errno === ER_ACCESS_DENIED_ERROR ||
    errno === ER_ACCESS_DENIED_NO_PASSWORD_ERROR ||
    errno === ER_ACCOUNT_HAS_BEEN_LOCKED_MYSQL ||
    errno === ER_ACCOUNT_HAS_BEEN_LOCKED_MARIADB
  );
}

/** The client as the server named it in `Access denied for user 'u'@'h' …`, quoted; undefined when absent. */
export function deniedClient(serverMessage: string): string | undefined {
  const m = /for user '((?:[^'\\]|\\.)*)'@'((?:[^'\\]|\\.)*)'/.exec(serverMessage);
  return m ? `'${m[1]}'@'${m[2]}'` : undefined;
}

/** What `SHOW CREATE USER` (or a MariaDB SHOW GRANTS line) says the account requires of a login's TLS: `SSL`, `X509`, … or undefined (REQUIRE NONE). */
export function accountRequires(text: string): string | undefined {
  const m = /\bREQUIRE\s+(SSL|X509|ISSUER|SUBJECT|CIPHER)\b/i.exec(text);
  return m ? m[1]!.toUpperCase() : undefined;
}

/** The host part of `user@host` (CURRENT_USER(), USER()). */
export function hostPart(account: string): string {
  const at = account.lastIndexOf('@');
  return at < 0 ? '' : account.slice(at + 1);
}
