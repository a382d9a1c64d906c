// The term gate inside a state-changing handler (under the agent's lock, so a SET_TERM accepted
// meanwhile is seen): refuses a command whose connection does not follow the agent's term, and
// logs each admitted one with its term and monitor.
import type { AgentCommandName, AgentReplyInput } from '@mmm/common';
import { termFields, termGateRefusal } from '../term/index';
import type { AgentContext, RequestContext } from './context';

/** The refusal reply (the connection is closed after it), or undefined when the command may run. */
export function admitByTerm(
  ctx: Pick<AgentContext, 'term' | 'logger'>,
  from: RequestContext,
  kind: AgentCommandName,
  detail: Readonly<Record<string, unknown>> = {},
): Omit<AgentReplyInput, 'uptime'> | undefined {
  const fields = { ...termFields(ctx.term, from.term), conn: from.connSeq };
  const refused = termGateRefusal(ctx.term, from.term);
  if (refused) {
    from.close = true;
    ctx.logger.error(`${kind} refused: ${refused}; closing that connection`, { ...fields, ...detail });
    return { ok: false, text: refused };
  }
  if (ctx.term.record) ctx.logger.info(`${kind} admitted`, { ...fields, ...detail });
  return undefined;
}
