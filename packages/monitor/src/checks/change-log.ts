// The line logged when a check's reported status changes (a failure outlasted trap_period, or
// a recovery): a failure at warn, so `journalctl -p warning` and log filters see it; a
// recovery or a passing first result at info. Host state changes keep their own levels.
import type { LogLevel } from '@mmm/common';
import type { RawCheckResult } from './types';

export interface CheckChangeLine {
  level: Extract<LogLevel, 'warn' | 'info'>;
  message: string;
  meta: { host: string; check: string };
}

/** `ok`: the reported (debounced) status after the change, not the raw result's. */
export function checkChangeLine(r: RawCheckResult, ok: boolean): CheckChangeLine {
  return { level: ok ? 'info' : 'warn', message: `check ${r.check} on ${r.host}: ${r.message}`, meta: { host: r.host, check: r.check } };
}
