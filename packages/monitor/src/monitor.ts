// mmmd_mon's loop: observe → analyze → act → persist, every pass (period configurable), and
// at once after a control command changed something. Passes and commands hold one mutex.
import {
  type Clock,
  type MmmConfig,
  type Logger,
  type MoveStatus,
  type StatusDocument,
  type TlsMaterial,
  errorMessage,
  systemClock,
} from '@mmm/common';
import { analyze } from './analysis/analyze';
import { NOT_FLAPPING } from './analysis/flapping';
import type { ClusterSnapshot, HostObservation, MonitorState } from './analysis/snapshot';
import { AgentSet } from './agents/agent-set';
import { type DesiredStatus, planStatuses } from './actions/desired-status';
import { switchWriter, type SwitchOutcome } from './actions/switch-writer';
import { CheckStore } from './check-store';
import { CheckRunner, MysqlSessions, createCheckFunctions, type CheckFunctions } from './checks';
import { DecisionLog, type Recorded } from './decision-log';
import { runKillHost } from './hooks/kill-host';
import { Mutex } from './mutex';
import { NetworkCheck } from './network-check';
import { AuditLog } from './persistence/audit-log';
import { writeStatusFile } from './persistence/status-file';
import { activeMasterOf, rolesOf } from './roles/role-table';
import { buildStatusDocument } from './status/build-status';
import { runStartup } from './startup-sequence';
import { CertExpiryWatch } from './tls-watch/cert-expiry';

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
  /** Audit log file; default `<status_path>.audit.jsonl`, none without status_path. */
  auditFile?: string | null;
}

/** A pass as often as the fastest check can change something, but at least every second (MMM: 3 s). */
export function defaultPassIntervalMs(config: MmmConfig): number {
  const fastest = Math.min(...Object.values(config.checks).map((c) => c.checkPeriod * 1000));
  return Math.round(Math.min(1000, Math.max(100, fastest)));
}

