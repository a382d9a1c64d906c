// Every operator transition, by command; a command missing here is a compile error.
import { ackFailover } from './ack-failover';
import { moveRole } from './move-role';
import { setActive, setManual, setPassive } from './modes';
import { setIp } from './set-ip';
import { setOffline } from './set-offline';
import { setOnline } from './set-online';
import type { OperatorCommand, OperatorKind, OperatorStep, OperatorView, Transition } from './types';

export * from './types';
export { withHostState } from './host-state';

export const TRANSITIONS: { [K in OperatorKind]: Transition<K> } = {
  set_online: setOnline,
  set_offline: setOffline,
  move_role: moveRole,
  set_ip: setIp,
  set_active: setActive,
  set_manual: setManual,
  set_passive: setPassive,
  ack_failover: ackFailover,
};

export function operatorTransition(cmd: OperatorCommand, v: OperatorView): OperatorStep {
  return (TRANSITIONS[cmd.kind] as Transition<typeof cmd.kind>)(cmd as never, v);
}
