// Typed config from merged sections (pure): defaults, required keys per program and syntax, and
// the cross-field rules (this names a host, peers are masters, roles name hosts…).
import type { ConfigIssue } from '../errors';
import { CHECK_NAMES, DEFAULTS } from './types';
import type {
  CheckConfig, CheckName, Durability, HostConfig, ListenAddress, LogConfig, MmmConfig, MonitorConfig, PeerRoleRule, Program,
  RoleConfig, SocketConfig, Syntax,
} from './types';
import type { Origin } from './raw';
import type { Merged, Section } from './merge';
import { label, ruleFor, rulesFor } from './merge';
import { v1Name } from './ruleset-1x';
import { didYouMean } from './suggest';
import { own } from '../model/own';
import { MYSQL_SOCKET_NONE, clusterCa } from './mysql-link';
import * as path from './posix-path';
import { buildMonitorHa } from './build-ha';

export interface Built {
  config?: MmmConfig;
  issues: ConfigIssue[];
  warnings: string[];
  /** `this`, `socket.cert_file`, `host.db1.ip`, `monitor.kill_host_bin`… → where it was set. */
  origins: Record<string, Origin>;
}

/** Drops undefined fields so that configs compare deep-equal whatever the syntax. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function build(m: Merged, program: Program, syntax: Syntax): Built {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const origins: Record<string, Origin> = {};
  const err = (o: Origin, message: string, hint?: string): void => void issues.push({ file: o.file, line: o.line, message, hint });
  const keyName = (s: Section, key: string): string => (syntax === '1.x' ? v1Name(s.type, key) : key);
  const where = (s: Section): string => (s.type === 'top' || (syntax === '1.x' && s.type === 'monitor') ? '' : ` in ${label(s, syntax)}`);

  /** The parsed value; reports a missing required key at the section header. */
  const get = <T>(s: Section, key: string, required = (ruleFor(s.type, key)?.required ?? []).includes(program)): T | undefined => {
    const v = s.values.get(key);
    if (v) {
      origins[[s.type === 'top' ? '' : s.type, s.name, key].filter(Boolean).join('.')] = { file: v.origin.file, line: v.origin.line };
      return v.value as T;
    }
    if (required && !s.invalid.has(key)) {
      err(s.header, `missing required key '${keyName(s, key)}'${where(s)}`, `add '${keyName(s, key)} <value>'${where(s)}`);
    }
    return undefined;
  };
  const originOf = (s: Section, key: string): Origin => s.values.get(key)?.origin ?? s.header;
  const all = (type: string): Section[] => [...m.sections.values()].filter((s) => s.type === type);
  const top = m.top;

  // Hosts
  const hosts: Record<string, HostConfig> = {};
  const hostSecs = all('host');
  for (const s of hostSecs) {
    const name = s.name!;
    hosts[name] = compact<HostConfig>({
      name,
      ip: get<string>(s, 'ip') ?? '',
      mode: get<'master' | 'slave'>(s, 'mode') ?? 'slave',
      peer: get<string>(s, 'peer'),
      agentPort: get<number>(s, 'agent_port') ?? DEFAULTS.agentPort,
      mysqlPort: get<number>(s, 'mysql_port') ?? DEFAULTS.mysqlPort,
      clusterInterface: get<string>(s, 'cluster_interface'),
      agentUser: get<string>(s, 'agent_user'),
      agentPassword: get<string>(s, 'agent_password'),
      monitorUser: get<string>(s, 'monitor_user'),
      monitorPassword: get<string>(s, 'monitor_password'),
      replicationUser: get<string>(s, 'replication_user'),
      replicationPassword: get<string>(s, 'replication_password'),
      pidPath: get<string>(s, 'pid_path'),
      binPath: get<string>(s, 'bin_path'),
      mysqlPidfile: get<string>(s, 'mysql_pidfile'),
      mysqlRcscript: get<string>(s, 'mysql_rcscript'),
      mysqlCnf: get<string>(s, 'mysql_cnf'),
      ipAddCommand: get<string>(s, 'ip_add_command'),
      ipDelCommand: get<string>(s, 'ip_del_command'),
      vipReject: get<boolean>(s, 'vip_reject'),
      vipRejectPeriod: get<number>(s, 'vip_reject_period'),
      mysqlSocket: socketPath(get<string>(s, 'mysql_socket'), originOf(s, 'mysql_socket').file),
      mysqlSsl: get<boolean>(s, 'mysql_ssl'),
      mysqlSslCa: get<string>(s, 'mysql_ssl_ca'),
      healthListen: get<ListenAddress>(s, 'health_listen'),
      healthHttpListen: get<ListenAddress>(s, 'health_http_listen'),
      termFile: get<string>(s, 'term_file'),
    });
  }
  for (const s of hostSecs) {
    const h = own(hosts, s.name!)!;
    if (h.mode !== 'master' || !s.values.has('mode')) continue;
    if (!h.peer) {
      if (!s.invalid.has('peer')) err(s.header, `master ${s.name} has no 'peer'${where(s)}`, `add 'peer <the other master>'${where(s)}`);
    } else if (!own(hosts, h.peer)) {
      err(originOf(s, 'peer'), `peer '${h.peer}' is not a host`, didYouMean(h.peer, Object.keys(hosts)));
    } else if (h.peer === h.name) {
      err(originOf(s, 'peer'), `peer of ${h.name} is itself`, 'name the other master');
    } else if (own(hosts, h.peer)!.mode !== 'master') {
      err(originOf(s, 'peer'), `peer '${h.peer}' of ${h.name} is not a master`, `set 'mode master' for ${h.peer} or name another peer`);
    }
  }

  // Top level
  const self = get<string>(top, 'this');
  if (self !== undefined) {
    const s = m.sections.get(`host ${self}`);
    if (!own(hosts, self)) err(originOf(top, 'this'), `this '${self}' is not a host`, didYouMean(self, Object.keys(hosts)));
    else if (program === 'agent' && s) get<string>(s, 'cluster_interface', true);
  }
  const amrGiven = get<string>(top, 'active_master_role', syntax === '2.x' && (rulesFor('top').active_master_role.required ?? []).includes(program));
  const activeMasterRole = amrGiven ?? 'writer';

  // Roles
  const roles: Record<string, RoleConfig> = {};
  for (const s of all('role')) {
    const name = s.name!;
    const mode = get<'exclusive' | 'balanced'>(s, 'mode') ?? (name === activeMasterRole ? 'exclusive' : 'balanced');
    const r: RoleConfig = compact({ name, mode, hosts: get<string[]>(s, 'hosts') ?? [], ips: get<string[]>(s, 'ips') ?? [], prefer: get<string>(s, 'prefer') });
    roles[name] = r;
    const unknownHosts = r.hosts.filter((h) => !own(hosts, h));
    for (const h of unknownHosts) err(originOf(s, 'hosts'), `${keyName(s, 'hosts')} of role ${name}: '${h}' is not a host`, didYouMean(h, Object.keys(hosts)));
    if (mode === 'exclusive' && r.ips.length > 1) {
      err(originOf(s, 'ips'), `exclusive role ${name} has ${r.ips.length} ips`, 'an exclusive role has exactly one ip; make it balanced or keep one ip');
    }
    if (r.prefer !== undefined) {
      if (!r.hosts.includes(r.prefer)) err(originOf(s, 'prefer'), `prefer '${r.prefer}' is not among the hosts of role ${name}`, didYouMean(r.prefer, r.hosts));
      else if (mode !== 'exclusive') err(originOf(s, 'prefer'), `prefer on balanced role ${name}`, 'prefer applies to exclusive roles only');
    }
    if (name === activeMasterRole && mode !== 'exclusive') {
      err(originOf(s, 'mode'), `active master role ${name} must be exclusive`, "write 'mode exclusive'");
    }
  }
  if (!own(roles, activeMasterRole) && (amrGiven !== undefined || program !== 'control') && !top.invalid.has('active_master_role')) {
    if (amrGiven !== undefined) {
      err(originOf(top, 'active_master_role'), `active_master_role '${amrGiven}' is not a role`, didYouMean(amrGiven, Object.keys(roles)));
    } else if (syntax === '1.x' && program === 'agent' && Object.keys(roles).length === 0) {
      // MMM 1.x kept roles in the monitor's file only: the agent takes them as the monitor sends them
      warnings.push('no role sections (an MMM 1.x agent file): role IPs are taken as the monitor sends them, this agent cannot check them');
    } else if (syntax === '1.x') {
      err(top.header, "no role 'writer' (1.x files have no active_master_role: the role named writer is the active master role)",
        "add a 'role writer' section, or 'active_master_role <role>'");
    }
  }

  // Checks
  const checks = {} as Record<CheckName, CheckConfig>;
  for (const c of CHECK_NAMES) {
    const s = m.sections.get(`check ${c}`)!;
    checks[c] = {
      name: c,
      checkPeriod: get<number>(s, 'check_period') ?? DEFAULTS.check.checkPeriod,
      trapPeriod: get<number>(s, 'trap_period') ?? DEFAULTS.check.trapPeriod,
      timeout: get<number>(s, 'timeout') ?? DEFAULTS.check.timeout,
      restartAfter: get<number>(s, 'restart_after') ?? DEFAULTS.check.restartAfter,
      maxBacklog: get<number>(s, 'max_backlog') ?? DEFAULTS.check.maxBacklog,
    };
  }

  const socket = buildSocket(m.sections.get('socket')!, program, get, warnings);
  for (const s of hostSecs) {
    const h = hosts[s.name!];
    if (h.mysqlSsl === true && h.mysqlSslCa === undefined && clusterCa(socket) === undefined) {
      err(originOf(s, 'mysql_ssl'), `mysql_ssl on for ${s.name} needs the CA that signed its MySQL server certificate`,
        `set 'mysql_ssl_ca <file>'${where(s)}, or configure the socket's ca_file`);
    }
  }
  const monSec = m.sections.get('monitor');
  let monitor: MonitorConfig | undefined;
  if (monSec && (program !== 'agent' || monSec.values.has('ip'))) {
    monitor = compact<MonitorConfig>({
      // mmm_control needs no ip when monitor_addresses names the monitors.
      ip: get<string>(monSec, 'ip', program === 'control' ? !monSec.values.has('monitor_addresses') && !monSec.invalid.has('monitor_addresses') : undefined) ?? '',
      port: get<number>(monSec, 'port') ?? DEFAULTS.monitorPort,
      monitorAddresses: get<ListenAddress[]>(monSec, 'monitor_addresses'),
      pidPath: get<string>(monSec, 'pid_path'),
      binPath: get<string>(monSec, 'bin_path'),
      statusPath: get<string>(monSec, 'status_path'),
      // Our decision: without ping_ips the monitor pings the hosts themselves.
      pingIps: get<string[]>(monSec, 'ping_ips') ?? Object.values(hosts).map((h) => h.ip).filter((ip) => ip !== ''),
      pingInterval: get<number>(monSec, 'ping_interval') ?? DEFAULTS.pingInterval,
      flapDuration: get<number>(monSec, 'flap_duration') ?? DEFAULTS.flapDuration,
      flapCount: get<number>(monSec, 'flap_count') ?? DEFAULTS.flapCount,
      autoSetOnline: get<number>(monSec, 'auto_set_online') ?? DEFAULTS.autoSetOnline,
      killHostBin: get<string>(monSec, 'kill_host_bin'),
      carefulStartup: get<boolean>(monSec, 'careful_startup') ?? DEFAULTS.carefulStartup,
      firstStart: get<MonitorConfig['firstStart']>(monSec, 'first_start') ?? DEFAULTS.firstStart,
      legacyFailover: get<MonitorConfig['legacyFailover']>(monSec, 'legacy_failover') ?? DEFAULTS.legacyFailover,
      neverWriter: get<string[]>(monSec, 'never_writer'),
      promotionOrder: get<string[]>(monSec, 'promotion_order'),
      failoverMaxLag: get<number>(monSec, 'failover_max_lag'),
      failoverCooldown: get<number>(monSec, 'failover_cooldown') ?? DEFAULTS.failoverCooldown,
      httpListen: get<ListenAddress>(monSec, 'http_listen'),
      clusterName: get<string>(monSec, 'cluster_name'),
      preFailoverCommand: get<string>(monSec, 'pre_failover_command'),
      postFailoverCommand: get<string>(monSec, 'post_failover_command'),
      notifyCommand: get<string>(monSec, 'notify_command'),
      hookTimeout: get<number>(monSec, 'hook_timeout') ?? DEFAULTS.hookTimeout,
      preFailoverInterval: get<number>(monSec, 'pre_failover_interval') ?? DEFAULTS.preFailoverInterval,
      mode: get<MonitorConfig['mode']>(monSec, 'mode') ?? DEFAULTS.monitorMode,
      waitForOtherMaster: get<number>(monSec, 'wait_for_other_master') ?? DEFAULTS.waitForOtherMaster,
    });
  } else if (program !== 'agent') {
    err(top.header, `missing <monitor> section with 'ip'`, "add <monitor> ip 127.0.0.1 </monitor>");
  }
  if (monSec && monitor) checkPromotionPolicy(monSec, monitor, hosts, roles[activeMasterRole], originOf, err);
  if (monSec && monitor?.httpListen && monitor.httpListen.port === monitor.port && sameListenIp(monitor.httpListen.ip, monitor.ip)) {
    err(originOf(monSec, 'http_listen'), `http_listen ${monitor.httpListen.ip}:${monitor.httpListen.port} is the control port`, 'give the HTTPS API a port of its own, e.g. 9990');
  }
  if (monSec && monitor?.clusterName !== undefined && !CLUSTER_NAME.test(monitor.clusterName)) {
    err(originOf(monSec, 'cluster_name'), `cluster_name '${monitor.clusterName}' is not a name`, 'use letters, digits, dot, dash and underscore, e.g. shop-eu1');
  }
  for (const s of hostSecs) {
    const h = own(hosts, s.name!);
    if (!h) continue;
    for (const key of ['health_listen', 'health_http_listen'] as const) {
      const a = key === 'health_listen' ? h.healthListen : h.healthHttpListen;
      if (a && a.port === h.agentPort && sameListenIp(a.ip, h.ip)) err(originOf(s, key), `${key} ${a.ip}:${a.port} of ${h.name} is its agent port`, 'give the health endpoint a port of its own, e.g. 9991');
    }
    if (h.healthListen && h.healthHttpListen && h.healthListen.port === h.healthHttpListen.port && sameListenIp(h.healthListen.ip, h.healthHttpListen.ip)) {
      err(originOf(s, 'health_http_listen'), `health_http_listen of ${h.name} is the same address as its health_listen`, 'use another port for plain HTTP');
    }
  }

  const haSec = m.sections.get('monitor_ha');
  const monitorHa = haSec ? buildMonitorHa(haSec, { get, originOf, err, socket, monitor }) : undefined;

  const logs: Record<string, LogConfig> = {};
  for (const s of all('log')) {
    logs[s.name!] = compact<LogConfig>({ name: s.name!, file: get(s, 'file'), level: get(s, 'level'), email: get(s, 'email') });
  }

  const lease = (key: string, def: number): number =>
    (monSec ? get<number>(monSec, key) : undefined) ?? get<number>(top, key) ?? def;
  const config = compact<MmmConfig>({
    this: self,
    debug: get<boolean>(top, 'debug') ?? false,
    activeMasterRole,
    maxKillRetries: get<number>(top, 'max_kill_retries') ?? DEFAULTS.maxKillRetries,
    hosts, roles, checks, socket, monitor,
    writerLease: lease('writer_lease', DEFAULTS.writerLease),
    switchTimeout: lease('switch_timeout', DEFAULTS.switchTimeout),
    demoteGrace: get<number>(top, 'demote_grace') ?? DEFAULTS.demoteGrace,
    durability: get<Durability>(top, 'durability') ?? DEFAULTS.durability,
    semisyncTimeout: get<number>(top, 'semisync_timeout') ?? DEFAULTS.semisyncTimeout,
    logs,
    monitorHa,
  });
  const semisync = semisyncWarning(config);
  if (semisync) warnings.push(semisync);
  return { config: issues.length ? undefined : config, issues, warnings, origins };
}

