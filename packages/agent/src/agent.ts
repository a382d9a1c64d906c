// mmmd_agent: serves the agent protocol on this host's ip:agent_port over mutual TLS and keeps
// the node in the state the monitor asked for (read_only, VIPs, replication source). This file is
// the dispatch: connections, authorization, lease renewal, handler; agent-parts.ts builds the rest.
import {
  AGENT_COMMAND_MATRIX,
  bounded,
  type Listener,
  type PeerConnection,
  createListener,
  decodeAgentRequestFor,
  encodeAgentReply,
  errorMessage,
  isAllowed,
  noRoleReason,
} from '@mmm/common';
import { adoptWriterLease, fromMonitorRole, renewsLease } from './lease/index';
import { type HealthWatch, LbHealthServer, lbInputsOf } from './health/index';
import { HANDLERS, type AgentContext, type RequestContext } from './handlers';
import { type AgentOptions, buildAgentParts, mysqlPidfileWarning, mysqlSocketWarning } from './agent-parts';
import type { SerialLock } from './serial-lock';
import { reassertRoles } from './reassert-roles';
import { refusalOf } from './handlers/validate';
import { RefusalLog } from './refusal-log';
import type { VipRejector } from './reject/index';
import { TERM_GATED, termFields, termGateRefusal } from './term/index';

export type { AgentOptions } from './agent-parts';

/** How long stop() waits for requests being answered (a standing WATCH_HEALTH's answer among them). */
const STOP_ANSWER_MS = 1000;

export class Agent {
  private listener?: Listener;
  private readonly ctx: AgentContext;
  private readonly lock: SerialLock;
  private readonly healthWatch: HealthWatch;
  private readonly rejector?: VipRejector;
  private readonly rejectWarning?: string;
  /** health_listen / health_http_listen; undefined when neither is configured. */
  private readonly lbHealth?: LbHealthServer;
  private stopping = false;
  private connSeq = 0;
  private readonly conns = new Set<PeerConnection>();
  /** Requests being answered (stop() lets the standing WATCH_HEALTH answers go out first). */
  private readonly answering = new Set<Promise<void>>();
  private readonly refusals: RefusalLog;

  constructor(private readonly o: AgentOptions) {
    const parts = buildAgentParts(o, () => this.connSeq);
    const changedAt = parts.changedAt;
    this.ctx = parts.ctx;
    this.lock = parts.lock;
    this.healthWatch = parts.healthWatch;
    this.rejector = parts.rejector;
    this.rejectWarning = parts.rejectWarning;
    this.refusals = new RefusalLog(o.logger);
    const { healthListen, healthHttpListen } = this.ctx.host;
    if (healthListen || healthHttpListen) {
      this.lbHealth = new LbHealthServer({
        ...(healthListen ? { https: healthListen } : {}),
        ...(healthHttpListen ? { http: healthHttpListen } : {}),
        socket: o.config.socket,
        ...(o.material ? { material: o.material } : {}),
        logger: o.logger,
        inputs: lbInputsOf(this.ctx, this.healthWatch, changedAt),
        ...(o.bindRetryMs !== undefined ? { bindRetryMs: o.bindRetryMs } : {}),
      });
    }
  }

  /** "ip:port" of the health endpoints' listeners (HTTPS first); empty when off. */
  get healthAddresses(): string[] {
    return this.lbHealth?.addresses ?? [];
  }

  /** WATCH_HEALTH requests waiting now. */
  get standingRequests(): number {
    return this.ctx.healthEvents.waiting;
  }

  get address(): { host: string; port: number } | undefined {
    return this.listener ? { host: this.listener.host, port: this.listener.port } : undefined;
  }

