// MMM 1.x vocabulary (lib/config.pm, SSL branch) and where each 1.x key lands in the 2.x
// (canonical) form. Some targets depend on the program: a 1.x agent conf and a 1.x mon conf use
// the same key names for different things (bind_port, pid_path, host user/password).
import type { Program } from './types';

export const V1_SECTION_TYPES = ['host', 'role', 'check', 'log', 'email', 'socket_type'] as const;

export type V1Place = 'top' | 'monitor' | 'hostDefault' | 'thisHost';
export interface V1Target {
  place: V1Place;
  key: string;
}
/** undefined = accepted but not used by this program (e.g. monitor_ip in an agent conf). */
type TopMap = (p: Program) => V1Target | undefined;

const to = (place: V1Place, key: string): TopMap => () => ({ place, key });
const agentOr = (agent: V1Target | undefined, other: V1Target | undefined): TopMap => (p) => (p === 'agent' ? agent : other);
const monitorOnly = (key: string): TopMap => agentOr(undefined, { place: 'monitor', key });

export const V1_TOP: Record<string, TopMap> = {
  this: to('top', 'this'),
  debug: to('top', 'debug'),
  active_master_role: to('top', 'active_master_role'),
  max_kill_retries: to('top', 'max_kill_retries'),
  writer_lease: to('top', 'writer_lease'),
  switch_timeout: to('top', 'switch_timeout'),
  demote_grace: to('top', 'demote_grace'),
  durability: to('top', 'durability'),
  semisync_timeout: to('top', 'semisync_timeout'),
  // agent conf: the port this agent listens on; mon conf: the port the monitor listens on.
  bind_port: agentOr({ place: 'thisHost', key: 'agent_port' }, { place: 'monitor', key: 'port' }),
  monitor_ip: monitorOnly('ip'),
  // Per-host in 2.x; one value for the whole cluster in 1.x, so it fills every host.
  agent_port: to('hostDefault', 'agent_port'),
  cluster_interface: to('hostDefault', 'cluster_interface'),
  replication_user: to('hostDefault', 'replication_user'),
  replication_password: to('hostDefault', 'replication_password'),
  // Ours, cluster-wide in 1.x files like replication_user (a host section may override them).
  mysql_socket: to('hostDefault', 'mysql_socket'),
  mysql_ssl: to('hostDefault', 'mysql_ssl'),
  mysql_ssl_ca: to('hostDefault', 'mysql_ssl_ca'),
  vip_reject: to('hostDefault', 'vip_reject'),
  vip_reject_period: to('hostDefault', 'vip_reject_period'),
  term_file: to('hostDefault', 'term_file'),
  pid_path: agentOr({ place: 'hostDefault', key: 'pid_path' }, { place: 'monitor', key: 'pid_path' }),
  bin_path: agentOr({ place: 'hostDefault', key: 'bin_path' }, { place: 'monitor', key: 'bin_path' }),
  status_path: monitorOnly('status_path'),
  failover_method: monitorOnly('mode'),
  wait_for_other_master: monitorOnly('wait_for_other_master'),
  auto_set_online: monitorOnly('auto_set_online'),
  // 1.0 agent confs set mode/peer at top level for their own host.
  mode: agentOr({ place: 'thisHost', key: 'mode' }, undefined),
  peer: agentOr({ place: 'thisHost', key: 'peer' }, undefined),
  // 2.x <monitor> keys, accepted at top level of a 1.x mon conf.
  ping_ips: monitorOnly('ping_ips'),
  ping_interval: monitorOnly('ping_interval'),
  flap_duration: monitorOnly('flap_duration'),
  flap_count: monitorOnly('flap_count'),
  careful_startup: monitorOnly('careful_startup'),
  first_start: monitorOnly('first_start'),
  legacy_failover: monitorOnly('legacy_failover'),
  never_writer: monitorOnly('never_writer'),
  promotion_order: monitorOnly('promotion_order'),
  failover_max_lag: monitorOnly('failover_max_lag'),
  failover_cooldown: monitorOnly('failover_cooldown'),
  http_listen: monitorOnly('http_listen'),
  monitor_addresses: monitorOnly('monitor_addresses'),
  cluster_name: monitorOnly('cluster_name'),
  pre_failover_command: monitorOnly('pre_failover_command'),
  post_failover_command: monitorOnly('post_failover_command'),
  notify_command: monitorOnly('notify_command'),
  hook_timeout: monitorOnly('hook_timeout'),
  pre_failover_interval: monitorOnly('pre_failover_interval'),
  kill_host_bin: monitorOnly('kill_host_bin'),
};

/** 1.x failover_method → 2.x monitor mode (MMM 1.2 silently rewrote `auto` to `wait`; we don't). */
export const FAILOVER_METHOD: Record<string, string> = { auto: 'active', manual: 'manual', wait: 'wait' };

export interface V1Section {
  /** Canonical section type. */
  type: string;
  /** 1.x key → canonical key, for keys whose name differs. */
  rename: (p: Program) => Record<string, string>;
  /** Accepted, not used. */
  ignoredKeys?: readonly string[];
  ignored?: boolean;
}

export const V1_SECTIONS: Record<(typeof V1_SECTION_TYPES)[number], V1Section> = {
  host: {
    type: 'host',
    rename: (p) => p === 'agent'
      ? { port: 'mysql_port', user: 'agent_user', password: 'agent_password' }
      : { port: 'mysql_port', user: 'monitor_user', password: 'monitor_password' },
  },
  role: { type: 'role', rename: () => ({ servers: 'hosts', ip: 'ips' }), ignoredKeys: ['parent_role'] },
  check: { type: 'check', rename: () => ({}) },
  log: { type: 'log', rename: () => ({}) },
  email: { type: 'email', rename: () => ({}), ignoredKeys: ['from_address', 'from_name'], ignored: true },
  socket_type: { type: 'socket', rename: () => ({}) },
};

/** How a canonical key is spelled in 1.x, for "missing key" messages. */
export function v1Name(section: string, key: string): string {
  const names: Record<string, Record<string, string>> = {
    monitor: { ip: 'monitor_ip', port: 'bind_port', mode: 'failover_method' },
    role: { hosts: 'servers', ips: 'ip' },
    host: { mysql_port: 'port' },
  };
  return names[section]?.[key] ?? key;
}
