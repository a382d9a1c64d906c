// MMM's RULESET (lib/Common/Config.pm) as data, in 2.x key names (the canonical form that
// 1.x files are normalized to). `required` lists the programs for which a key is required;
// conditional requirements (peer for masters, ca_file with ssl…) are checked in build.ts.
import type { Program } from './types';

export type ValueKind =
  | 'string' | 'path' | 'ip' | 'port' | 'posint' | 'uint' | 'posnum' | 'unum'
  | 'bool' | 'enum' | 'list' | 'iplist' | 'peer_role' | 'listen' | 'listenlist' | 'endpoints';

export interface KeyRule {
  kind: ValueKind;
  values?: readonly string[];
  required?: readonly Program[];
  /** May be given several times; values accumulate. */
  repeatable?: boolean;
  /** An mmm addition, not in MMM. */
  ours?: boolean;
  /** Accepted for compatibility (MMM tools), not used by mmm. */
  ignored?: boolean;
  /** Documented default (the value itself comes from DEFAULTS in types.ts). */
  default?: string;
}

export interface SectionRule {
  named: boolean;
  /** Named section `default` fills unset keys of every other section of this type. */
  template?: boolean;
  /** The only names allowed (besides `default` for templates). */
  names?: readonly string[];
  ignored?: boolean;
  keys: Record<string, KeyRule>;
}

const str: KeyRule = { kind: 'string' };
const path: KeyRule = { kind: 'path' };
const ign: KeyRule = { kind: 'string', ignored: true };

export const TOP_RULES: Record<string, KeyRule> = {
  this: { kind: 'string', required: ['agent'] },
  debug: { kind: 'bool', default: '0' },
  active_master_role: { kind: 'string', required: ['agent', 'monitor'] },
  max_kill_retries: { kind: 'uint', default: '10' },
  writer_lease: { kind: 'posnum', ours: true, default: '10' },
  switch_timeout: { kind: 'posnum', ours: true, default: '10' },
  demote_grace: { kind: 'unum', ours: true, default: '1' },
  // Read by agents and the monitor alike, so top level only (mmm_common.conf).
  durability: { kind: 'enum', values: ['async', 'semisync'], ours: true, default: 'async' },
  semisync_timeout: { kind: 'posnum', ours: true, default: '30' },
  default_copy_method: ign,
  clone_dirs: ign,
};

