// Command authorization after authentication (DESIGN §4): which certificate role may run what.
import type { PeerRole } from '../model/peer-role';
import { AGENT_COMMANDS, CONTROL_COMMANDS, type CommandInfo } from '../protocol/commands';
import type { ResolvedRole } from './peer';

/**
 * Commands listed here need one of their roles; any other command only reads and is open to
 * every known role (viewer included). Unknown commands are the dispatcher's business.
 */
export interface CommandMatrix {
  name: string;
  /** A Map: command names come from the wire (`constructor` must not find Object's). */
  restricted: ReadonlyMap<string, readonly PeerRole[]>;
}

function matrixOf(name: string, catalog: Readonly<Record<string, CommandInfo>>): CommandMatrix {
  const restricted = Object.entries(catalog).filter(([, c]) => c.changesCluster).map(([n, c]) => [n, c.roles] as const);
  return { name, restricted: new Map(restricted) };
}

/** What an agent accepts: state changes only from the monitor (protocol/commands.ts). */
export const AGENT_COMMAND_MATRIX: CommandMatrix = matrixOf('agent', AGENT_COMMANDS);

/** What the monitor accepts on its control port: state changes from mmm_control and from the monitor's own certificate. */
export const MONITOR_COMMAND_MATRIX: CommandMatrix = matrixOf('monitor', CONTROL_COMMANDS);

/**
 * May a peer with `role` run `command` (the command name only: "SET_STATUS", "move_role")?
 * 'any' (no roles configured) may do everything; null (roles configured, none matched) nothing.
 */
export function isAllowed(role: ResolvedRole, command: string, matrix: CommandMatrix): boolean {
  if (role === 'any') return true;
  if (role === null) return false;
  const r = matrix.restricted;
  const need = r.get(command) ?? r.get(command.toUpperCase()) ?? r.get(command.toLowerCase());
  return need === undefined || need.includes(role);
}
