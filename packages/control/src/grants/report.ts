// Pure: what `mmm_tls grants` says about one inspected account. A privilege counts as present
// when SHOW GRANTS lists it (or ALL PRIVILEGES, or an alternative such as SUPER); for the
// privileges a harmless statement proves (SHOW SLAVE STATUS), the statement's outcome decides.
import {
  type AccountSpec,
  MARIADB_TABLE_SINCE,
  accountRequires,
  hostPart,
  mysqlTlsHint,
  type PrivilegeNeed,
  accountSpec,
  evaluateGrants,
  flavorOf,
  grantStatement,
  isLoginDenied,
  isPrivilegeError,
  loginDeniedProblem,
  olderThan,
  parseShowGrants,
  quoteAccount,
  versionParts,
} from '@mmm/common';
import type { Inspection } from './inspect';

export type Verdict = 'OK' | 'WARN' | 'FAIL';

export interface GrantFinding {
  verdict: Verdict;
  /** `<account>@<host>`, e.g. `monitor@db2`. */
  check: string;
  reason: string;
  /** The statement (or change) that fixes a FAIL. */
  fix?: string;
  /** FAIL only: `missing` (a privilege, a login, a forbidden privilege) or `unchecked` (no answer). */
  failure?: 'missing' | 'unchecked';
}

const describeVersion = (v: string | undefined): string => {
  if (!v) return 'unknown server';
  const p = versionParts(v);
  return `${flavorOf(v) === 'mariadb' ? 'MariaDB' : 'MySQL'} ${p.length ? p.join('.') : v}`;
};

const needText = (n: PrivilegeNeed): string => `${n.privilege}, needed for ${n.statements.join(', ')} (${n.purpose})`;

/** MariaDB 10.5+ shows REPLICATION CLIENT as BINLOG MONITOR; say so, operators grant the old name. */
const extraName = (p: string, spec: AccountSpec): string =>
  spec.flavor === 'mariadb' && p === 'BINLOG MONITOR' ? 'BINLOG MONITOR (what MariaDB 10.5+ calls REPLICATION CLIENT)' : p;

export function reportInspection(i: Inspection): GrantFinding[] {
  const t = i.target;
  const check = `${t.account}@${t.host}`;
  const via = t.via;
  const where = via.kind === 'socket' ? via.socketPath : `${via.host}:${via.port}`;
  if (i.login) {
    if (isLoginDenied(i.login.errno)) {
      const inClear = via.kind === 'tcp' && !via.tls && t.account !== 'agent';
      const p = loginDeniedProblem(t.account, t.user, i.login.errno, i.login.message, inClear);
      return [{ verdict: 'FAIL', check, reason: `'${t.user}' (${t.userKey}) cannot log in on ${where}: ${i.login.message}`, fix: p.fix, failure: 'missing' }];
    }
    return [{ verdict: 'FAIL', check, reason: `cannot check: no session on ${where}: ${i.login.message}${mysqlTlsHint(i.login.code, i.login.message)}`, failure: 'unchecked' }];
  }
  const version = i.version ?? '';
  const spec = accountSpec(t.account, flavorOf(version), { semisync: t.semisync === true });
  const grantee = i.currentUser ? quoteAccount(i.currentUser) : `'${t.user}'@'<this address>'`;
  const lead = `${grantee} on ${where} (${describeVersion(i.version)})`;
  const out: GrantFinding[] = [];
  const parsed = parseShowGrants(i.grants ?? [], spec.flavor);
  const verdict = evaluateGrants(spec, parsed, version);

  const missing: { need: PrivilegeNeed; why?: string }[] = [];
  const present: string[] = [];
  for (const { need, via } of verdict.needs) {
    const probe = need.probe ? i.probes.find((p) => p.statement === need.probe) : undefined;
    if (probe?.error && isPrivilegeError(probe.error.errno)) {
      const listed = via ? ` (SHOW GRANTS lists ${via}, yet the server refuses it)` : '';
      missing.push({ need, why: `the server refused ${probe.statement}: ${probe.error.message}${listed}` });
    } else if (probe && !probe.error) {
      present.push(via && via !== need.privilege ? `${need.privilege} via ${via}` : need.privilege);
    } else if (via) {
      present.push(via !== need.privilege ? `${need.privilege} via ${via}` : need.privilege);
    } else if (i.grantsError) {
      out.push({ verdict: 'WARN', check, reason: `${lead}: cannot read SHOW GRANTS (${i.grantsError.message}): ${need.privilege} not verified` });
    } else {
      missing.push({ need });
    }
  }

  if (missing.length > 0) {
    const detail = missing.map((m) => `${needText(m.need)}${m.why ? `; ${m.why}` : ''}`).join('; ');
    out.unshift({
      verdict: 'FAIL',
      check,
      reason: `${lead} lacks ${detail}`,
      fix: grantStatement(missing.map((m) => m.need.privilege), grantee),
      failure: 'missing',
    });
  } else {
    const ran = i.probes.filter((p) => !p.error).map((p) => p.statement);
    const untested = spec.flavor === 'mysql' ? '; MySQL 8 table from the manual, untested' : '';
    out.unshift({ verdict: 'OK', check, reason: `${lead} has ${present.join(', ')}${ran.length ? ` (${ran.join(', ')} ran)` : ''}${untested}` });
  }

  for (const f of verdict.forbidden) {
    out.push({ verdict: 'FAIL', check, reason: `${lead} holds ${f.privilege}: ${f.why}`, fix: `REVOKE ${f.privilege} ON *.* FROM ${grantee};`, failure: 'missing' });
  }
  if (verdict.extra.length > 0) {
    out.push({ verdict: 'WARN', check, reason: `${lead} also holds ${verdict.extra.map((p) => extraName(p, spec)).join(', ')}: more than the ${t.account} account needs` });
  }
  if (spec.flavor === 'mariadb' && parsed.roles.some((r) => r !== parsed.defaultRole)) {
    const idle = parsed.roles.filter((r) => r !== parsed.defaultRole);
    out.push({ verdict: 'WARN', check, reason: `${lead} is granted role ${idle.join(', ')} but not as its default role: mmm's sessions do not use it (SET DEFAULT ROLE … FOR ${grantee})` });
  }
  if (spec.flavor === 'mysql' && parsed.roles.length > 0) {
    out.push({ verdict: 'WARN', check, reason: `${lead} is granted role ${parsed.roles.join(', ')}: MySQL's SHOW GRANTS does not expand roles, privileges they give are not counted above` });
  }
  out.push(...linkFindings(i, check, lead, grantee));
  if (spec.flavor === 'mariadb' && olderThan(version, MARIADB_TABLE_SINCE)) {
    out.push({ verdict: 'WARN', check, reason: `${lead}: MariaDB before ${MARIADB_TABLE_SINCE} names these privileges differently (docs/accounts.md); the table above is for ${MARIADB_TABLE_SINCE}+` });
  }
  return out;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);