/**
 * Seconds the agent's `SET GLOBAL read_only=1` may wait before it ends the client connections and
 * tries again (the agent's query bound, 5 s): commits waiting for a semi-sync acknowledgement
 * hold read_only=1 until they end (observed on MariaDB 10.11: the whole semisync_timeout).
 */
export const FENCE_READ_ONLY_BOUND_S = 5;

/**
 * A writer cut off from every replica waits semisync_timeout for an acknowledgement, then
 * acknowledges writes asynchronously; only its lease stops it: at writer_lease its agent sets
 * read_only=1, which those commits hold for up to FENCE_READ_ONLY_BOUND_S, then ends their
 * connections (the clients get an error, not an acknowledgement). A shorter timeout lets it
 * acknowledge writes that the failover on the other side then loses.
 */
export function semisyncWarning(c: Pick<MmmConfig, 'durability' | 'semisyncTimeout' | 'writerLease'>): string | undefined {
  const needed = c.writerLease + FENCE_READ_ONLY_BOUND_S;
  if (c.durability !== 'semisync' || c.semisyncTimeout > needed) return undefined;
  return `semisync_timeout ${c.semisyncTimeout} s is not above writer_lease + ${FENCE_READ_ONLY_BOUND_S} s (${needed} s): a writer cut off from every replica falls back to asynchronous replication and acknowledges writes before its lease fences it, and a failover loses them (set semisync_timeout above ${needed})`;
}

