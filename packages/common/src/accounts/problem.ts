// A privilege problem as a check found it: typed, so the monitor's analysis and the control texts
// never read it back out of a message.
import { deniedClient, grantStatement, isLoginDenied } from './grants';
import { type AccountKind, type SqlFlavor, accountSpec, flavorOf } from './needs';
import { IN_CLEAR_LOGIN_HINT } from './tls-hint';

export interface PrivilegeProblem {
  /** `login_denied`: the account (or its password) is wrong; `missing_privilege`: a GRANT is missing. */
  kind: 'login_denied' | 'missing_privilege';
  account: AccountKind;
  /** `'mmm_monitor'@'%'` as the server matched it (CURRENT_USER()), or as it named the client at login. */
  grantee: string;
  /** The privilege to GRANT (missing_privilege). */
  privilege?: string;
  /** The statement that was refused (missing_privilege). */
  statement?: string;
  errno?: number;
  /** The server's own words. */
  serverMessage: string;
  /** What to run or change. */
  fix: string;
}

export interface RefusedStatement {
  account: AccountKind;
  statement: string;
  errno?: number;
  serverMessage: string;
  /** CURRENT_USER() of the session that was refused (`user@host`), quoted or not. */
  grantee: string;
  /** VERSION() of the server; undefined: unknown (then the MariaDB table is assumed). */
  version?: string;
}

/** A statement the account may not run → the privilege it lacks and the GRANT that fixes it. */
export function missingPrivilegeProblem(r: RefusedStatement): PrivilegeProblem {
  const flavor: SqlFlavor = r.version ? flavorOf(r.version) : 'mariadb';
  const need = accountSpec(r.account, flavor).needs.find((n) => n.statements.includes(r.statement) || n.probe === r.statement);
  const privilege = need?.privilege;
  return {
    kind: 'missing_privilege',
    account: r.account,
    grantee: r.grantee,
    ...(privilege ? { privilege } : {}),
    statement: r.statement,
    ...(r.errno !== undefined ? { errno: r.errno } : {}),
    serverMessage: r.serverMessage,
    fix: privilege ? grantStatement([privilege], r.grantee) : `see docs/accounts.md for the ${r.account} account`,
  };
}

/** A refused login → the account to check or create. `user` is the configured name; `inClear`: the login had no TLS. */
export function loginDeniedProblem(account: AccountKind, user: string, errno: number | undefined, serverMessage: string, inClear = false): PrivilegeProblem {
  const grantee = deniedClient(serverMessage) ?? `'${user}'@'<this address>'`;
  return {
    kind: 'login_denied',
    account,
    grantee,
    ...(errno !== undefined ? { errno } : {}),
    serverMessage,
    fix: `check ${account}_user/${account}_password in the config, or create the account for this address: CREATE USER ${grantee} IDENTIFIED BY '…'; then run \`mmm_tls grants\` for the GRANT it needs${inClear ? `; ${IN_CLEAR_LOGIN_HINT}` : ''}`,
  };
}

/** undefined unless the error is a refused login. */
export function loginProblemFor(account: AccountKind, user: string, errno: number | undefined, serverMessage: string, inClear = false): PrivilegeProblem | undefined {
  return isLoginDenied(errno) ? loginDeniedProblem(account, user, errno, serverMessage, inClear) : undefined;
}

/** "the monitor account 'mmm_monitor'@'%' lacks SLAVE MONITOR on 'db2'" / "… cannot log in to 'db2'". */
export function describeProblem(p: PrivilegeProblem, host: string): string {
  if (p.kind === 'login_denied') return `the ${p.account} account ${p.grantee} cannot log in to '${host}'`;
  return `the ${p.account} account ${p.grantee} lacks ${p.privilege ?? 'a privilege'} on '${host}'`;
}
