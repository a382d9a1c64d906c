import { agentTexts, encodeHealth } from '@mmm/common';
import { toAgentHealth } from '../health/index';
import type { Handler } from './context';

// WATCH_HEALTH: GET_HEALTH's answer, given when the health generation is no longer the one the
// monitor passed (at once if it already differs), at the request's bound, or when the agent
// stops; one per connection, a few per peer (health-events.ts). The generation is read before the
// facts, so the facts are at least as new as it: a change during the answer makes the next
// request return at once, never lost. The facts come from HealthWatch.latest(), which drops the
// writer VIP before it says "stopped".
export const watchHealth: Handler<'WATCH_HEALTH'> = async (ctx, req, from) => {
  const events = ctx.healthEvents;
  const peer = from.peerKey ?? `conn#${from.connSeq}`;
  const refused = events.refusal(from.connSeq, peer);
  if (refused) return { ok: false, text: `WATCH_HEALTH refused: ${refused}` };
  const outcome = await events.wait(req.generation, req.timeoutMs, from.connSeq, peer, from.closed);
  if (outcome === 'closed') {
    from.close = true; // the monitor went away: nobody reads this
    return { ok: false, text: 'WATCH_HEALTH: connection closed' };
  }
  const generation = events.current;
  const facts = await ctx.health();
  return { ok: true, text: agentTexts.returningHealth, fields: [encodeHealth(toAgentHealth(facts)), String(generation)] };
};
