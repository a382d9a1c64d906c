// The typed configuration model. Both MMM syntaxes (1.x and 2.x) load into this one shape;
// the same cluster written in either syntax gives a deep-equal MmmConfig.
import type { PeerRole } from '../model/peer-role';

export type Program = 'agent' | 'monitor' | 'control';
export type Syntax = '1.x' | '2.x';

export type HostMode = 'master' | 'slave';
export type RoleMode = 'exclusive' | 'balanced';
export const CHECK_NAMES = ['ping', 'mysql', 'rep_threads', 'rep_backlog'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];
export type MonitorMode = 'active' | 'manual' | 'wait' | 'passive';

/** An address a daemon listens on (`IP:PORT`, `[IPv6]:PORT`). */
export interface ListenAddress {
  ip: string;
  port: number;
}

export interface HostConfig {
  name: string;
  ip: string;
  mode: HostMode;
  /** The other master; required for mode master. */
  peer?: string;
  agentPort: number; // 9989
  mysqlPort: number; // 3306
  /** NIC the role IPs go on (required for the agent's own host). */
  clusterInterface?: string;
  agentUser?: string;
  agentPassword?: string;
  monitorUser?: string;
  monitorPassword?: string;
  replicationUser?: string;
  replicationPassword?: string;
  pidPath?: string;
  binPath?: string;
  mysqlPidfile?: string;
  mysqlRcscript?: string;
  mysqlCnf?: string;
  /** Our addition: replaces `ip addr add` (clouds without VIPs). Called with IP and interface. */
  ipAddCommand?: string;
  /** Our addition: replaces `ip addr del`. */
  ipDelCommand?: string;
  /** Our addition: after a demotion, connections to the writer VIP that left are refused (nft). Unset: DEFAULTS.vipReject. */
  vipReject?: boolean;
  /** Our addition: seconds the refusal lasts after the VIP left. Unset: DEFAULTS.vipRejectPeriod. */
  vipRejectPeriod?: number;
  /**
   * Our addition: the unix socket this host's agent reaches its own server on (absolute), or
   * `none`: TCP to 127.0.0.1:mysql_port. Unset: DEFAULT_MYSQL_SOCKET (mysql-link.ts).
   */
  mysqlSocket?: string;
  /** Our addition: TLS to this host's MySQL (monitor checks, replication from it). Unset: on when a CA is configured. */
  mysqlSsl?: boolean;
  /** Our addition: the CA that signed this host's MySQL server certificate. Unset: socket ca_file. */
  mysqlSslCa?: string;
  /** Our addition: the agent's health endpoints (/writer, /reader, /health) over HTTPS with mutual TLS. Unset: off. */
  healthListen?: ListenAddress;
  /** Our addition: the same endpoints over plain HTTP, only on the address the operator names. Unset: off. */
  healthHttpListen?: ListenAddress;
  /** Our addition (monitor HA): the agent's term record. Unset: defaultTermFile() (agent). */
  termFile?: string;
}

export interface RoleConfig {
  name: string;
  mode: RoleMode;
  hosts: string[];
  ips: string[];
  /** Exclusive roles only: the host the role returns to. */
  prefer?: string;
}

export interface CheckConfig {
  name: CheckName;
  /** Seconds (fractions allowed, e.g. 0.25). */
  checkPeriod: number;
  trapPeriod: number;
  timeout: number;
  restartAfter: number;
  maxBacklog: number;
}

export interface PeerRoleRule {
  /** A certificate CN or SAN value (DNS name, IP or URI) that gets `role`. */
  match: string;
  role: PeerRole;
}

export interface SocketConfig {
  type: 'plain' | 'ssl';
  certFile?: string; // absolute (resolved against the config file's folder)
  keyFile?: string;
  caFile?: string;
  /** 1 (default with ssl): the client verifies the server's chain and identity. 0: no verification, warned. */
  verifyMode: 0 | 1;
  clientCertFile?: string; // defaults to certFile when absent
  clientKeyFile?: string; // defaults to keyFile when absent
  crlFile?: string;
  tlsMinVersion: 'TLSv1.2' | 'TLSv1.3';
  /** Listener: `tls` only, or `both` (TLS and plain on one port, for migrations). */
  tlsListen: 'tls' | 'both';
  /** Client: `enforce` (TLS only) or `relaxed` (plain only when the peer speaks only plain). */
  tlsConnect: 'enforce' | 'relaxed';
  certExpiryWarnDays: number; // 30
  peerRoles: PeerRoleRule[];
}

