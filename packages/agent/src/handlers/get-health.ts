import { agentTexts, encodeHealth } from '@mmm/common';
import { toAgentHealth } from '../health/index';
import type { Handler } from './context';

// GET_HEALTH: is mysqld running and answering locally, the writer lease, replication positions.
// Answered from the health watch's latest facts, so it is quick even while mysqld hangs.
export const getHealth: Handler<'GET_HEALTH'> = async (ctx) => {
  const facts = await ctx.health();
  return { ok: true, text: agentTexts.returningHealth, fields: [encodeHealth(toAgentHealth(facts))] };
};
