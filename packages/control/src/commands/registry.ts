// Every mmm_control command, in the order of MMM's help text.
import type { ControlCommandKind } from '@mmm/common';
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
import type { CommandSpec } from './types';

export const COMMANDS: readonly CommandSpec[] = [
  help, ping, show, checks, setOnline, setOffline, mode, setActive, setManual, setPassive, moveRole, setIp, statusJson,
];

export function findCommand(kind: ControlCommandKind): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === kind);
}