export interface MonitorConfig {
  ip: string;
  port: number; // 9988
  /**
   * Our addition (monitor HA): every monitor's control address, for mmm_control, which tries
   * `ip`:`port` first when set, then these in order. Unset: `ip`:`port` only.
   */
  monitorAddresses?: ListenAddress[];
  pidPath?: string;
  binPath?: string;
  statusPath?: string;
  pingIps: string[];
  pingInterval: number; // 1
  flapDuration: number; // 3600
  flapCount: number; // 3
  autoSetOnline: number; // 0 = off
  killHostBin?: string;
  carefulStartup: boolean; // true (MMM code default)
  /**
   * Our addition. `manual` (default, as MMM operators see it): a host with no stored or reported
   * state stays AWAITING_RECOVERY until `set_online`. `vote`: the startup writer vote's winner goes
   * ONLINE at once (the sandbox uses it).
   */
  firstStart: 'manual' | 'vote';
  /**
   * Our addition: a failed writer that runs an MMM 2.x agent (no lease). `safe` (default): another
   * host is made writable only once it is known dead or fenced (docs/upgrade.md). `mmm`: after
   * trap_period, as MMM 2.x did — a crash may leave two writers; warned at start.
   */
  legacyFailover: 'safe' | 'mmm';
  /** Our addition: hosts never made the writer (failover, orphaned writer role, move_role). */
  neverWriter?: string[];
  /** Our addition: hosts of the active master role in the order a failover tries them (after `prefer`). */
  promotionOrder?: string[];
  /** Our addition: seconds of replication lag beyond which a host is not made the writer automatically. */
  failoverMaxLag?: number;
  /**
   * Our addition: seconds after an automatic failover during which another automatic failover is
   * blocked until `ack_failover` (0 = off). Built configs always carry it (default 3600).
   */
  failoverCooldown?: number;
  /** Our addition: the HTTPS API, status page and /metrics (mutual TLS, the control port's rules). Unset: off. */
  httpListen?: ListenAddress;
  /** Our addition: the cluster's name in /metrics labels. Built configs always carry it (default `default`). */
  clusterName?: string;
  /** Our addition: runs before a failover or switchover changes anything; a non-zero exit vetoes that attempt. */
  preFailoverCommand?: string;
  /** Our addition: runs after a failover or switchover (asynchronous). */
  postFailoverCommand?: string;
  /** Our addition: runs for every state or role change and blocked decision (asynchronous). */
  notifyCommand?: string;
  /** Our addition: seconds a hook may run before it is killed. Built configs always carry it (default 10). */
  hookTimeout?: number;
  /** Our addition: seconds before pre_failover_command runs again for a vetoed attempt. Built configs always carry it (default 30). */
  preFailoverInterval?: number;
  mode: MonitorMode; // active
  waitForOtherMaster: number; // 120
}

export interface LogConfig {
  name: string;
  file?: string;
  level?: string;
  email?: string;
}

export type Durability = 'async' | 'semisync';

export interface MmmConfig {
  /** The agent's own host name (`this`). */
  this?: string;
  debug: boolean;
  activeMasterRole: string; // 1.x files have none: 'writer'
  maxKillRetries: number; // 10
  hosts: Record<string, HostConfig>;
  roles: Record<string, RoleConfig>;
  checks: Record<CheckName, CheckConfig>;
  socket: SocketConfig;
  monitor?: MonitorConfig;
  /** Our addition: seconds a writer's agent keeps writing without hearing an authorized monitor. */
  writerLease: number;
  /** Our addition: seconds a planned switch may wait for the candidate to catch up. */
  switchTimeout: number;
  /** Our addition: seconds a demoted writer's clients get to finish before their connections are ended. */
  demoteGrace: number;
  /** Our addition: `async` (MMM) or `semisync` (the agents configure MariaDB's semi-sync as roles move). */
  durability: Durability;
  /** Our addition: seconds the writer waits for a replica's acknowledgement before it falls back to async. */
  semisyncTimeout: number;
  logs: Record<string, LogConfig>;
  /** Our addition (issue 19, docs/ha.md): `<monitor_ha>`, several monitors with one leader elected in etcd. Unset: no HA. */
  monitorHa?: MonitorHaConfig;
}

/**
 * `<monitor_ha>`: how this monitor reaches etcd and takes part in the election. What depends on how
 * the daemon was started (the @cluster, the host name) stays unset here: resolveMonitorHa fills it.
 */
export interface MonitorHaConfig {
  /** `https://IP:PORT` (`https://[IPv6]:PORT`), at least one; plaintext is refused. */
  etcdEndpoints: string[];
  /** The CA etcd's certificates chain to (absolute). Built configs always carry it (default: socket ca_file). */
  etcdCa: string;
  /** This monitor's client certificate and key for etcd (absolute). */
  etcdCert: string;
  etcdKey: string;
  /** Starts and ends with `/`. Unset: `/mmm/v1/<cluster>/`. */
  keyPrefix?: string;
  /** Seconds (whole, ≥ 2: etcd's floor) of the leader's lease. */
  leaseTtl: number;
  /** This monitor's name in etcd and in SET_TERM. Unset: the host name. */
  monitorId?: string;
  /** Where the other monitors and mmm_control reach this monitor's control port. Unset: the `<monitor>` ip:port. */
  controlAddress?: ListenAddress;
}

/** Where a loaded config came from (kept apart so both syntaxes compare equal). */
export interface LoadedConfig {
  config: MmmConfig;
  syntax: Syntax;
  /** Every file read, main file first. */
  files: string[];
  /** Non-fatal findings (e.g. socket_type plain). */
  warnings: string[];
  /**
   * Where each used key was set, for messages that point at the config: keys like `this`,
   * `socket.cert_file`, `monitor.kill_host_bin`, `host.db1.ip`, `role.writer.ips`.
   */
  origins?: Record<string, { file: string; line: number }>;
}

export const DEFAULTS = {
  agentPort: 9989,
  mysqlPort: 3306,
  monitorPort: 9988,
  maxKillRetries: 10,
  pingInterval: 1,
  flapDuration: 3600,
  flapCount: 3,
  autoSetOnline: 0,
  carefulStartup: true,
  firstStart: 'manual' as 'manual' | 'vote',
  legacyFailover: 'safe' as 'safe' | 'mmm',
  failoverCooldown: 3600,
  hookTimeout: 10,
  preFailoverInterval: 30,
  monitorMode: 'active' as MonitorMode,
  waitForOtherMaster: 120,
  writerLease: 10,
  switchTimeout: 10,
  demoteGrace: 1,
  vipReject: true,
  vipRejectPeriod: 60,
  durability: 'async' as Durability,
  semisyncTimeout: 30,
  certExpiryWarnDays: 30,
  leaseTtl: 3,
  check: { checkPeriod: 5, trapPeriod: 10, timeout: 2, restartAfter: 10000, maxBacklog: 60 },
} as const;
