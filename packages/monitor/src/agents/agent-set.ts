// Every agent of the cluster: its client and what the monitor last heard from it. Each call is
// bounded and never throws: a missing reply marks the agent unreachable, an `ERROR:` reply is
// recorded as such (DESIGN §3: replies tell the truth and the monitor acts on them). Agents that
// speak our extensions also get a standing WATCH_HEALTH on a second connection (health-push.ts):
// its answers count as GET_HEALTH replies, its silence past the bound as no reply.
import {
  type AgentReply,
  type AgentRequest,
  type CertDescription,
  type Clock,
  type HostState,
  type Logger,
  type MmmConfig,
  type RoleIp,
  type TlsMaterial,
  TlsError,
  errorMessage,
  parseAgentStatus,
  parseHealthReply,
  parseSystemStatus,
  parseWatchHealthReply,
} from '@mmm/common';
import { healthFromWire } from '../analysis/health';
import type { AgentObservation, AppliedStatus, HealthSummary } from '../analysis/snapshot';
import { AgentClient, NOT_LEADING, withheld } from './agent-client';
import { HealthPush, type PushClient } from './health-push';

export interface AgentSetOptions {
  config: MmmConfig;
  clock: Clock;
  logger: Logger;
  material: () => TlsMaterial | undefined;
  /** Bound of read requests (PING, GET_*), default 2000 ms. */
  readTimeoutMs?: number;
  /** Injected clients for tests. */
  clientFor?: (host: string) => Pick<AgentClient, 'request' | 'close' | 'reset'>;
  /** Each reply and its round trip (ms by `clock`), for /metrics. */
  onReply?: (host: string, kind: AgentRequest['kind'], ms: number) => void;
  /** An agent's certificate as seen on each new connection to it (expiry warnings). */
  onPeerCert?: (host: string, cert: CertDescription | undefined) => void;
  /**
   * The standing WATCH_HEALTH's connection per agent. Default: a second AgentClient, unless
   * `clientFor` is injected (tests without one get no standing requests); null: none.
   */
  watchClientFor?: ((host: string) => PushClient) | null;
  /** The bound each standing request asks the agent for (default 2000 ms). */
  watchTimeoutMs?: number;
  /** Monitor HA: SET_TERM for a new connection to `host` while this monitor leads (sent first on it). */
  termRequest?: (host: string) => AgentRequest | undefined;
  /** Monitor HA: state-changing requests leave only while this is true (checked as each one is sent). */
  mayChange?: () => boolean;
}

/** What a standing WATCH_HEALTH's answer brought. */
export interface PushedHealth {
  /** The agent says mysqld is certainly not running. */
  stopped: boolean;
  /** The agent answers again after a silence: the pass's observation takes it back (it asks GET_AGENT_STATUS first). */
  back: boolean;
  /** Absent when `back`. */
  health?: HealthSummary;
}

export type CallResult = { ok: true; reply: AgentReply } | { ok: false; error: string; reply?: AgentReply };

/**
 * Our extension commands: an MMM 2.x agent answers them `Invalid command '<CMD>'!`. Not
 * WATCH_HEALTH: it is sent only to agents that answered GET_HEALTH, so refusing it marks an older
 * agent of ours, which is still no MMM 2.x agent (it is polled, see watchRefused).
 */
const EXTENSIONS = new Set(['GET_HEALTH', 'GET_GTID', 'WAIT_GTID', 'CATCH_UP']);
const INVALID_COMMAND = /^Invalid command '([A-Z_]+)'!?$/;

/** Pure: does this reply to `kind` say the agent does not know our extensions (an MMM 2.x agent)? */
export function saysLegacy(kind: string, reply: AgentReply): boolean {
  if (reply.ok || !EXTENSIONS.has(kind)) return false;
  const m = INVALID_COMMAND.exec(reply.message.trim());
  return !!m && m[1] === kind;
}