export const SECTION_RULES: Record<string, SectionRule> = {
  monitor: {
    named: false,
    keys: {
      ip: { kind: 'ip', required: ['monitor', 'control'] },
      port: { kind: 'port', default: '9988' },
      // Monitor HA (issue 19): every monitor's control address, for mmm_control (after ip:port when both are set).
      monitor_addresses: { kind: 'listenlist', ours: true },
      pid_path: path,
      bin_path: path,
      status_path: path,
      ping_ips: { kind: 'iplist', default: 'the ip of every host' },
      ping_interval: { kind: 'posnum', default: '1' },
      flap_duration: { kind: 'posnum', default: '3600' },
      flap_count: { kind: 'posint', default: '3' },
      auto_set_online: { kind: 'unum', default: '0' },
      kill_host_bin: path,
      careful_startup: { kind: 'bool', default: '1' },
      first_start: { kind: 'enum', values: ['manual', 'vote'], ours: true, default: 'manual' },
      legacy_failover: { kind: 'enum', values: ['safe', 'mmm'], ours: true, default: 'safe' },
      never_writer: { kind: 'list', ours: true },
      promotion_order: { kind: 'list', ours: true },
      failover_max_lag: { kind: 'posnum', ours: true },
      failover_cooldown: { kind: 'unum', ours: true, default: '3600' },
      // Observability (issue 17): the HTTPS API, status page and /metrics; hooks.
      http_listen: { kind: 'listen', ours: true },
      // The `cluster` label of /metrics (and of the hooks' environment): MMM has no cluster name.
      cluster_name: { kind: 'string', ours: true, default: "the @cluster, else 'default'" },
      pre_failover_command: { kind: 'string', ours: true },
      post_failover_command: { kind: 'string', ours: true },
      notify_command: { kind: 'string', ours: true },
      hook_timeout: { kind: 'posnum', ours: true, default: '10' },
      pre_failover_interval: { kind: 'unum', ours: true, default: '30' },
      mode: { kind: 'enum', values: ['active', 'manual', 'wait', 'passive'], default: 'active' },
      wait_for_other_master: { kind: 'unum', default: '120' },
      writer_lease: { kind: 'posnum', ours: true, default: '10' },
      switch_timeout: { kind: 'posnum', ours: true, default: '10' },
    },
  },
  host: {
    named: true,
    template: true,
    keys: {
      ip: { kind: 'ip', required: ['agent', 'monitor', 'control'] },
      mode: { kind: 'enum', values: ['master', 'slave'], required: ['agent', 'monitor'] },
      peer: str,
      pid_path: path,
      bin_path: path,
      cluster_interface: str,
      agent_port: { kind: 'port', default: '9989' },
      mysql_port: { kind: 'port', default: '3306' },
      mysql_pidfile: path,
      mysql_rcscript: path,
      mysql_cnf: path,
      agent_user: str,
      agent_password: str,
      monitor_user: str,
      monitor_password: str,
      replication_user: str,
      replication_password: str,
      ip_add_command: { kind: 'string', ours: true },
      ip_del_command: { kind: 'string', ours: true },
      // The reject path (issue 18): a demoted writer answers connections to the VIP it gave up with resets.
      vip_reject: { kind: 'bool', ours: true, default: 'yes' },
      vip_reject_period: { kind: 'posnum', ours: true, default: '60' },
      // The agent's health endpoints for load balancers (issue 17): HTTPS with mutual TLS, or plain HTTP.
      health_listen: { kind: 'listen', ours: true },
      health_http_listen: { kind: 'listen', ours: true },
      // Monitor HA (issue 19): where the agent keeps the highest term it has seen (fsync'd before it answers OK).
      term_file: { kind: 'path', ours: true, default: '/var/lib/mmm/mmmd_agent.<host>.term.json (mmmd_agent_<cluster>.<host>.term.json with @cluster)' },
      // A path, or `none` (TCP to 127.0.0.1:mysql_port): resolved in build.ts, not by kind.
      mysql_socket: { kind: 'string', ours: true, default: '/run/mysqld/mysqld.sock' },
      mysql_ssl: { kind: 'bool', ours: true, default: 'on when a CA is configured (mysql_ssl_ca or socket ca_file)' },
      mysql_ssl_ca: { kind: 'path', ours: true, default: 'socket ca_file' },
      ssh_user: ign, ssh_port: ign, ssh_parameters: ign, tools_user: ign, tools_password: ign,
      backup_dir: ign, restore_dir: ign, lvm_bin_lvcreate: ign, lvm_bin_lvremove: ign,
      lvm_snapshot_size: ign, lvm_logical_volume: ign, lvm_volume_group: ign, lvm_mount_dir: ign,
      lvm_mount_opts: ign,
    },
  },
  role: {
    named: true,
    keys: {
      mode: { kind: 'enum', values: ['exclusive', 'balanced'], required: ['monitor'] },
      hosts: { kind: 'list', required: ['monitor'] },
      ips: { kind: 'iplist', required: ['agent', 'monitor'] },
      prefer: str,
    },
  },
  check: {
    named: true,
    template: true,
    names: ['ping', 'mysql', 'rep_threads', 'rep_backlog'],
    keys: {
      check_period: { kind: 'posnum', default: '5' },
      trap_period: { kind: 'posnum', default: '10' },
      timeout: { kind: 'posnum', default: '2' },
      restart_after: { kind: 'posint', default: '10000' },
      max_backlog: { kind: 'uint', default: '60' },
    },
  },
  socket: {
    named: false,
    keys: {
      type: { kind: 'enum', values: ['plain', 'ssl'], default: 'plain' },
      cert_file: path,
      key_file: path,
      ca_file: path,
      verify_mode: { kind: 'enum', values: ['0', '1'], ours: true, default: '1' },
      client_cert_file: { kind: 'path', ours: true, default: 'cert_file' },
      client_key_file: { kind: 'path', ours: true, default: 'key_file' },
      crl_file: { kind: 'path', ours: true },
      tls_min_version: { kind: 'enum', values: ['TLSv1.2', 'TLSv1.3'], ours: true, default: 'TLSv1.2' },
      tls_listen: { kind: 'enum', values: ['tls', 'both'], ours: true, default: 'tls' },
      tls_connect: { kind: 'enum', values: ['enforce', 'relaxed'], ours: true, default: 'enforce' },
      cert_expiry_warn_days: { kind: 'uint', ours: true, default: '30' },
      peer_role: { kind: 'peer_role', repeatable: true, ours: true },
    },
  },
  // Monitor HA on etcd (issue 19, docs/ha.md). Only as written: required keys apply once the section exists.
  monitor_ha: {
    named: false,
    keys: {
      etcd_endpoints: { kind: 'endpoints', ours: true, required: ['agent', 'monitor', 'control'] },
      etcd_ca: { kind: 'path', ours: true, default: 'socket ca_file' },
      etcd_cert: { kind: 'path', ours: true, required: ['agent', 'monitor', 'control'] },
      etcd_key: { kind: 'path', ours: true, required: ['agent', 'monitor', 'control'] },
      key_prefix: { kind: 'string', ours: true, default: '/mmm/v1/<cluster>/' },
      lease_ttl: { kind: 'posint', ours: true, default: '3' },
      monitor_id: { kind: 'string', ours: true, default: 'the host name' },
      control_address: { kind: 'listen', ours: true, default: 'the <monitor> ip:port' },
    },
  },
  /** 1.x only (2.x logs through Log4perl files). */
  log: {
    named: true,
    keys: {
      file: path,
      level: { kind: 'enum', values: ['trap', 'debug', 'info', 'notice', 'warn', 'error', 'fatal'] },
      email: str,
    },
  },
  copy_method: { named: true, ignored: true, keys: {} },
};

/** Sections a 2.x file may contain (`log` is 1.x only). */
export const SECTIONS_2X = ['monitor', 'host', 'role', 'check', 'socket', 'monitor_ha', 'copy_method'] as const;

export const LEVELS_1X = SECTION_RULES.log.keys.level.values;
