// MMM's trap logic as a reducer: a failure is reported only after trap_period seconds of
// uninterrupted errors; OK reports recovery at once; UNKNOWN keeps the reported status and
// restarts the error timer (MMM Checker: `-1/-2/-3` states, named here).
import type { CheckResult, CheckState } from './snapshot';

/** What every state keeps of the latest raw result, whatever the phase. */
function latest(r: CheckResult): Pick<CheckState, 'lastMessage' | 'lastCause' | 'lastLagSeconds'> {
  return {
    lastMessage: r.message,
    ...(r.cause ? { lastCause: r.cause } : {}),
    ...(r.lagSeconds !== undefined ? { lastLagSeconds: r.lagSeconds } : {}),
  };
}

/** Startup: MMM runs the checks once synchronously and treats anything but OK as failed. */
export function initialCheckState(r: CheckResult, now: number): CheckState {
  const ok = r.status === 'OK';
  return { phase: ok ? 'PASSING' : 'FAILED', ok, message: r.message, lastChange: now, ...latest(r), ...(r.refused ? { refusedSince: now } : {}) };
}

export interface CheckStep {
  state: CheckState;
  /** The reported status changed (a failure was trapped or a recovery seen). */
  changed: boolean;
}

/** Feeds one raw result into a check's debounced state. */
export function stepCheck(prev: CheckState, r: CheckResult, trapPeriodSec: number, now: number): CheckStep {
  const step = stepTrap(prev, r, trapPeriodSec, now);
  const { refusedSince: _r, ...state } = step.state;
  // refused connects only, without a break: a timeout or any other answer starts over
  const refusedSince = r.refused ? (prev.refusedSince ?? now) : undefined;
  return { ...step, state: refusedSince === undefined ? state : { ...state, refusedSince } };
}

function stepTrap(prev: CheckState, r: CheckResult, trapPeriodSec: number, now: number): CheckStep {
  const { lastCause: _c, lastLagSeconds: _l, ...kept } = prev;
  const base: CheckState = { ...kept, ...latest(r) };
  switch (r.status) {
    case 'OK':
      if (prev.phase === 'FAILED') {
        return { state: { phase: 'PASSING', ok: true, message: r.message, lastChange: now, ...latest(r) }, changed: true };
      }
      // errors that never reached trap_period were never reported: nothing to recover from
      return { state: { ...base, phase: 'PASSING', errorSince: undefined }, changed: false };
    case 'UNKNOWN':
      // no evidence either way: keep what was reported, forget the running error timer
      return { state: { ...base, phase: prev.phase === 'FAILED' ? 'FAILED' : 'PASSING', errorSince: undefined }, changed: false };
    case 'ERROR': {
      if (prev.phase === 'FAILED') return { state: base, changed: false };
      const since = prev.phase === 'TRAPPING' && prev.errorSince !== undefined ? prev.errorSince : now;
      if (now - since >= trapPeriodSec * 1000) {
        return { state: { phase: 'FAILED', ok: false, message: r.message, lastChange: now, ...latest(r) }, changed: true };
      }
      return { state: { ...base, phase: 'TRAPPING', errorSince: since }, changed: false };
    }
  }
}

/** A passing check state, for tests and hosts nobody checked yet. */
export function okCheck(now = 0, message = 'OK'): CheckState {
  return { phase: 'PASSING', ok: true, message, lastChange: now };
}

export function failedCheck(now = 0, message = 'ERROR'): CheckState {
  return { phase: 'FAILED', ok: false, message, lastChange: now };
}
