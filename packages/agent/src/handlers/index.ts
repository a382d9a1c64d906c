// Command name → handler (one file per command).
import type { AgentCommandName } from '@mmm/common';
import type { Handler } from './context';
import { ping } from './ping';
import { setStatus } from './set-status';
import { getAgentStatus } from './get-agent-status';
import { getSystemStatus } from './get-system-status';
import { clearBadRoles } from './clear-bad-roles';
import { getGtid, waitGtid } from './gtid';
import { getHealth } from './get-health';
import { catchUp } from './catch-up';
import { setTerm } from './set-term';
import { watchHealth } from './watch-health';

/** One handler per catalog command (common protocol/commands.ts): a missing one does not compile. */
export const HANDLERS: { [K in AgentCommandName]: Handler<K> } = {
  PING: ping,
  SET_STATUS: setStatus,
  GET_AGENT_STATUS: getAgentStatus,
  GET_SYSTEM_STATUS: getSystemStatus,
  CLEAR_BAD_ROLES: clearBadRoles,
  GET_GTID: getGtid,
  WAIT_GTID: waitGtid,
  GET_HEALTH: getHealth,
  CATCH_UP: catchUp,
  SET_TERM: setTerm,
  WATCH_HEALTH: watchHealth,
};

export type { AgentContext, Handler, RequestContext } from './context';
