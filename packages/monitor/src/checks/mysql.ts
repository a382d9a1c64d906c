// `mysql` check: can the monitor run `SELECT NOW()` on the host's server (MMM 2.x texts).
import { type CheckConfig, type HostConfig, loginProblemFor, mysqlTlsHint } from '@mmm/common';
import { type EndpointOptions, describeEndpoint, monitorEndpoint } from './endpoint';
import type { MysqlSessions } from './mysql-sessions';
import { type CheckFn, type CheckResult, error, ok, timeoutMs, unknown } from './types';

const ER_CON_COUNT_ERROR = 1040;

export function makeMysqlCheck(sessions: MysqlSessions, opts: EndpointOptions = {}): CheckFn {
  return async (host: HostConfig, check: CheckConfig): Promise<CheckResult> => {
    const ep = monitorEndpoint(host, opts);
    if (!ep) return error(`monitor_user is not configured for host '${host.name}'`);
    const r = await sessions.query(ep, 'SELECT NOW()', timeoutMs(check));
    switch (r.kind) {
      case 'rows':
        return ok();
      case 'timeout':
        return error('Timeout');
      case 'connect-error': {
        // Too many connections is the server protecting itself, not a dead host: no action.
        if (r.error.errno === ER_CON_COUNT_ERROR) return unknown(`Too many connections! ${r.error.message}`);
        const e = { ...error(`Connect error (${describeEndpoint(ep)})! ${r.error.message}${mysqlTlsHint(r.error.code, r.error.message)}`), ...(r.error.code === 'ECONNREFUSED' ? { refused: true } : {}) };
        const cause = loginProblemFor('monitor', ep.user, r.error.errno, r.error.message, ep.tls === undefined);
        return cause ? { ...e, cause } : e;
      }
      case 'query-error':
        return error(`SQL Query Error: ${r.error.message}`);
    }
  };
}
