// Debounced check states per host, fed by the CheckRunner's raw results through analysis
// stepCheck (trap_period). The first result of a pair is taken as MMM's synchronous startup check.
import { CHECK_NAMES, type CheckName, type MmmConfig } from '@mmm/common';
import { failedCheck, initialCheckState, stepCheck } from './analysis/debounce';
import type { CheckState, HostChecks } from './analysis/snapshot';
import type { RawCheckResult } from './checks/types';

export class CheckStore {
  private readonly states: Record<string, Partial<Record<CheckName, CheckState>>> = {};

  constructor(private readonly config: MmmConfig) {
    for (const h of Object.keys(config.hosts)) this.states[h] = {};
  }

  /** Returns true when the reported status of the check changed. */
  apply(r: RawCheckResult): boolean {
    const host = this.states[r.host];
    if (!host) return false;
    const prev = host[r.check];
    if (!prev) {
      host[r.check] = initialCheckState(r, r.finishedAt);
      return true;
    }
    const s = stepCheck(prev, r, this.config.checks[r.check].trapPeriod, r.finishedAt);
    host[r.check] = s.state;
    return s.changed;
  }

  /** Every configured (host, check) pair has reported at least once. */
  complete(): boolean {
    return Object.values(this.states).every((h) => CHECK_NAMES.every((c) => h[c] !== undefined));
  }

  /** A host's checks; pairs that never reported count as failed (MMM: non-OK at startup = failed). */
  of(host: string, now: number): HostChecks {
    const h = this.states[host] ?? {};
    const out = {} as HostChecks;
    for (const c of CHECK_NAMES) out[c] = h[c] ?? failedCheck(now, 'UNKNOWN: not checked yet');
    return out;
  }
}