/** A planned move that failed is not retried automatically for this long. */
const AUTO_SWITCH_BACKOFF_MS = 30_000;
const SYSTEM_STATUS_EVERY_MS = 5000;
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
  readonly mutex = new Mutex();
  readonly fences: Record<string, HostObservation['fence']> = {};
  readonly roleReasons: Record<string, string> = {};
  /** Warnings by topic (TLS reload, status file…) shown by show and status_json. */
  readonly warnings = new Map<string, string>();
  /** Expiry of own, CA and agents' certificates, kept in `warnings` (cert:* keys). */
  readonly certWatch: CertExpiryWatch;
  lastMove: MoveStatus | null = null;
  material?: TlsMaterial;
  readonly setStatusTimeoutMs: number;
  private readonly passIntervalMs: number;
  private readonly sessions = new MysqlSessions();
  private readonly runner: CheckRunner;
  readonly network: NetworkCheck;
  private running = false;
  private wake?: () => void;
  private wakePending = false;
  private loopDone?: Promise<void>;
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly systemAt: Record<string, number> = {};
  private autoSwitchBlockedUntil: Record<string, number> = {};
  private lastStatusFile = '';

  constructor(o: MonitorOptions) {
    this.config = o.config;
    this.logger = o.logger;
    this.clock = o.clock ?? systemClock;
    this.material = o.material;
    this.passIntervalMs = o.passIntervalMs ?? defaultPassIntervalMs(o.config);
    this.setStatusTimeoutMs = 1000 + Math.round(o.config.switchTimeout * 1000) + 2000;
    this.certWatch = new CertExpiryWatch({ warnDays: o.config.socket.certExpiryWarnDays, warnings: this.warnings, logger: o.logger, clock: this.clock });
    this.agents =
      o.agents ??
      new AgentSet({
        config: o.config,
        clock: this.clock,
        logger: o.logger,
        material: () => this.material,
        onPeerCert: (host, cert) => this.certWatch.notePeer(host, cert),
      });
    this.checks = new CheckStore(o.config);
    const statusPath = o.config.monitor?.statusPath;
    const auditFile = o.auditFile === null ? undefined : (o.auditFile ?? (statusPath ? `${statusPath}.audit.jsonl` : undefined));
    this.audit = new AuditLog({ file: auditFile, clock: this.clock, logger: o.logger, keep: 200 });
    this.decisions = new DecisionLog(this.audit, o.logger);
    const fns = { ...createCheckFunctions({ sessions: this.sessions }), ...(o.checkFns ?? {}) };
    this.runner = new CheckRunner({
      hosts: Object.values(o.config.hosts).map((h) => ({ ...h, ...{} })),
      checks: Object.values(o.config.checks),
      fns,
      clock: this.clock,
      logger: o.logger.child({ part: 'checks' }),
      onResult: (r) => {
        if (this.checks.apply(r)) this.logger.info(`check ${r.check} on ${r.host}: ${r.message}`);
      },
    });
    const m = o.config.monitor;
    this.network = new NetworkCheck(m?.pingIps ?? [], (m?.pingInterval ?? 1) * 1000, fns.ping, o.config.checks.ping, o.logger);
  }

  async start(): Promise<void> {
    await this.audit.open();
    this.runner.start();
    this.network.start();
    this.state = await runStartup(this);
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone?.catch(() => undefined);
    this.network.stop();
    await this.runner.stop();
    await this.sessions.close();
    this.agents.close();
    await this.audit.close();
  }

  /** Runs a pass as soon as the current one (if any) ends; never lost (unlike MMM's wake-up). */
  triggerPass(): void {
    this.wakePending = true;
    this.wake?.();
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
    const hosts: ClusterSnapshot['hosts'] = {};
    for (const h of Object.keys(this.config.hosts)) {
      const fence = this.fences[h];
      hosts[h] = { checks: this.checks.of(h, now), agent: { ...this.agents.obs[h] }, ...(fence ? { fence } : {}) };
    }
    return { networkOk: this.network.ok, hosts };
  }

  /** One pass; call with the mutex held. */
  async pass(): Promise<void> {
    await Promise.all(this.agents.hosts.map((h) => this.observe(h)));
    const now = this.clock.now();
    const previous = this.state;
    const res = analyze(this.snapshot(now), previous, this.config, now);
    this.decisions.recordPass(res.decisions);
    for (const d of res.decisions) if (d.role && !d.blocked && d.kind !== 'transition') this.roleReasons[d.role] = d.reason;
    this.state = res.state;
    if (!this.network.ok) return; // frozen: nothing sent, nothing written
    for (const h of Object.keys(this.fences)) if (this.state.hosts[h]?.state === 'ONLINE') delete this.fences[h];

    await Promise.all(res.actions.filter((a) => a.kind === 'kill_host').map((a) => this.killHost(a.host)));
    if (this.state.mode === 'PASSIVE') return;

    let withheld = res.decisions.find((d) => d.kind === 'promote_writer' && d.blocked)?.host ?? '';
    const from = previous.lastWriter;
    if (withheld && from && this.isHealthyWriter(from)) {
      // the writer moves between two healthy hosts (preferred host is back): a planned switch, not a failover
      const until = this.autoSwitchBlockedUntil[withheld] ?? 0;
      const to = withheld;
      this.state = { ...this.state, roles: this.state.roles.map((a) => (a.role === this.config.activeMasterRole ? { ...a, host: from } : a)), lastWriter: from };
      withheld = '';
      if (now >= until) {
        const out = await this.switchWriter(from, to, 'the writer returns to its preferred host');
        if (!out.ok) this.autoSwitchBlockedUntil[to] = this.clock.now() + AUTO_SWITCH_BACKOFF_MS;
      }
    }
    await this.sendStatuses(withheld, this.state.lastWriter);
    await this.persist();
  }

  /** The writer's host is ONLINE and its agent answered this pass. */
  private isHealthyWriter(host: string): boolean {
    return this.state.hosts[host]?.state === 'ONLINE' && !!this.agents.obs[host]?.reachable;
  }

  private async observe(host: string): Promise<void> {
    if (this.inFlight.has(host)) return; // still busy with a long SET_STATUS: keep what we know
    const o = this.agents.obs[host];
    const now = this.clock.now();
    const wasUnreachable = !o.reachable;
    await this.agents.health(host);
    if (o.reachable && (wasUnreachable || !o.system || now - (this.systemAt[host] ?? 0) >= SYSTEM_STATUS_EVERY_MS)) {
      this.systemAt[host] = now;
      await this.agents.system(host);
    }
  }

  /** SET_STATUS to every agent: old writer and writer at once, then the rest (bounded wait). */
  async sendStatuses(withheld: string, previousWriter: string): Promise<void> {
    const lastApplied = Object.fromEntries(this.agents.hosts.map((h) => [h, this.agents.obs[h].lastApplied]));
    const plan = planStatuses({ config: this.config, state: this.state, withheld, previousWriter, lastApplied });
    // A writer in the plan was proven safe by the previous passes (old writer demoted, dead, fenced
    // or past its lease), so its promotion need not wait for this pass's demotion reply: a dead
    // writer's agent would spend its client grace on a server that is gone.
    const demoting = Promise.all(plan.demote.map((d) => this.send(d)));
    await Promise.all(plan.writer.map((d) => this.send(d)));
    const demoted = await demoting;
    const rest = Promise.all(plan.rest.map((d) => this.send(d)));
    await Promise.race([rest, new Promise((r) => setTimeout(r, REST_WAIT_MS))]);
    // a confirmed demotion lets the next pass promote: do not wait a whole period for it
    if (withheld && demoted.some((ok) => ok)) this.triggerPass();
  }

  private send(d: DesiredStatus): Promise<boolean> {
    const busy = this.inFlight.get(d.host);
    if (busy) return Promise.resolve(false);
    const p = this.agents.setStatus(d.host, d.state, d.roles, d.activeMaster, this.setStatusTimeoutMs).then((a) => {
      if (a && !a.ok) this.logger.error(`agent ${d.host} could not apply its status: ${a.error ?? ''}`, { state: d.state });
      return !!a?.ok;
    });
    this.inFlight.set(d.host, p);
    void p.finally(() => this.inFlight.delete(d.host));
    return p;
  }

  private async killHost(host: string): Promise<void> {
    const bin = this.config.monitor?.killHostBin;
    if (!bin) return;
    const pingOk = this.checks.of(host, this.clock.now()).ping.ok;
    const r = await runKillHost(bin, host, pingOk, { timeoutMs: 30_000 });
    this.fences[host] = { at: this.clock.now(), ok: r.fenced, message: r.error ?? r.output.slice(0, 200) };
    this.decisions.record({
      kind: 'fence',
      host,
      reason: r.fenced ? `kill_host_bin fenced ${host}` : `kill_host_bin failed for ${host}: ${r.error ?? ''}`,
      blocked: !r.fenced,
      details: { exitCode: r.exitCode, durationMs: r.durationMs, output: r.output },
    });
  }

  /** Status file, atomically, when its content changed (never in PASSIVE). */
  async persist(): Promise<void> {
    const path = this.config.monitor?.statusPath;
    if (!path || this.state.mode === 'PASSIVE') return;
    const entries = Object.keys(this.config.hosts).sort().map((h) => ({ host: h, state: this.state.hosts[h].state, roles: rolesOf(this.state.roles, h) }));
    const text = JSON.stringify(entries);
    if (text === this.lastStatusFile) return;
    try {
      await writeStatusFile(path, entries);
      this.lastStatusFile = text;
      this.warnings.delete('status_file');
    } catch (e) {
      this.warnings.set('status_file', errorMessage(e));
      this.logger.error(errorMessage(e));
    }
  }

  /** Planned writer move (mutex held). */
  switchWriter(from: string, to: string, why: string): Promise<SwitchOutcome> {
    return switchWriter(
      {
        config: this.config,
        agents: this.agents,
        clock: this.clock,
        decisions: this.decisions,
        setStatusTimeoutMs: this.setStatusTimeoutMs,
        getState: () => this.state,
        setState: (s) => (this.state = s),
        setLastMove: (m) => (this.lastMove = m),
      },
      from,
      to,
      why,
    );
  }

  /** Forgets a host's flapping (set_online). */
  setHostState(host: string, state: MonitorState['hosts'][string]['state'], resetFlap = false): void {
    const prev = this.state.hosts[host];
    this.state = {
      ...this.state,
      hosts: { ...this.state.hosts, [host]: { ...prev, state, since: this.clock.now(), flap: resetFlap ? { ...NOT_FLAPPING } : prev.flap } },
    };
  }

  // ---- CommandHost: what control commands use (called with the mutex held) ----

  now(): number {
    return this.clock.now();
  }

  observation(host: string): HostObservation {
    return this.snapshot(this.clock.now()).hosts[host];
  }

  async pingAgent(host: string): Promise<boolean> {
    return this.agents.ping(host);
  }

  showWarnings(): string[] {
    return [...this.warnings.values()];
  }

  record(d: Recorded): void {
    this.decisions.record(d);
  }

  /** MMM's cleanup_and_send_status on leaving PASSIVE: CLEAR_BAD_ROLES, then statuses in order. */
  async cleanupAndSendStatus(): Promise<void> {
    await Promise.all(this.agents.hosts.map((h) => this.agents.clearBadRoles(h)));
    await this.sendStatuses('', this.state.lastWriter);
  }

  currentWriter(): string {
    return activeMasterOf(this.state.roles, this.config.activeMasterRole);
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
      now,
    });
  }
}
