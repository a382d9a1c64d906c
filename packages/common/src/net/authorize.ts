// Command authorization after authentication (DESIGN §4): which certificate role may run what.
import type { PeerRole } from '../model/peer-role';
import type { ResolvedRole } from './peer';

/**
 * Commands listed here need one of their roles; any other command only reads and is open to
 * every known role (viewer included). Unknown commands are the dispatcher's business.
 */
export interface CommandMatrix {
  name: string;
  restricted: Readonly<Record<string, readonly PeerRole[]>>;
}

/** What an agent accepts: state changes only from the monitor. */
export const AGENT_COMMAND_MATRIX: CommandMatrix = {
  name: 'agent',
  restricted: Object.fromEntries(['SET_STATUS', 'CLEAR_BAD_ROLES', 'WAIT_GTID'].map((c) => [c, ['monitor'] as const])),
};

/** What the monitor accepts on its control port: state changes only from mmm_control. */
export const MONITOR_COMMAND_MATRIX: CommandMatrix = {
  name: 'monitor',
  restricted: Object.fromEntries(
    ['set_online', 'set_offline', 'move_role', 'set_ip', 'set_active', 'set_manual', 'set_passive'].map((c) => [
      c,
      ['control'] as const,
    ]),
  ),
};

/**
 * May a peer with `role` run `command` (the command name only: "SET_STATUS", "move_role")?
 * 'any' (no roles configured) may do everything; null (roles configured, none matched) nothing.
 */
export function isAllowed(role: ResolvedRole, command: string, matrix: CommandMatrix): boolean {
  if (role === 'any') return true;
  if (role === null) return false;
  const need = matrix.restricted[command] ?? matrix.restricted[command.toUpperCase()] ?? matrix.restricted[command.toLowerCase()];
  return need === undefined || need.includes(role);
}
