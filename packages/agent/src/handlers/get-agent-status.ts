import { agentStatusFields, agentTexts } from '@mmm/common';
import type { Handler } from './context';

// The agent's in-memory view: UNKNOWN|||  after a restart, as MMM. Like MMM, only a replica
// (mode slave) keeps an active master; masters always report '' (mmm-wire.md §3.1).
export const getAgentStatus: Handler<'GET_AGENT_STATUS'> = async (ctx) => ({
  ok: true,
  text: agentTexts.returningStatus,
  fields: agentStatusFields({
    state: ctx.wanted.state,
    roles: [...ctx.wanted.roles],
    activeMaster: ctx.host.mode === 'slave' ? ctx.wanted.activeMaster : '',
  }),
});
