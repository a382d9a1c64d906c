// How mmm's programs reach MySQL (pure, from the config): the agent its own server over the unix
// socket; the monitor and replication every server over TLS verified against a CA (DESIGN §4,
// "MySQL links"). The keys are ours (mysql_socket, mysql_ssl, mysql_ssl_ca); these helpers give
// their defaults in one place, so the daemons, mmm_tls and the sandbox agree.
import type { HostConfig, MmmConfig, SocketConfig } from './types';

/** Debian's and MariaDB's packaged socket (`/var/run` is a link to `/run`). */
export const DEFAULT_MYSQL_SOCKET = '/run/mysqld/mysqld.sock';
/** `mysql_socket none`: no socket; the agent uses TCP to the loopback address. */
export const MYSQL_SOCKET_NONE = 'none';
/** The address `mysql_socket none` connects to: loopback, never the host's ip. */
export const LOCAL_TCP_HOST = '127.0.0.1';

export type LocalMysqlTarget = { kind: 'socket'; socketPath: string } | { kind: 'tcp'; host: string; port: number };

/** Where the agent of `host` reaches its own server. */
export function localMysqlTarget(host: HostConfig): LocalMysqlTarget {
  const s = host.mysqlSocket ?? DEFAULT_MYSQL_SOCKET;
  return s === MYSQL_SOCKET_NONE ? { kind: 'tcp', host: LOCAL_TCP_HOST, port: host.mysqlPort } : { kind: 'socket', socketPath: s };
}

/** The cluster CA: ca_file of a `type ssl` socket block. */
export function clusterCa(socket: SocketConfig): string | undefined {
  return socket.type === 'ssl' ? socket.caFile : undefined;
}

export interface MysqlTls {
  /** The CA file the server's certificate must chain to (read by the client: monitor, mmm_tls, mysqld for replication). */
  caFile: string;
}

/**
 * TLS for connections to `host`'s MySQL (the monitor's checks, a replica's IO thread logging in to
 * it, mmm_tls): undefined when off. `mysql_ssl` unset means on when a CA is configured.
 */
export function mysqlTlsOf(config: Pick<MmmConfig, 'socket'>, host: HostConfig): MysqlTls | undefined {
  const caFile = host.mysqlSslCa ?? clusterCa(config.socket);
  const on = host.mysqlSsl ?? caFile !== undefined;
  return on && caFile !== undefined ? { caFile } : undefined;
}
