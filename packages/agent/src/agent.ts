// mmmd_agent: serves the agent protocol on this host's ip:agent_port over mutual TLS and keeps
// the node in the state the monitor asked for (read_only, VIPs, replication source).
import {
  AGENT_COMMAND_MATRIX,
  type Clock,
  type HostConfig,
  type Listener,
  type Logger,
  type MmmConfig,
  type PeerConnection,
  type TlsMaterial,
  createListener,
  decodeAgentRequestFor,
  encodeAgentReply,
  errorMessage,
  isAllowed,
  MmmError,
  systemClock,
} from '@mmm/common';
import { Mysql2LocalMysql, type LocalMysql } from './system/mysql';
import { IpVipManager, type VipManager } from './system/ip';
import { probeAny } from './system/peer-probe';
import type { MasterAddress } from './roles/plan';
import { reassert } from './roles/apply';
import { LeaseGuard, adoptWriterLease, fenceUnlessLifted, fromMonitorRole, renewsLease } from './lease';
import { HealthWatch } from './health';
import { HANDLERS, type AgentContext, type RequestContext } from './handlers';
import { readUptime } from './uptime';

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
  /** Injected for tests: does the peer's MySQL answer? (default: a bounded probe of its port) */
  probePeer?: () => Promise<boolean>;
}

/** The agent's host from `this`; the config loader already checked that it exists. */
function thisHost(config: MmmConfig): HostConfig {
  const h = config.this ? config.hosts[config.this] : undefined;
  if (!h) throw new MmmError('CONFIG_INVALID', `'this' (${config.this ?? 'unset'}) does not name a host`);
  return h;
}

export class Agent {
  private listener?: Listener;
  private readonly ctx: AgentContext;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly healthWatch: HealthWatch;
  private stopping = false;
  private connSeq = 0;
  private readonly conns = new Set<PeerConnection>();

