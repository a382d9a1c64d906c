// The monitor's three operator hooks (docs/observability.md#hooks): pre_failover_command's runs
// and what they answered (PreFailoverRecord, read by the analysis), post_failover_command and
// notify_command behind their queues. Every run is audited (kind `hook`) with its exit status,
// duration, timeout and output; a veto's reason becomes the blocked decision's reason.
import type { Clock, Logger, MmmConfig } from '@mmm/common';
import type { Transition } from '../analysis/result';
import type { MonitorState } from '../analysis/snapshot';
import type { Recorded } from '../decision-log';
import type { AuditInput } from '../persistence/audit-log';
import { changeEvents } from './changes';
import { type HookContext, type HookEvent, hookEnv } from './hook-env';
import { HookQueue } from './hook-queue';
import { type Attempt, type PreFailoverRecord, consumeApproval, describeAttempt } from '../analysis/pre-failover-gate';
import { type HookRun, type RunHookOptions, describeRun, firstLine, runHook } from './run-hook';

export type HookName = 'pre_failover_command' | 'post_failover_command' | 'notify_command';

export interface HooksOptions {
  config: MmmConfig;
  logger: Logger;
  clock: Clock;
  audit: { record(e: AuditInput): unknown };
  /** A pre_failover_command run started by a pass ended: the next pass reads its answer. */
  triggerPass(): void;
  /** MMM_CLUSTER: the `@cluster` the monitor was started with. */
  cluster?: string;
  /** MMM_TERM (the HA issue's leadership term); 0 for a single monitor. */
  term?: number;
  /** Injected for tests (default: runHook). */
  run?: (command: string, env: Record<string, string>, o: RunHookOptions) => Promise<HookRun>;
  /** notify_command / post_failover_command events that may wait (default 100 each). */
  queueMax?: number;
}

export type PreFailoverAnswer = { ok: true } | { ok: false; reason: string };

/** Output kept in an audit entry, per stream. */
const AUDIT_OUTPUT = 1000;

/** Why a run vetoes, in one line: its stderr (else stdout), and how it ended. */
export function vetoReason(r: HookRun, timeoutMs: number): string {
  if (r.spawnError || r.timedOut) return describeRun(r, timeoutMs);
  const said = firstLine(r.stderr) || firstLine(r.stdout);
  return `${said || 'no output'} (${describeRun(r, timeoutMs)})`;
}

export class Hooks {
  /** What pre_failover_command answered (the snapshot's `preFailover`). */
  preFailover: PreFailoverRecord = {};
  private readonly timeoutMs: number;
  private readonly ctx: HookContext;
  private readonly run: NonNullable<HooksOptions['run']>;
  private readonly notifyQ?: HookQueue;
  private readonly postQ?: HookQueue;
  private preRun?: Promise<unknown>;
  private readonly stopping = new AbortController();
  /** Why operator commands changed hosts since the last comparison (state_change reasons). */
  private readonly commandReasons = new Map<string, string>();

  constructor(private readonly o: HooksOptions) {
    const m = o.config.monitor;
    this.timeoutMs = Math.round((m?.hookTimeout ?? 10) * 1000);
    this.ctx = { cluster: o.cluster ?? '', term: o.term ?? 0 };
    this.run = o.run ?? runHook;
    const queue = (name: HookName, command: string | undefined): HookQueue | undefined =>
      command
        ? new HookQueue({
          max: o.queueMax,
          run: async (e) => {
            await this.runOnce(name, command, e);
          },
          onDrop: (e, why, waiting) => {
            const reason = `${name}: ${e.event} event not run: ${why === 'duplicate' ? 'the same event is already waiting' : `queue full (${waiting} waiting)`}`;
            o.logger.warn(reason, { event: e.event });
            o.audit.record({ kind: 'hook', ...(e.host ? { host: e.host } : {}), reason, details: { hook: name, event: e.event, dropped: why, eventReason: e.reason ?? '' } });
          },
        })
        : undefined;
    this.notifyQ = queue('notify_command', m?.notifyCommand);
    this.postQ = queue('post_failover_command', m?.postFailoverCommand);
  }

  get preFailoverConfigured(): boolean {
    return !!this.o.config.monitor?.preFailoverCommand;
  }

  /**
   * A pass asked for a run (its `pre_failover` action): it starts in the background unless one is
   * under way; its end triggers a pass, which reads the answer.
   */
  startPreFailover(a: Attempt): void {
    if (this.preRun || !this.preFailoverConfigured) return;
    const p = this.runPre(a).finally(() => {
      this.preRun = undefined;
      this.o.triggerPass();
    });
    this.preRun = p;
  }

