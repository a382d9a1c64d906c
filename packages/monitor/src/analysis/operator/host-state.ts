// Changing one host's state, as the operator commands do (pure).
import type { HostState } from '@mmm/common/pure';
import { NOT_FLAPPING } from '../flapping';
import type { MonitorState } from '../snapshot';

/** `host` enters `state` now; `resetFlap` forgets its flapping (set_online). */
export function withHostState(s: MonitorState, host: string, state: HostState, now: number, resetFlap = false): MonitorState {
  const prev = s.hosts[host];
  return { ...s, hosts: { ...s.hosts, [host]: { ...prev, state, since: now, flap: resetFlap ? { ...NOT_FLAPPING } : prev.flap } } };
}