/**
 * Where the account may log in from and how (DESIGN §4, "MySQL links"): the agent account at
 * localhost only (the agent uses the socket); the monitor and replication accounts over TLS,
 * REQUIRE SSL, from the narrowest addresses. Warnings with the statement that narrows them.
 */
function linkFindings(i: Inspection, check: string, lead: string, grantee: string): GrantFinding[] {
  const t = i.target;
  const out: GrantFinding[] = [];
  const matched = i.currentUser ? hostPart(i.currentUser) : undefined;
  const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (t.account === 'agent') {
    if (matched !== undefined && !LOCAL_HOSTS.has(matched)) {
      const to = t.via.kind === 'socket' ? 'localhost' : '127.0.0.1';
      out.push({
        verdict: 'WARN',
        check,
        reason: `${lead}: the agent logs in ${t.via.kind === 'socket' ? 'over the unix socket' : 'over loopback'}, yet the account accepts its password from '${matched}': whoever has it could SET GLOBAL read_only from another host; grant it at '${to}' only (docs/accounts.md)`,
        fix: `RENAME USER ${grantee} TO ${q(t.user)}@${q(to)};`,
      });
    }
    return out;
  }
  if (i.tlsVersion === '') {
    out.push({
      verdict: 'WARN',
      check,
      reason: `${lead}: logged in without TLS (mysql_ssl off for ${t.host}): the password and what the ${t.account} account reads cross the network readable (docs/mysql-tls.md)`,
    });
  }
  if (i.createUser !== undefined && accountRequires(i.createUser) === undefined) {
    out.push({
      verdict: 'WARN',
      check,
      reason: `${lead} does not REQUIRE SSL: its password also works without TLS, from a sniffed login or a leaked config`,
      fix: `ALTER USER ${grantee} REQUIRE SSL;`,
    });
  }
  if (matched === '%') {
    const from = i.clientUser ? hostPart(i.clientUser) : '';
    const narrow = t.account === 'monitor' && from !== '' && from !== '%';
    out.push({
      verdict: 'WARN',
      check,
      reason: `${lead} accepts logins from any address ('%'): grant it to ${t.account === 'monitor' ? `the monitor's address${from ? ` (this login came from ${from})` : ''}` : "the nodes' addresses (e.g. '10.0.0.%')"} (docs/accounts.md)`,
      ...(narrow ? { fix: `RENAME USER ${grantee} TO ${q(t.user)}@${q(from)};` } : {}),
    });
  }
  return out;
}

/** `OK monitor@db1: …`, and an indented `fix:` line under a FAIL or WARN that has one. */
export function formatGrantFinding(f: GrantFinding): string[] {
  return [`${f.verdict} ${f.check}: ${f.reason}`, ...(f.fix ? [`    fix on ${f.check.split('@')[1]}: ${f.fix}`] : [])];
}

/** 0 nothing missing; 1 something missing or refused; 2 nothing missing but some account could not be checked. */
export function grantsExitCode(findings: readonly GrantFinding[]): 0 | 1 | 3 {
  if (findings.some((f) => f.failure === 'missing')) return 1;
  if (findings.some((f) => f.verdict === 'FAIL')) return 3; // the one exit-code table: 3 = could not reach what it checks
  return 0;
}