  constructor(private readonly o: AgentOptions) {
    const { config, logger } = o;
    const host = thisHost(config);
    const clock = o.clock ?? systemClock;
    const mysql =
      o.mysql ??
      new Mysql2LocalMysql({ host: host.ip, port: host.mysqlPort, user: host.agentUser ?? 'mmm_agent', password: host.agentPassword });
    const vips =
      o.vips ??
      new IpVipManager({ iface: host.clusterInterface ?? 'eth0', logger, addCommand: host.ipAddCommand, delCommand: host.ipDelCommand });
    const writerRole = config.roles[config.activeMasterRole];
    const writerIps = writerRole?.ips ?? [];
    const masters: Record<string, MasterAddress> = {};
    for (const h of Object.values(config.hosts)) if (h.mode === 'master') masters[h.name] = { ip: h.ip, port: h.mysqlPort };
    const peer = host.peer ? config.hosts[host.peer] : undefined;
    const replication =
      host.replicationUser !== undefined ? { user: host.replicationUser, password: host.replicationPassword ?? '' } : undefined;
    const apply = { mysql, vips, replication, logger };
    const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
      const run = this.lock.then(fn, fn);
      this.lock = run.catch(() => undefined);
      return run;
    };
    const lease = new LeaseGuard({
      leaseMs: config.writerLease * 1000,
      probePeer: o.probePeer ?? (() => (peer ? probeAny([{ host: peer.ip, port: peer.mysqlPort }], 1000) : Promise.resolve(false))),
      fence: () => fenceUnlessLifted(this.ctx),
      onFenceDecision: () => {
        this.ctx.fencedAtConn = this.connSeq;
      },
      clock,
      logger: logger.child({ part: 'lease' }),
    });
    this.ctx = {
      config,
      host,
      planHost: { name: host.name, mode: host.mode, activeMasterRole: config.activeMasterRole },
      mysql,
      vips,
      apply,
      lease,
      health: () => this.healthWatch.latest(),
      logger,
      now: () => clock.now(),
      uptime: () => readUptime(),
      wanted: { state: 'UNKNOWN', roles: [], activeMaster: '' },
      roleIps: Object.values(config.roles).flatMap((r) => r.ips.map((ip) => ({ name: r.name, ip }))),
      writerIps,
      masters,
      catchUpTimeoutMs: config.switchTimeout * 1000,
      graceMs: o.graceMs ?? Math.round(config.demoteGrace * 1000),
      exclusive,
      newestStatusConn: 0,
      fencedAtConn: 0,
    };
    const leaseMs = config.writerLease * 1000;
    this.healthWatch = new HealthWatch({
      mysql,
      vips,
      pidfile: host.mysqlPidfile,
      mysqlHost: host.ip,
      mysqlPort: host.mysqlPort,
      writerIps,
      lease: () => lease.status(),
      holdsWriter: () => this.holdsWriter(),
      // Below the lease, so a hung writer is dead before the monitor may promote on the lease.
      hungKillMs: leaseMs > 0 ? Math.max(1000, leaseMs - 1000) : 10_000,
      now: () => clock.now(),
      logger,
      periodMs: o.healthPeriodMs,
      exclusive,
    });
  }

  /** The monitor gave this host the writer role, or the lease guard treats it as the writer. */
  private holdsWriter(): boolean {
    const { ctx } = this;
    return ctx.wanted.roles.some((r) => r.name === ctx.config.activeMasterRole) || ctx.lease.status().status !== 'none';
  }

  get address(): { host: string; port: number } | undefined {
    return this.listener ? { host: this.listener.host, port: this.listener.port } : undefined;
  }

  async start(): Promise<void> {
    const { host } = this.ctx;
    this.listener = await createListener({
      host: host.ip,
      port: host.agentPort,
      socket: this.o.config.socket,
      material: this.o.material,
      logger: this.o.logger,
      onConnection: (c) => this.serve(c),
    });
    await adoptWriterLease(this.ctx);
    this.ctx.lease.start();
    this.healthWatch.start();
    this.o.logger.info(`mmmd_agent for ${host.name} listening on ${host.ip}:${this.listener.port}`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.healthWatch.stop();
    await this.ctx.lease.stop();
    await this.listener?.close();
    for (const c of this.conns) c.destroy();
    await this.lock.catch(() => undefined);
    await this.ctx.mysql.close?.();
  }

  /** SIGHUP: re-read certificate, key, CA and CRL; on error the old ones stay. */
  async reloadTls(): Promise<void> {
    await this.listener?.reload();
  }

  /** One request line → one reply line (exported for tests of the dispatcher). */
  async handleLine(line: string, conn: Pick<PeerConnection, 'peer'>, from: RequestContext): Promise<string> {
    const { ctx } = this;
    const uptime = await ctx.uptime();
    const res = decodeAgentRequestFor(line, ctx.host.name);
    if (!res.ok) {
      ctx.logger.warn('rejected request', { peer: conn.peer.address, reason: res.message });
      return encodeAgentReply({ ok: false, text: res.message, uptime });
    }
    if (res.versionWarning) ctx.logger.warn(`request with protocol version ${res.version}`, { peer: conn.peer.address });
    const kind = res.request.kind;
    if (!isAllowed(conn.peer.role, kind, AGENT_COMMAND_MATRIX)) {
      ctx.logger.warn('refused: certificate role may not run this command', {
        peer: conn.peer.address,
        cn: conn.peer.cn,
        role: conn.peer.role,
        command: kind,
      });
      return encodeAgentReply({ ok: false, text: `Not authorized: ${kind} needs the monitor role`, uptime });
    }
    // An authorized command from the monitor's current connection renews the lease (lease/renewal.ts).
    if (renewsLease({ peer: conn.peer, connSeq: from.connSeq, newestStatusConn: ctx.newestStatusConn })) ctx.lease.renew();
    const request = res.request;
    const handler = HANDLERS[kind] as (c: AgentContext, r: typeof request, f: RequestContext) => ReturnType<(typeof HANDLERS)['PING']>;
    try {
      const reply = await handler(ctx, request, from);
      return encodeAgentReply({ ...reply, uptime });
    } catch (e) {
      ctx.logger.error(`${kind} failed`, { error: errorMessage(e) });
      return encodeAgentReply({ ok: false, text: `${kind} failed: ${errorMessage(e)}`, uptime });
    }
  }

  /** A new connection's place in accept order (lease/stale-status.ts); public for dispatcher tests. */
  accepted(): RequestContext {
    return { connSeq: ++this.connSeq };
  }

  private async serve(conn: PeerConnection): Promise<void> {
    this.conns.add(conn);
    const from = this.accepted();
    let fromMonitor = false;
    try {
      for await (const item of conn.items()) {
        let reply: string;
        if (item.kind === 'error') {
          reply = encodeAgentReply({ ok: false, text: `Invalid request: ${item.error.message}`, uptime: await this.ctx.uptime() });
        } else {
          fromMonitor ||= fromMonitorRole(conn.peer);
          reply = await this.handleLine(item.line, conn, from);
        }
        await conn.writeLine(reply);
        if (from.close) break;
      }
    } catch (e) {
      this.o.logger.debug('connection ended', { peer: conn.peer.address, error: errorMessage(e) });
    } finally {
      this.conns.delete(conn);
      conn.destroy();
    }
    // MMM's check_roles: after each monitor connection the node is put back into its wanted state.
    if (fromMonitor && !this.stopping) await this.reassertRoles();
  }

  private reassertRoles(): Promise<void> {
    const { ctx } = this;
    if (ctx.wanted.state === 'UNKNOWN') return Promise.resolve();
    return ctx.exclusive(async () => {
      const r = await reassert(ctx.wanted, ctx.planHost, ctx.apply, { fenced: ctx.lease.fenced });
      if (!r.ok) ctx.logger.error('re-asserting roles failed', { failed: r.failedSteps.map((f) => `${f.name}: ${f.error}`).join('; ') });
    });
  }
}
