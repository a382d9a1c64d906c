import { agentTexts, encodeHealth } from '@mmm/common';
import { collectHealth, toAgentHealth } from '../health';
import type { Handler } from './context';

// GET_HEALTH: is mysqld running and answering locally, the writer lease, replication positions.
export const getHealth: Handler<'GET_HEALTH'> = async (ctx) => {
  const facts = await collectHealth({
    mysql: ctx.mysql,
    pidfile: ctx.host.mysqlPidfile,
    lease: () => ctx.lease.status(),
    heartbeat: ctx.heartbeat,
    now: ctx.now,
  });
  return { ok: true, text: agentTexts.returningHealth, fields: [encodeHealth(toAgentHealth(facts))] };
};
