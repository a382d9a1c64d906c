// Dispatch of control commands (one file per command) and their authorization.
import { CONTROL_COMMANDS, type ControlCommand, type ControlCommandName, MONITOR_COMMAND_MATRIX, type ResolvedRole, isAllowed } from '@mmm/common';
import { checks } from './checks';
import type { CommandHandler, CommandHost } from './context';
import { help } from './help';
import { history } from './history';
import { mode } from './mode';
import { ping } from './ping';
import { runTransition } from './run-transition';
import { show } from './show';
import { statusJson } from './status-json';

export type { CommandHost } from './context';

/** One handler per catalog command (common protocol/commands.ts): a missing one does not compile. */
type Handlers = { [K in ControlCommandName]: CommandHandler<K> };

export const HANDLERS: Handlers = {
  help,
  ping,
  show,
  checks,
  // the commands that change the cluster: pure transitions (analysis/operator/) run by one handler
  set_online: runTransition,
  set_offline: runTransition,
  move_role: runTransition,
  set_ip: runTransition,
  mode,
  set_active: runTransition,
  set_manual: runTransition,
  set_passive: runTransition,
  status_json: statusJson,
  ack_failover: runTransition,
  history,
};

/**
 * The reply for a refused command: no rights at all (`why`: no URI and no peer_role rule matched,
 * or an unknown/conflicting role URI), or a state change without the control or monitor role.
 */
export const notAuthorizedText = (command: string, role: ResolvedRole = 'viewer', why = 'it matches no peer_role rule and has no urn:mmm:role URI'): string =>
  role === null
    ? `ERROR: Not authorized: this certificate has no rights (${why}), so it may not run '${command}'`
    : `ERROR: Not authorized: '${command}' changes the cluster and needs a certificate with the control or monitor role`;

export function authorized(role: ResolvedRole, cmd: ControlCommand): boolean {
  return isAllowed(role, cmd.kind, MONITOR_COMMAND_MATRIX);
}

/**
 * Commands that change the cluster wait for the pass mutex; the rest only read the last state,
 * which a pass replaces as a whole, so they are answered at once even while a pass waits on a
 * slow agent or a planned switch (a `show` must never hang behind a switchover).
 */
export function changesCluster(cmd: ControlCommand): boolean {
  return cmd.kind !== 'quit' && CONTROL_COMMANDS[cmd.kind].changesCluster;
}

export function executeCommand(m: CommandHost, cmd: Exclude<ControlCommand, { kind: 'quit' }>): Promise<string> | string {
  const h = HANDLERS[cmd.kind] as CommandHandler<typeof cmd.kind>;
  return h(m, cmd as never);
}
