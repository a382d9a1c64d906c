// Every mmm_control command, in the order of MMM's help text: the catalog (common protocol/commands.ts)
// joined with how mmm_control runs each one. A catalog command without a runner does not compile.
import { CONTROL_COMMAND_NAMES, CONTROL_COMMANDS, type ControlCommandKind, type ControlCommandName } from '@mmm/common';
import { help } from './help';
import { ping } from './ping';
import { show } from './show';
import { checks } from './checks';
import { setOnline } from './set-online';
import { setOffline } from './set-offline';
import { mode } from './mode';
import { setActive } from './set-active';
import { setManual } from './set-manual';
import { setPassive } from './set-passive';
import { moveRole } from './move-role';
import { setIp } from './set-ip';
import { statusJson } from './status-json';
import { ackFailover } from './ack-failover';
import { history } from './history';
import type { CommandRunner, CommandSpec } from './types';

const RUNNERS: { [K in ControlCommandName]: CommandRunner } = {
  help, ping, show, checks,
  set_online: setOnline, set_offline: setOffline,
  mode, set_active: setActive, set_manual: setManual, set_passive: setPassive,
  move_role: moveRole, set_ip: setIp, status_json: statusJson, ack_failover: ackFailover, history,
};

function summaryOf(name: ControlCommandName, note: string | undefined): string {
  const base = CONTROL_COMMANDS[name].summary.replace(/\.$/, '');
  if (note === undefined) return base;
  return note.startsWith(';') ? `${base}${note}` : `${base} ${note}`;
}

export const COMMANDS: readonly CommandSpec[] = CONTROL_COMMAND_NAMES.map((name) => ({
  ...RUNNERS[name],
  name,
  args: CONTROL_COMMANDS[name].usage,
  summary: summaryOf(name, RUNNERS[name].note),
}));

export function findCommand(kind: ControlCommandKind): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === kind);
}
