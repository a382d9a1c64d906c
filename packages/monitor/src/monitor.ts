// mmmd_mon's loop: observe → analyze → act → persist, every pass (period configurable), and
// at once after a control command changed something or an agent pushed a change of its health
// (a standing WATCH_HEALTH answered). Passes and commands hold one mutex.
import {
  type Clock,
  type HistoryDocument,
  type HostConfig,
  type MmmConfig,
  type Logger,
  type MoveStatus,
  type StatusDocument,
  type TlsMaterial,
  MmmError,
  errorMessage,
  mysqlTlsOf,
  systemClock,
} from '@mmm/common';
import { analyze } from './analysis/analyze';
import type { Diagnosis } from './analysis/diagnosis';
import type { SwitchAction } from './analysis/planned-switch';
import type { Action, Decision, StatusLine } from './analysis/result';
import type { ClusterSnapshot, HostObservation, MonitorState } from './analysis/snapshot';
import { AgentSet, type PushedHealth } from './agents/agent-set';
import { watchTimeoutFor } from './agents/health-push';
import { executeActions } from './actions/execute';
import { switchWriter, type SwitchOutcome } from './actions/switch-writer';
import { SqlProbe } from './actions/sql-probe';
import { CheckLog } from './check-log';
import { CheckStore } from './check-store';
import { CheckRunner, MysqlSessions, checkChangeLine, createCheckFunctions, type CheckFunctions } from './checks';
import { DecisionLog, type Recorded } from './decision-log';
import { type KillHostResult, runKillHost } from './hooks/kill-host';
import { Hooks, type HooksOptions, type PreFailoverAnswer } from './hooks/hooks';
import type { Attempt } from './analysis/pre-failover-gate';
import { Mutex } from './mutex';
import { NetworkCheck } from './network-check';
import { AuditLog } from './persistence/audit-log';
import type { HistoryQuery } from './persistence/history';
import { AuditHistory } from './persistence/history-read';
import { writeStatusFile } from './persistence/status-file';
import { formatStateFile, stateFilePath, writeStateFile } from './persistence/state-file';
import { activeMasterOf, rolesOf } from './analysis/roles/role-table';
import { buildStatusDocument } from './status/build-status';
import { runStartup } from './startup-sequence';
import { CertExpiryWatch } from './tls-watch/cert-expiry';
import { MonitorMetrics } from './metrics';
import type { MonitorHa } from './ha/monitor-ha';

export interface MonitorOptions {
  config: MmmConfig;
  logger: Logger;
  clock?: Clock;
  /** Loop period; default: the fastest check_period, between 100 and 1000 ms. */
  passIntervalMs?: number;
  material?: TlsMaterial;
  /** Injected for tests. */
  checkFns?: Partial<CheckFunctions>;
  agents?: AgentSet;
  /** Injected for tests: what a pass observes (default: agents, checks, network, fences). */
  observe?: (now: number) => ClusterSnapshot;
  /** Injected for tests: kill_host_bin (default: runs the configured program). */
  killHost?: (host: string, pingOk: boolean) => Promise<KillHostResult>;
  /** Audit log file; default `<status_path>.audit.jsonl`, none without status_path. */
  auditFile?: string | null;
  /** Injected for tests: the monitor's own MySQL probe (default: real connections). */
  probe?: MonitorProbe;
  /** The `@cluster` mmmd_mon was started with (the hooks' MMM_CLUSTER); '' for the default. */
  cluster?: string;
  /** Injected for tests: how a hook runs (default: /bin/sh -c, hooks/run-hook.ts). */
  runHook?: HooksOptions['run'];
  /** Monitor HA (`<monitor_ha>`, docs/ha.md): act only while leading. Absent: a single monitor, as before. */
  ha?: MonitorHa;
}

type MonitorProbe = Pick<SqlProbe, 'answers' | 'writeState' | 'position' | 'replica' | 'waitFor' | 'seesAllThreads' | 'close'>;

/** A pass as often as the fastest check can change something, but at least every second (MMM: 3 s). */
export function defaultPassIntervalMs(config: MmmConfig): number {
  const fastest = Math.min(...Object.values(config.checks).map((c) => c.checkPeriod * 1000));
  return Math.round(Math.min(1000, Math.max(100, fastest)));
}

const SYSTEM_STATUS_EVERY_MS = 5000;