/** cluster_name: a label value and an environment value, kept to a plain name. */
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Two listeners collide on a port when their addresses are equal or either is a wildcard. */
function sameListenIp(a: string, b: string): boolean {
  const any = (x: string): boolean => x === '0.0.0.0' || x === '::';
  return a === b || any(a) || any(b);
}

type Get = <T>(s: Section, key: string, required?: boolean) => T | undefined;

/** mysql_socket: `none` as written, a path resolved against the folder of the file that says it. */
function socketPath(v: string | undefined, file: string): string | undefined {
  if (v === undefined || v === MYSQL_SOCKET_NONE) return v;
  return path.resolve(path.dirname(file), v);
}

/** never_writer and promotion_order name hosts that can hold the active master role, and do not contradict each other or prefer. */
function checkPromotionPolicy(
  s: Section,
  mon: MonitorConfig,
  hosts: Record<string, HostConfig>,
  writer: RoleConfig | undefined,
  originOf: (s: Section, key: string) => Origin,
  err: (o: Origin, message: string, hint?: string) => void,
): void {
  const never = mon.neverWriter ?? [];
  for (const h of never) {
    if (!hosts[h]) err(originOf(s, 'never_writer'), `never_writer: '${h}' is not a host`, didYouMean(h, Object.keys(hosts)));
  }
  if (writer?.prefer && never.includes(writer.prefer)) {
    err(originOf(s, 'never_writer'), `never_writer names ${writer.prefer}, the preferred host of role ${writer.name}`, `remove 'prefer ${writer.prefer}' from role ${writer.name} or ${writer.prefer} from never_writer`);
  }
  const seen = new Set<string>();
  for (const h of mon.promotionOrder ?? []) {
    const o = originOf(s, 'promotion_order');
    if (!hosts[h]) err(o, `promotion_order: '${h}' is not a host`, didYouMean(h, Object.keys(hosts)));
    else if (writer && !writer.hosts.includes(h)) err(o, `promotion_order: ${h} cannot hold role ${writer.name}`, `list only hosts of role ${writer.name}: ${writer.hosts.join(', ')}`);
    else if (never.includes(h)) err(o, `promotion_order names ${h}, which never_writer excludes`, `remove ${h} from one of them`);
    if (seen.has(h)) err(o, `promotion_order names ${h} twice`, 'list each host once');
    seen.add(h);
  }
}

