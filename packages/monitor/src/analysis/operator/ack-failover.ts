// ack_failover (ours): the operator acknowledges the last automatic failover, so the next writer
// failure fails over automatically again before failover_cooldown has passed (orchestrator's
// acknowledge-recovery). A pass follows at once: a failover the cooldown held proceeds.
import { texts } from '@mmm/common/pure';
import { cooldownUntil } from '../promotion';
import { type Transition, refuse } from './types';

export const ackFailover: Transition<'ack_failover'> = (_c, v) => {
  const last = v.state.lastFailover;
  const until = cooldownUntil(last, v.config, v.now);
  if (!last || until === undefined) return refuse(texts.nothingToAck());
  const at = new Date(last.at).toISOString();
  return {
    kind: 'done',
    reply: texts.ackFailoverOk(last.from, last.to, at),
    state: { ...v.state, lastFailover: { ...last, acknowledgedAt: v.now } },
    decisions: [{ kind: 'command', reason: `ack_failover: the failover from ${last.from} to ${last.to} at ${at} acknowledged by operator; failover_cooldown no longer blocks the next one`, blocked: false }],
    actions: [{ kind: 'persist' }],
    pass: true,
  };
};