const roleKey = (r: { name: string; ip: string }): string => `${r.name}(${r.ip})`;
function rolesDiffer(a: readonly { name: string; ip: string }[], b: readonly { name: string; ip: string }[]): boolean {
  const x = a.map(roleKey).sort().join(',');
  return x !== b.map(roleKey).sort().join(',');
}
/** The pass waits this long for the slowest agents (re-pointing replicas); they finish in the background. */
const REST_WAIT_MS = 1500;

export class Monitor {
  state!: MonitorState;
  readonly config: MmmConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly agents: AgentSet;
  readonly checks: CheckStore;
  readonly audit: AuditLog;
  readonly decisions: DecisionLog;
  /** pre_failover_command, post_failover_command, notify_command. */
  readonly hooks: Hooks;
  /** The state at the end of the last pass: notify_command's state and role changes are counted from it. */
  private notified?: MonitorState;
  /** History pages from the audit log (`history`, GET /api/v1/history). */
  readonly historyReader: AuditHistory;
  readonly mutex = new Mutex();
  readonly fences: Record<string, HostObservation['fence']> = {};
  readonly roleReasons: Record<string, string> = {};
  /** Warnings by topic (TLS reload, status file…) shown by show and status_json. */
  readonly warnings = new Map<string, string>();
  /** Expiry of own, CA and agents' certificates, kept in `warnings` (cert:* keys). */
  readonly certWatch: CertExpiryWatch;
  lastMove: MoveStatus | null = null;
  /** /metrics (its `registry` is what the HTTPS server serves). */
  readonly metrics: MonitorMetrics;
  /** The diagnoses of the last pass (status_json, show). */
  diagnoses: Diagnosis[] = [];
  material?: TlsMaterial;
  readonly setStatusTimeoutMs: number;
  private readonly passIntervalMs: number;
  private readonly sessions = new MysqlSessions();
  /** Planned moves involving an MMM 2.x agent check over MySQL (own connections). */
  private readonly probe: MonitorProbe;
  private readonly runner: CheckRunner;
  readonly network: NetworkCheck;
  private running = false;
  private stopped = false;
  private wake?: () => void;
  private wakePending = false;
  private loopDone?: Promise<void>;
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** Background GET_AGENT_STATUS to agents that did not answer (probeBack). */
  private readonly probing = new Map<string, Promise<unknown>>();
  /** Agents that answered a probe after a silence: the next observation is a full one. */
  private readonly cameBack = new Set<string>();
  private readonly systemAt: Record<string, number> = {};
  /** Outcome of the last automatic switch, for the next analysis (its backoff). */
  private lastSwitch?: ClusterSnapshot['lastSwitch'];
  /** Outcome of the last catch-up, for the next analysis (its promotion or backoff). */
  private lastCatchUp?: ClusterSnapshot['lastCatchUp'];
  private lastStatusFile = '';
  /** What the state file holds (nothing is written while there is nothing to keep). */
  private lastStateFile = formatStateFile({});
  private readonly observeFn?: (now: number) => ClusterSnapshot;
  private readonly killHostFn: NonNullable<MonitorOptions['killHost']>;
  /** Monitor HA; undefined: a single monitor that always acts. */
  readonly ha?: MonitorHa;
  /** Elected since the last pass: the next pass first takes over the stored state. */
  private takeoverPending = false;

