// Mode rules (reference/mmm.md §4.6): WAIT behaves like MANUAL until both masters are ONLINE,
// or one is ONLINE and wait_for_other_master (0 = forever) has passed; then it becomes ACTIVE.
import type { MmmConfig, Mode } from '@mmm/common/pure';
import { monitorSettings } from './policy';
import type { Decision } from './result';
import type { HostMemory } from './snapshot';

export interface ModeStep {
  mode: Mode;
  modeSince: number;
  decision?: Decision;
}

export function stepMode(mode: Mode, modeSince: number, hosts: Record<string, HostMemory>, config: MmmConfig, now: number): ModeStep {
  if (mode !== 'WAIT') return { mode, modeSince };
  const masters = config.roles[config.activeMasterRole]?.hosts ?? [];
  const online = masters.filter((h) => hosts[h]?.state === 'ONLINE');
  const wait = monitorSettings(config).waitForOtherMasterMs;
  if (masters.length > 0 && online.length === masters.length) {
    return { mode: 'ACTIVE', modeSince: now, decision: { kind: 'mode_change', reason: 'WAIT -> ACTIVE: all masters are ONLINE', blocked: false } };
  }
  if (online.length > 0 && wait > 0 && now - modeSince >= wait) {
    return { mode: 'ACTIVE', modeSince: now, decision: { kind: 'mode_change', reason: `WAIT -> ACTIVE: ${online.join(', ')} ONLINE and wait_for_other_master passed`, blocked: false } };
  }
  const why = online.length === 0 ? 'no master is ONLINE' : wait === 0 ? 'wait_for_other_master is 0 (wait forever)' : `waiting for the other master (${Math.round((now - modeSince) / 1000)} s of ${wait / 1000} s)`;
  return { mode, modeSince, decision: { kind: 'mode_change', reason: `WAIT -> ACTIVE held: ${why}`, blocked: true } };
}

/** Roles follow states (failed hosts lose roles) only in ACTIVE mode. */
export const rolesFollowStates = (mode: Mode): boolean => mode === 'ACTIVE';
/** Orphans and balance are handled outside PASSIVE. */
export const distributes = (mode: Mode): boolean => mode !== 'PASSIVE';