/** Pure: did what the monitor decides on change between two health readings? */
export function healthChanged(a: HealthSummary | undefined, b: HealthSummary): boolean {
  return !a || a.mysqldRunning !== b.mysqldRunning || a.answering !== b.answering || a.readOnly !== b.readOnly || !!a.lease?.held !== !!b.lease?.held;
}

/** Pure: an `UP:` lower than the last one seen means the agent restarted (1 s of slack for rounding). */
export function restarted(previousUptime: number | undefined, uptime: number | undefined): boolean {
  return previousUptime !== undefined && uptime !== undefined && uptime + 1 < previousUptime;
}

export class AgentSet {
  readonly obs: Record<string, AgentObservation> = {};
  /** Last failure per host (no reply, or ERROR text), for warnings. */
  readonly lastError: Record<string, string | undefined> = {};
  private readonly clients: Record<string, Pick<AgentClient, 'request' | 'close' | 'reset'>> = {};
  private readonly readTimeoutMs: number;
  private readonly warned = new Set<string>();
  /** Hosts whose last request got no reply (not merely never asked yet). */
  private readonly silentHosts = new Set<string>();
  /** Agents that answered `Invalid command 'WATCH_HEALTH'`: polled only, until they restart. */
  readonly watchRefused = new Set<string>();
  /** Agents whose standing request failed last (its failures are logged once per outage). */
  private readonly pushFailing = new Set<string>();
  private readonly push?: HealthPush;
  private onPushed?: (host: string, p: PushedHealth) => void;
  /** whenLost() callers, per host. */
  private readonly lostListeners = new Map<string, Set<() => void>>();

  constructor(private readonly o: AgentSetOptions) {
    this.readTimeoutMs = o.readTimeoutMs ?? 2000;
    const pushClientFor =
      o.watchClientFor === null ? undefined : (o.watchClientFor ?? (o.clientFor ? undefined : (host: string) => this.newClient(host)));
    if (pushClientFor) {
      this.push = new HealthPush({
        hosts: Object.keys(o.config.hosts).sort(),
        clientFor: pushClientFor,
        watchable: (h) => this.watchable(h),
        onReply: (h, r, sent) => this.pushReply(h, r, sent),
        onNoReply: (h, e) => this.pushNoReply(h, e),
        logger: o.logger,
        ...(o.watchTimeoutMs !== undefined ? { timeoutMs: o.watchTimeoutMs } : {}),
      });
    }
    for (const h of Object.values(o.config.hosts)) {
      this.obs[h.name] = { reachable: false };
      this.clients[h.name] = o.clientFor?.(h.name) ?? this.newClient(h.name);
    }
  }

  private newClient(host: string): AgentClient {
    const h = this.o.config.hosts[host];
    return new AgentClient({
      host: h,
      socket: this.o.config.socket,
      material: this.o.material,
      logger: this.o.logger.child({ agent: host }),
      warned: this.warned,
      onPeerCert: (cert) => this.o.onPeerCert?.(host, cert),
      ...(this.o.termRequest ? { preamble: () => this.o.termRequest!(host), onPreambleRefused: (req, r) => this.termRefused(host, req, r) } : {}),
      ...(this.o.mayChange ? { mayChange: this.o.mayChange } : {}),
    });
  }

  /**
   * The agent refused our SET_TERM: an MMM 2.x agent (no such command: it cannot follow a term,
   * start-up refuses it), or a stale term / another monitor's (another monitor leads now).
   */
  private termRefused(host: string, req: AgentRequest, r: AgentReply): void {
    const m = INVALID_COMMAND.exec(r.message.trim());
    if (m && m[1] === 'SET_TERM') this.obs[host].legacy = true;
    this.lastError[host] = `SET_TERM refused: ${r.message}`;
    this.warnOnce(`term|${host}|${r.message}`, `agent ${host} refused SET_TERM${req.kind === 'SET_TERM' ? ` (term ${req.term})` : ''}: ${r.message}`);
  }

  /** Starts the standing WATCH_HEALTH requests; `onPushed` hears every answer that changed something. */
  startPush(onPushed: (host: string, p: PushedHealth) => void): void {
    this.onPushed = onPushed;
    this.push?.start();
  }