  async start(): Promise<void> {
    const { host } = this.ctx;
    this.loadTerm();
    // Before anything can demote: an earlier run's reject table goes (bounded; never fails the start).
    if (this.rejectWarning) this.o.logger.warn(this.rejectWarning);
    await this.rejector?.start();
    this.listener = await createListener({
      host: host.ip,
      port: host.agentPort,
      socket: this.o.config.socket,
      material: this.o.material,
      logger: this.o.logger,
      ...(this.o.bindRetryMs !== undefined ? { bindRetryMs: this.o.bindRetryMs } : {}),
      onConnection: (c) => this.serve(c),
    });
    const pidWarning = mysqlPidfileWarning(host.mysqlPidfile);
    if (pidWarning) this.o.logger.warn(pidWarning);
    const socketWarning = this.o.mysql ? undefined : mysqlSocketWarning(host);
    if (socketWarning) this.o.logger.warn(socketWarning);
    await adoptWriterLease(this.ctx);
    this.ctx.lease.start();
    this.healthWatch.start();
    try {
      await this.lbHealth?.start();
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.o.logger.info(`mmmd_agent for ${host.name} listening on ${host.ip}:${this.listener.port}`);
  }

  /** The term record of an earlier run (monitor HA): a malformed file stops the start, naming it. */
  loadTerm(): void {
    const t = this.ctx.term;
    t.record = t.store.load();
    if (t.record) {
      this.o.logger.info(`following term ${t.record.term} of monitor ${t.record.monitor} (from ${t.store.file}): state changes only from that monitor's connections after its SET_TERM`, {
        term: t.record.term, monitor: t.record.monitor, cluster: t.record.cluster, etcd_cluster_id: t.record.etcdClusterId || 'none', since: t.record.at,
      });
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.lbHealth?.close();
    await this.healthWatch.stop(); // answers every standing WATCH_HEALTH…
    await bounded(Promise.allSettled([...this.answering]), STOP_ANSWER_MS); // …and lets the answers go out
    await this.ctx.lease.stop();
    await this.listener?.close();
    for (const c of this.conns) c.destroy();
    await this.lock.idle();
    await this.rejector?.stop();
    await this.ctx.mysql.close?.();
    this.refusals.close();
  }

  /** SIGHUP: re-read certificate, key, CA and CRL; on error the old ones stay. */
  async reloadTls(): Promise<void> {
    await this.listener?.reload();
    await this.lbHealth?.reload();
  }

  /** One request line → one reply line (exported for tests of the dispatcher). */
  async handleLine(line: string, conn: Pick<PeerConnection, 'peer'>, from: RequestContext): Promise<string> {
    const { ctx } = this;
    const uptime = await ctx.uptime();
    const { peer } = conn;
    // Authorization before anything of the line is looked at or logged: no rights, no reading.
    if (peer.role === null) {
      this.refusals.noRights(peer);
      return encodeAgentReply({ ok: false, text: `Not authorized: this certificate has no rights (${noRoleReason(peer)})`, uptime });
    }
    const res = decodeAgentRequestFor(line, ctx.host.name);
    if (!res.ok) {
      this.refusals.rejected(peer, res.code, res.message);
      return encodeAgentReply({ ok: false, text: res.message, uptime });
    }
    if (res.versionWarning) this.refusals.newerVersion(peer, res.version);
    const kind = res.request.kind;
    if (!isAllowed(peer.role, kind, AGENT_COMMAND_MATRIX)) {
      this.refusals.notAllowed(peer, kind);
      return encodeAgentReply({ ok: false, text: `Not authorized: ${kind} needs the monitor role`, uptime });
    }
    // A request this agent cannot apply is refused before it renews the lease or counts as the
    // monitor's newest connection (handlers/validate.ts).
    const invalid = refusalOf(ctx, res.request);
    if (invalid) {
      this.refusals.invalid(peer, kind, invalid);
      return encodeAgentReply({ ok: false, text: invalid, uptime });
    }
    // Once a term was seen, a state-changing command counts only from the connection of the
    // highest term's monitor (term/decide.ts); refused here before it renews anything, and again
    // under the lock by its handler (a SET_TERM may be accepted meanwhile).
    const gated = TERM_GATED.has(kind);
    const byTerm = gated ? termGateRefusal(ctx.term, from.term) : undefined;
    if (byTerm) {
      from.close = true;
      ctx.logger.error(`${kind} refused: ${byTerm}; closing that connection`, { ...termFields(ctx.term, from.term), conn: from.connSeq, peer: peer.cn });
      return encodeAgentReply({ ok: false, text: byTerm, uptime });
    }
    // An authorized command from the monitor's current connection renews the lease; a standing
    // WATCH_HEALTH never does, and with a term only the admitted state-changing commands do (lease/renewal.ts).
    const renewal = { peer: conn.peer, connSeq: from.connSeq, newestStatusConn: ctx.newestStatusConn, kind };
    if (renewsLease(ctx.term.record ? { ...renewal, termAccepted: gated } : renewal)) ctx.lease.renew();
    const request = res.request;
    const handler = HANDLERS[kind] as (c: AgentContext, r: typeof request, f: RequestContext) => ReturnType<(typeof HANDLERS)['PING']>;
    try {
      const reply = await handler(ctx, request, from);
      // read again: a standing WATCH_HEALTH answers seconds later, and an old `UP:` would look like a restart
      return encodeAgentReply({ ...reply, uptime: kind === 'WATCH_HEALTH' ? await ctx.uptime() : uptime });
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
    from.closed = conn.whenClosed();
    from.peerKey = conn.peer.plain ? conn.peer.address.replace(/:\d+$/, '') : (conn.peer.fingerprint256 ?? conn.peer.cn);
    let fromMonitor = false;
    try {
      for await (const item of conn.items()) {
        const answered = (async () => {
          let reply: string;
          if (item.kind === 'error') {
            reply = encodeAgentReply({ ok: false, text: `Invalid request: ${item.error.message}`, uptime: await this.ctx.uptime() });
          } else {
            fromMonitor ||= fromMonitorRole(conn.peer);
            reply = await this.handleLine(item.line, conn, from);
          }
          await conn.writeLine(reply);
        })();
        this.answering.add(answered);
        try {
          await answered;
        } finally {
          this.answering.delete(answered);
        }
        if (from.close) break;
      }
    } catch (e) {
      this.o.logger.debug('connection ended', { peer: conn.peer.address, error: errorMessage(e) });
    } finally {
      this.conns.delete(conn);
      conn.destroy();
    }
    // MMM's check_roles: after each monitor connection the node is put back into its wanted state.
    if (fromMonitor && !this.stopping) await reassertRoles(this.ctx);
  }
}
