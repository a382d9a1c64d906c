// MMM's network check: when none of ping_ips answers, the monitor itself is cut off; states
// freeze and nothing is sent. Runs on its own timer every ping_interval seconds.
import type { CheckConfig, HostConfig, Logger } from '@mmm/common';
import type { CheckFn } from './checks/types';

export class NetworkCheck {
  /** true until proven otherwise; always true without ping_ips. */
  ok = true;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private answered = false;

  constructor(
    private readonly ips: readonly string[],
    private readonly intervalMs: number,
    private readonly ping: CheckFn,
    private readonly check: CheckConfig,
    private readonly logger: Logger,
  ) {}

  /** At least one round finished (or there is nothing to ping). */
  get ready(): boolean {
    return this.ips.length === 0 || this.answered;
  }

  start(): void {
    if (this.ips.length > 0) void this.round();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    const results = await Promise.all(this.ips.map((ip) => this.ping({ name: ip, ip } as HostConfig, this.check)));
    const ok = results.some((r) => r.status === 'OK');
    if (ok !== this.ok) {
      if (ok) this.logger.info('network is back: one of ping_ips answers');
      else this.logger.error(`none of ping_ips (${this.ips.join(', ')}) answers: states are frozen, nothing is sent`);
    }
    this.ok = ok;
    this.answered = true;
    if (!this.stopped) this.timer = setTimeout(() => void this.round(), this.intervalMs);
  }
}
