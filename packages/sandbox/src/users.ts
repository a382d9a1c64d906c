// The accounts every node gets, created with sql_log_bin=0 on each node (so replication never
// carries them and GTIDs stay equal everywhere), each at the narrowest host that works
// (docs/accounts.md): the agent at localhost (it uses the socket), the monitor at the monitor's
// address, replication at the nodes' addresses; with TLS both REQUIRE SSL. The application user
// is '%' (tests run it from anywhere) and has no REQUIRE.
import { randomBytes } from 'node:crypto';
import { grantList } from '@mmm/common';
import { queries, sqlString, type SocketTarget } from './sql';

export interface Account {
  user: string;
  password: string;
}

export interface Credentials {
  replication: Account;
  agent: Account;
  monitor: Account;
  /** Application user: DML (no DDL) on TEST_SCHEMA only; read_only stops it. */
  app: Account;
}

/** Schema the sandbox creates to prove replication; the app user may write only there. */
export const TEST_SCHEMA = 'mmm_test';

/**
 * MariaDB 10.11 splits SUPER. Probed on 10.11.19: `SET GLOBAL read_only` needs READ_ONLY ADMIN
 * (SUPER alone is refused; READ_ONLY ADMIN also writes through read_only); KILL of another user's
 * thread works with CONNECTION ADMIN alone (SUPER alone still works too; PROCESS alone does not).
 * REPLICATION SLAVE ADMIN runs CHANGE MASTER/START SLAVE; SLAVE MONITOR / BINLOG MONITOR read
 * SHOW SLAVE STATUS / binlog positions.
 */
// Exactly what docs/accounts.md (the common accounts table) says each account needs, so every
// test on the sandbox proves those lists are enough (no SUPER, no BINLOG MONITOR, no RELOAD).
export const AGENT_PRIVILEGES = grantList('agent', 'mariadb');
/** SLAVE MONITOR only: REPLICATION CLIENT (= BINLOG MONITOR on MariaDB 10.5+) and PROCESS are not used. */
export const MONITOR_PRIVILEGES = grantList('monitor', 'mariadb');
export const REPLICATION_PRIVILEGES = grantList('replication', 'mariadb');
/** No SUPER, no READ_ONLY ADMIN: an application must be stopped by read_only. */
export const APP_PRIVILEGES = grantList('application', 'mariadb');

const password = (): string => randomBytes(12).toString('hex');

/** Fresh random passwords for one sandbox. */
export function generateCredentials(): Credentials {
  return {
    replication: { user: 'repl', password: password() },
    agent: { user: 'mmm_agent', password: password() },
    monitor: { user: 'mmm_monitor', password: password() },
    app: { user: 'app', password: password() },
  };
}

/** Where each account may log in from; `tls`: the monitor and replication accounts REQUIRE SSL. */
export interface AccountHosts {
  /** The address the monitor connects from (monitor HA: one per monitor). */
  monitor: string | readonly string[];
  /** The nodes' addresses (a replica's IO thread logs in from its node). */
  replication: string;
  tls: boolean;
}

/** Loopback nodes: every connection to 127.0.0.x comes from 127.0.0.1 (the route to lo says src 127.0.0.1). */
export const LOOPBACK_HOSTS: Omit<AccountHosts, 'tls'> = { monitor: '127.0.0.1', replication: '127.0.0.1' };

/** The agent's privileges with `durability semisync` (up --semisync): REPLICATION MASTER ADMIN too. */
export const AGENT_PRIVILEGES_SEMISYNC = grantList('agent', 'mariadb', { semisync: true });

/** The statements that create the accounts (session must have sql_log_bin=0); `semisync`: the
 *  agent account as `durability semisync` needs it. */
export function userStatements(c: Credentials, hosts: AccountHosts, opts: { semisync?: boolean } = {}): string[] {
  const create = (a: Account, host: string, grants: string, on: string, requireSsl = false): string[] => [
    `CREATE USER ${sqlString(a.user)}@${sqlString(host)} IDENTIFIED BY ${sqlString(a.password)}${requireSsl ? ' REQUIRE SSL' : ''}`,
    `GRANT ${grants} ON ${on} TO ${sqlString(a.user)}@${sqlString(host)}`,
  ];
  return [
    ...create(c.replication, hosts.replication, REPLICATION_PRIVILEGES.join(', '), '*.*', hosts.tls),
    ...create(c.agent, 'localhost', (opts.semisync ? AGENT_PRIVILEGES_SEMISYNC : AGENT_PRIVILEGES).join(', '), '*.*'),
    ...[hosts.monitor].flat().flatMap((host) => create(c.monitor, host, MONITOR_PRIVILEGES.join(', '), '*.*', hosts.tls)),
    ...create(c.app, '%', APP_PRIVILEGES.join(', '), `\`${TEST_SCHEMA}\`.*`),
  ];
}

/** Creates the accounts on one node without writing them to its binlog. */
export async function createUsers(node: SocketTarget, c: Credentials, hosts: AccountHosts, opts: { semisync?: boolean } = {}): Promise<void> {
  await queries(node, ['SET SESSION sql_log_bin = 0', ...userStatements(c, hosts, opts), 'SET SESSION sql_log_bin = 1']);
}
