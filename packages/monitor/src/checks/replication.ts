// `rep_threads` and `rep_backlog`: both read `SHOW SLAVE STATUS` with the monitor user.
import { type CheckConfig, type HostConfig, isPrivilegeError, missingPrivilegeProblem, quoteAccount } from '@mmm/common';
import { type EndpointOptions, describeEndpoint, monitorEndpoint } from './endpoint';
import type { MysqlFailure, MysqlSessions } from './mysql-sessions';
import { type SlaveStatus, classifyBacklog, classifyThreads, parseSlaveStatus } from './slave-status';
import { type CheckFn, type CheckResult, error, timeoutMs, unknown } from './types';

const SLAVE_STATUS = 'SHOW SLAVE STATUS';

export interface ReplicationCheckOptions extends EndpointOptions {
  /** The monitor's address, named in the GRANT hint when the server does not say who we are. */
  monitorIp?: string;
}

export function makeRepThreadsCheck(sessions: MysqlSessions, opts: ReplicationCheckOptions = {}): CheckFn {
  return (host, check) => withSlaveStatus(sessions, opts, host, check, (s) => classifyThreads(s));
}

export function makeRepBacklogCheck(sessions: MysqlSessions, opts: ReplicationCheckOptions = {}): CheckFn {
  return async (host, check) => {
    let lag: number | null | undefined;
    const r = await withSlaveStatus(sessions, opts, host, check, (s) => {
      lag = s ? s.secondsBehind : null;
      return classifyBacklog(s, check.maxBacklog);
    });
    return lag === undefined ? r : { ...r, lagSeconds: lag };
  };
}

/**
 * MMM's `Insufficient privileges!` error, naming the privilege this server wants for
 * SHOW SLAVE STATUS and the account the server matched (CURRENT_USER()).
 */
export function insufficientPrivileges(f: MysqlFailure, user: string, opts: ReplicationCheckOptions): CheckResult {
  const grantee = f.account ? quoteAccount(f.account) : `'${user}'@'${opts.monitorIp ?? '<monitor ip>'}'`;
  const cause = missingPrivilegeProblem({
    account: 'monitor',
    statement: SLAVE_STATUS,
    errno: f.errno,
    serverMessage: f.message,
    grantee,
    ...(f.serverVersion ? { version: f.serverVersion } : {}),
  });
  return { ...error(`Insufficient privileges! ${cause.fix} (${SLAVE_STATUS}: ${f.message})`), cause };
}

async function withSlaveStatus(
  sessions: MysqlSessions,
  opts: ReplicationCheckOptions,
  host: HostConfig,
  check: CheckConfig,
  verdict: (s: SlaveStatus | undefined) => CheckResult,
): Promise<CheckResult> {
  const ep = monitorEndpoint(host, opts);
  if (!ep) return error(`monitor_user is not configured for host '${host.name}'`);
  const r = await sessions.query(ep, SLAVE_STATUS, timeoutMs(check));
  switch (r.kind) {
    case 'rows':
      return verdict(parseSlaveStatus(r.rows));
    case 'timeout':
      // Reaching the server is the mysql check's business; a connect that does not finish is
      // "cannot tell" here, a query that hangs on a connected server is MMM's ERROR: Timeout.
      return r.phase === 'connect' ? unknown(`Connect error (${describeEndpoint(ep)})! Timeout`) : error('Timeout');
    case 'connect-error':
      return unknown(`Connect error (${describeEndpoint(ep)})! ${r.error.message}`);
    case 'query-error':
      if (isPrivilegeError(r.error.errno)) return insufficientPrivileges(r.error, ep.user, opts);
      return unknown(`Unknown state. Execute error: ${r.error.message}`);
  }
}
