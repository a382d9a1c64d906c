// `rep_threads` and `rep_backlog`: both read `SHOW SLAVE STATUS` with the monitor user.
import type { CheckConfig, HostConfig } from '@mmm/common';
import { describeEndpoint, monitorEndpoint } from './endpoint';
import type { MysqlSessions } from './mysql-sessions';
import { type SlaveStatus, classifyBacklog, classifyThreads, parseSlaveStatus } from './slave-status';
import { type CheckFn, type CheckResult, error, timeoutMs, unknown } from './types';

const ER_SPECIFIC_ACCESS_DENIED_ERROR = 1227;

export interface ReplicationCheckOptions {
  /** The monitor's address, named in the GRANT hint. */
  monitorIp?: string;
}

export function makeRepThreadsCheck(sessions: MysqlSessions, opts: ReplicationCheckOptions = {}): CheckFn {
  return (host, check) => withSlaveStatus(sessions, opts, host, check, (s) => classifyThreads(s));
}

export function makeRepBacklogCheck(sessions: MysqlSessions, opts: ReplicationCheckOptions = {}): CheckFn {
  return (host, check) => withSlaveStatus(sessions, opts, host, check, (s) => classifyBacklog(s, check.maxBacklog));
}

async function withSlaveStatus(
  sessions: MysqlSessions,
  opts: ReplicationCheckOptions,
  host: HostConfig,
  check: CheckConfig,
  verdict: (s: SlaveStatus | undefined) => CheckResult,
): Promise<CheckResult> {
  const ep = monitorEndpoint(host);
  if (!ep) return error(`monitor_user is not configured for host '${host.name}'`);
  const r = await sessions.query(ep, 'SHOW SLAVE STATUS', timeoutMs(check));
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
      if (r.error.errno === ER_SPECIFIC_ACCESS_DENIED_ERROR) {
        return error(
          `Insufficient privileges! Please GRANT REPLICATION CLIENT, SLAVE MONITOR (MariaDB 10.5+) privilege to '${ep.user}'@'${opts.monitorIp ?? '<monitor ip>'}'.`,
        );
      }
      return unknown(`Unknown state. Execute error: ${r.error.message}`);
  }
}
