// Which commands the term gates, and the fields that name a command's term in the log. Pure.
import { AGENT_COMMANDS, type AgentCommandName } from '@mmm/common';
import type { ConnTerm, TermInForce } from './decide';

/** The state-changing commands (SET_STATUS, CLEAR_BAD_ROLES, WAIT_GTID, CATCH_UP: the catalog's
 *  changesCluster), SET_TERM itself aside: once a term was seen, only its monitor's connections may send them. */
export const TERM_GATED: ReadonlySet<AgentCommandName> = new Set(
  (Object.keys(AGENT_COMMANDS) as AgentCommandName[]).filter((k) => AGENT_COMMANDS[k].changesCluster && k !== 'SET_TERM'),
);

/** `term=` and `monitor=` of a connection's commands while a term is in force ({} before any term):
 *  the e2e tests read them to check that no command of a term below the highest was applied. */
export function termFields(t: TermInForce, conn: ConnTerm | undefined): { term?: number | 'none'; monitor?: string } {
  if (!t.record) return {};
  return conn && conn.epoch === t.epoch ? { term: conn.term, monitor: conn.monitor } : { term: 'none' };
}
