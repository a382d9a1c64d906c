// Monitor credentials for a host's MySQL, as the checks use them, and the TLS they use.
import type { HostConfig, MysqlTls } from '@mmm/common';
import type { MysqlEndpoint } from './mysql-sessions';

export interface EndpointOptions {
  /** TLS for connections to a host's MySQL (mysqlTlsOf of the config); undefined: plain. */
  tlsFor?: (host: HostConfig) => MysqlTls | undefined;
}

/** undefined when the host has no monitor_user (the config validator should have refused it). */
export function monitorEndpoint(host: HostConfig, opts: EndpointOptions = {}): MysqlEndpoint | undefined {
  if (!host.monitorUser) return undefined;
  const tls = opts.tlsFor?.(host);
  return { host: host.ip, port: host.mysqlPort, user: host.monitorUser, password: host.monitorPassword ?? '', ...(tls ? { tls } : {}) };
}

export function describeEndpoint(ep: MysqlEndpoint): string {
  return `host = ${ep.host}:${ep.port}, user = ${ep.user}${ep.tls ? ', TLS' : ''}`;
}
