// `mysql` check: can the monitor run `SELECT NOW()` on the host's server (MMM 2.x texts).
import { type CheckConfig, type HostConfig, loginProblemFor } from '@mmm/common';
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
        const e = error(`Connect error (${describeEndpoint(ep)})! ${r.error.message}${tlsHint(r.error.code, r.error.message)}`);
        const cause = loginProblemFor('monitor', ep.user, r.error.errno, r.error.message);
        return cause ? { ...e, cause } : e;
      }
      case 'query-error':
        return error(`SQL Query Error: ${r.error.message}`);
    }
  };
}

/** What to do about a TLS refusal (the error alone names no key). mysql2 replaces a handshake
 *  error's code by HANDSHAKE_SSL_ERROR, so its message tells which check failed. */
export function tlsHint(code: string | undefined, message = ''): string {
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return ' (the server offers no TLS, have_ssl=DISABLED: give mariadbd ssl_cert and ssl_key, docs/mysql-tls.md; or set mysql_ssl off for this host)';
  }
  if (code === 'ERR_MMM_SERVER_IDENTITY' || code === 'ERR_TLS_CERT_ALTNAME_INVALID') return " (the server's certificate does not name this host's ip as a SAN: mmm_tls issue --role mysql --ip <ip>)";
  if (code !== 'HANDSHAKE_SSL_ERROR') return '';
  if (/expired|not yet valid/i.test(message)) return " (the server's certificate is out of its validity period)";
  if (/self.signed|issuer|verify|chain/i.test(message)) return " (the server's certificate does not chain to mysql_ssl_ca)";
  return ' (the TLS handshake with the server failed)';
}