function buildSocket(s: Section, program: Program, get: Get, warnings: string[]): SocketConfig {
  const type = get<'plain' | 'ssl'>(s, 'type') ?? 'plain';
  const ssl = type === 'ssl';
  const verifyMode = Number(get<string>(s, 'verify_mode') ?? '1') as 0 | 1;
  if (!ssl) warnings.push('socket type plain: commands between mmm programs are not authenticated (use ssl)');
  else if (verifyMode === 0) warnings.push('verify_mode 0: servers are not verified (a spoofed peer would be trusted)');
  return compact<SocketConfig>({
    type,
    // A control client may name only client_cert_file/client_key_file (they default to these).
    certFile: get<string>(s, 'cert_file', ssl && !(program === 'control' && s.values.has('client_cert_file'))),
    keyFile: get<string>(s, 'key_file', ssl && !(program === 'control' && s.values.has('client_key_file'))),
    // Listeners check clients against ca_file; clients need it to verify servers (verify_mode 1).
    caFile: get<string>(s, 'ca_file', ssl && (program !== 'control' || verifyMode === 1)),
    verifyMode,
    clientCertFile: get<string>(s, 'client_cert_file'),
    clientKeyFile: get<string>(s, 'client_key_file'),
    crlFile: get<string>(s, 'crl_file'),
    tlsMinVersion: get<SocketConfig['tlsMinVersion']>(s, 'tls_min_version') ?? 'TLSv1.2',
    tlsListen: get<SocketConfig['tlsListen']>(s, 'tls_listen') ?? 'tls',
    tlsConnect: get<SocketConfig['tlsConnect']>(s, 'tls_connect') ?? 'enforce',
    certExpiryWarnDays: get<number>(s, 'cert_expiry_warn_days') ?? DEFAULTS.certExpiryWarnDays,
    peerRoles: get<PeerRoleRule[]>(s, 'peer_role') ?? [],
  });
}
