// Builds the agent's parts from the config: the local MySQL and VIP ports, the writer lease, the
// handlers' context and the health watch. No I/O happens here; Agent.start() starts the loops.
import { readFileSync, statSync } from 'node:fs';
import {
  type Clock, type HostConfig, type Logger, type MmmConfig, type TlsMaterial, MmmError, localMysqlTarget, mysqlTlsOf, systemClock,
} from '@mmm/common';
import { Mysql2LocalMysql, type LocalMysql } from './system/mysql';
import { IpVipManager, type VipManager } from './system/ip';
import { probeAny } from './system/peer-probe';
import type { MasterAddress } from './roles/plan';
import { LeaseGuard, fenceUnlessLifted } from './lease/index';
import { HealthEvents, HealthWatch } from './health/index';
import type { AgentContext } from './handlers';
import { SerialLock } from './serial-lock';
import { readUptime } from './uptime';
import { Nft, type NftPort, type RejectPath, VipRejector, noReject, rejectSetting } from './reject/index';
import { FileTermStore, type TermStore, defaultTermFile } from './term/index';

/** MMM's default `mysql_pidfile` (Debian's and MariaDB's default pid-file too). */
export const DEFAULT_MYSQL_PIDFILE = '/var/run/mysqld/mysqld.pid';

/** The start-up warning when the agent cannot read its mysqld pid file (it could not fence a hung writer). */
export function mysqlPidfileWarning(configured: string | undefined, read = (f: string) => readFileSync(f, 'utf8')): string | undefined {
  const file = configured ?? DEFAULT_MYSQL_PIDFILE;
  try {
    read(file);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    const why = configured === undefined ? `mysql_pidfile is not set and MMM's default ${file}` : `mysql_pidfile ${file}`;
    return `${why} cannot be read (${code}): a hung mysqld cannot be killed by this agent, so an isolated hung writer waits for the writer lease; set mysql_pidfile to the server's pid-file (SELECT @@pid_file)`;
  }
}

/**
 * The start-up warning when the agent's MySQL socket is missing: the agent would see its server as
 * not answering (mysqld may just be down; a wrong path never heals by itself).
 */
export function mysqlSocketWarning(host: HostConfig, isSocket = (f: string) => statSync(f).isSocket()): string | undefined {
  const t = localMysqlTarget(host);
  if (t.kind === 'tcp') return undefined;
  let why: string;
  try {
    if (isSocket(t.socketPath)) return undefined;
    why = 'not a socket';
  } catch (e) {
    why = (e as NodeJS.ErrnoException).code ?? 'unreadable';
  }
  const which = host.mysqlSocket === undefined ? `mysql_socket is not set and the default ${t.socketPath}` : `mysql_socket ${t.socketPath}`;
  const state = why === 'ENOENT' ? 'missing (ENOENT)' : why === 'not a socket' ? why : `unreadable (${why})`;
  return `${which} is ${state}: unless mysqld is down, set mysql_socket to the server's socket (SELECT @@socket), or 'none' for TCP to 127.0.0.1`;
}

export interface AgentOptions {
  config: MmmConfig;
  logger: Logger;
  clock?: Clock;
  /** Injected for tests; built from the config otherwise. */
  mysql?: LocalMysql;
  vips?: VipManager;
  material?: TlsMaterial;
  /** Health loop period (dead mysqld → drop the writer VIP). */
  healthPeriodMs?: number; // 1000
  graceMs?: number;
  /** Keep retrying an agent port in use for this long (mmmd_agent --bind-retry, 60 s); default 0. */
  bindRetryMs?: number;
  /** Injected for tests: does the peer's MySQL answer? (default: a bounded probe of its port) */
  probePeer?: () => Promise<boolean>;
  /** Injected for tests: nft for the reject path. With injected `vips` and no `nft` the reject
   *  path is off (fake VIPs never touch this machine's firewall). */
  nft?: NftPort;
  /** The `@cluster` of the invocation (the default term file's name). */
  cluster?: string;
  /** Injected for tests: where the term record is kept (default: a file at term_file). */
  termStore?: TermStore;
}

export interface AgentParts {
  ctx: AgentContext;
  healthWatch: HealthWatch;
  lock: SerialLock;
  /** When the last state change under the agent's lock ended (-Infinity: none yet). */
  changedAt: () => number;
  /** The reject path (vip_reject); undefined when off. */
  rejector?: VipRejector;
  /** Said once at start (vip_reject off because of VIP hooks). */
  rejectWarning?: string;
}

/** The agent's host from `this`; the config loader already checked that it exists. */
function thisHost(config: MmmConfig): HostConfig {
  const h = config.this ? config.hosts[config.this] : undefined;
  if (!h) throw new MmmError('CONFIG_INVALID', `'this' (${config.this ?? 'unset'}) does not name a host`);
  return h;
}

/** The monitor gave this host the writer role, or the lease guard treats it as the writer. */
function holdsWriter(ctx: Pick<AgentContext, 'wanted' | 'config' | 'lease'>): boolean {
  return ctx.wanted.roles.some((r) => r.name === ctx.config.activeMasterRole) || ctx.lease.status().status !== 'none';
}

