// Monitor credentials for a host's MySQL, as the checks use them.
import type { HostConfig } from '@mmm/common';
import type { MysqlEndpoint } from './mysql-sessions';

/** undefined when the host has no monitor_user (the config validator should have refused it). */
export function monitorEndpoint(host: HostConfig): MysqlEndpoint | undefined {
  if (!host.monitorUser) return undefined;
  return { host: host.ip, port: host.mysqlPort, user: host.monitorUser, password: host.monitorPassword ?? '' };
}

export function describeEndpoint(ep: MysqlEndpoint): string {
  return `host = ${ep.host}:${ep.port}, user = ${ep.user}`;
}
