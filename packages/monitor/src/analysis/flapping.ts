// MMM 2.x flap detection as a reducer: every drop from ONLINE (to anything but ADMIN_OFFLINE)
// counts inside a flap_duration window; more than flap_count drops ⇒ flapping.
import type { HostState } from '@mmm/common/pure';
import type { FlapState } from './snapshot';

export const NOT_FLAPPING: FlapState = { flapping: false, count: 0 };

export interface FlapSettings {
  flapCount: number; // 0 disables
  flapDurationMs: number;
}

export interface FlapStep {
  flap: FlapState;
  /** This step made the host flapping. */
  startedFlapping: boolean;
}

/** Records a state change of a host. */
export function stepFlap(prev: FlapState, from: HostState, to: HostState, s: FlapSettings, now: number): FlapStep {
  if (s.flapCount <= 0 || from !== 'ONLINE' || to === 'ADMIN_OFFLINE' || to === 'ONLINE') {
    return { flap: prev, startedFlapping: false };
  }
  const windowOpen = prev.windowStart !== undefined && now - prev.windowStart <= s.flapDurationMs;
  const flap: FlapState = windowOpen
    ? { ...prev, count: prev.count + 1 }
    : { flapping: prev.flapping, count: 1, windowStart: now };
  if (!prev.flapping && flap.count > s.flapCount) {
    return { flap: { ...flap, flapping: true }, startedFlapping: true };
  }
  return { flap, startedFlapping: false };
}

/** set_online (or an auto_set_online of a flapping host) forgets the history. */
export function resetFlap(): FlapState {
  return { ...NOT_FLAPPING };
}