  constructor(o: MonitorOptions) {
    this.config = o.config;
    this.logger = o.logger;
    this.clock = o.clock ?? systemClock;
    this.material = o.material;
    this.passIntervalMs = o.passIntervalMs ?? defaultPassIntervalMs(o.config);
    this.ha = o.ha;
    this.observeFn = o.observe;
    const bin = o.config.monitor?.killHostBin;
    // analysis asks for kill_host only when kill_host_bin is configured
    this.killHostFn = o.killHost ?? ((host, pingOk) => runKillHost(bin ?? '', host, pingOk, { timeoutMs: 30_000 }));
    this.setStatusTimeoutMs = 1000 + Math.round(o.config.switchTimeout * 1000) + 2000;
    this.metrics = new MonitorMetrics(o.config, o.cluster);
    this.certWatch = new CertExpiryWatch({ warnDays: o.config.socket.certExpiryWarnDays, warnings: this.warnings, logger: o.logger, clock: this.clock });
    this.agents =
      o.agents ??
      new AgentSet({
        config: o.config,
        clock: this.clock,
        logger: o.logger,
        material: () => this.material,
        onPeerCert: (host, cert) => this.certWatch.notePeer(host, cert),
        onReply: (host, kind, ms) => this.metrics.agentReply(host, kind, ms),
        watchTimeoutMs: watchTimeoutFor(o.config.writerLease),
        ...(o.ha ? { termRequest: (h: string) => o.ha!.termRequest(h), mayChange: () => o.ha!.acting() } : {}),
      });
    this.checks = new CheckStore(o.config);
    this.probe = o.probe ?? new SqlProbe(o.config.hosts);
    const statusPath = o.config.monitor?.statusPath;
    const auditFile = o.auditFile === null ? undefined : (o.auditFile ?? (statusPath ? `${statusPath}.audit.jsonl` : undefined));
    this.audit = new AuditLog({ file: auditFile, clock: this.clock, logger: o.logger, keep: 200 });
    this.hooks = new Hooks({ config: o.config, logger: o.logger.child({ part: 'hooks' }), clock: this.clock, audit: this.audit, triggerPass: () => this.triggerPass(), cluster: o.config.monitor?.clusterName ?? o.cluster ?? '', ...(o.runHook ? { run: o.runHook } : {}) });
    this.decisions = new DecisionLog(this.audit, o.logger, (d) => {
      this.hooks.onDecision(d);
      this.ha?.history({ ...d, time: new Date(this.clock.now()).toISOString(), monitor: this.ha.id });
    });
    this.historyReader = new AuditHistory(this.audit, { clock: this.clock });
    const tlsFor = (h: HostConfig) => mysqlTlsOf(o.config, h);
    const fns = { ...createCheckFunctions({ sessions: this.sessions, tlsFor }), ...(o.checkFns ?? {}) };
    const checkLog = new CheckLog(o.logger);
    this.runner = new CheckRunner({
      hosts: Object.values(o.config.hosts).map((h) => ({ ...h, ...{} })),
      checks: Object.values(o.config.checks),
      fns,
      clock: this.clock,
      logger: o.logger.child({ part: 'checks' }),
      onResult: (r) => {
        const changed = this.checks.apply(r);
        // A refused monitor account is warned with its fix (check-log.ts); other changes as change-log.ts says.
        checkLog.note(r, r.cause ? changed : false);
        if (r.cause || !changed) return;
        const l = checkChangeLine(r, this.checks.of(r.host, r.finishedAt)[r.check].ok);
        this.logger[l.level](l.message, l.meta);
      },
    });
    const m = o.config.monitor;
    this.network = new NetworkCheck(m?.pingIps ?? [], (m?.pingInterval ?? 1) * 1000, fns.ping, o.config.checks.ping, o.logger);
  }

  async start(): Promise<void> {
    await this.audit.open();
    if (this.ha) await this.startHa(this.ha);
    this.runner.start();
    this.network.start();
    this.state = await runStartup(this);
    if (this.ha) {
      // an MMM 2.x agent cannot follow a term: several monitors could then drive it at once
      const legacy = this.agents.hosts.filter((h) => this.agents.obs[h].legacy);
      if (legacy.length > 0) {
        throw new MmmError('CONFIG_INVALID', `<monitor_ha>: ${legacy.map((h) => `${h} runs an MMM 2.x agent`).join(', ')}, which cannot take a term (SET_TERM): upgrade ${legacy.length > 1 ? 'them' : 'it'} to mmmd_agent, or run one monitor without <monitor_ha> (docs/ha.md)`);
      }
      this.takeoverPending = this.ha.acting();
    }
    this.notified = this.state;
    this.running = true;
    this.loopDone = this.loop();
    this.agents.startPush((host, p) => this.pushed(host, p));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    this.wake?.();
    await this.agents.stopPush();
    await this.loopDone?.catch(() => undefined);
    await this.ha?.coordinator.stop().catch((e) => this.logger.warn(`monitor HA: stop: ${errorMessage(e)}`));
    await Promise.all([...this.probing.values()].map((p) => p.catch(() => undefined)));
    this.network.stop();
    await this.runner.stop();
    await this.sessions.close();
    await this.probe.close();
    this.agents.close();
    await this.hooks.stop();
    await this.audit.close();
  }