  /**
   * An operator command asks (move_role of the writer, set_offline of the writer): after a run
   * under way, one run for this attempt now. Not held back by pre_failover_interval: a command is
   * paced by the operator, not by the pass loop.
   */
  async preFailoverNow(a: Attempt): Promise<PreFailoverAnswer> {
    if (!this.preFailoverConfigured) return { ok: true };
    while (this.preRun) await this.preRun.catch(() => undefined);
    const p = this.runPre(a);
    this.preRun = p.finally(() => (this.preRun = undefined));
    return p;
  }

  /** A promotion or planned switch went ahead: its approval is used up. */
  consumeApproval(): void {
    this.preFailover = consumeApproval(this.preFailover);
  }

  /** A failover or switchover finished: post_failover_command, and notify_command with the same event. */
  afterMove(m: { event: 'failover' | 'switchover'; from: string; to: string; ok: boolean; reason: string }): void {
    const e: HookEvent = {
      event: m.event, oldWriter: m.from, newWriter: m.to, host: m.to, role: this.o.config.activeMasterRole,
      result: m.ok ? 'success' : 'failure', reason: m.reason, at: this.o.clock.now(),
    };
    this.postQ?.push(e);
    this.notifyQ?.push(e);
  }

  /** Every recorded decision: a blocked one is notified; a command's reason names the next state changes. */
  onDecision(d: Recorded): void {
    if (d.kind === 'command' && d.host) this.commandReasons.set(d.host, d.reason);
    if (!d.blocked || !this.notifyQ) return;
    this.notifyQ.push({ event: 'blocked', decision: d.kind, host: d.host, role: d.role, reason: d.reason, at: this.o.clock.now() });
  }

  /** End of a pass: state and role changes since the end of the previous one. */
  noteChanges(before: MonitorState, after: MonitorState, transitions: readonly Transition[]): void {
    if (this.notifyQ) {
      const events = changeEvents({ before, after, activeMasterRole: this.o.config.activeMasterRole, transitions, commandReasons: this.commandReasons, now: this.o.clock.now() });
      for (const e of events) this.notifyQ.push(e);
    }
    this.commandReasons.clear();
  }

  /** Resolves when no hook runs or waits (tests). */
  async idle(): Promise<void> {
    for (;;) {
      await Promise.all([this.preRun?.catch(() => undefined), this.notifyQ?.idle(), this.postQ?.idle()]);
      if (!this.preRun && !this.notifyQ?.pending && !this.postQ?.pending) return;
    }
  }

  /** The monitor stops: waiting events are dropped, running hooks killed. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all([this.notifyQ?.stop(), this.postQ?.stop(), this.preRun?.catch(() => undefined)]);
  }

  private async runPre(a: Attempt): Promise<PreFailoverAnswer> {
    const now = this.o.clock.now();
    this.preFailover = { ...this.preFailover, running: { attempt: a, startedAt: now } };
    const e: HookEvent = { event: a.event, oldWriter: a.from, newWriter: a.to, host: a.to, role: this.o.config.activeMasterRole, reason: a.why, at: now };
    const r = await this.runOnce('pre_failover_command', this.o.config.monitor?.preFailoverCommand ?? '', e, describeAttempt(a));
    const ok = r.exitCode === 0 && !r.timedOut && !r.spawnError;
    const reason = ok ? '' : vetoReason(r, this.timeoutMs);
    this.preFailover = { last: { attempt: a, ok, reason, at: this.o.clock.now() } };
    return ok ? { ok: true } : { ok: false, reason };
  }

  /** One run, logged and audited. */
  private async runOnce(name: HookName, command: string, e: HookEvent, what: string = e.event): Promise<HookRun> {
    this.o.logger.debug(`${name}: running for the ${what}`, { event: e.event });
    const r = await this.run(command, hookEnv(e, this.ctx), { timeoutMs: this.timeoutMs, signal: this.stopping.signal });
    const ok = r.exitCode === 0 && !r.timedOut && !r.spawnError;
    const vetoed = name === 'pre_failover_command' && !ok;
    const outcome = ok ? 'exit status 0' : describeRun(r, this.timeoutMs);
    const reason = vetoed ? `${name} vetoed the ${what}: ${vetoReason(r, this.timeoutMs)}` : `${name} for the ${what}: ${outcome} in ${r.durationMs} ms`;
    this.o.logger[ok ? 'info' : 'warn'](reason, { event: e.event, durationMs: r.durationMs });
    this.o.audit.record({
      kind: 'hook',
      ...(e.host ? { host: e.host } : {}),
      reason,
      details: {
        hook: name, event: e.event, startedAt: new Date(r.startedAt).toISOString(), durationMs: r.durationMs, exitCode: r.exitCode,
        signal: r.signal, timedOut: r.timedOut, ...(r.spawnError ? { spawnError: r.spawnError } : {}), ...(name === 'pre_failover_command' ? { vetoed } : {}),
        stdout: r.stdout.slice(0, AUDIT_OUTPUT), stderr: r.stderr.slice(0, AUDIT_OUTPUT),
      },
    });
    return r;
  }
}
