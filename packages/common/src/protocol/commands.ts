// The one command catalog of both protocols (control port and agent port): name, arity, whether the
// command changes the cluster, which certificate roles may run it, and its help summary. The parser,
// authorization, the monitor's and the agent's handlers and mmm_control's registry derive from it:
// each keys a record by these names, so a command missing anywhere is a compile error.
import type { PeerRole } from '../model/peer-role';

export interface CommandInfo {
  /** Fewest and most arguments after the name (control port; agent commands count their fields after the host). */
  minArgs: number;
  maxArgs: number;
  /** Argument synopsis as MMM's help writes it, e.g. `[<host>|all [<check>|all]]`. */
  usage: string;
  /** One line for help texts, MMM's wording. */
  summary: string;
  /** Changes roles, states or the mode: waits for the pass mutex and needs one of `roles`. */
  changesCluster: boolean;
  /** Roles that may run it; reading commands are open to every known role (viewer included). */
  roles: readonly PeerRole[];
}

const READERS: readonly PeerRole[] = ['monitor', 'control', 'agent', 'viewer'];
/** DESIGN §4: the monitor's own certificate may change the cluster too (mmm_control with mmm_mon.conf, as in MMM). */
const CHANGERS: readonly PeerRole[] = ['control', 'monitor'];

const read = (summary: string, usage = '', minArgs = 0, maxArgs = minArgs): CommandInfo => ({
  minArgs, maxArgs, usage, summary, changesCluster: false, roles: READERS,
});
const change = (summary: string, usage = '', minArgs = 0, maxArgs = minArgs, roles = CHANGERS): CommandInfo => ({
  minArgs, maxArgs, usage, summary, changesCluster: true, roles,
});

/** Control commands in the order of MMM's help text (`quit` ends a session and is not a command). */
export const CONTROL_COMMANDS = {
  help: read('show this message'),
  ping: read('ping monitor'),
  show: read('show status'),
  checks: read('show checks status', '[<host>|all [<check>|all]]', 0, 2),
  set_online: change('set host <host> online', '<host>', 1),
  set_offline: change('set host <host> offline', '<host>', 1),
  mode: read('print current mode.'),
  set_active: change('switch into active mode.'),
  set_manual: change('switch into manual mode.'),
  set_passive: change('switch into passive mode.'),
  move_role: change('move exclusive role <role> to host <host>', '[--force] <role> <host>', 2, 3),
  set_ip: change('set role with ip <ip> to host <host>', '<ip> <host>', 2),
  status_json: read('show status as one JSON document'),
  ack_failover: change('acknowledge the last automatic failover (ends failover_cooldown)'),
  history: read('show the last <count> (default 20) failovers, switchovers, state changes, blocked decisions', '[<count>]', 0, 1),
} as const satisfies Record<string, CommandInfo>;

export type ControlCommandName = keyof typeof CONTROL_COMMANDS;
export const CONTROL_COMMAND_NAMES = Object.keys(CONTROL_COMMANDS) as ControlCommandName[];

const MONITOR_ONLY: readonly PeerRole[] = ['monitor'];

/** Agent commands (MMM 2.x protocol version 1 plus our GET_GTID, WAIT_GTID, GET_HEALTH, CATCH_UP, SET_TERM, WATCH_HEALTH). */
export const AGENT_COMMANDS = {
  PING: read('is the agent alive'),
  SET_STATUS: change('set state, roles and active master', '<state>|<roles>|<master>', 1, 3, MONITOR_ONLY),
  GET_AGENT_STATUS: read('the state, roles and master the agent holds'),
  GET_SYSTEM_STATUS: read('the roles configured on this system'),
  CLEAR_BAD_ROLES: change('remove roles the monitor did not assign', '', 0, 0, MONITOR_ONLY),
  GET_GTID: read('the executed GTID set'),
  WAIT_GTID: change('wait until a GTID set is applied', '<gtid set>|<timeout ms>', 2, 2, MONITOR_ONLY),
  GET_HEALTH: read('replication health and lag'),
  CATCH_UP: change('replicate from another host until a GTID set is applied, then from the old source again', '<source host>|<gtid set>|<timeout ms>', 3, 3, MONITOR_ONLY),
  SET_TERM: change('follow the monitor of this term (monitor HA): lower terms and the same term from another monitor are refused', '<cluster>|<term>|<monitor>[|<etcd cluster id>]', 3, 4, MONITOR_ONLY),
  WATCH_HEALTH: read('GET_HEALTH once it changes from <generation>, or at the bound', '<generation>|<timeout ms>', 2, 2),
} as const satisfies Record<string, CommandInfo>;

export type AgentCommandName = keyof typeof AGENT_COMMANDS;
export const AGENT_COMMAND_NAMES = Object.keys(AGENT_COMMANDS) as AgentCommandName[];

/**
 * The state-changing commands (SET_STATUS, CLEAR_BAD_ROLES, WAIT_GTID, CATCH_UP: the catalog's
 * changesCluster), SET_TERM itself aside: once an agent has seen a term it admits them only from
 * that term's monitor, and a monitor with HA sends them only while it leads.
 */
export const TERM_GATED: ReadonlySet<AgentCommandName> = new Set(
  AGENT_COMMAND_NAMES.filter((k) => AGENT_COMMANDS[k].changesCluster && k !== 'SET_TERM'),
);

/** Help text lines: `    <name> <usage>` padded to MMM's column, then `- <summary>`. */
export function helpLines(catalog: Readonly<Record<string, CommandInfo>>, column: number, notes: Readonly<Record<string, string>> = {}): string {
  return Object.entries(catalog)
    .map(([name, c]) => {
      const head = `    ${`${name}${c.usage ? ` ${c.usage}` : ''}`.padEnd(column)} - ${c.summary}\n`;
      const note = notes[name];
      return note === undefined ? head : `${head}${' '.repeat(column + 7)}${note}\n`;
    })
    .join('');
}
