// A planned writer move's outcome as /metrics counts it (pure): refused before anything changed
// = blocked; aborted after the old writer was demoted (writes stopped, then restored or not) =
// failed. Both a success and a failure report how long writes were blocked.
import type { SwitchOutcome } from '../actions/switch-writer';
import type { Result } from './failover-phases';

export function switchoverResult(out: SwitchOutcome): { result: Result; writeBlockedSeconds?: number } {
  const blocked = out.writeBlockedMs;
  const result: Result = out.ok ? 'success' : blocked === undefined ? 'blocked' : 'failed';
  return { result, ...(blocked !== undefined ? { writeBlockedSeconds: Math.max(0, blocked) / 1000 } : {}) };
}