  /** Runs a pass as soon as the current one (if any) ends; never lost (unlike MMM's wake-up). */
  triggerPass(): void {
    this.wakePending = true;
    this.wake?.();
  }

  /**
   * An agent's health changed (its answer to the standing WATCH_HEALTH): a pass now, not at the
   * next interval. A certain stop is checked by the monitor's own mysql check first (a refused
   * connect is quick): the failed check and the agent's word together skip trap_period
   * (analysis/apply-transitions.ts certainlyStopped).
   */
  private pushed(host: string, p: PushedHealth): void {
    if (!this.running) return;
    const h = p.health;
    if (!h) return this.triggerPass(); // back after a silence: the pass observes it
    this.logger.info(`agent ${host} pushed a health change: mysqld ${h.mysqldRunning ? 'running' : 'stopped'}, ${h.answering ? 'answering' : 'not answering'}: pass now`);
    if (!p.stopped) return this.triggerPass();
    void this.runner.runNow(host, 'mysql').then(() => this.triggerPass());
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.mutex.run(() => this.pass());
      } catch (e) {
        this.logger.error(`pass failed: ${errorMessage(e)}`, { stack: (e as Error).stack });
      }
      if (!this.running) break;
      if (this.wakePending) {
        this.wakePending = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.passIntervalMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
      this.wakePending = false;
    }
  }

  snapshot(now: number): ClusterSnapshot {
    if (this.observeFn) return this.observeFn(now);
    const hosts: ClusterSnapshot['hosts'] = {};
    for (const h of Object.keys(this.config.hosts)) {
      const fence = this.fences[h];
      hosts[h] = { checks: this.checks.of(h, now), agent: { ...this.agents.obs[h] }, ...(fence ? { fence } : {}) };
    }
    return { networkOk: this.network.ok, hosts, ...(this.lastSwitch ? { lastSwitch: this.lastSwitch } : {}), ...(this.lastCatchUp ? { lastCatchUp: this.lastCatchUp } : {}) };
  }

  /**
   * Joins the election before anything is sent to an agent. Elected: the agent connections start
   * again (each new one sends SET_TERM first) and the next pass takes over the stored state.
   * Deposed: the connections of the old term are dropped; from then on passes only observe.
   */
  private async startHa(ha: MonitorHa): Promise<void> {
    const c = ha.coordinator;
    let led: number | undefined;
    c.on('elected', (term) => {
      led = term;
      this.logger.warn(`monitor HA: this monitor (${ha.id}) leads, term ${term}: it takes over the stored state and acts`);
      this.takeoverPending = true;
      // after the pass in flight (a follower's reads): its requests must not fail half-way
      void this.mutex.run(async () => this.agents.resetConnections()).then(() => this.triggerPass());
    });
    c.on('deposed', (why) => {
      this.logger.warn(`monitor HA: this monitor (${ha.id}) no longer leads term ${led ?? '?'} (${why}): it stops acting and follows`);
      // at once, also mid-pass: what is still in flight of the old term goes no further
      this.agents.resetConnections();
      this.triggerPass();
    });
    c.on('state', () => {
      if (!ha.acting()) this.triggerPass();
    });
    await c.start();
    const l = c.leader();
    this.logger.info(`monitor HA: joined the election as ${ha.id}: ${ha.acting() ? `leader, term ${c.term()}` : l ? `follower of ${l.monitor} (term ${l.term})` : 'no leader yet'}`);
  }

  /** A follower's pass: the same observations (reads only), the leader's state from etcd, nothing sent that changes anything. */
  private async followerPass(ha: MonitorHa): Promise<void> {
    if (!this.observeFn) await Promise.all(this.agents.hosts.map((h) => this.observe(h)));
    const w = ha.watched(Object.keys(this.config.hosts));
    if (w) {
      this.state = w.state;
      this.lastMove = w.lastMove;
    }
    const now = this.clock.now();
    this.diagnoses = analyze(this.snapshot(now), this.state, this.config, now).diagnoses;
    this.metrics.afterPass(this, now);
    // MMM's tools on this host read the status file: it follows the leader's state
    if (w) await this.persist();
    this.notified = this.state;
  }

  /** The first pass as leader: continue from what the last leader stored (or its switch's journal). */
  private async takeOver(ha: MonitorHa): Promise<void> {
    this.takeoverPending = false;
    const term = ha.coordinator.term();
    const t = await ha.takeover(Object.keys(this.config.hosts));
    let from = 'its own view (nothing stored in etcd)';
    if (t.op) {
      this.state = t.op.state;
      from = `the journal of a switchover ${t.op.from} -> ${t.op.to} that ${t.op.monitor} left at its step '${t.op.step}': this pass continues from that state (the writer safety rules decide who writes)`;
      await ha.journal(null);
    } else if (t.state) {
      this.state = t.state.state;
      this.lastMove = t.state.lastMove;
      from = `the state ${t.state.monitor} stored`;
    }
    if (t.error) this.logger.error(`monitor HA: the stored state was not taken over: ${t.error}`);
    this.record({ kind: 'mode_change', reason: `monitor HA: ${ha.id} leads (term ${term ?? '?'}); it continues from ${from}${t.error ? `; stored state not used: ${t.error}` : ''}`, blocked: false });
  }

  /** One pass (observe → analyze → execute → persist); call with the mutex held. */
  async pass(): Promise<void> {
    if (this.ha && !this.ha.acting()) return this.followerPass(this.ha);
    if (this.ha && this.takeoverPending) await this.takeOver(this.ha);
    if (!this.observeFn) await Promise.all(this.agents.hosts.map((h) => this.observe(h)));
    const now = this.clock.now();
    // what pre_failover_command answered is an observation like the others (hooks/pre-failover-gate.ts)
    const hook = this.hooks.preFailover;
    const snap = { ...this.snapshot(now), ...(hook.running || hook.last ? { preFailover: hook } : {}) };
    const res = analyze(snap, this.state, this.config, now);
    this.lastSwitch = undefined; // analysis has turned it into its backoff
    this.lastCatchUp = undefined;
    const noted = this.noteFailover(res.decisions, res.state, now);
    const failover = this.failoverOf(res.decisions, res.state);
    if (failover) this.hooks.consumeApproval();
    this.noteDecisions(noted);
    this.diagnoses = res.diagnoses;
    this.state = res.state;
    await this.execute(res.actions);
    this.metrics.afterPass(this, now);
    if (failover) this.hooks.afterMove({ ...failover, ...this.promotionOutcome(failover.to, now) });
    if (this.notified) this.hooks.noteChanges(this.notified, this.state, res.transitions);
    this.notified = this.state;
  }

  /** This pass's analysis made another host writable (a failover, not the first writer). */
  private failoverOf(decisions: readonly Decision[], next: MonitorState): { event: 'failover'; from: string; to: string; reason: string } | undefined {
    const from = this.state.lastWriter;
    const to = next.lastWriter;
    const d = decisions.find((x) => x.kind === 'failover' && !x.blocked && x.host === to);
    return d && from && to && from !== to ? { event: 'failover', from, to, reason: d.reason } : undefined;
  }

  /** Whether the new writer's agent confirmed the writer role in this pass (post_failover_command's MMM_RESULT). */
  private promotionOutcome(to: string, since: number): { ok: boolean; reason: string } {
    const a = this.agents.obs[to]?.lastApplied;
    if (a && a.at >= since && a.ok && a.roles.some((r) => r.name === this.config.activeMasterRole)) return { ok: true, reason: `${to} confirmed the writer role` };
    return { ok: false, reason: a && a.at >= since && !a.ok ? `${to} did not apply the writer role: ${a.error ?? 'ERROR'}` : `${to} did not confirm the writer role in this pass` };
  }

  /**
   * A failover is a move too (`# Last move`, status_json.lastMove): from the old writer to the new,
   * timed from when the old writer left ONLINE, with the failover decision's cause. Returns the
   * decisions with that timing on the failover's record (history shows it).
   */
  private noteFailover(decisions: readonly Decision[], next: MonitorState, now: number): readonly Recorded[] {
    const amRole = this.config.activeMasterRole;
    const d = decisions.find((x) => x.kind === 'failover' && !x.blocked);
    const from = activeMasterOf(this.state.roles, amRole);
    const to = activeMasterOf(next.roles, amRole);
    if (!d || !to || from === to) return decisions;
    const left = from ? this.state.hosts[from] : undefined;
    const startedAt = left && left.state !== 'ONLINE' ? left.since : now;
    const durationMs = Math.max(0, now - startedAt);
    this.lastMove = { role: amRole, from, to, startedAt: new Date(startedAt).toISOString(), durationMs, outcome: 'done', reason: d.reason };
    return decisions.map((x) => (x === d ? { ...x, details: { from, to, startedAt: this.lastMove!.startedAt, durationMs } } : x));
  }

  /** Records decisions (once while they repeat) and remembers why each role is where it is. */
  private noteDecisions(decisions: readonly Recorded[]): void {
    this.decisions.recordPass(decisions);
    for (const d of decisions) if (d.role && !d.blocked && d.kind !== 'state_change') this.roleReasons[d.role] = d.reason;
  }

  /**
   * Runs an Action list as analysis or an operator transition returned it (mutex held). With
   * monitor HA, only while leading, and only once the state these actions follow from is in etcd
   * (guarded by the term): a new leader then continues from it.
   */
  async execute(actions: readonly Action[]): Promise<void> {
    if (!this.ha && actions.length === 0) return;
    if (this.ha) {
      if (!this.ha.acting()) return;
      if (!(await this.ha.saveState(this.state, this.lastMove))) return;
    }
    return executeActions(actions, {
      killHost: (a) => this.killHost(a.host),
      clearFence: (host) => delete this.fences[host],
      clearBadRoles: (host) => this.agents.clearBadRoles(host),
      preFailover: (a) => this.hooks.startPreFailover({ event: a.event, from: a.from, to: a.to, why: a.reason }),
      switchWriter: async (a) => {
        const out = await this.runSwitch(a);
        this.lastSwitch = { from: a.from, to: a.to, ok: out.ok, at: this.clock.now() };
        return out.ok;
      },
      catchUp: async (a) => {
        const r = await this.agents.catchUp(a.host, a.source, a.gtid, a.timeoutMs);
        this.lastCatchUp = { host: a.host, source: a.source, ok: r.ok, at: this.clock.now(), ...(r.ok ? {} : { error: r.text }) };
        this.decisions.record({ kind: 'failover', host: a.host, reason: `catch-up of ${a.host} from ${a.source}: ${r.ok ? '' : 'ERROR: '}${r.text}`, blocked: !r.ok });
        return r.ok;
      },
      setStatus: (l) => this.send(l),
      persist: () => this.persist(),
      triggerPass: () => this.triggerPass(),
      restWaitMs: REST_WAIT_MS,
    });
  }

  private async observe(host: string): Promise<void> {
    if (this.inFlight.has(host)) return; // still busy with a long SET_STATUS: keep what we know
    const o = this.agents.obs[host];
    const now = this.clock.now();
    if (this.agents.silent(host)) {
      // Not awaited: a dead or cut-off host would hold every pass for its connect timeout, and with
      // it the decisions on the others (the lease wait of a lost writer ends on time only if a pass
      // runs then). The probe wakes a pass when it answers.
      this.probeBack(host);
      return;
    }
    const wasUnreachable = this.cameBack.delete(host) || !o.reachable;
    if (!o.reachable) {
      // never asked yet (monitor start): its state first, before this pass's status hides a restart
      await this.agents.agentStatus(host);
      if (!o.reachable) return;
    }
    // GET_HEALTH tells an MMM 2.x agent apart (it answers Invalid command); from then on, in this
    // very pass too, it gets MMM's rhythm only.
    let answered = wasUnreachable;
    if (!o.legacy) {
      await this.agents.health(host);
      answered = true;
    }
    if (o.legacy) {
      // An MMM 2.x agent knows no GET_HEALTH, and dies on GET_SYSTEM_STATUS while its mysqld is
      // down (reference/mmm-interop.md §2): PING it, and ask the system status only while the
      // monitor's own mysql check passes without a pending error.
      if (!answered) await this.agents.ping(host);
      if (!o.reachable || this.checks.of(host, now).mysql.phase !== 'PASSING') return;
      // its OK to a status proves nothing: confirm a changed role list on its interface at once
      const applied = o.lastApplied;
      if (applied && (o.systemAt ?? 0) < applied.at && rolesDiffer(applied.roles, o.system?.configuredRoles ?? [])) {
        await this.legacySystem(host, now);
        return;
      }
    }
    if (o.reachable && (wasUnreachable || !o.system || now - (this.systemAt[host] ?? 0) >= SYSTEM_STATUS_EVERY_MS)) {
      if (o.legacy) return this.legacySystem(host, now);
      this.systemAt[host] = now;
      await this.agents.system(host);
    }
  }

  /**
   * GET_SYSTEM_STATUS to an MMM 2.x agent, only if its server answers the monitor right now: the
   * mysql check may lag a crash by up to check_period + timeout (seconds with MMM's 5 s periods),
   * and the agent dies on this request while its mysqld is down.
   */
  private async legacySystem(host: string, now: number): Promise<void> {
    const timeoutMs = Math.max(1, Math.round((this.config.checks.mysql?.timeout ?? 2) * 1000));
    if (!(await this.probe.answers(host, timeoutMs)).ok) return;
    this.systemAt[host] = now;
    await this.agents.system(host);
  }

  private send(d: StatusLine): Promise<boolean> {
    const busy = this.inFlight.get(d.host);
    if (busy) return Promise.resolve(false);
    if (this.agents.silent(d.host)) {
      // no status to a host that does not answer: the probe finds out when it is back (and whether
      // it restarted, before a status hides it), then a pass sends it
      this.probeBack(d.host);
      return Promise.resolve(false);
    }
    const p = this.agents.setStatus(d.host, d.state, d.roles, d.activeMaster, this.setStatusTimeoutMs).then((a) => {
      if (a && !a.ok) this.logger.error(`agent ${d.host} could not apply its status: ${a.error ?? ''}`, { state: d.state });
      return !!a?.ok;
    });
    this.inFlight.set(d.host, p);
    void p.finally(() => this.inFlight.delete(d.host));
    // An agent whose standing WATCH_HEALTH went unanswered is gone: the pass stops waiting for it
    // (setStatusTimeoutMs is 13 s with MMM's switch_timeout; a cut writer's heartbeat held the loop
    // that long); the request runs on in the background and the next pass sees the agent unreachable.
    let settled = false;
    void p.finally(() => (settled = true));
    const lost = this.agents.whenLost(d.host, p).then(() => {
      if (!settled) this.logger.debug(`agent ${d.host} does not answer its standing WATCH_HEALTH: the pass does not wait for its status`, { state: d.state });
      return false;
    });
    return Promise.race([p, lost]);
  }

  /**
   * In the background, at most one at a time per host: GET_AGENT_STATUS to an agent that did not
   * answer. `UP:` is the host's uptime (it goes back only on a reboot), so its state comes first:
   * UNKNOWN after a status marks a restart (an MMM agent has then forgotten its roles:
   * CLEAR_BAD_ROLES). An answer wakes a pass, which observes the host in full.
   */
  private probeBack(host: string): void {
    if (this.probing.has(host) || this.stopped) return;
    const p = this.agents.agentStatus(host).then(() => {
      if (!this.agents.obs[host].reachable) return;
      this.cameBack.add(host);
      this.triggerPass();
    });
    this.probing.set(host, p);
    void p.finally(() => this.probing.delete(host));
  }

  private async killHost(host: string): Promise<void> {
    const pingOk = this.checks.of(host, this.clock.now()).ping.ok;
    const r = await this.killHostFn(host, pingOk);
    this.fences[host] = { at: this.clock.now(), ok: r.fenced, message: r.error ?? r.output.slice(0, 200) };
    this.decisions.record({
      kind: 'fence',
      host,
      reason: r.fenced ? `kill_host_bin fenced ${host}` : `kill_host_bin failed for ${host}: ${r.error ?? ''}`,
      blocked: !r.fenced,
      details: { exitCode: r.exitCode, durationMs: r.durationMs, output: r.output },
    });
  }

  /** Status file and our state file next to it, atomically, each when its content changed (never in PASSIVE). */
  async persist(): Promise<void> {
    const path = this.config.monitor?.statusPath;
    if (!path || this.state.mode === 'PASSIVE') return;
    const entries = Object.keys(this.config.hosts).sort().map((h) => ({ host: h, state: this.state.hosts[h].state, roles: rolesOf(this.state.roles, h) }));
    const text = JSON.stringify(entries);
    if (text !== this.lastStatusFile) {
      try {
        await writeStatusFile(path, entries);
        this.lastStatusFile = text;
        this.warnings.delete('status_file');
      } catch (e) {
        this.warnings.set('status_file', errorMessage(e));
        this.logger.error(errorMessage(e));
      }
    }
    const mine = { lastWriter: this.state.lastWriter || undefined, lastFailover: this.state.lastFailover };
    const extra = formatStateFile(mine);
    if (extra === this.lastStateFile) return;
    try {
      await writeStateFile(stateFilePath(path), mine);
      this.lastStateFile = extra;
      this.warnings.delete('state_file');
    } catch (e) {
      this.warnings.set('state_file', errorMessage(e));
      this.logger.error(errorMessage(e));
    }
  }

  /** Planned writer move (mutex held): executes the action's steps, updating the state as it goes. */
  async runSwitch(a: SwitchAction): Promise<SwitchOutcome> {
    this.hooks.consumeApproval();
    const out = await switchWriter(
      {
        config: this.config,
        agents: this.agents,
        clock: this.clock,
        decisions: this.decisions,
        setStatusTimeoutMs: this.setStatusTimeoutMs,
        getState: () => this.state,
        setState: (s) => (this.state = s),
        setLastMove: (m) => (this.lastMove = m),
        probe: this.probe,
        ...(this.ha ? { journal: (step: string) => this.ha!.journal({ kind: 'switchover', from: a.from, to: a.to, step, state: this.state }) } : {}),
      },
      a,
    );
    if (this.ha && (await this.ha.saveState(this.state, this.lastMove))) await this.ha.journal(null);
    this.hooks.afterMove({ event: 'switchover', from: a.from, to: a.to, ok: out.ok, reason: out.ok ? `${a.why}: done in ${out.durationMs} ms` : `${a.why}: ${out.reason}` });
    return this.metrics.switchover(out);
  }

  /** Monitor HA at start-up: what the leader stored in etcd (host states and roles), if anything. */
  async storedStatus(): Promise<Record<string, { state: MonitorState['hosts'][string]['state']; roles: ReturnType<typeof rolesOf> }> | undefined> {
    if (!this.ha) return undefined;
    const t = await this.ha.takeover(Object.keys(this.config.hosts));
    if (t.error) this.logger.warn(`monitor HA: the state in etcd is not used at start-up: ${t.error}`);
    const s = t.op?.state ?? t.state?.state;
    if (!s) return undefined;
    return Object.fromEntries(Object.keys(this.config.hosts).map((h) => [h, { state: s.hosts[h].state, roles: rolesOf(s.roles, h) }]));
  }

  adoptStartupState(s: MonitorState): void {
    if (this.ha) this.state = s;
  }

  /** Startup loaded the state file: no need to write it again until it changes. */
  stateLoaded(text: string): void {
    this.lastStateFile = text;
  }

  // ---- CommandHost: what control commands use (called with the mutex held) ----

  now(): number {
    return this.clock.now();
  }

  observations(): Record<string, HostObservation> {
    return this.snapshot(this.clock.now()).hosts;
  }

  async pingAgent(host: string): Promise<boolean> {
    return this.agents.ping(host);
  }

  showWarnings(): string[] {
    return [...this.warnings.values()];
  }

  haLines(): string[] {
    return this.ha?.showLines() ?? [];
  }

  notLeaderReply(): string | undefined {
    return this.ha?.notLeaderReply();
  }

  record(d: Recorded): void {
    this.decisions.record(d);
  }

  preFailover(a: Attempt): Promise<PreFailoverAnswer> {
    return this.hooks.preFailoverNow(a);
  }

  currentWriter(): string {
    return activeMasterOf(this.state.roles, this.config.activeMasterRole);
  }

  history(q: HistoryQuery): Promise<HistoryDocument> {
    return this.historyReader.page(q);
  }

  statusDocument(): StatusDocument {
    const now = this.clock.now();
    const warnings = [...this.warnings.values()];
    if (!this.network.ok) warnings.push('none of ping_ips answers: the monitor is cut off, states are frozen');
    if (this.audit.lastError) warnings.push(`audit log write failed: ${this.audit.lastError}`);
    for (const h of this.agents.hosts) {
      const a = this.agents.obs[h].lastApplied;
      if (a && !a.ok) warnings.push(`agent on ${h} could not apply its status: ${a.error ?? 'ERROR'}`);
    }
    return buildStatusDocument({
      config: this.config,
      state: this.state,
      hosts: this.snapshot(now).hosts,
      warnings,
      decisions: this.audit.recent(50),
      lastMove: this.lastMove,
      roleReasons: this.roleReasons,
      diagnoses: this.diagnoses,
      now,
    });
  }
}