/** newestConn: the accept number of the newest connection (the agent counts them). */
export function buildAgentParts(o: AgentOptions, newestConn: () => number): AgentParts {
  const { config, logger } = o;
  const host = thisHost(config);
  const clock = o.clock ?? systemClock;
  // Its own server over the unix socket (mysql_socket): the agent account needs no network grant.
  const local = localMysqlTarget(host);
  const mysql =
    o.mysql ??
    new Mysql2LocalMysql({
      ...(local.kind === 'socket' ? { socketPath: local.socketPath } : { host: local.host, port: local.port }),
      user: host.agentUser ?? 'mmm_agent',
      password: host.agentPassword,
    });
  const vips =
    o.vips ??
    new IpVipManager({ iface: host.clusterInterface ?? 'eth0', logger, addCommand: host.ipAddCommand, delCommand: host.ipDelCommand });
  const writerRole = config.roles[config.activeMasterRole];
  // Mutable: without role sections (an MMM 1.x agent file) they grow as SET_STATUS names roles.
  const writerIps = [...(writerRole?.ips ?? [])];
  const masters: Record<string, MasterAddress> = {};
  for (const h of Object.values(config.hosts)) {
    if (h.mode !== 'master') continue;
    const tls = mysqlTlsOf(config, h); // the master's server: mysql_ssl / mysql_ssl_ca of its host entry
    masters[h.name] = { ip: h.ip, port: h.mysqlPort, ...(tls ? { tls: { caFile: tls.caFile } } : {}) };
  }
  const peer = host.peer ? config.hosts[host.peer] : undefined;
  const replication =
    host.replicationUser !== undefined ? { user: host.replicationUser, password: host.replicationPassword ?? '' } : undefined;
  const setting = rejectSetting(host);
  const rejector =
    setting.on && (o.vips === undefined || o.nft !== undefined)
      ? new VipRejector({
          table: setting.table, port: setting.port, periodMs: setting.periodMs, nft: o.nft ?? new Nft(), clock, logger: logger.child({ part: 'vip_reject' }),
        })
      : undefined;
  const reject: RejectPath = rejector ?? noReject;
  const apply = { mysql, vips, replication, logger, reject };
  const lock = new SerialLock();
  // When the last state change (SET_STATUS, fence, VIP drop…) ended: the health endpoints do not
  // trust a MySQL observation begun before it (health/lb-inputs.ts).
  let changedAt = Number.NEGATIVE_INFINITY;
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => lock.run(fn).finally(() => (changedAt = clock.now()));
  const healthEvents = new HealthEvents();
  const lease = new LeaseGuard({
    leaseMs: config.writerLease * 1000,
    probePeer: o.probePeer ?? (() => (peer ? probeAny([{ host: peer.ip, port: peer.mysqlPort }], 1000) : Promise.resolve(false))),
    fence: () => fenceUnlessLifted(ctx),
    // Requests on connections up to this one predate the fence (lease/stale-status.ts).
    onFenceDecision: () => {
      ctx.fencedAtConn = newestConn();
    },
    clock,
    logger: logger.child({ part: 'lease' }),
  });
  const ctx: AgentContext = {
    config,
    host,
    planHost: { name: host.name, mode: host.mode, activeMasterRole: config.activeMasterRole },
    mysql,
    vips,
    apply,
    lease,
    health: () => healthWatch.latest(),
    healthEvents,
    logger,
    now: () => clock.now(),
    uptime: () => readUptime(),
    wanted: { state: 'UNKNOWN', roles: [], activeMaster: '' },
    roleIps: Object.values(config.roles).flatMap((r) => r.ips.map((ip) => ({ name: r.name, ip }))),
    writerIps,
    learnRoles: Object.keys(config.roles).length === 0,
    masters,
    catchUpTimeoutMs: config.switchTimeout * 1000,
    graceMs: o.graceMs ?? Math.round(config.demoteGrace * 1000),
    ...(config.durability === 'semisync' ? { semisync: { timeoutMs: Math.round(config.semisyncTimeout * 1000) } } : {}),
    exclusive,
    newestStatusConn: 0,
    fencedAtConn: 0,
    // loaded by Agent.start() (a malformed file must stop the start, not the constructor)
    term: { record: undefined, epoch: 0, store: o.termStore ?? new FileTermStore(host.termFile ?? defaultTermFile(host.name, o.cluster)) },
  };
  const leaseMs = config.writerLease * 1000;
  const healthWatch = new HealthWatch({
    mysql,
    vips,
    pidfile: host.mysqlPidfile ?? DEFAULT_MYSQL_PIDFILE,
    pidfileConfigured: host.mysqlPidfile !== undefined,
    mysqlHost: host.ip,
    mysqlPort: host.mysqlPort,
    ...(local.kind === 'socket' ? { socketPath: local.socketPath } : {}),
    writerIps,
    lease: () => lease.status(),
    holdsWriter: () => holdsWriter(ctx),
    // Below the lease, so a hung writer is dead before the monitor may promote on the lease.
    hungKillMs: leaseMs > 0 ? Math.max(1000, leaseMs - 1000) : 10_000,
    now: () => clock.now(),
    logger,
    periodMs: o.healthPeriodMs,
    semisync: config.durability === 'semisync',
    exclusive,
    reject,
    events: healthEvents,
  });
  return {
    ctx, healthWatch, lock, changedAt: () => changedAt,
    ...(rejector ? { rejector } : {}),
    ...(!setting.on && setting.warning ? { rejectWarning: setting.warning } : {}),
  };
}