  /** Ends them (sockets and timers included). */
  async stopPush(): Promise<void> {
    this.onPushed = undefined;
    await this.push?.stop();
  }

  /** A standing request goes only to an agent that answered GET_HEALTH, is no MMM 2.x agent, and did not refuse it. */
  private watchable(host: string): boolean {
    const o = this.obs[host];
    return !o.legacy && o.health !== undefined && !this.watchRefused.has(host);
  }

  /**
   * A WATCH_HEALTH answer: a reply like any (uptime, restart), its health like GET_HEALTH's. From
   * an agent that counts as unreachable it only wakes the pass: the pass's observation takes the
   * agent back, asking GET_AGENT_STATUS first (an UNKNOWN there is a restart, see observe()).
   */
  private pushReply(host: string, reply: AgentReply, sent: number): number | undefined {
    const o = this.obs[host];
    const now = this.o.clock.now();
    if (restarted(o.uptime, reply.uptime)) this.noteRestart(host, `its uptime went back from ${o.uptime} s to ${reply.uptime} s`);
    if (reply.uptime !== undefined) o.uptime = reply.uptime;
    if (this.pushFailing.delete(host)) this.o.logger.info(`agent ${host} answers its standing WATCH_HEALTH again`);
    const back = !o.reachable;
    if (!back) o.lastContact = now;
    if (!reply.ok) {
      const m = INVALID_COMMAND.exec(reply.message.trim());
      if (m && m[1] === 'WATCH_HEALTH') {
        this.watchRefused.add(host);
        this.o.logger.warn(`agent ${host} does not know WATCH_HEALTH (an older agent): its health is polled every pass only`);
      } else this.warnOnce(`push-error|${host}|${reply.message}`, `agent ${host} refused its standing WATCH_HEALTH: ${reply.message}`);
      return undefined;
    }
    let pushed: ReturnType<typeof parseWatchHealthReply>;
    try {
      pushed = parseWatchHealthReply(reply);
    } catch (e) {
      this.warnOnce(`push-bad|${host}`, `bad WATCH_HEALTH reply from ${host}: ${errorMessage(e)}`);
      return undefined;
    }
    if (back) {
      this.onPushed?.(host, { stopped: false, back: true });
      return pushed.generation;
    }
    const prev = o.health;
    const health = healthFromWire(pushed.health, o.system?.masterIp || undefined);
    o.health = health;
    o.healthAt = now;
    const changed = (sent !== 0 && pushed.generation !== sent) || healthChanged(prev, health);
    if (changed) this.onPushed?.(host, { stopped: !health.mysqldRunning, back: false, health });
    return pushed.generation;
  }

  /** No answer within the standing request's bound (or no connection): the same evidence as a GET_HEALTH without reply. */
  private pushNoReply(host: string, error: string): void {
    const o = this.obs[host];
    if (!this.pushFailing.has(host)) {
      this.pushFailing.add(host);
      this.o.logger.warn(`agent ${host} does not answer its standing WATCH_HEALTH: ${error}`);
    }
    o.reachable = false;
    this.silentHosts.add(host);
    this.lastError[host] = `WATCH_HEALTH: no reply: ${error}`;
    const ls = this.lostListeners.get(host);
    this.lostListeners.delete(host);
    for (const l of ls ?? []) l();
  }

