// What a check is and what it reports. Checks are I/O edges: they observe one host once and
// return a raw result; debouncing (trap_period) belongs to analysis/, not here.
import type { CheckConfig, CheckName, HostConfig, PrivilegeProblem } from '@mmm/common';

export type CheckStatus = 'OK' | 'ERROR' | 'UNKNOWN';

export interface CheckResult {
  status: CheckStatus;
  /** MMM's text, e.g. `OK`, `ERROR: Replication is broken`, `UNKNOWN: Connect error (…)`. */
  message: string;
  /** The monitor account was refused (a missing GRANT, a wrong password): what to fix. */
  cause?: PrivilegeProblem;
  /**
   * rep_backlog only: Seconds_Behind_Master as this run read it; null when the server says NULL
   * or replication is not set up. Absent when the run could not read replication at all.
   */
  lagSeconds?: number | null;
  /** mysql only: the TCP connect was refused (RST): nothing listens on the MySQL port (not a hang, not a timeout). */
  refused?: boolean;
}

/** One run of one check on one host, as the runner emits it. */
export interface RawCheckResult extends CheckResult {
  host: string;
  check: CheckName;
  /** Milliseconds since the epoch (from the runner's clock). */
  startedAt: number;
  finishedAt: number;
}

/** Always resolves (never rejects) within `check.timeout` seconds. */
export type CheckFn = (host: HostConfig, check: CheckConfig) => Promise<CheckResult>;

export type CheckFunctions = Record<CheckName, CheckFn>;

export const ok = (message = 'OK'): CheckResult => ({ status: 'OK', message });
export const error = (message: string): CheckResult => ({ status: 'ERROR', message: `ERROR: ${message}` });
export const unknown = (message: string): CheckResult => ({ status: 'UNKNOWN', message: `UNKNOWN: ${message}` });

export function timeoutMs(check: CheckConfig): number {
  // Fractions of a second are allowed; never 0 (a zero timer would fail every check).
  return Math.max(1, Math.round(check.timeout * 1000));
}
