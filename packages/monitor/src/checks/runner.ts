// Schedules every check on every host concurrently, each (host, check) pair on its own
// check_period. A pair never overlaps itself: the next run starts only after the previous one
// has settled. Start-to-start spacing is the period (a slow run shortens the following wait).
// runNow() moves a pair's next run to now (an agent pushed news of its server).
import { performance } from 'node:perf_hooks';
import { type CheckConfig, type Clock, type HostConfig, type Logger, bounded, errorMessage, nullLogger, systemClock } from '@mmm/common';
import { type CheckFn, type CheckFunctions, type CheckResult, type RawCheckResult, error, timeoutMs, unknown } from './types';

export interface CheckRunnerOptions {
  hosts: readonly HostConfig[];
  /** The checks to run (usually every entry of `config.checks`). */
  checks: readonly CheckConfig[];
  fns: Partial<CheckFunctions>;
  onResult: (r: RawCheckResult) => void;
  clock?: Clock;
  logger?: Logger;
  /** How long past `timeout` the runner waits for a check function that ignores its bound. */
  graceMs?: number;
}

interface Slot {
  host: HostConfig;
  check: CheckConfig;
  fn: CheckFn;
  timer?: NodeJS.Timeout;
  /** The current run (the check function's own promise, settled or not). */
  inFlight?: Promise<unknown>;
  /** runNow() callers: resolved by the first result of a run started at or after `after` (performance.now()). */
  waiters: Array<{ after: number; done: () => void }>;
  /** Run again as soon as the run in flight has settled. */
  again?: boolean;
}

export class CheckRunner {
  private readonly slots: Slot[] = [];
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly graceMs: number;
  private state: 'new' | 'running' | 'stopped' = 'new';

  constructor(private readonly opts: CheckRunnerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? nullLogger;
    this.graceMs = opts.graceMs ?? 500;
    for (const host of opts.hosts) {
      for (const check of opts.checks) {
        const fn = opts.fns[check.name];
        if (fn) this.slots.push({ host, check, fn, waiters: [] });
      }
    }
  }

  get running(): boolean {
    return this.state === 'running';
  }

  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    for (const slot of this.slots) this.schedule(slot, 0);
  }

  /**
   * Runs `check` on `host` now (after the run in flight, if any: never two at once); resolves once
   * a run started from now on has reported, bounded by twice the check's timeout plus the grace.
   */
  runNow(host: string, check: string): Promise<void> {
    const slot = this.slots.find((s) => s.host.name === host && s.check.name === check);
    if (!slot || this.state !== 'running') return Promise.resolve();
    const after = performance.now();
    const reported = new Promise<void>((done) => slot.waiters.push({ after, done }));
    if (slot.inFlight) slot.again = true;
    else {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = undefined;
      void this.tick(slot);
    }
    return bounded(reported, 2 * timeoutMs(slot.check) + this.graceMs).then(() => undefined);
  }

  /**
   * Cancels pending runs, waits (bounded) for runs in flight, then closes every check function
   * that has a close() (the ping check's long-running pingers); emits nothing afterwards.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const slot of this.slots) {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = undefined;
      for (const w of slot.waiters.splice(0)) w.done();
    }
    const inFlight = this.slots.map((s) => s.inFlight).filter((p): p is Promise<unknown> => p !== undefined);
    if (inFlight.length > 0) {
      const bound = Math.max(0, ...this.slots.map((s) => timeoutMs(s.check))) + this.graceMs;
      const r = await bounded(Promise.allSettled(inFlight), bound);
      if (r.kind === 'timeout') this.log.warn('checks still running after stop', { count: inFlight.length });
    }
    const closable = new Set<{ close(): Promise<void> }>();
    for (const fn of Object.values(this.opts.fns)) {
      const c = fn as Partial<{ close: unknown }> | undefined;
      if (c && typeof c.close === 'function') closable.add(fn as unknown as { close(): Promise<void> });
    }
    for (const c of closable) {
      const r = await bounded(Promise.resolve().then(() => c.close()), 5000);
      if (r.kind === 'error') this.log.error('closing a check failed', { error: errorMessage(r.error) });
      if (r.kind === 'timeout') this.log.warn('closing a check timed out');
    }
  }

  private schedule(slot: Slot, delayMs: number): void {
    if (this.state !== 'running') return;
    slot.timer = setTimeout(() => void this.tick(slot), delayMs);
  }

  private async tick(slot: Slot): Promise<void> {
    slot.timer = undefined;
    if (this.state !== 'running') return;
    const t0 = performance.now();
    const startedAt = this.clock.now();
    const raw = Promise.resolve().then(() => slot.fn(slot.host, slot.check));
    slot.inFlight = raw.catch(() => undefined);
    const result = await this.settle(slot, raw);
    if (this.state !== 'running') return;
    this.emit({ host: slot.host.name, check: slot.check.name, ...result, startedAt, finishedAt: this.clock.now() });
    const served = slot.waiters.filter((w) => w.after <= t0);
    slot.waiters = slot.waiters.filter((w) => w.after > t0);
    for (const w of served) w.done();
    // A check function that outlived its bound still holds the pair: wait for it, never overlap.
    await slot.inFlight;
    slot.inFlight = undefined;
    const elapsed = performance.now() - t0;
    const again = slot.again === true;
    slot.again = false;
    this.schedule(slot, again ? 0 : Math.max(0, slot.check.checkPeriod * 1000 - elapsed));
  }

  private async settle(slot: Slot, raw: Promise<CheckResult>): Promise<CheckResult> {
    const r = await bounded(raw, timeoutMs(slot.check) + this.graceMs);
    if (r.kind === 'value') return r.value;
    if (r.kind === 'timeout') {
      this.log.warn('check ignored its timeout', { host: slot.host.name, check: slot.check.name });
      return error('Timeout');
    }
    // A throwing check is a bug, not news about the host.
    this.log.error('check failed', { host: slot.host.name, check: slot.check.name, error: errorMessage(r.error) });
    return unknown(`check failed: ${errorMessage(r.error)}`);
  }

  private emit(r: RawCheckResult): void {
    try {
      this.opts.onResult(r);
    } catch (e) {
      this.log.error('check result handler failed', { error: errorMessage(e) });
    }
  }
}