  /**
   * Resolves when the standing request to `host` goes unanswered (at once while it is failing):
   * a pass need not wait out a long SET_STATUS bound for an agent that is gone. Never resolves
   * for agents without one (MMM 2.x); the listener goes when `until` settles.
   */
  whenLost(host: string, until: Promise<unknown>): Promise<void> {
    if (this.pushFailing.has(host)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let ls = this.lostListeners.get(host);
      if (!ls) this.lostListeners.set(host, (ls = new Set()));
      ls.add(resolve);
      void until.finally(() => {
        ls.delete(resolve);
        if (ls.size === 0 && this.lostListeners.get(host) === ls) this.lostListeners.delete(host);
      });
    });
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.o.logger.warn(message);
  }

  get hosts(): string[] {
    return Object.keys(this.obs).sort();
  }

  /** One request; updates reachability, contact time and uptime. */
  async call(req: AgentRequest, timeoutMs = this.readTimeoutMs): Promise<CallResult> {
    const host = req.host;
    const o = this.obs[host];
    const t0 = this.o.clock.now();
    // a deposed leader sends nothing that changes anything (the agents would refuse it anyway);
    // the client checks again as the request leaves its queue
    if (withheld(req, this.o.mayChange)) return { ok: false, error: NOT_LEADING };
    try {
      const reply = await this.clients[host].request(req, timeoutMs);
      const now = this.o.clock.now();
      this.silentHosts.delete(host);
      this.o.onReply?.(host, req.kind, now - t0);
      if (restarted(o.uptime, reply.uptime)) this.noteRestart(host, `its uptime went back from ${o.uptime} s to ${reply.uptime} s`);
      Object.assign(o, { reachable: true, lastContact: now, ...(reply.uptime !== undefined ? { uptime: reply.uptime } : {}) });
      if (saysLegacy(req.kind, reply) && !o.legacy) {
        o.legacy = true;
        this.o.logger.warn(`agent ${host} is an MMM 2.x agent (${reply.message.trim()}): sending it MMM 2.x commands only`);
      }
      if (!reply.ok) {
        this.lastError[host] = `${req.kind}: ERROR: ${reply.message}`;
        return { ok: false, error: reply.message, reply };
      }
      return { ok: true, reply };
    } catch (e) {
      if ((e as { code?: string }).code === 'NOT_AUTHORIZED') return { ok: false, error: NOT_LEADING }; // not sent: says nothing about the agent
      if (o.reachable) this.o.logger.warn(`agent ${host} does not answer: ${errorMessage(e)}`, { request: req.kind });
      else this.warnTlsRefusal(host, e);
      o.reachable = false;
      this.silentHosts.add(host);
      this.lastError[host] = `${req.kind}: no reply: ${errorMessage(e)}`;
      return { ok: false, error: `no reply: ${errorMessage(e)}` };
    }
  }

  /** A restart: MMM agents forget their roles, so the monitor sends CLEAR_BAD_ROLES after the next status. */
  private noteRestart(host: string, why: string): void {
    const o = this.obs[host];
    o.restartedAt = this.o.clock.now();
    if (o.legacy) this.o.logger.warn(`agent ${host} restarted (${why}): it may have forgotten its roles`);
    else this.o.logger.info(`agent ${host} restarted (${why})`);
    o.legacy = undefined; // re-learned: it may have been upgraded
    this.watchRefused.delete(host);
  }

  /**
   * A TLS refusal (wrong role, wrong identity, certificate refused) of an agent that never
   * answered would otherwise go unlogged (only reachable → unreachable is): once per host and reason.
   */
  private warnTlsRefusal(host: string, e: unknown): void {
    if (!(e instanceof TlsError)) return;
    const key = `tls-refusal|${host}|${errorMessage(e)}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.o.logger.warn(`agent ${host} treated as unreachable: ${errorMessage(e)}`, { code: e.code });
  }

  /** Its last request got no reply: a host that was never asked is not silent. */
  silent(host: string): boolean {
    return this.silentHosts.has(host);
  }

  async ping(host: string): Promise<boolean> {
    return (await this.call({ kind: 'PING', host })).ok;
  }

  async health(host: string): Promise<void> {
    if (this.obs[host].legacy) return; // it knows no GET_HEALTH (it logs an ERROR for each)
    const r = await this.call({ kind: 'GET_HEALTH', host });
    if (!r.ok) return;
    try {
      const o = this.obs[host];
      o.health = healthFromWire(parseHealthReply(r.reply), o.system?.masterIp || undefined);
      o.healthAt = this.o.clock.now();
    } catch (e) {
      this.o.logger.warn(`bad GET_HEALTH reply from ${host}: ${errorMessage(e)}`);
    }
  }

  async system(host: string): Promise<void> {
    const r = await this.call({ kind: 'GET_SYSTEM_STATUS', host });
    if (!r.ok) return;
    try {
      const s = parseSystemStatus(r.reply);
      this.obs[host].system = { writable: s.writable, configuredRoles: s.roles, masterIp: s.masterIp };
      this.obs[host].systemAt = this.o.clock.now();
    } catch (e) {
      this.o.logger.warn(`bad GET_SYSTEM_STATUS reply from ${host}: ${errorMessage(e)}`);
    }
  }

  async agentStatus(host: string): Promise<void> {
    const r = await this.call({ kind: 'GET_AGENT_STATUS', host });
    if (!r.ok) return;
    try {
      this.obs[host].reported = parseAgentStatus(r.reply);
      if (this.obs[host].reported?.state === 'UNKNOWN' && this.obs[host].lastApplied) this.noteRestart(host, 'it reports state UNKNOWN');
    } catch (e) {
      this.o.logger.warn(`bad GET_AGENT_STATUS reply from ${host}: ${errorMessage(e)}`);
    }
  }

  /** SET_STATUS; the outcome (OK, ERROR text, or no reply) becomes lastApplied when the agent answered. */
  async setStatus(host: string, state: HostState, roles: RoleIp[], activeMaster: string, timeoutMs: number): Promise<AppliedStatus | undefined> {
    // Back after a silence (it may answer again between a pass's observe and its statuses): a
    // restart shows only in its state (UNKNOWN), which this status would overwrite: ask it first.
    // No answer: the status is not sent either, so a dead agent costs one connect timeout, not two
    // (the pass waits for a demotion: a longer pass would outlast the new writer's lease).
    if (!this.obs[host].reachable) {
      await this.agentStatus(host);
      if (!this.obs[host].reachable) return undefined;
    }
    const r = await this.call({ kind: 'SET_STATUS', host, state, roles, activeMaster }, timeoutMs);
    if (!r.ok && !r.reply) return undefined; // no answer: we know nothing new about what it applied
    const applied: AppliedStatus = { at: this.o.clock.now(), ok: r.ok, state, roles, ...(r.ok ? {} : { error: r.error }) };
    this.obs[host].lastApplied = applied;
    if (r.ok) this.lastError[host] = undefined;
    return applied;
  }

  async gtid(host: string): Promise<{ ok: true; gtid: string } | { ok: false; error: string }> {
    const r = await this.call({ kind: 'GET_GTID', host });
    return r.ok ? { ok: true, gtid: r.reply.message } : { ok: false, error: r.error };
  }

  async waitGtid(host: string, gtidSet: string, timeoutMs: number): Promise<{ ok: boolean; error?: string }> {
    const r = await this.call({ kind: 'WAIT_GTID', host, gtidSet, timeoutMs }, timeoutMs + 2000);
    return r.ok ? { ok: true } : { ok: false, error: r.error };
  }

  /** CATCH_UP: `host` replicates from `source` until `gtidSet` is applied (the agent bounds it by `timeoutMs`). */
  async catchUp(host: string, source: string, gtidSet: string, timeoutMs: number): Promise<{ ok: boolean; text: string }> {
    const r = await this.call({ kind: 'CATCH_UP', host, source, gtidSet, timeoutMs }, timeoutMs + 5000);
    return r.ok ? { ok: true, text: r.reply.message } : { ok: false, text: r.error };
  }

  async clearBadRoles(host: string): Promise<void> {
    const r = await this.call({ kind: 'CLEAR_BAD_ROLES', host });
    if (r.ok) this.obs[host].clearedBadRolesAt = this.o.clock.now();
  }

  /** New TLS material: kept connections are dropped so the next request uses it. */
  resetConnections(): void {
    for (const c of Object.values(this.clients)) c.reset();
    this.push?.reset();
  }

  close(): void {
    void this.stopPush();
    for (const c of Object.values(this.clients)) c.close();
  }
}
